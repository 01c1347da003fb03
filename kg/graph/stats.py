"""What a user asks of a graph first: counts by type, most used entities, strongest pairs, most central."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import networkx as nx

from kg.formatting import plural

__all__ = ["GraphStats", "graph_stats", "store_stats", "ENTITY_TYPES"]

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


_ENTITIES = ":".join(ENTITY_TYPES)


def store_stats(graph_dir: Path, top: int = 10) -> GraphStats:
    """`graph_stats` of the build in `graph_dir`, answered by its embedded Cypher store instead of loading the
    graph: the same figures, in seconds and bounded memory at any size (the database does the counting, and
    only the candidates for each top list come back to be ranked exactly as `graph_stats` ranks them)."""
    from kg.graph.model import NODE_TYPES, RELATIONS
    from kg.stores.embedded import connect

    with connect(graph_dir) as run:
        return _store_stats(lambda query, **params: run(query, params).rows, top, NODE_TYPES, RELATIONS)


def _store_stats(rows: Any, top: int, node_types: tuple[str, ...], relations: tuple[str, ...]) -> GraphStats:
    """`store_stats` over `rows(query, **params)`, a function that runs a query on the store."""
    node_counts = {label: rows(f"MATCH (n:{label}) RETURN count(n) AS n")[0]["n"] for label in node_types}
    edge_counts = {rel: rows(f"MATCH ()-[r:{rel}]->() RETURN count(r) AS n")[0]["n"] for rel in relations}
    stats = GraphStats({k: v for k, v in sorted(node_counts.items()) if v},
                       {k: v for k, v in sorted(edge_counts.items()) if v})
    for etype in ENTITY_TYPES:
        count = "coalesce(n.paper_count, 0)"
        best = rows(f"MATCH (n:{etype}) RETURN {count} AS c ORDER BY c DESC LIMIT $k", k=top) if top else []
        least = best[-1]["c"] if len(best) == top and top else None
        where = f"WHERE {count} >= $least" if least is not None else ""
        params = {"least": least} if least is not None else {}
        found = rows(f"MATCH (n:{etype}) {where} RETURN n.id AS id, n.name AS name, {count} AS c", **params)
        ranked = sorted(((r["id"], r["name"], int(r["c"])) for r in found),
                        key=lambda item: (-item[2], item[1].casefold(), item[0]))
        stats.top[etype] = ranked[:top]

    pairs = ("MATCH (m:Method)<-[:PROPOSES|USES]-(p:Paper)-[:PROPOSES|EVALUATES_ON]->(d:Dataset) "
             "WITH m, d, count(DISTINCT p) AS papers")
    best = rows(f"{pairs} RETURN papers ORDER BY papers DESC LIMIT $k", k=top) if top else []
    least = best[-1]["papers"] if len(best) == top and top else 1
    names: dict[str, str] = {}
    pair_papers: Counter[tuple[str, str]] = Counter()
    for r in rows(f"{pairs} WHERE papers >= $least RETURN m.id AS m, m.name AS mn, d.id AS d, d.name AS dn, papers",
                  least=least):
        names[r["m"]], names[r["d"]] = r["mn"], r["dn"]
        pair_papers[(r["m"], r["d"])] = r["papers"]
    pair_results: Counter[tuple[str, str]] = Counter()
    for r in rows("MATCH (p:Paper)-[]->(x:Result)-[:OF_METHOD]->(m:Method), (x)-[:ON_DATASET]->(d:Dataset) "
                  "RETURN m.id AS m, m.name AS mn, d.id AS d, d.name AS dn, count(*) AS results"):
        names[r["m"]], names[r["d"]] = r["mn"], r["dn"]
        pair_results[(r["m"], r["d"])] = r["results"]
    # a pair with results but fewer papers than the top ones ranks below them all; only its count is unknown
    candidates = set(pair_papers) | (set(pair_results) if len(best) < top else set())
    ranked_pairs = sorted(candidates, key=lambda p: (-pair_papers[p], -pair_results[p], names[p[0]].casefold(),
                                                     names[p[1]].casefold()))
    stats.pairs = [(names[m], names[d], pair_papers[(m, d)], pair_results[(m, d)]) for m, d in ranked_pairs[:top]]

    linked = f"(p:Paper)-[]->(a:{_ENTITIES})"
    entities = rows(f"MATCH {linked} RETURN count(DISTINCT a.id) AS n")[0]["n"]
    if entities > 1 and top:
        central = _most_central(rows, top)
        if len(central) < top:  # entities that never share a paper: centrality 0, ranked by id
            seen = {r["id"] for r in central}
            alone = rows(f"MATCH {linked} RETURN DISTINCT a.id AS id, a.name AS name, label(a) AS type "
                         "ORDER BY id")
            central += [{**r, "degree": 0} for r in alone if r["id"] not in seen][:top - len(central)]
        stats.central = [(r["id"], r["name"], r["type"], r["degree"] / (entities - 1)) for r in central]
    return stats


def _most_central(rows: Any, top: int) -> list[dict[str, Any]]:
    """The `top` entities of highest co-occurrence degree (ties by id), degree > 0, without counting every pair.

    An entity's degree is at most the sum, over its papers, of the other entities each paper names; the
    entities are taken in decreasing order of that bound and their exact degree is counted in small batches,
    until the bound of the next one is below the `top`-th degree found. At 50k papers this counts a few dozen
    neighbourhoods instead of the ~10M entity pairs (hundreds of MB) a single query aggregates.
    """
    bounds_query = (f"MATCH (p:Paper)-[]->(e:{_ENTITIES}) WITH p, collect(DISTINCT e.id) AS ids UNWIND ids AS id "
                    "WITH id, sum(size(ids) - 1) AS bound WHERE bound > 0 RETURN id, bound ORDER BY bound DESC, id "
                    "LIMIT $n")
    degree_query = (f"MATCH (a:{_ENTITIES})<-[]-(p:Paper)-[]->(b:{_ENTITIES}) WHERE a.id IN $ids AND b.id <> a.id "
                    "RETURN a.id AS id, a.name AS name, label(a) AS type, count(DISTINCT b.id) AS degree")
    found: list[dict[str, Any]] = []
    done: set[str] = set()
    wanted = max(8 * top, 200)
    while True:
        ranked = rows(bounds_query, n=wanted)
        candidates = [r for r in ranked if r["id"] not in done]
        for start in range(0, len(candidates), 25):
            batch = candidates[start:start + 25]
            if len(found) >= top and found[top - 1]["degree"] > int(batch[0]["bound"]):
                return found[:top]
            done.update(r["id"] for r in batch)
            found += [r for r in rows(degree_query, ids=[r["id"] for r in batch]) if r["degree"] > 0]
            found.sort(key=lambda r: (-r["degree"], r["id"]))
        if len(ranked) < wanted:  # every entity that shares a paper was counted
            return found[:top]
        wanted *= 8
