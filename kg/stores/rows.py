"""The built graph as rows for a store: nodes grouped by label, relationships by (type, start label, end label).

Labels and relationship types come only from `kg.graph.model.NODE_TYPES` and `RELATIONS`: a node or edge whose
``type`` is not in those tuples is an error, never a name written into a query.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from kg.errors import StoreError
from kg.graph.model import NODE_TYPES, RELATIONS
from kg.stores.properties import Value, flatten

__all__ = ["GraphRows", "graph_rows", "finish", "check_label", "check_relation"]


def check_label(label: Any, node: Any = None) -> str:
    """`label` if it is one of NODE_TYPES, else a StoreError naming the node."""
    if label not in NODE_TYPES:
        where = f" of node {node!r}" if node is not None else ""
        raise StoreError(f"type {label!r}{where} is not a node type of the ontology ({', '.join(NODE_TYPES)})")
    return str(label)


def check_relation(rel_type: Any, edge: Any = None) -> str:
    """`rel_type` if it is one of RELATIONS, else a StoreError naming the edge."""
    if rel_type not in RELATIONS:
        where = f" of edge {edge!r}" if edge is not None else ""
        raise StoreError(f"relation {rel_type!r}{where} is not a relation of the ontology ({', '.join(RELATIONS)})")
    return str(rel_type)


@dataclass
class GraphRows:
    """Rows ready for parameters: ``nodes[label] = [{"id", "props"}]``, ``rels[(type, start, end)] = [{"s", "t",
    "props"}]``; ``props`` always holds ``id`` for nodes. Order follows NODE_TYPES / RELATIONS, then the graph."""

    nodes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    rels: dict[tuple[str, str, str], list[dict[str, Any]]] = field(default_factory=dict)

    def label_counts(self) -> dict[str, int]:
        """Number of nodes per label (labels with none are left out)."""
        return {label: len(rows) for label, rows in self.nodes.items() if rows}

    def relation_counts(self) -> dict[str, int]:
        """Number of relationships per type (types with none are left out)."""
        counts: Counter[str] = Counter()
        for (rel_type, _, _), rows in self.rels.items():
            counts[rel_type] += len(rows)
        return {t: counts[t] for t in RELATIONS if counts[t]}


def _node_row(node: Any, attrs: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Value] = flatten(attrs)
    props["id"] = str(node)
    return {"id": str(node), "props": props}


def finish(batch: list[Any]) -> list[dict[str, Any]]:
    """The rows of a batch of a lazy `GraphRows`: ``(node, attrs)`` and ``(start, end, attrs)`` are flattened
    into row dicts now (rows already flattened pass through)."""
    out = []
    for item in batch:
        if isinstance(item, dict):
            out.append(item)
        elif len(item) == 2:
            out.append(_node_row(*item))
        else:
            out.append({"s": item[0], "t": item[1], "props": flatten(item[2])})
    return out


def graph_rows(graph: nx.MultiDiGraph, *, lazy: bool = False) -> GraphRows:
    """Group the nodes and edges of `graph` into rows; raises StoreError on a type outside the ontology.

    An edge whose (start, end, type) repeats (a MultiDiGraph allows it) is kept once, with the properties of
    the last one: stores MERGE relationships on (start, end, type). With `lazy`, rows are left as
    ``(node, attrs)`` / ``(start, end, attrs)`` for `finish` to flatten batch by batch (`kg push` does that in
    a second thread while Neo4j writes the previous batch).
    """
    labels: dict[Any, str] = {}
    by_label: dict[str, list[Any]] = {label: [] for label in NODE_TYPES}
    for node, attrs in graph.nodes(data=True):
        label = check_label(attrs.get("type"), node)
        labels[node] = label
        by_label[label].append((node, attrs) if lazy else _node_row(node, attrs))
    grouped: dict[tuple[str, str, str], dict[tuple[str, str], Any]] = {}
    for start, end, key, attrs in graph.edges(keys=True, data=True):
        rel_type = check_relation(attrs.get("type", key), (start, end, key))
        group = grouped.setdefault((rel_type, labels[start], labels[end]), {})
        pair = (str(start), str(end))
        group[pair] = (*pair, attrs) if lazy else {"s": pair[0], "t": pair[1], "props": flatten(attrs)}
    rels = {
        spec: list(grouped[spec].values())
        for spec in sorted(grouped, key=lambda s: (RELATIONS.index(s[0]), NODE_TYPES.index(s[1]),
                                                   NODE_TYPES.index(s[2])))
    }
    return GraphRows(nodes={k: v for k, v in by_label.items() if v}, rels=rels)
