"""File names of the site's pages: one per entity and paper, safe on every filesystem, stable across runs.

Node ids hold ':' and '.', and titles anything at all, so a page name is a slug of the id (ASCII letters,
digits, '-') in a folder per type: ``method/mixture-of-transformers.html``, ``paper/arxiv-2411-04996.html``.
`page_name` makes names unique by construction: an id shown as its plain slug is one the slug maps back to
(an entity id that already is a slug, an arXiv or title paper id), and every other id gets its slug, ``--``
and a hash of the whole id, a name no plain slug can take (slugs never hold ``--``). Names reserved on
Windows (con, nul, aux, com1, ...) are never plain. Result nodes have no page of their own: they open
their paper's page.
Entities a large site merges into list pages (those named by one paper and in no result) open their entry
there: ``method/_one-paper-mo.html#mot``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import networkx as nx

__all__ = ["page_paths", "page_name", "list_page", "PAGE_TYPES"]

PAGE_TYPES: tuple[str, ...] = ("Paper", "Method", "Dataset", "Metric", "Task")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_MAX_SLUG = 80
# Ids shown as their plain slug: there the slug is one-to-one (only the arXiv id's single '.' becomes '-').
_PLAIN_ENTITY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_PLAIN_PAPER = re.compile(r"arxiv-\d{4}\.\d{4,5}(?:v\d+)?|title-[0-9a-f]{16}")
# Device names Windows reserves in every folder, whatever the extension (con.html is no file there).
_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))})


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").casefold()
    return _NOT_SLUG.sub("-", text).strip("-")[:_MAX_SLUG].strip("-")


def _digest(node: str) -> str:
    return hashlib.sha256(node.encode("utf-8")).hexdigest()[:16]


def page_name(node: str, node_type: str) -> str:
    """The page of node `node` (of type `node_type`), relative to the site root: ``<type>/<name>.html``.

    Distinct nodes get distinct names (also ignoring case), whatever their ids, and a node's name depends on
    its id alone, so it is stable across runs and as the graph grows.

    >>> page_name("method:transformer", "Method"), page_name("arxiv-2411.04996", "Paper")
    ('method/transformer.html', 'paper/arxiv-2411-04996.html')
    >>> page_name("method:a+b-net", "Method")
    'method/a-b-net--93aa6448b9a0768d.html'
    >>> page_name("dataset:con", "Dataset")
    'dataset/con--e5f13aedb046887e.html'
    """
    folder = node_type.lower()
    if node_type == "Paper":
        rest, plain = node, _PLAIN_PAPER.fullmatch(node) is not None
    else:
        prefix = f"{folder}:"
        rest = node[len(prefix):] if node.startswith(prefix) else node
        plain = node.startswith(prefix) and _PLAIN_ENTITY.fullmatch(rest) is not None and len(rest) <= _MAX_SLUG
    slug = _slug(rest)
    if plain and slug not in _RESERVED:
        return f"{folder}/{slug}.html"
    return f"{folder}/{slug or folder}--{_digest(node)}.html"


def list_page(path: str) -> str:
    """The list page an entity merged into one (``method/_one-paper-mi.html``), from its own page path: one
    page per first two letters of the name (a few hundred entries at 50,000 papers, not thousands).

    >>> list_page("method/mixture-of-transformers.html"), list_page("task/x.html"), list_page("method/3d-net.html")
    ('method/_one-paper-mi.html', 'task/_one-paper-x.html', 'method/_one-paper-0-9.html')
    """
    folder, name = path.split("/", 1)
    first = name[:1]
    if not first.isalpha():
        return f"{folder}/_one-paper-0-9.html"
    second = name[1:2]
    return f"{folder}/_one-paper-{first}{second if second.isalnum() else ''}.html"


def page_paths(graph: nx.MultiDiGraph, merged: set[str] | frozenset[str] = frozenset()) -> dict[str, str]:
    """Node id -> page path relative to the site root, for every node that has (or opens) a page.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("method:mixture-of-transformers", type="Method")
    >>> g.add_node("arxiv-2411.04996", type="Paper")
    >>> sorted(page_paths(g).values())
    ['method/mixture-of-transformers.html', 'paper/arxiv-2411-04996.html']
    """
    paths: dict[str, str] = {}
    taken: dict[str, str] = {}
    for node, data in graph.nodes(data=True):
        ntype = data.get("type")
        if ntype not in PAGE_TYPES:
            continue
        path = page_name(str(node), str(ntype))
        other = taken.setdefault(path.casefold(), str(node))
        if other != str(node):  # a 64-bit hash collision: never silently show one entity on another's page
            raise RuntimeError(f"site pages of {other!r} and {node!r} would share {path}")
        paths[str(node)] = path
    for node in merged:
        if node in paths:
            own = paths[node]
            paths[node] = f"{list_page(own)}#{own.split('/', 1)[1].removesuffix('.html')}"
    for node, data in graph.nodes(data=True):
        if data.get("type") == "Result" and data.get("paper") in paths:
            paths[str(node)] = paths[str(data["paper"])] + "#results"
    return paths
