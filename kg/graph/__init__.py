"""The graph stage: per-paper extractions -> one networkx graph of papers, entities and results."""

from kg.graph.build import build_graph, entity_key
from kg.graph.io import read_graph, write_graph
from kg.graph.model import EDGE_FOR_ROLE, NODE_TYPES, RELATIONS

__all__ = ["build_graph", "entity_key", "read_graph", "write_graph", "NODE_TYPES", "RELATIONS", "EDGE_FOR_ROLE"]
