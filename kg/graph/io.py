"""Reading and writing the graph as node-link JSON (the embedded default's native format)."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx

from kg.errors import GraphError

__all__ = ["write_graph", "read_graph", "GRAPH_FILE"]

GRAPH_FILE = "graph.json"


def write_graph(graph: nx.MultiDiGraph, path: Path) -> None:
    """Write `graph` to `path` as node-link JSON (keys sorted, UTF-8, deterministic for the same graph)."""
    data = nx.node_link_data(graph, edges="edges")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, sort_keys=True)


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
