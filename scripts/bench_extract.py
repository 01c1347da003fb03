#!/usr/bin/env python3
"""Benchmark the extractor: abstracts per second for workers=1 and workers=2, and peak RSS, for the default
(learned decision) and the --fast (rules) pipelines, with the F1 of each on annotated papers.

usage: python scripts/bench_extract.py [PAPERS.jsonl[.gz]] [-n 10000] [--workers 1 2] [--modes default fast]
       [--gold GOLD.jsonl]

Targets: default >= 100 abstracts/CPU-s, --fast >= 400; model load < 2 s. F1 is scored on the papers of the
input that `--gold` annotates (default: the dev set, which no design choice was made on).

The input (default: ../shared/eval/dev_papers.jsonl) is repeated until it holds N papers. Wall-clock
throughput depends on what else the machine runs, so CPU throughput (papers per CPU-second of this process
and its workers) is printed too; the per-core target is >= 300 abstracts/s. A 100,000-character abstract is timed last (target: about 1 s).
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kg.evaluate import load_jsonl, score_predictions  # noqa: E402
from kg.extract import ExtractInput, extract, extraction_to_json, get_nlp  # noqa: E402
from kg.extract import _model_arg  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev_papers.jsonl"
DEFAULT_GOLD = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev_gold.jsonl"


def _read(path: Path, limit: int) -> list[ExtractInput]:
    opener = gzip.open if path.suffix == ".gz" else open
    out: list[ExtractInput] = []
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                d = json.loads(line)
                out.append(ExtractInput(str(d["id"]), d.get("title") or "", d.get("abstract") or ""))
                if len(out) >= limit:
                    break
    return out


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("papers", nargs="?", default=str(DEFAULT))
    ap.add_argument("-n", type=int, default=10_000, help="number of papers to process (input is repeated)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--modes", nargs="+", default=["default", "fast"], choices=["default", "fast"])
    ap.add_argument("--gold", default=str(DEFAULT_GOLD))
    args = ap.parse_args(argv)
    base = _read(Path(args.papers), args.n)
    if not base:
        print("no papers in input", file=sys.stderr)
        return 1
    papers = list(itertools.islice(itertools.cycle(base), args.n))
    chars = sum(len(p.title) + len(p.abstract) for p in papers)
    gold = load_jsonl(args.gold) if Path(args.gold).exists() else {}
    for mode in args.modes:
        fast = mode == "fast"
        t0 = time.perf_counter()
        get_nlp(_model_arg(None, fast))
        print(f"[{mode}] pipeline built (model loaded) in {time.perf_counter() - t0:.2f}s; {len(papers)} papers, "
              f"{chars / len(papers):.0f} chars/paper")
        for w in args.workers:
            cpu0, t0 = _cpu(), time.perf_counter()
            n_ents = sum(len(x.entities) for x in extract(papers, workers=w, batch_size=args.batch_size, fast=fast))
            wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
            print(
                f"[{mode}] workers={w}: {len(papers) / wall:8.1f} abstracts/s wall, {len(papers) / max(cpu, 1e-9):8.1f} "
                f"abstracts/CPU-s, {wall:.1f}s, {n_ents / len(papers):.1f} entities/paper"
            )
        scored = [p for p in base if p.id in gold]
        if scored:
            pred = {x.paper_id: extraction_to_json(x) for x in extract(scored, fast=fast)}
            r = score_predictions({p.id: gold[p.id] for p in scored}, pred)
            per = " ".join(f"{t} {r.typed[t]['F1']:.3f}" for t in ("Method", "Dataset", "Metric", "Task"))
            print(f"[{mode}] F1 on {len(scored)} annotated papers ({Path(args.gold).name}): MDM {r.mdm['F1']:.3f}; {per}")
    # one pathological input: a 100,000-character abstract made of the benchmark's own text must stay bounded
    text = " ".join(p.abstract for p in base)
    long_text = (text * (100_000 // max(1, len(text)) + 1))[:100_000]
    t0 = time.perf_counter()
    list(extract([ExtractInput("long", "", long_text)], fast="fast" in args.modes and "default" not in args.modes))
    print(f"100k-character abstract: {time.perf_counter() - t0:.2f}s")
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: main {peak_self:.0f} MiB, largest worker {peak_kids:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
