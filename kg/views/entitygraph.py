"""The entity-to-entity graph a reader wants around an entity: methods, datasets, tasks and metrics joined by
the papers they share, instead of a star of paper squares.

`entity_neighbourhood` walks the projection (entity - paper - entity) from one entity and keeps the entities
sharing most papers with what is already kept; each edge carries its shared papers (titles and sentences,
shown when the edge is clicked). `join_through` is the same idea for any type filter: kept nodes that were
linked only through removed ones are joined directly, so ``--types Method,Dataset`` stays connected.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

import networkx as nx

from kg.errors import GraphError

__all__ = ["ENTITY_KINDS", "SCAN_PAPERS", "PaperIndex", "entity_neighbourhood", "join_through", "result_label"]

ENTITY_KINDS: tuple[str, ...] = ("Method", "Dataset", "Metric", "Task")
_PAPERS_PER_EDGE = 5
_RESULTS_PER_VIEW = 12
_JOIN_DEGREE = 60
_SPARSE_ABOVE = 15
SCAN_PAPERS = 80
_LINKS_PER_NODE = 3


def result_label(graph: nx.MultiDiGraph, node: str) -> str:
    """How a Result node reads: "metric value on dataset" ("top-1 accuracy 81.2% on ImageNet")."""
    data = graph.nodes[node]
    ends = {str(k): t for _, t, k in graph.out_edges(node, keys=True)}

    def name(rel: str) -> str:
        target = ends.get(rel)
        return str(graph.nodes[target].get("name") or target) if target is not None else ""

    text = " ".join(p for p in (name("MEASURED_BY"), str(data.get("value", ""))) if p)
    dataset = name("ON_DATASET")
    return f"{text} on {dataset}" if dataset else text


class PaperIndex:
    """Papers per entity and entities per paper (with the sentence that names each), built once per graph."""

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        self.graph = graph
        self.papers: dict[str, list[str]] = defaultdict(list)
        self.entities: dict[str, dict[str, str]] = defaultdict(dict)
        types = {n: d.get("type") for n, d in graph.nodes(data=True)}
        for u, v, data in graph.edges(data=True):
            if types.get(u) == "Paper" and types.get(v) in ENTITY_KINDS:
                if v not in self.entities[u]:
                    self.papers[v].append(u)
                    evidence = [e for e in data.get("evidence") or () if isinstance(e, dict) and e.get("sentence")]
                    self.entities[u][v] = str(evidence[0]["sentence"]) if evidence else ""

    def shared(self, a: str, b: str) -> list[str]:
        """Papers naming both `a` and `b`."""
        small, other = sorted((a, b), key=lambda n: len(self.papers.get(n, ())))
        return [p for p in self.papers.get(small, ()) if other in self.entities.get(p, {})]


def entity_neighbourhood(graph: nx.MultiDiGraph, center: str, *, hops: int = 1,
                         types: Iterable[str] | None = None, max_nodes: int = 40,
                         index: PaperIndex | None = None, results: bool = True) -> tuple[nx.MultiDiGraph, int]:
    """The entities within `hops` shared-paper steps of `center`, joined by SHARES_PAPERS edges.

    Each edge has ``weight`` (papers shared; between two nodes other than the center, counted over the
    center's papers and the first 80 papers of each kept node) and ``papers`` (up to 5: id, title, sentence
    of each end). With `results`, the center's own results are added as Result nodes linked to their method,
    dataset and metric.
    Returns the subgraph and how many entities were left out by `max_nodes`.
    """
    if center not in graph:
        raise GraphError(f"no node {center!r} in the graph")
    wanted = set(types or ENTITY_KINDS) & set(ENTITY_KINDS)
    index = index or PaperIndex(graph)
    score: Counter[str] = Counter()
    frontier = {center}
    seen = {center}
    distance = {center: 0}
    every_kind = wanted == set(ENTITY_KINDS)  # the index holds entities only: no type to look up
    for step in range(1, max(1, hops) + 1):
        found: Counter[str] = Counter()
        for node in frontier:
            papers = index.papers.get(node, ())
            for paper in papers if step == 1 else papers[:SCAN_PAPERS]:  # beyond the center, each entity's first few
                if every_kind:
                    found.update(index.entities[paper].keys())
                else:
                    found.update(o for o in index.entities[paper] if graph.nodes[o].get("type") in wanted)
        for done in seen & found.keys():
            del found[done]
        for other, count in found.items():
            distance[other] = step
            score[other] += count
        seen |= set(found)
        frontier = set(found)
        if len(seen) > max_nodes * 20:
            break
    ranked = sorted(score, key=lambda n: (distance[n], -score[n], n))
    shown = _center_results(graph, center) if results else []
    room = max(0, max_nodes - 1 - len(shown))  # the center's results count towards max_nodes
    keep = [center, *ranked[:room]]
    left_out = max(0, len(ranked) - room)
    kept = set(keep)
    sub = nx.MultiDiGraph()
    sub.add_nodes_from((n, graph.nodes[n]) for n in keep)
    # The papers to look in: all of the center's, and the first few dozen of each other kept entity's, so a
    # page next to a hub named by thousands of papers still takes milliseconds. Each paper is read once.
    scan = set(index.papers.get(center, ()))
    for node in keep[1:]:
        scan.update(index.papers.get(node, ())[:SCAN_PAPERS])
    found_in: dict[tuple[str, str], list[str]] = defaultdict(list)
    for paper in sorted(scan):
        inside = sorted(kept.intersection(index.entities[paper]))
        for i, a in enumerate(inside):
            for b in inside[i + 1:]:
                found_in[(a, b)].append(paper)
    pairs = dict(found_in)
    strongest: set[tuple[str, str]] = set()
    if len(keep) > _SPARSE_ABOVE:  # a hairball otherwise: keep each node's strongest few links to non-centers
        around: dict[str, list[tuple[int, tuple[str, str]]]] = defaultdict(list)
        for pair, papers in pairs.items():
            for end in pair:
                around[end].append((len(papers), pair))
        for node, links in around.items():
            ranked_links = sorted(links, key=lambda x: (-x[0], x[1]))
            strongest.update(pair for _, pair in ranked_links[:_LINKS_PER_NODE])
            inward = [pair for _, pair in ranked_links
                      if distance[pair[0] if pair[1] == node else pair[1]] < distance[node]]
            if inward:  # every node keeps its strongest link towards the center, so the view stays connected
                strongest.add(inward[0])
    for (a, b), papers in pairs.items():
        if strongest and center not in (a, b) and (a, b) not in strongest:
            continue
        sub.add_edge(a, b, "SHARES_PAPERS", type="SHARES_PAPERS", weight=len(papers),
                     papers=[_paper_item(graph, index, p, a, b) for p in papers[:_PAPERS_PER_EDGE]])
    _add_results(graph, sub, shown)
    return sub, left_out


def _paper_item(graph: nx.MultiDiGraph, index: PaperIndex, paper: str, a: str, b: str) -> dict[str, Any]:
    data = graph.nodes[paper]
    sentences = list(dict.fromkeys(s for s in (index.entities[paper].get(a), index.entities[paper].get(b)) if s))
    return {"id": paper, "title": str(data.get("title") or paper), "date": str(data.get("date") or ""),
            "sentences": sentences}


def _center_results(graph: nx.MultiDiGraph, center: str) -> list[str]:
    """The Result nodes naming `center` that a view shows (the first few by id)."""
    results = [u for u, _, k in graph.in_edges(center, keys=True)
               if k in ("OF_METHOD", "ON_DATASET", "MEASURED_BY") and graph.nodes[u].get("type") == "Result"]
    return sorted(set(results))[:_RESULTS_PER_VIEW]


def _add_results(graph: nx.MultiDiGraph, sub: nx.MultiDiGraph, results: list[str]) -> None:
    """The Result nodes `results` added to `sub`, each linked to whichever of its ends the view holds."""
    for node in results:
        sub.add_node(node, **{**graph.nodes[node], "label": result_label(graph, node)})
        for _, target, key, data in graph.out_edges(node, keys=True, data=True):
            if target in sub:
                sub.add_edge(node, target, key, **data)


def join_through(graph: nx.MultiDiGraph, sub: nx.MultiDiGraph, walked: Iterable[str]) -> None:
    """Join the nodes of `sub` that were linked only through nodes the type filter removed.

    Every walked node left out of `sub` joins the kept nodes it touches pairwise with a VIA edge naming it
    (``via``: how many removed nodes join the pair); nodes touching more than 60 kept nodes are skipped
    (a hub would join everything to everything and say nothing).
    """
    counts: dict[tuple[str, str], list[str]] = defaultdict(list)
    for node in walked:
        if node in sub:
            continue
        touching = sorted({n for n in (*graph.successors(node), *graph.predecessors(node)) if n in sub})
        if len(touching) < 2 or len(touching) > _JOIN_DEGREE:
            continue
        for i, a in enumerate(touching):
            for b in touching[i + 1:]:
                counts[(a, b)].append(node)
    for (a, b), via in counts.items():
        if not sub.has_edge(a, b) and not sub.has_edge(b, a):
            sub.add_edge(a, b, "VIA", type="VIA", weight=len(via), via=via[:_PAPERS_PER_EDGE])
