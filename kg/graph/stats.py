"""What a user asks of a graph first: counts by type, most used entities, strongest pairs, most central."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import networkx as nx

from kg.formatting import plural

__all__ = ["GraphStats", "graph_stats", "ENTITY_TYPES"]

ENTITY_TYPES = ("Method", "Dataset", "Metric", "Task")
_METHOD_RELS = {"PROPOSES", "USES"}
_DATASET_RELS = {"PROPOSES", "EVALUATES_ON"}


@dataclass
class GraphStats:
    """Summary figures of a graph; `rows()` flattens them for table/JSON/CSV output."""

    node_counts: dict[str, int]
    edge_counts: dict[str, int]
    top: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)
    pairs: list[tuple[str, str, int, int]] = field(default_factory=list)
    central: list[tuple[str, str, str, float]] = field(default_factory=list)

    def rows(self) -> list[dict[str, Any]]:
        """One row per figure: section, rank, name, type, value (and detail where useful)."""
        out: list[dict[str, Any]] = []
        for label, count in self.node_counts.items():
            out.append({"section": "nodes", "rank": None, "name": label, "type": label, "value": count, "detail": None})
        for label, count in self.edge_counts.items():
            out.append({"section": "edges", "rank": None, "name": label, "type": label, "value": count, "detail": None})
        for etype, items in self.top.items():
            for rank, (node_id, name, count) in enumerate(items, 1):
                out.append({"section": f"top {etype.lower()}s", "rank": rank, "name": name, "type": etype,
                            "value": count, "detail": node_id})
        for rank, (method, dataset, papers, results) in enumerate(self.pairs, 1):
            out.append({"section": "method-dataset pairs", "rank": rank, "name": f"{method} / {dataset}",
                        "type": "pair", "value": papers, "detail": plural(results, "result")})
        for rank, (node_id, name, etype, score) in enumerate(self.central, 1):
            out.append({"section": "most central", "rank": rank, "name": name, "type": etype,
                        "value": round(score, 4), "detail": node_id})
        return out


def graph_stats(graph: nx.MultiDiGraph, top: int = 10) -> GraphStats:
    """Compute the summary of `graph`.

    Most used: entities by number of papers. Pairs: a method and a dataset named by the same paper (the
    method used or proposed, the dataset evaluated on or proposed), ranked by papers, then stated results.
    Centrality: degree centrality in the entity co-occurrence network (entities linked when a paper names both).
    """
    node_counts = Counter(data.get("type", "?") for _, data in graph.nodes(data=True))
    edge_counts = Counter(data.get("type", key) for _, _, key, data in graph.edges(keys=True, data=True))
    stats = GraphStats(dict(sorted(node_counts.items())), dict(sorted(edge_counts.items())))
    nodes = graph.nodes
    for etype in ENTITY_TYPES:
        ranked = sorted(
            ((n, d["name"], int(d.get("paper_count", 0))) for n, d in nodes(data=True) if d.get("type") == etype),
            key=lambda item: (-item[2], item[1].casefold(), item[0]),
        )
        stats.top[etype] = ranked[:top]

    pair_papers: Counter[tuple[str, str]] = Counter()
    pair_results: Counter[tuple[str, str]] = Counter()
    cooccur = nx.Graph()
    for paper, data in nodes(data=True):
        if data.get("type") != "Paper":
            continue
        methods, datasets, entities = set(), set(), set()
        for _, target, key in graph.out_edges(paper, keys=True):
            ttype = nodes[target].get("type")
            if ttype in ENTITY_TYPES:
                entities.add(target)
            if ttype == "Method" and key in _METHOD_RELS:
                methods.add(target)
            elif ttype == "Dataset" and key in _DATASET_RELS:
                datasets.add(target)
            elif ttype == "Result":
                links = {k: t for _, t, k in graph.out_edges(target, keys=True)}
                if "OF_METHOD" in links and "ON_DATASET" in links:
                    pair_results[(links["OF_METHOD"], links["ON_DATASET"])] += 1
        for method in methods:
            for dataset in datasets:
                pair_papers[(method, dataset)] += 1
        cooccur.add_nodes_from(entities)
        for a, b in combinations(sorted(entities), 2):
            cooccur.add_edge(a, b)
    ranked_pairs = sorted(
        set(pair_papers) | set(pair_results),
        key=lambda p: (-pair_papers[p], -pair_results[p], nodes[p[0]]["name"].casefold(), nodes[p[1]]["name"].casefold()),
    )
    stats.pairs = [(nodes[m]["name"], nodes[d]["name"], pair_papers[(m, d)], pair_results[(m, d)])
                   for m, d in ranked_pairs[:top]]
    if cooccur.number_of_nodes() > 1:
        centrality = nx.degree_centrality(cooccur)
        best = sorted(centrality, key=lambda n: (-centrality[n], n))[:top]
        stats.central = [(n, nodes[n]["name"], nodes[n]["type"], centrality[n]) for n in best]
    return stats
