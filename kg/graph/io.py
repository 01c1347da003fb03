"""Reading and writing the graph as node-link JSON (the embedded default's native format)."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import networkx as nx

from kg.errors import GraphError

__all__ = ["write_graph", "write_graph_records", "read_graph", "GRAPH_FILE"]

GRAPH_FILE = "graph.json"


def write_graph(graph: nx.MultiDiGraph, path: Path) -> None:
    """Write `graph` to `path` as node-link JSON (keys sorted, UTF-8, deterministic for the same graph)."""
    data = nx.node_link_data(graph, edges="edges")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, sort_keys=True)


def write_graph_records(records: Iterable[tuple[str, Any]], path: Path) -> tuple[int, int]:
    """Write `kg.graph.build.iter_graph` records to `path` as node-link JSON, streaming.

    Edges go to a temporary file beside `path` and are appended after the nodes, so neither list is ever
    held in memory. Returns (nodes, edges) written. `read_graph` reads the result.
    """
    nodes = edges = 0
    with tempfile.TemporaryFile("w+", encoding="utf-8", dir=path.parent) as edge_file, \
            open(path, "w", encoding="utf-8") as out:
        out.write('{"directed": true, "multigraph": true, "graph": {}, "nodes": [')
        for kind, record in records:
            if kind == "node":
                node_id, attrs = record
                out.write(("," if nodes else "") + json.dumps({**attrs, "id": node_id}, ensure_ascii=False, sort_keys=True))
                nodes += 1
            else:
                source, target, key, attrs = record
                item = {**attrs, "source": source, "target": target, "key": key}
                edge_file.write(("," if edges else "") + json.dumps(item, ensure_ascii=False, sort_keys=True))
                edges += 1
        out.write('], "edges": [')
        edge_file.seek(0)
        shutil.copyfileobj(edge_file, out)
        out.write("]}")
    return nodes, edges


def read_graph(path: Path) -> nx.MultiDiGraph:
    """Read a graph written by `write_graph`; raises GraphError if the file is missing or unreadable."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError as exc:
        raise GraphError(f"{path}: no graph here; run `kg build PATH --out {path.parent}` first") from exc
    except (OSError, ValueError) as exc:
        raise GraphError(f"{path}: cannot read the graph: {exc}") from exc
    return nx.node_link_graph(data, directed=True, multigraph=True, edges="edges")
