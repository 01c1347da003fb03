#!/usr/bin/env python3
"""Query-store benchmark: bulk-load a build's graph into LadybugDB (Cypher) and Oxigraph (SPARQL), then time
the README's example queries on both, plus `kg stats` and `kg export --format nt`.

Each step runs in a fresh process that reports its own wall time and peak RSS, so "first" latency is a new
process opening the store (as `kg cypher` / `kg sparql` do) and "warm" is the same query again in it.

Larger graphs are made from a build by replication (`--scale N`): every paper, with its results and edges, is
written N times under new ids (``<id>~k``), entities are shared and their paper counts multiplied. That gives
the store sizes and fan-outs of an N-times larger corpus without extracting N times as many abstracts (a 1M
extraction takes ~25 min of 2 cores); unlike text recombination (scripts/bench.py) it repeats co-occurrences
exactly, so pair queries (papers_sharing_datasets) grow quadratically with N.

usage: scripts/bench_stores.py --graph BUILD [--scale 1,4,20] [--work DIR] [--skip-export]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
QUERIES = ("top_datasets", "methods_on_dataset", "tasks_of_proposing_papers", "papers_sharing_datasets")

_CHILD = r"""
import hashlib, json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
step, graph_dir, arg = sys.argv[1], Path(sys.argv[2]), json.loads(sys.argv[3])
started = time.perf_counter()
cpu_started = time.process_time()
out = {{}}
if step == "cypher-store":
    from kg.stores import embedded
    out = embedded.build_store(graph_dir)["figures"]
elif step == "sparql-store":
    from kg.stores import sparql
    out = sparql.build_store(graph_dir)["figures"]
elif step == "cypher":
    from kg.stores.cypher import cypher
    times, cpu = [], []
    for _ in range(2):
        t, c = time.perf_counter(), time.process_time()
        result = cypher(arg["query"], arg["params"], graph_dir=graph_dir)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    rows = [tuple(row[c] for c in result.columns) for row in result.rows]
    out = {{"first": times[0], "warm": times[1], "first_cpu": cpu[0], "warm_cpu": cpu[1], "rows": len(rows),
            "digest": hashlib.sha256(repr(rows).encode()).hexdigest()[:10]}}
elif step == "sparql":
    from kg.stores.sparql import sparql
    times, cpu = [], []
    for _ in range(2):
        t, c = time.perf_counter(), time.process_time()
        rows = sparql(graph_dir, arg["query"], bindings=arg["params"])[1]
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    out = {{"first": times[0], "warm": times[1], "first_cpu": cpu[0], "warm_cpu": cpu[1], "rows": len(rows),
            "digest": hashlib.sha256(repr(rows).encode()).hexdigest()[:10]}}
elif step == "params":
    from kg.stores.cypher import cypher
    d = cypher("MATCH (:Result)-[:ON_DATASET]->(d:Dataset) RETURN d.name AS n, count(*) AS c ORDER BY c DESC, n LIMIT 1",
               graph_dir=graph_dir).rows
    m = cypher("MATCH (:Paper)-[:PROPOSES]->(m:Method) RETURN m.name AS n, count(*) AS c ORDER BY c DESC, n LIMIT 1",
               graph_dir=graph_dir).rows
    # the paper whose datasets have the most papers: the heaviest papers_sharing_datasets call
    q = cypher("MATCH (p:Paper)-[:EVALUATES_ON|PROPOSES]->(d:Dataset) RETURN p.id AS n, sum(d.paper_count) AS c "
               "ORDER BY c DESC, n LIMIT 1", graph_dir=graph_dir).rows
    out = {{"dataset": d[0]["n"] if d else None, "method": m[0]["n"] if m else None,
            "paper": q[0]["n"] if q else None}}
elif step == "stats":
    from kg.graph.stats import store_stats
    out = {{"rows": len(store_stats(graph_dir).rows())}}
elif step == "export":
    from kg.stores.rdf import write_ntriples_stream
    out = {{"triples": write_ntriples_stream(graph_dir / "graph.json", Path(arg["out"]))}}
out["seconds"] = time.perf_counter() - started
out["cpu_seconds"] = time.process_time() - cpu_started
out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(json.dumps(out))
"""


def child(step: str, graph_dir: Path, arg: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run one step in a fresh Python process; returns what it reports (seconds, peak RSS, figures)."""
    done = subprocess.run([sys.executable, "-c", _CHILD.format(repo=str(REPO)), step, str(graph_dir),
                           json.dumps(arg or {})], capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["?"])[-1][:200]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def replicate(graph_file: Path, out_file: Path, times: int) -> tuple[int, int]:
    """Write the graph of `graph_file` with every paper (and its results and edges) `times` times; streaming."""
    sys.path.insert(0, str(REPO))
    from kg.graph.stream import iter_edges, iter_nodes, type_from_id

    def copy_id(node_id: str, k: int) -> str:
        return node_id if type_from_id(node_id) not in ("Paper", "Result") else f"{node_id}~{k}"

    nodes = edges = 0
    with open(out_file, "w", encoding="utf-8") as fh:
        fh.write('{"directed": true, "multigraph": true, "graph": {}, "nodes": [')
        first = True
        for node in iter_nodes(graph_file):
            kind = node.get("type")
            copies = range(times) if kind in ("Paper", "Result") else [None]
            for k in copies:
                item = dict(node)
                if k is None:
                    if isinstance(item.get("paper_count"), int):
                        item["paper_count"] *= times
                    item.pop("papers", None)  # a list of paper ids: would grow N times, no query reads it
                else:
                    item["id"] = copy_id(node["id"], k)
                    if kind == "Paper" and item.get("title"):
                        item["title"] = f"{item['title']} ({k})" if k else item["title"]
                fh.write(("" if first else ",") + json.dumps(item, ensure_ascii=False))
                first = False
                nodes += 1
        fh.write('], "edges": [')
        first = True
        for edge in iter_edges(graph_file):
            replicated = type_from_id(edge["source"]) in ("Paper", "Result")
            for k in range(times) if replicated else [0]:
                item = dict(edge, source=copy_id(edge["source"], k), target=copy_id(edge["target"], k))
                fh.write(("" if first else ",") + json.dumps(item, ensure_ascii=False))
                first = False
                edges += 1
        fh.write("]}")
    return nodes, edges


def _stamped(graph_dir: Path, store: str) -> dict[str, Any] | None:
    """The figures a build recorded for `store`, with its peak RSS unknown (None when there is no store)."""
    try:
        stamp = json.loads((graph_dir / store / "kg-store.json").read_text())
    except (OSError, ValueError):
        return None
    return {"cpu_seconds": float("nan"), "peak_rss_mb": "? (built by kg build)", **stamp["figures"]}


def bench(graph_dir: Path, label: str, skip_export: bool, reuse: bool = False) -> None:
    print(f"\n== {label}: {graph_dir} ({(graph_dir / 'graph.json').stat().st_size / 2**20:.0f} MiB graph.json)",
          flush=True)
    if not reuse:
        for store in ("sparql-store", "cypher-store"):
            shutil.rmtree(graph_dir / store, ignore_errors=True)
    ox = (_stamped(graph_dir, "sparql-store") if reuse else None) or child("sparql-store", graph_dir)
    if "error" not in ox:
        print(f"  oxigraph store   {ox['triples']:>11,} triples  {ox['seconds']:7.1f} s (cpu {ox['cpu_seconds']:.1f} s)  "
              f"{ox['triples'] / ox['seconds']:>9,.0f} triples/s  {ox['bytes'] / 2**20:7.0f} MiB on disk  "
              f"peak RSS {ox['peak_rss_mb']} MB", flush=True)
    else:
        print(f"  oxigraph store   FAILED: {ox['error']}")
    lb = (_stamped(graph_dir, "cypher-store") if reuse else None) or child("cypher-store", graph_dir)
    if "error" not in lb:
        phases = ", ".join(f"{key[:-8]} {value:.1f}" for key, value in lb.items()
                           if key.endswith("_seconds") and key != "cpu_seconds")
        rows = lb["nodes"] + lb["relationships"]
        print(f"  ladybug store    {lb['nodes']:>11,} nodes, {lb['relationships']:,} rels  {lb['seconds']:7.1f} s "
              f"(cpu {lb['cpu_seconds']:.1f} s; {phases}; {lb['relationships'] / lb['seconds']:,.0f} rels/s, "
              f"{rows / lb['seconds']:,.0f} rows/s)  "
              f"{lb['bytes'] / 2**20:7.0f} MiB on disk  peak RSS {lb['peak_rss_mb']} MB", flush=True)
    else:
        print(f"  ladybug store    FAILED: {lb['error']}")
    params = child("params", graph_dir)
    print(f"  parameters: dataset={params.get('dataset')!r} method={params.get('method')!r} "
          f"paper={params.get('paper')!r}")
    print(f"  {'query':<28} {'engine':<8} {'rows':>9} {'first s':>8} {'warm s':>8} {'first cpu':>9} {'warm cpu':>9} "
          f"{'peak RSS':>9}  rows digest (same on both engines: same answer, same order)")
    for name in QUERIES:
        cypher_text = (REPO / "queries" / "cypher" / f"{name}.cypher").read_text(encoding="utf-8")
        sparql_text = (REPO / "queries" / "sparql" / f"{name}.rq").read_text(encoding="utf-8")
        cypher_params = {name: params.get(name) for name in ("dataset", "method", "paper") if f"${name}" in cypher_text}
        sparql_params = {variable: params.get(name) for variable, name in
                         (("datasetName", "dataset"), ("methodName", "method"), ("paperName", "paper"))
                         if f"?{variable} " in sparql_text}
        for engine, step, text, p in (("cypher", "cypher", cypher_text, cypher_params),
                                      ("sparql", "sparql", sparql_text, sparql_params)):
            r = child(step, graph_dir, {"query": text, "params": p})
            if "error" in r:
                print(f"  {name:<28} {engine:<8} FAILED: {r['error']}", flush=True)
            else:
                print(f"  {name:<28} {engine:<8} {r['rows']:>9,} {r['first']:>8.2f} {r['warm']:>8.2f} "
                      f"{r['first_cpu']:>9.2f} {r['warm_cpu']:>9.2f} {r['peak_rss_mb']:>6} MB  {r['digest']}",
                      flush=True)
    stats = child("stats", graph_dir)
    print(f"  kg stats (from the store)  {stats.get('seconds', float('nan')):.2f} s "
          f"(cpu {stats.get('cpu_seconds', float('nan')):.2f} s)  peak RSS "
          f"{stats.get('peak_rss_mb')} MB {stats.get('error', '')}", flush=True)
    if not skip_export:
        with tempfile.TemporaryDirectory() as tmp:
            ex = child("export", graph_dir, {"out": str(Path(tmp) / "g.nt")})
        if "error" not in ex:
            print(f"  export nt        {ex['triples']:>11,} triples  {ex['seconds']:7.1f} s (cpu {ex['cpu_seconds']:.1f} s)  "
                  f"{ex['triples'] / ex['seconds']:>9,.0f} triples/s  peak RSS {ex['peak_rss_mb']} MB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--graph", type=Path, required=True, help="A build folder (kg build --out)")
    parser.add_argument("--scale", default="1", help="Comma-separated replication factors (1: the build itself)")
    parser.add_argument("--work", type=Path, default=None, help="Folder for replicated graphs (default: temp)")
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--reuse", action="store_true",
                        help="Keep the stores a build wrote (report the figures in their stamps) instead of rebuilding")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="kg-bench-stores-"))
    manifest = args.graph / "manifest.json"
    papers = json.loads(manifest.read_text()).get("papers", "?") if manifest.is_file() else "?"
    for factor in (int(s) for s in args.scale.split(",")):
        if factor == 1:
            bench(args.graph, f"{papers} papers (the build)", args.skip_export, args.reuse)
            continue
        target = work / f"x{factor}"
        target.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        nodes, edges = replicate(args.graph / "graph.json", target / "graph.json", factor)
        print(f"\nreplicated x{factor}: {nodes:,} nodes, {edges:,} edges in {time.perf_counter() - started:.0f} s")
        bench(target, f"{papers} x {factor} papers (replicated)", args.skip_export)
        if args.work is None:
            shutil.rmtree(target, ignore_errors=True)


if __name__ == "__main__":
    main()
