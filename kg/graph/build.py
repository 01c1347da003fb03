"""Build the graph from papers and their extractions, after entity resolution.

The pieces (`paper_node_record`, `entity_node_records`, `variant_edge_records`, `paper_records`) turn
extraction records (the JSON form of `kg.codec.extraction_to_record`, as stored in extractions.jsonl) and a
`Resolution` into node and edge records. `iter_graph` chains them over a corpus and `build_graph` collects
the result into networkx; `kg build` writes the same pieces to graph.json paper by paper
(`kg.graph.stage`), so an incremental build can re-emit only some papers: one logic, two sinks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Union

import networkx as nx

from kg.codec import extraction_to_record
from kg.graph.model import relation_for
from kg.graph.resolve import Resolution, Signature, resolve_signatures, variant_links
from kg.records import Paper, PaperExtraction

__all__ = ["NodeRecord", "EdgeRecord", "iter_graph", "build_graph", "signatures_of", "entity_node_records",
           "variant_edge_records", "paper_records", "paper_node_record", "merge_log", "MERGE_EXAMPLES"]

NodeRecord = tuple[str, dict[str, Any]]
EdgeRecord = tuple[str, str, str, dict[str, Any]]
GraphRecord = Union[tuple[str, NodeRecord], tuple[str, EdgeRecord]]


def _paper_attrs(paper: Paper) -> dict[str, Any]:
    return {
        "type": "Paper",
        "title": paper.title,
        "abstract": paper.abstract,
        "authors": list(paper.authors),
        "date": paper.date,
        "url": paper.url,
        "arxiv_id": paper.arxiv_id,
        "categories": list(paper.categories),
        "sources": [f"{s.path}:{s.line}" for s in paper.sources],
    }


Record = Mapping[str, Any]


def _signature(entity: Record) -> Signature:
    return (entity["type"], entity["name"], tuple(sorted(set(entity["mentions"]))))


def _paper_edges(extraction: Record, resolution: Resolution) -> Iterator[EdgeRecord]:
    """One edge per (paper, entity): PROPOSES wins when any mention is proposed; all evidence is kept."""
    merged: dict[str, dict[str, Any]] = {}
    for entity in extraction["entities"]:
        node = resolution.assignment[_signature(entity)]
        slot = merged.setdefault(node, {"type": entity["type"], "roles": set(), "confidence": 0.0, "evidence": []})
        slot["roles"].add(entity["role"])
        slot["confidence"] = max(slot["confidence"], entity["confidence"])
        for ev in entity["evidence"]:
            if ev not in slot["evidence"]:
                slot["evidence"].append(ev)
    for node, slot in merged.items():
        role = None if slot["type"] in ("Metric", "Task") else ("proposed" if "proposed" in slot["roles"] else "used")
        relation = relation_for(slot["type"], role)
        evidence = sorted(slot["evidence"], key=lambda e: (e["field"] != "title", e["start"], e["end"]))
        yield extraction["id"], node, relation, {
            "type": relation, "role": role, "confidence": slot["confidence"],
            "extractor_version": extraction["extractor_version"], "evidence": evidence,
        }


def signatures_of(extraction: Record) -> list[Signature]:
    """The resolution signature of every entity of one extraction record, in order."""
    return [_signature(e) for e in extraction["entities"]]


def entity_node_records(resolution: Resolution, paper_counts: Mapping[str, int],
                        merges: Mapping[str, list[dict[str, Any]]] | None = None) -> Iterator[NodeRecord]:
    """The entity nodes, by id, with how many papers name each and, where forms were merged, the merge log."""
    for node_id in sorted(resolution.entities):
        entity = resolution.entities[node_id]
        attrs: dict[str, Any] = {"type": entity.type, "name": entity.name, "aliases": list(entity.aliases),
                                 "paper_count": paper_counts.get(node_id, 0)}
        if merges and node_id in merges:
            attrs["merged"] = merges[node_id]
        yield node_id, attrs


#: How many example papers the merge log names per surface form.
MERGE_EXAMPLES = 3


def merge_log(resolution: Resolution, counts: Mapping[Signature, int], first: Mapping[Signature, Sequence[int]],
              paper_id: Callable[[int], str]) -> dict[str, list[dict[str, Any]]]:
    """Per entity with more than one surface form: each form, the rule that merged it (`kg.graph.resolve.RULES`),
    how many paper entities carried it and the first papers (up to `MERGE_EXAMPLES`, in corpus order).

    `first` gives each signature's first paper positions and `paper_id` turns a position into a paper id.
    """
    per: dict[str, dict[tuple[str, str], list[Any]]] = {}
    for sig, node in resolution.assignment.items():
        if counts.get(sig, 0) <= 0 or sig not in first:
            continue
        for surface, rule in resolution.forms.get(sig, ()):
            slot = per.setdefault(node, {}).setdefault((surface, rule), [0, set()])
            slot[0] += counts[sig]
            slot[1].update(first[sig])
    log: dict[str, list[dict[str, Any]]] = {}
    for node in sorted(per):
        forms = per[node]
        if len({surface for surface, _ in forms}) < 2:
            continue
        log[node] = [{"form": surface, "rule": rule, "papers": number,
                      "examples": [paper_id(p) for p in sorted(positions)[:MERGE_EXAMPLES]]}
                     for (surface, rule), (number, positions) in sorted(forms.items())]
    return log


def variant_edge_records(resolution: Resolution) -> Iterator[EdgeRecord]:
    """VARIANT_OF edges between resolved entities (see `variant_links`)."""
    for variant, base in variant_links(resolution.entities.values()):
        yield variant, base, "VARIANT_OF", {"type": "VARIANT_OF"}


def paper_records(extraction: Record, resolution: Resolution) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    """One paper's result nodes and its edges (to entities, to its results, and from results to entities).

    They depend only on the paper's extraction and on the node ids its entities resolved to, which lets an
    incremental build re-emit exactly the papers whose ids changed.
    """
    pid = extraction["id"]
    nodes: list[NodeRecord] = []
    edges = list(_paper_edges(extraction, resolution))
    local = {(e["type"], e["name"]): resolution.assignment[_signature(e)] for e in extraction["entities"]}
    for index, result in enumerate(extraction["results"]):
        rid = f"result:{pid}:{index}"
        confidence = result.get("confidence", 0.5)
        nodes.append((rid, {"type": "Result", "value": result["value"], "paper": pid, "confidence": confidence}))
        edges.append((pid, rid, "HAS_RESULT", {
            "type": "HAS_RESULT", "role": None, "confidence": confidence,
            "extractor_version": extraction["extractor_version"],
            "evidence": [result["evidence"]] if result.get("evidence") else [],
        }))
        for relation, etype, name in (
            ("OF_METHOD", "Method", result["method"]),
            ("ON_DATASET", "Dataset", result.get("dataset")),
            ("MEASURED_BY", "Metric", result["metric"]),
        ):
            target = local.get((etype, name)) if name else None
            if target:
                edges.append((rid, target, relation, {"type": relation}))
    return nodes, edges


def paper_node_record(paper: Paper) -> NodeRecord:
    """The node of one paper."""
    return paper.id, _paper_attrs(paper)


def iter_graph(papers: Iterable[Paper], extractions: Callable[[], Iterable[Record]]) -> Iterator[GraphRecord]:
    """Yield ``("node", (id, attrs))`` and ``("edge", (source, target, relation, attrs))`` records.

    `extractions` returns a fresh iterator of extraction records each call (it is read three times). Node
    order: papers, then entities by id, then each paper's results; a node comes before the edges touching it.
    """
    counts = Counter(s for x in extractions() for s in signatures_of(x))
    resolution = resolve_signatures(counts)
    paper_counts: Counter[str] = Counter()
    first: dict[Signature, list[int]] = {}
    ids: list[str] = []
    for position, extraction in enumerate(extractions()):
        ids.append(extraction["id"])
        for sig in signatures_of(extraction):
            seen = first.setdefault(sig, [])
            if len(seen) < MERGE_EXAMPLES and position not in seen:
                seen.append(position)
        paper_counts.update({resolution.assignment[s] for s in signatures_of(extraction)})
    merges = merge_log(resolution, counts, first, ids.__getitem__)
    for paper in papers:
        yield "node", paper_node_record(paper)
    yield from (("node", node) for node in entity_node_records(resolution, paper_counts, merges))
    yield from (("edge", edge) for edge in variant_edge_records(resolution))
    for extraction in extractions():
        nodes, edges = paper_records(extraction, resolution)
        yield from (("node", node) for node in nodes)
        yield from (("edge", edge) for edge in edges)


def build_graph(papers: Iterable[Paper], extractions: Sequence[PaperExtraction]) -> nx.MultiDiGraph:
    """Return the graph of `papers` and their `extractions` as a networkx MultiDiGraph (see `iter_graph`)."""
    graph = nx.MultiDiGraph()
    records = [extraction_to_record(x) for x in extractions]
    for kind, record in iter_graph(papers, lambda: records):
        if kind == "node":
            node_id, attrs = record  # type: ignore[misc]
            graph.add_node(node_id, **attrs)
        else:
            source, target, key, attrs = record  # type: ignore[misc]
            graph.add_edge(source, target, key=key, **attrs)
    return graph
