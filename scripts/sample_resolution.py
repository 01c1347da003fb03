"""Draw samples of entity-resolution decisions from a build, for labelling by hand; score labelled samples.

Two samples (seeded, so a build always gives the same ones):

- merges: (entity, surface form) pairs, uniform over every surface form other than the display name that
  resolution put on an entity with several forms; and merges_weighted: the same pairs drawn in proportion to
  how many papers' entities carry them. Correct when the form, in its paper's sentence, names the entity.
- acronym links: paper-level uses of a bare acronym (no expansion in that paper) that resolution linked to
  an entity with an expansion (from the lexicon, or defined in other papers). Correct when the acronym, in
  its sentence, stands for that expansion.

    python scripts/sample_resolution.py draw BUILD_DIR OUT_DIR [--merges 50] [--weighted 40] [--acronyms 50]
    python scripts/sample_resolution.py score LABELLED.jsonl ...
    python scripts/sample_resolution.py duplicates BUILD_DIR ...     # (type, name) pairs held by several nodes
    python scripts/sample_resolution.py stability OLD_BUILD NEW_BUILD   # ids of OLD kept in NEW

`draw` writes OUT_DIR/merges.jsonl, merges_weighted.jsonl and acronyms.jsonl with ``"label": null``; set each label to
true or false (and a short "note" when false), then `score` prints the precision of each file.
"""

from __future__ import annotations

import argparse
import json
import hashlib
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from kg.graph.build import signatures_of
from kg.graph.resolve import Signature, _is_definition, _looks_like_acronym, is_acronym_of, resolve_signatures


def _records(build: Path) -> list[dict[str, Any]]:
    with open(build / "extractions.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def _sentence(entity: dict[str, Any], form: str | None = None) -> str:
    """The sentence of the evidence whose span is `form` (else the first evidence sentence)."""
    fallback = ""
    for ev in entity["evidence"]:
        span = ev["sentence"][ev["start"] - ev["sentence_start"]:ev["end"] - ev["sentence_start"]]
        if form is None or span == form:
            return ev["sentence"]
        fallback = fallback or ev["sentence"]
    return fallback


def _uniform(seed: int, *item: object) -> float:
    """A number in (0, 1) that depends on `seed` and `item` only."""
    digest = hashlib.sha256(json.dumps([seed, *item], ensure_ascii=False).encode("utf-8")).digest()
    return (int.from_bytes(digest[:8], "big") + 1) / (2 ** 64 + 2)


def _is_bare(sig: Signature) -> bool:
    _, name, mentions = sig
    surfaces = {name, *mentions}
    return _looks_like_acronym(name) and not any(is_acronym_of(s, o) for s in surfaces for o in surfaces if s != o)


def draw(build: Path, out: Path, merges: int, weighted: int, acronyms: int, seed: int) -> None:
    records = _records(build)
    counts = Counter(s for r in records for s in signatures_of(r))
    res = resolve_signatures(counts)
    forms_of: dict[str, set[str]] = {}
    for sig, node in res.assignment.items():
        forms_of.setdefault(node, set()).update(f for f, _ in res.forms[sig])
    # Merge sample: (node, form, rule) over nodes with several forms, the display name left out.
    pairs: dict[tuple[str, str, str], Signature] = {}
    weight: Counter[tuple[str, str, str]] = Counter()
    for sig in sorted(res.assignment):
        node = res.assignment[sig]
        if len(forms_of[node]) < 2:
            continue
        for form, rule in res.forms[sig]:
            if form != res.entities[node].name:
                pairs.setdefault((node, form, rule), sig)
                weight[(node, form, rule)] += counts[sig]
    # Each item's random number is a hash of the seed and the item, so a slightly different pool (another
    # build, a changed rule) keeps most of the same items and their labels.
    chosen = sorted(pairs, key=lambda p: _uniform(seed, *p))[:merges]
    # Weighted without replacement (Efraimidis-Spirakis keys), the uniform draw's pairs left out.
    taken = set(chosen)
    keyed = sorted(((_uniform(seed + 1, *p) ** (1 / weight[p]), p) for p in pairs if p not in taken), reverse=True)
    heavy = [p for _, p in keyed[:weighted]]
    wanted = {pairs[c]: c for c in (*chosen, *heavy)}
    merge_rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    # Acronym sample: paper-level bare acronyms on a node that has an expansion of them among its forms.
    expansions = {node: sorted(forms) for node, forms in forms_of.items()}
    uses: list[tuple[int, int]] = []
    for p, record in enumerate(records):
        for e, entity in enumerate(record["entities"]):
            sig = signatures_of({"entities": [entity]})[0]
            node = res.assignment[sig]
            if _is_bare(sig) and any(_is_definition(entity["name"], x) for x in expansions[node]):
                uses.append((p, e))
            if sig in wanted and wanted[sig] not in merge_rows:
                node, form, rule = wanted[sig]
                merge_rows[wanted[sig]] = {
                    "entity": node, "name": res.entities[node].name, "type": sig[0], "form": form, "rule": rule,
                    "papers": weight[wanted[sig]],
                    "paper": record["id"], "paper_name": entity["name"], "sentence": _sentence(entity, form),
                    "label": None}
    picked = sorted(uses, key=lambda u: _uniform(seed, records[u[0]]["id"], records[u[0]]["entities"][u[1]]["name"]))
    picked = picked[:acronyms]
    acronym_rows = []
    for p, e in sorted(picked):
        entity = records[p]["entities"][e]
        node = res.assignment[signatures_of({"entities": [entity]})[0]]
        acronym_rows.append({
            "entity": node, "name": res.entities[node].name, "type": entity["type"], "acronym": entity["name"],
            "expansions": [x for x in expansions[node] if _is_definition(entity["name"], x)],
            "paper": records[p]["id"], "sentence": _sentence(entity, entity["name"]), "label": None})
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in (("merges", [merge_rows[c] for c in chosen if c in merge_rows]),
                       ("merges_weighted", [merge_rows[c] for c in heavy if c in merge_rows]),
                       ("acronyms", acronym_rows)):
        with open(out / f"{name}.jsonl", "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    print(f"{len(records)} papers, {len(res.entities)} entities")
    print(f"merges: {len(merge_rows)} drawn of {len(pairs)} merged (entity, form) pairs -> {out / 'merges.jsonl'}")
    print(f"acronym links: {len(acronym_rows)} drawn of {len(uses)} bare-acronym uses linked to an expansion "
          f"-> {out / 'acronyms.jsonl'}")


def score(paths: list[Path]) -> None:
    for path in paths:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        labelled = [r for r in rows if r.get("label") is not None]
        right = sum(1 for r in labelled if r["label"])
        if not labelled:
            print(f"{path}: nothing labelled")
            continue
        print(f"{path}: precision {right / len(labelled):.3f} ({right}/{len(labelled)} correct)")
        for r in labelled:
            if not r["label"]:
                print(f"  wrong: {r.get('form') or r.get('acronym')!r} -> {r['entity']}: {r.get('note', '')}")


def _entity_nodes(build: Path) -> list[dict[str, Any]]:
    """The entity nodes of a build's graph.json (the nodes array only; the edges are not read)."""
    from kg.graph.writer import GRAPH_MIDDLE

    data = (build / "graph.json").read_bytes()
    head = data[:data.index(GRAPH_MIDDLE)] + b"]}"
    return [n for n in json.loads(head)["nodes"] if n["type"] in ("Method", "Dataset", "Metric", "Task")]


def duplicates(builds: list[Path]) -> None:
    from kg.graph.resolve import surface_key

    for build in builds:
        nodes = _entity_nodes(build)
        exact = Counter((n["type"], n["name"]) for n in nodes)
        folded = Counter((n["type"], surface_key(n["name"])) for n in nodes)
        print(f"{build}: {len(nodes)} entities; (type, name) held by several nodes: "
              f"{sum(1 for c in exact.values() if c > 1)}; (type, folded name): "
              f"{sum(1 for c in folded.values() if c > 1)}")
        for (etype, name), c in sorted(folded.items()):
            if c > 1:
                print(f"  {etype} {name!r}: " + ", ".join(
                    f"{n['id']} ({n['name']}, {n['paper_count']})" for n in nodes
                    if n["type"] == etype and surface_key(n["name"]) == name))


def _signature_nodes(build: Path) -> dict[tuple[str, str, tuple[str, ...]], str]:
    out = {}
    with open(build / ".kg-state" / "signatures.jsonl", encoding="utf-8") as fh:
        for line in fh:
            etype, name, mentions, node = json.loads(line)
            if node is not None:
                out[(etype, name, tuple(mentions))] = node
    return out


def stability(old: Path, new: Path) -> None:
    before, after = _signature_nodes(old), _signature_nodes(new)
    old_ids, new_ids = set(before.values()), set(after.values())
    moved = [s for s in before if after.get(s) != before[s]]
    renamed = {n["id"]: n["name"] for n in _entity_nodes(old)}
    names = {n["id"]: n["name"] for n in _entity_nodes(new)}
    print(f"{old} -> {new}")
    print(f"  entity ids of the old build kept: {len(old_ids & new_ids)}/{len(old_ids)} "
          f"({len(old_ids - new_ids)} gone); new ids: {len(new_ids - old_ids)}")
    print(f"  distinct entity signatures of the old build on another node now: {len(moved)}/{len(before)}")
    print(f"  display names changed (id kept): {sum(1 for i, n in renamed.items() if i in names and names[i] != n)}")
    for s in moved[:10]:
        print(f"    {s} : {before[s]} -> {after.get(s)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("draw", help="draw samples from a build")
    d.add_argument("build", type=Path)
    d.add_argument("out", type=Path)
    d.add_argument("--merges", type=int, default=50)
    d.add_argument("--weighted", type=int, default=40)
    d.add_argument("--acronyms", type=int, default=50)
    d.add_argument("--seed", type=int, default=15)
    s = sub.add_parser("score", help="precision of labelled samples")
    s.add_argument("files", type=Path, nargs="+")
    u = sub.add_parser("duplicates", help="(type, name) pairs held by several nodes")
    u.add_argument("builds", type=Path, nargs="+")
    t = sub.add_parser("stability", help="entity ids of an earlier build kept in a later one")
    t.add_argument("old", type=Path)
    t.add_argument("new", type=Path)
    args = parser.parse_args(argv)
    if args.command == "draw":
        draw(args.build, args.out, args.merges, args.weighted, args.acronyms, args.seed)
    elif args.command == "score":
        score(args.files)
    elif args.command == "duplicates":
        duplicates(args.builds)
    else:
        stability(args.old, args.new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
