#!/usr/bin/env python3
"""Measure the SPARQL engines on a build folder: RDF generation, load time, and each example query.

Usage: scripts/bench_sparql.py [BUILD_DIR] [--repeat N]

Prints, for Oxigraph (pyoxigraph) and rdflib: the time to load the build's N-Triples into memory, and the
median time of each query in queries/sparql/ (with the parameters the README uses), checking that both
engines return the same rows. The N-Triples cache is regenerated first, and that time is printed too.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kg.stores import sparql as sq  # noqa: E402

PARAMS = {"methods_on_dataset": {"datasetName": "ImageNet"}, "tasks_of_proposing_papers": {},
          "papers_sharing_datasets": {"paperName": "Maxout Networks"}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", nargs="?", default="kg-out", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    cache = args.build / sq.CACHE_FILE
    cache.unlink(missing_ok=True)
    t0 = time.perf_counter()
    path = sq.ntriples_cache(args.build)
    triples = sum(1 for line in open(path, encoding="utf-8") if not line.startswith("#"))
    print(f"graph.json -> {path.name}: {triples} triples in {time.perf_counter() - t0:.2f}s")

    def load_oxigraph(_: Path) -> None:  # the on-disk store, bulk-loaded from graph.json (as `kg build` does)
        sq.build_store(args.build)
        sq._LOADED.pop("oxigraph", None)

    loaders = {"oxigraph": load_oxigraph, "rdflib": sq._load_rdflib}
    queries = sorted((REPO / "queries" / "sparql").glob("*.rq"))
    answers: dict[str, dict[str, object]] = {}
    print(f"\n{'engine':<10} {'load':>8}  " + "  ".join(f"{q.stem:>26}" for q in queries))
    for engine in sq.ENGINES:
        t0 = time.perf_counter()
        loaders[engine](path)
        load = time.perf_counter() - t0
        sq.load_store(args.build, engine)  # warm the in-process store used by sparql()
        cells = []
        for query_file in queries:
            text = query_file.read_text(encoding="utf-8")
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                result = sq.sparql(args.build, text, engine, PARAMS.get(query_file.stem))
                times.append(time.perf_counter() - t0)
            answers.setdefault(query_file.stem, {})[engine] = result
            cells.append(f"{statistics.median(times) * 1000:>22.1f} ms")
        print(f"{engine:<10} {load:>7.2f}s  " + "  ".join(cells))
    same = all(len({repr(v) for v in per.values()}) == 1 for per in answers.values())
    print(f"\nsame answers on both engines: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
