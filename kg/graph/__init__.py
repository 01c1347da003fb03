"""The graph stage: per-paper extractions -> entity resolution -> one networkx graph."""

from kg.graph.build import build_graph
from kg.graph.io import read_graph, write_graph
from kg.graph.model import EDGE_FOR_ROLE, NODE_TYPES, RELATIONS
from kg.graph.resolve import resolve, surface_key, variant_links

__all__ = [
    "build_graph",
    "read_graph",
    "write_graph",
    "resolve",
    "surface_key",
    "variant_links",
    "NODE_TYPES",
    "RELATIONS",
    "EDGE_FOR_ROLE",
]
