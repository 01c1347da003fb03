#!/usr/bin/env python3
"""Mine how often each short phrase of corpus-large appears in task-like and measure-like contexts.

usage: scripts/mine_phrase_stats.py [--corpus ../shared/corpus-large/arxiv-ml-50k.jsonl.gz]
       [--exclude data/train/batches ...] [--out kg/extract/lexicon/phrase_stats.json]

The learned decision (``kg_decide``) sees these figures as features of a candidate phrase and of its head word,
so that a phrase it never saw annotated ("foveated rendering", "token usage") still tells whether the field
uses it as a task or as a measure. Everything is counted over unannotated text with fixed, general patterns
(no annotated name is involved); the annotated abstracts (``--exclude``: the training batches and the dev set)
are left out so that cross-validation stays honest. Contexts, over runs of content words (as in
``kg.extract.candidates``), for the last 1..3 words P of a run:

- task: "P task(s)/problem(s)" (the run ends with that noun), "the task/problem of P", "P aims to";
- for: "for P" (the run follows "for");
- metric: "P of/by/=/: <number>", "<number> P", "in terms of P", "P metric(s)/score(s)".

The output maps each phrase seen in some context at least twice to ``[occurrences, task, for, metric]``.
Deterministic: the same corpus gives the same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.extract.candidates import FUNCTION_WORDS  # noqa: E402
from kg.extract.common import is_number  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus-large" / "arxiv-ml-50k.jsonl.gz"
DEV = ROOT.parent / "shared" / "eval" / "dev_papers.jsonl"
OUT = ROOT / "kg" / "extract" / "lexicon" / "phrase_stats.json"

_TOKEN = re.compile(r"\w[\w\-'+./@]*\w%?|\w%?|%|=|[.,;:()!?]")
TASK_NOUNS = frozenset({"task", "tasks", "problem", "problems"})
MEASURE_NOUNS = frozenset({"metric", "metrics", "score", "scores"})
VALUE_LINKS = frozenset({"of", "by", "=", ":", "is", "was", "to", "at", "reaches", "reaching", "achieves", "up"})
LONGEST = 3


def tokens(text: str) -> list[str]:
    return ["<num>" if is_number(t) else t for t in _TOKEN.findall(text.lower())]


def content(t: str) -> bool:
    return t not in FUNCTION_WORDS and t != "<num>" and any(c.isalpha() for c in t)


def runs(toks: list[str]) -> list[tuple[int, int]]:
    out, i, n = [], 0, len(toks)
    while i < n:
        if not content(toks[i]):
            i += 1
            continue
        j = i
        while j < n and content(toks[j]):
            j += 1
        out.append((i, j))
        i = j
    return out


def suffixes(toks: list[str], i: int, j: int) -> list[str]:
    return [" ".join(toks[j - k : j]) for k in range(1, min(LONGEST, j - i) + 1)]


def prefixes(toks: list[str], i: int, j: int) -> list[str]:
    return [" ".join(toks[i : i + k]) for k in range(1, min(LONGEST, j - i) + 1)]


def contexts(toks: list[str]) -> tuple[list[str], list[str], list[str], list[str]]:
    """Phrases of one text: all run suffixes (occurrences), and those in task / for / metric contexts."""
    occ, task, for_, metric = [], [], [], []
    n = len(toks)
    for i, j in runs(toks):
        occ += suffixes(toks, i, j)
        before = toks[i - 1] if i > 0 else ""
        if toks[j - 1] in TASK_NOUNS and j - 1 > i:
            task += suffixes(toks, i, j - 1)
        if toks[j - 1] in MEASURE_NOUNS and j - 1 > i:
            metric += suffixes(toks, i, j - 1)
        if j + 1 < n and toks[j] == "aims" and toks[j + 1] == "to":
            task += suffixes(toks, i, j)
        if before == "of" and i >= 2 and toks[i - 2] in TASK_NOUNS:
            task += prefixes(toks, i, j)
        if before == "for":
            for_ += prefixes(toks, i, j)
        if before == "<num>" or before == "%":
            metric += prefixes(toks, i, j)
        if i >= 3 and toks[i - 3 : i] == ["in", "terms", "of"]:
            metric += prefixes(toks, i, j)
        k = j
        while k < n and toks[k] in VALUE_LINKS and k - j < 3:
            k += 1
        if k > j and k < n and toks[k] == "<num>":
            metric += suffixes(toks, i, j)
    return occ, task, for_, metric


def read_ids(paths: list[Path]) -> set[str]:
    ids: set[str] = set()
    for p in paths:
        for f in sorted(p.glob("*.jsonl")) if p.is_dir() else [p]:
            ids |= {str(json.loads(line)["id"]) for line in f.read_text(encoding="utf-8").splitlines() if line.strip()}
    return ids


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--exclude", type=Path, nargs="*", default=[ROOT / "data" / "train" / "batches", DEV])
    ap.add_argument("--min-hits", type=int, default=2)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    skip = read_ids([p for p in args.exclude if p.exists()])
    texts = []
    with gzip.open(args.corpus, "rt", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            if str(d["id"]) not in skip:
                texts.append(tokens(f"{d.get('title') or ''} . {d.get('abstract') or ''}"))
    task, for_, metric = Counter(), Counter(), Counter()
    for toks in texts:
        _, t, f, m = contexts(toks)
        task.update(t)
        for_.update(f)
        metric.update(m)
    keep = {p for c in (task, for_, metric) for p, k in c.items() if k >= args.min_hits}
    occ: Counter[str] = Counter()
    for toks in texts:
        occ.update(p for p in contexts(toks)[0] if p in keep)
    table = {p: [occ[p], task[p], for_[p], metric[p]] for p in sorted(keep) if occ[p]}
    meta = {"corpus": args.corpus.name, "papers": len(texts), "excluded": len(skip), "fields": ["occ", "task", "for", "metric"]}
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps({"info": meta, "phrases": table}, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    tmp.replace(args.out)
    print(f"{len(table)} phrases from {len(texts)} abstracts ({len(skip)} annotated left out) -> {args.out}")


if __name__ == "__main__":
    main()
