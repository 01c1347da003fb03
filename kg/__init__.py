"""kg: a knowledge-graph builder for research literature.

The library is the product; the ``kg`` command line is a thin shell over these functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "build",
    "read_papers",
    "read_entries",
    "extract",
    "evaluate",
    "cross_validate",
    "train",
    "build_graph",
    "read_graph",
    "graph_stats",
    "explain",
    "export",
    "sparql",
    "cypher",
    "push",
    "view",
    "site",
    "Paper",
    "Source",
    "Skipped",
    "Evidence",
    "Entity",
    "Result",
    "PaperExtraction",
    "KGError",
]

from kg.errors import KGError
from kg.records import Entity, Evidence, Paper, PaperExtraction, Result, Skipped, Source

if TYPE_CHECKING:
    from kg.crossval import cross_validate
    from kg.evaluate import evaluate
    from kg.extract import extract
    from kg.extract.train import train
    from kg.graph import build_graph, read_graph
    from kg.graph.explain import explain
    from kg.graph.stats import graph_stats
    from kg.ingest import read_entries, read_papers
    from kg.builder import build
    from kg.stores import export
    from kg.stores.cypher import cypher
    from kg.stores.neo4j import push
    from kg.stores.sparql import sparql
    from kg.views import site, view

_LAZY = {
    "build": ("kg.builder", "build"),
    "read_papers": ("kg.ingest", "read_papers"),
    "read_entries": ("kg.ingest", "read_entries"),
    "extract": ("kg.extract", "extract"),
    "evaluate": ("kg.evaluate", "evaluate"),
    "cross_validate": ("kg.crossval", "cross_validate"),
    "train": ("kg.extract.train", "train"),
    "build_graph": ("kg.graph", "build_graph"),
    "read_graph": ("kg.graph", "read_graph"),
    "graph_stats": ("kg.graph.stats", "graph_stats"),
    "explain": ("kg.graph.explain", "explain"),
    "export": ("kg.stores", "export"),
    "sparql": ("kg.stores.sparql", "sparql"),
    "cypher": ("kg.stores.cypher", "cypher"),
    "push": ("kg.stores.neo4j", "push"),
    "view": ("kg.views", "view"),
    "site": ("kg.views", "site"),
}


def __getattr__(name: str) -> Any:
    """Import heavy stages (spaCy, networkx) only when first used."""
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
