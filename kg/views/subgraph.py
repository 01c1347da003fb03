"""Which part of the graph a view shows: a forgiving name lookup and the neighbourhood of one node.

Names are matched the way people type them: any case, hyphens or spaces, singular or plural (the graph's own
`surface_key`), any alias an entity was seen under, the acronym of a multi-word name ("MoT" for
"Mixture-of-Transformers"), a paper's id, arXiv id or title. An unknown name raises `GraphError` with the
closest known names in one line.
"""

from __future__ import annotations

import difflib
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import networkx as nx

from kg.errors import GraphError
from kg.graph.resolve import surface_key

__all__ = ["NameIndex", "name_keys", "lookup_keys", "rank_hits", "unknown_name", "find_node", "neighbourhood", "node_label", "find_text", "ALL_TYPES"]

ALL_TYPES: tuple[str, ...] = ("Paper", "Method", "Dataset", "Metric", "Task", "Result")
_WORD = re.compile(r"[^\W_]+")
_FIND_SEP = re.compile(r"[\s\-_\u2010-\u2015/]+")
_FILLER = {"of", "and", "for", "the", "a", "an", "in", "on", "with", "to"}

# Match strength: lower wins. Ties go to the node with more papers, then the smaller id.
_EXACT_ID, _EXACT_NAME, _NAME_KEY, _ALIAS_KEY, _ACRONYM = range(5)


def node_label(data: dict[str, object], node_id: str) -> str:
    """The text a person knows a node by: an entity's name, a paper's title, a result's value."""
    for key in ("name", "title", "value"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return node_id


def find_text(names: Iterable[str]) -> str:
    """What the pages' search boxes match against: every name folded the way their scripts fold a query.

    >>> find_text(["Mixture-of-Transformers", "MoT"])
    'mixture of transformers | mot'
    """
    folded = (_FIND_SEP.sub(" ", str(n).lower()).strip() for n in names if n)
    return " | ".join(dict.fromkeys(f for f in folded if f))


def _acronym(name: str) -> str | None:
    """Initials of a multi-word name, small words included in lower case ("Mixture-of-Transformers" -> "mot")."""
    words = _WORD.findall(name)
    if len(words) < 2:
        return None
    return "".join(w[0] for w in words).casefold()


def _acronym_loose(name: str) -> str | None:
    """Initials without the small words ("Large Language Model" -> "llm", "Mixture of Experts" -> "me")."""
    words = [w for w in _WORD.findall(name) if w.casefold() not in _FILLER]
    if len(words) < 2:
        return None
    return "".join(w[0] for w in words).casefold()


def name_keys(node: str, data: dict[str, object]) -> Iterator[tuple[str, int, str | None]]:
    """(key, match strength, name shown for the key or None) for every way of naming `node`; none for a
    Result. What `NameIndex` and the on-disk index of `kg view` (`kg.views.viewindex`) look names up by."""
    ntype = data.get("type")
    if ntype == "Result":
        return
    label = node_label(data, node)
    candidates: list[tuple[str, int, str | None]] = [(str(node), _EXACT_ID, None), (label, _EXACT_NAME, None),
                                                    (surface_key(label), _NAME_KEY, label)]
    if ntype == "Paper":
        extra = data.get("arxiv_id")
        if isinstance(extra, str) and extra:
            candidates.append((extra.casefold(), _EXACT_ID, None))
    else:
        for alias in data.get("aliases") or ():  # type: ignore[attr-defined]
            if isinstance(alias, str) and alias.strip():
                candidates.append((surface_key(alias), _ALIAS_KEY, alias))
        for acronym in (_acronym(label), _acronym_loose(label)):
            if acronym and len(acronym) >= 2:
                candidates.append((acronym, _ACRONYM, None))
    yield from ((key, strength, shown) for key, strength, shown in candidates if key)


def lookup_keys(name: str) -> list[str]:
    """The keys a typed name is looked up under (as typed, case-folded, and folded like the graph's names)."""
    text = name.strip()
    return [text, text.casefold(), surface_key(text)]


def rank_hits(name: str, found: Iterable[tuple[str, int, str]], papers: Callable[[str], int]) -> list[str]:
    """Nodes matching `name`, best first, from (key, strength, node) rows stored under `lookup_keys(name)`:
    stronger matches first (an exact string only counts as exact for the key it was stored under), then
    nodes with more papers (`papers(node)`), then the smaller id."""
    text = name.strip()
    hits = [(strength if key == text or strength >= _NAME_KEY else _NAME_KEY, node) for key, strength, node in found]
    seen: list[str] = []
    for _, node in sorted(hits, key=lambda h: (h[0], -papers(h[1]), h[1])):
        if node not in seen:
            seen.append(node)
    return seen


@dataclass
class NameIndex:
    """Every way of naming the nodes of one graph, for `find` and `suggest`."""

    graph: nx.MultiDiGraph
    keys: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    display: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, graph: nx.MultiDiGraph) -> NameIndex:
        """Index the Paper, Method, Dataset, Metric and Task nodes of `graph` (Result nodes have no name)."""
        index = cls(graph)
        for node, data in graph.nodes(data=True):
            for key, strength, shown in name_keys(node, data):
                index._add(key, node, strength, shown)
        return index

    def _add(self, key: str, node: str, strength: int, shown: str | None = None) -> None:
        if not key:
            return
        self.keys.setdefault(key, []).append((strength, node))
        if shown is not None:
            self.display.setdefault(key, shown)

    def _papers(self, node: str) -> int:
        count = self.graph.nodes[node].get("paper_count", 0)
        return count if isinstance(count, int) else 0

    def _rank(self, hits: Iterable[tuple[int, str]]) -> list[str]:
        return rank_hits("k", (("k", strength, node) for strength, node in hits), self._papers)  # strengths as given

    def find(self, name: str) -> str | None:
        """The node `name` most likely means, or None; exact ids and names win over aliases and acronyms."""
        found = [(key, strength, node) for key in lookup_keys(name) for strength, node in self.keys.get(key, ())]
        ranked = rank_hits(name, found, self._papers)
        return ranked[0] if ranked else None

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """Up to `n` names of nodes closest in spelling to `name` (difflib ratio over all name keys)."""
        wanted = surface_key(name)
        candidates = [k for k in self.keys if k in self.display]
        close = difflib.get_close_matches(wanted, candidates, n=n * 4, cutoff=0.5)
        names: list[str] = []
        for key in close:
            node = self._rank(self.keys[key])[0]
            shown = node_label(self.graph.nodes[node], node)
            if shown not in names:
                names.append(shown)
        return names[:n]


def find_node(graph: nx.MultiDiGraph, name: str, index: NameIndex | None = None) -> str:
    """Return the id of the node `name` refers to; raise GraphError naming the closest matches otherwise.

    >>> g = nx.MultiDiGraph(); g.add_node("method:transformer", type="Method", name="Transformer",
    ...                                   aliases=["Transformers"], paper_count=3)
    >>> find_node(g, "transformers")
    'method:transformer'
    >>> find_node(g, "Transfomer")
    Traceback (most recent call last):
    kg.errors.GraphError: no entity or paper named 'Transfomer'; closest: Transformer
    """
    index = index or NameIndex.of(graph)
    found = index.find(name)
    if found is not None:
        return found
    raise unknown_name(name, index.suggest(name))


def unknown_name(name: str, close: list[str]) -> GraphError:
    """The error for a name no node answers to, naming the `close` ones."""
    hint = f"; closest: {', '.join(close)}" if close else "; no similar names (see `kg stats` for what is there)"
    return GraphError(f"no entity or paper named {name!r}{hint}")


def neighbourhood(graph: nx.MultiDiGraph, center: str, hops: int = 1, types: Iterable[str] | None = None,
                  max_nodes: int = 300, join: bool = False) -> tuple[nx.MultiDiGraph, int]:
    """The nodes within `hops` edges of `center` (either direction), and every edge among them.

    The walk goes through nodes of every type; `types` only filters what is kept (the center always stays),
    so ``--types Method,Dataset --hops 2`` shows the methods and datasets two steps away through papers.
    When more than `max_nodes` nodes qualify, the nearest are kept, and among equally near ones those named
    by more papers. With `join`, kept nodes linked only through filtered-out ones get a VIA edge
    (`kg.views.entitygraph.join_through`). Returns the subgraph (its own graph; attribute values shared) and
    the number of nodes left out.
    """
    if center not in graph:
        raise GraphError(f"no node {center!r} in the graph")
    wanted = set(types) if types else None
    if wanted is not None:
        unknown = wanted - set(ALL_TYPES)
        if unknown:
            raise GraphError(f"unknown node types {', '.join(sorted(unknown))}; choose from {', '.join(ALL_TYPES)}")
    distance = {center: 0}
    queue = deque([center])
    while queue:
        node = queue.popleft()
        if distance[node] >= hops:
            continue
        for other in (*graph.successors(node), *graph.predecessors(node)):
            if other not in distance:
                distance[other] = distance[node] + 1
                queue.append(other)

    def weight(node: str) -> tuple[int, int, str]:
        count = graph.nodes[node].get("paper_count", 1)
        return distance[node], -(count if isinstance(count, int) else 1), node

    kept = [n for n in distance if n == center or wanted is None or graph.nodes[n].get("type") in wanted]
    kept.sort(key=weight)
    left_out = max(0, len(kept) - max(1, max_nodes))
    kept = kept[: max(1, max_nodes)]
    keep = set(kept)
    sub = nx.MultiDiGraph()
    sub.add_nodes_from((n, graph.nodes[n]) for n in kept)
    sub.add_edges_from((u, v, k, d) for u in kept for _, v, k, d in graph.out_edges(u, keys=True, data=True)
                       if v in keep)
    if join and wanted is not None:
        from kg.views.entitygraph import join_through

        join_through(graph, sub, distance)
    return sub, left_out
