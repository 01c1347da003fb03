#!/usr/bin/env python3
"""Benchmark `kg push`: nodes/s and relationships/s on a synthetic graph of >= 1M relationships.

The synthetic graph recombines a real build: copy i of every paper (id suffixed ``~i``) keeps the paper's
edges to the shared Method/Dataset/Metric/Task nodes, and gets its own copies of the paper's Result nodes,
until the graph holds --relationships relationships. Each batch size is pushed into an emptied database.

    .venv/bin/kg build examples/corpus --out kg-out
    .venv/bin/python scripts/bench_push.py --graph kg-out --batch-sizes 2000,5000,10000,20000

Without --uri it starts a throwaway server with scripts/neo4j-local (in a temp folder) and stops it after.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kg.graph import read_graph  # noqa: E402
from kg.stores.local_neo4j import LocalNeo4j  # noqa: E402
from kg.stores.neo4j import connect, push  # noqa: E402

ENTITY_TYPES = ("Method", "Dataset", "Metric", "Task")


def synthetic_graph(base: nx.MultiDiGraph, relationships: int) -> nx.MultiDiGraph:
    """Copies of the papers of `base` (and their results) linked to its shared entities, >= `relationships` edges."""
    graph = nx.MultiDiGraph()
    for node, attrs in base.nodes(data=True):
        if attrs.get("type") in ENTITY_TYPES:
            graph.add_node(node, **attrs)
    papers = [n for n, a in base.nodes(data=True) if a.get("type") == "Paper"]
    copy = 0
    while graph.number_of_edges() < relationships:
        def renamed(node: str) -> str:
            return f"{node}~{copy}" if base.nodes[node].get("type") in ("Paper", "Result") else node

        for paper in papers:
            graph.add_node(renamed(paper), **base.nodes[paper])
            for _, target, key, attrs in base.out_edges(paper, keys=True, data=True):
                if base.nodes[target].get("type") == "Result":
                    graph.add_node(renamed(target), **{**base.nodes[target], "paper": renamed(paper)})
                    for _, end, rkey, rattrs in base.out_edges(target, keys=True, data=True):
                        graph.add_edge(renamed(target), renamed(end), key=rkey, **rattrs)
                graph.add_edge(renamed(paper), renamed(target), key=key, **attrs)
        copy += 1
    return graph


def clear(uri: str, user: str, password: str) -> None:
    """Delete everything, in chunks so a 1M-relationship database fits in a small heap."""
    with connect(uri, user, password) as driver:
        with driver.session() as session:
            session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--graph", type=Path, default=Path("kg-out"), help="a build folder (kg build --out)")
    parser.add_argument("--relationships", type=int, default=1_000_000)
    parser.add_argument("--batch-sizes", default="2000,5000,10000,20000")
    parser.add_argument("--again", action="store_true", help="push each time twice; the second must create nothing")
    parser.add_argument("--uri", default=os.environ.get("NEO4J_URI"))
    parser.add_argument("--user", default=os.environ.get("NEO4J_USER", "neo4j"))
    parser.add_argument("--password", default=os.environ.get("NEO4J_PASSWORD"))
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `finally` stops the throwaway server

    started = time.perf_counter()
    graph = synthetic_graph(read_graph(args.graph / "graph.json"), args.relationships)
    print(f"synthetic graph: {graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} relationships "
          f"({time.perf_counter() - started:.1f}s to generate); load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores", flush=True)
    server = None
    uri, user, password = args.uri, args.user, args.password
    if not uri:
        server = LocalNeo4j(Path(tempfile.mkdtemp(prefix="kg-bench-neo4j-")))
        uri, user, password = server.start(), server.user, server.password
        print(f"started a throwaway server at {uri}", flush=True)
    try:
        print("nodes/s: the node phase (with preparing the rows); rels/s: the relationship phase; "
              "overall: all rows / total seconds")
        print(f"{'batch':>7} {'nodes':>9} {'nodes/s':>9} {'rels':>10} {'rels/s':>9} {'overall/s':>9} "
              f"{'total s':>8} {'2nd push s':>10}")
        for size in (int(s) for s in args.batch_sizes.split(",")):
            clear(uri, user, password)
            report = push(graph, uri, user, password, batch_size=size)
            nodes, rels = sum(report.nodes.values()), sum(report.relationships.values())
            again_s = float("nan")
            if args.again:
                again = push(graph, uri, user, password, batch_size=size)
                assert again.nodes_created == 0 and again.relationships_created == 0, "second push created something"
                again_s = again.seconds
            print(f"{size:>7} {nodes:>9,} {nodes / report.node_seconds:>9,.0f} {rels:>10,} "
                  f"{rels / report.relationship_seconds:>9,.0f} {(nodes + rels) / report.seconds:>9,.0f} "
                  f"{report.seconds:>8.1f} {again_s:>10.1f}"
                  f"   (load average {os.getloadavg()[0]:.1f})", flush=True)
    finally:
        if server:
            server.stop()
            shutil.rmtree(server.folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
