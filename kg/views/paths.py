"""File names of the site's pages: one per entity and paper, safe on every filesystem, stable across runs.

Node ids hold ':' and '.', and titles anything at all, so a page name is a slug of the id (ASCII letters,
digits, '-') in a folder per type: ``method/mixture-of-transformers.html``, ``paper/arxiv-2411-04996.html``.
A slug that comes out empty, too long, or equal (ignoring case) to another one gets a hash of the id.
Result nodes have no page of their own: they open their paper's page. Entities a large site merges into
list pages (those named by one paper and in no result) open their entry there: ``method/_one-paper-m.html#mot``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import networkx as nx

__all__ = ["page_paths", "list_page", "PAGE_TYPES"]

PAGE_TYPES: tuple[str, ...] = ("Paper", "Method", "Dataset", "Metric", "Task")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_MAX_SLUG = 80


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").casefold()
    return _NOT_SLUG.sub("-", text).strip("-")[:_MAX_SLUG].strip("-")


def _digest(node: str) -> str:
    return hashlib.sha256(node.encode("utf-8")).hexdigest()[:10]


def list_page(path: str) -> str:
    """The list page an entity merged into one (``method/_one-paper-m.html``), from its own page path.

    >>> list_page("method/mixture-of-transformers.html")
    'method/_one-paper-m.html'
    """
    folder, name = path.split("/", 1)
    first = name[:1]
    bucket = first if first.isalpha() else "0-9"
    return f"{folder}/_one-paper-{bucket}.html"


def page_paths(graph: nx.MultiDiGraph, merged: set[str] | frozenset[str] = frozenset()) -> dict[str, str]:
    """Node id -> page path relative to the site root, for every node that has (or opens) a page.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("method:mixture-of-transformers", type="Method")
    >>> g.add_node("arxiv-2411.04996", type="Paper")
    >>> sorted(page_paths(g).values())
    ['method/mixture-of-transformers.html', 'paper/arxiv-2411-04996.html']
    """
    wanted: dict[str, list[str]] = {}
    for node, data in sorted(graph.nodes(data=True), key=lambda item: str(item[0])):
        ntype = data.get("type")
        if ntype not in PAGE_TYPES:
            continue
        node = str(node)
        rest = node.split(":", 1)[1] if ntype != "Paper" and ":" in node else node
        folder = str(ntype).lower()
        wanted.setdefault(f"{folder}/{_slug(rest)}", []).append(node)
    paths: dict[str, str] = {}
    for stem, nodes in wanted.items():
        bare = stem.endswith("/")
        for node in nodes:
            name = f"{stem}-{_digest(node)}" if bare or len(nodes) > 1 else stem
            paths[node] = name.replace("/-", "/") + ".html"
    for node in merged:
        if node in paths:
            own = paths[node]
            paths[node] = f"{list_page(own)}#{own.split('/', 1)[1].removesuffix('.html')}"
    for node, data in graph.nodes(data=True):
        if data.get("type") == "Result" and data.get("paper") in paths:
            paths[str(node)] = paths[str(data["paper"])] + "#results"
    return paths
