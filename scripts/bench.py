#!/usr/bin/env python3
"""End-to-end build benchmark: synthetic corpora of 10k / 100k / 1M abstracts made by recombining the real
corpus's sentences, built with `kg build`; prints abstracts/s per stage and end to end, peak RSS, the
spaCy blank tokenizer's throughput on the same texts as a yardstick, and the incremental-rebuild speedup.

usage: scripts/bench.py [--sizes 10000,100000] [--workers 2] [--corpus examples/corpus] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def corpus_sentences(corpus: Path) -> tuple[list[str], list[str]]:
    """Titles and abstract sentences of the real corpus (read with kg's own reader)."""
    sys.path.insert(0, str(REPO))
    from kg.ingest import read_papers

    papers = read_papers([corpus]).papers
    titles = [p.title for p in papers]
    sentences = [s for p in papers for s in _SENT.split(p.abstract) if len(s) > 20]
    return titles, sentences


def write_synthetic(path: Path, n: int, titles: list[str], sentences: list[str], seed: int, start: int = 0) -> None:
    """n JSONL papers: a real title made unique by a number, and 6-9 real sentences drawn at random."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(start, start + n):
            abstract = " ".join(rng.sample(sentences, rng.randint(6, 9)))
            fh.write(json.dumps({"title": f"{rng.choice(titles)} ({i})", "abstract": abstract}) + "\n")


def run_build(inputs: list[Path], out: Path, workers: int, cache: Path | None) -> tuple[float, dict, int]:
    """Run `kg build` in a fresh process; returns (seconds, manifest, peak RSS in MiB of its largest process)."""
    cmd = [sys.executable, "-m", "kg", "build", *map(str, inputs), "--out", str(out), "--quiet", "--workers", str(workers)]
    cmd += ["--cache-dir", str(cache)] if cache else ["--no-cache"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=REPO)
    seconds = time.perf_counter() - started
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) // 1024
    return seconds, json.loads((out / "manifest.json").read_text()), peak


def tokenizer_rate(path: Path, limit: int) -> float:
    """Abstracts/s of spacy.blank("en")'s tokenizer alone on the same texts (the yardstick)."""
    import spacy

    nlp = spacy.blank("en")
    texts = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            texts.append(row["title"] + "\n" + row["abstract"])
            if len(texts) >= limit:
                break
    started = time.perf_counter()
    for _ in nlp.tokenizer.pipe(texts, batch_size=256):
        pass
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--corpus", type=Path, default=REPO / "examples" / "corpus")
    parser.add_argument("--keep", type=Path, default=None, help="Work folder to keep (default: a temp folder)")
    parser.add_argument("--incremental", action="store_true",
                        help="Build cold with an empty cache, then time a rebuild after adding 1%% papers")
    args = parser.parse_args()

    titles, sentences = corpus_sentences(args.corpus)
    work = args.keep or Path(tempfile.mkdtemp(prefix="kg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"{len(titles)} titles and {len(sentences)} sentences recombined; work folder {work}")
    print(f"{'papers':>9} {'ingest/s':>9} {'extract/s':>10} {'graph/s':>9} {'total/s':>9} {'tokenizer/s':>12} "
          f"{'ratio':>6} {'peak RSS':>9} {'seconds':>8}")
    for size in (int(s) for s in args.sizes.split(",")):
        data = work / f"synthetic-{size}.jsonl"
        if not data.exists():
            write_synthetic(data, size, titles, sentences, seed=size)
        out = work / f"out-{size}"
        cache = work / f"cache-{size}" if args.incremental else None
        if cache:
            shutil.rmtree(cache, ignore_errors=True)  # cold: an empty cache (filled by this build)
        shutil.rmtree(out, ignore_errors=True)
        seconds, manifest, peak = run_build([data], out, args.workers, cache)
        stages = manifest["stage_seconds"]
        tok = tokenizer_rate(data, min(size, 20000))
        rate = size / seconds
        print(f"{size:>9} {size / stages['ingest']:>9.0f} {size / stages['extract']:>10.0f} "
              f"{size / stages['graph']:>9.0f} {rate:>9.0f} {tok:>12.0f} {tok / rate:>6.1f} {peak:>7} MB {seconds:>8.1f}",
              flush=True)
        if cache:
            extra = work / f"extra-{size}.jsonl"
            write_synthetic(extra, max(1, size // 100), titles, sentences, seed=size + 1, start=size)
            warm, manifest, _ = run_build([data, extra], out, args.workers, cache)
            hits = manifest["extraction_cache"]
            stages = ", ".join(f"{k} {v:.1f}s" for k, v in manifest["stage_seconds"].items())
            print(f"{'':>9} incremental: cold {seconds:.1f}s, +1% papers {warm:.1f}s ({seconds / warm:.1f}x faster; "
                  f"{hits['misses']} extracted, {manifest['papers_reused']} reused; {stages}; {manifest['mode']})",
                  flush=True)
        shutil.rmtree(out, ignore_errors=True)
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
