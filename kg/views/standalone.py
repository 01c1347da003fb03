"""`view` (kg view): the neighbourhood of one entity or paper as a self-contained interactive HTML file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from kg.errors import GraphError
from kg.graph.io import GRAPH_FILE
from kg.graph.stream import iter_graph
from kg.outputs import recover, write_text_atomic
from kg.views.paths import page_paths
from kg.views.entitygraph import ENTITY_KINDS, entity_neighbourhood
from kg.views.render import render_view
from kg.views.subgraph import find_node, neighbourhood, node_label, unknown_name
from kg.views.viewindex import local_graph, open_index

__all__ = ["ViewReport", "view", "load_graph", "choose_view"]


@dataclass(frozen=True)
class ViewReport:
    """What `view` wrote: the file, the node it centres on, and how much of the neighbourhood it shows."""

    out: Path
    center: str
    name: str
    nodes: int
    edges: int
    left_out: int


_EVIDENCE_KEYS = ("sentence", "start", "end", "field")
_SHARED_LIMIT = 200_000


def load_graph(graph_dir: Path) -> nx.MultiDiGraph:
    """The graph of a build folder (finishing an interrupted swap first), with what the views show.

    Read item by item (`kg.graph.stream.iter_graph`) rather than as one JSON document, so the parsed file and
    the graph are never in memory together, and lean: an edge's evidence keeps its sentence, offsets and
    field (not the extractor version or the sentence's start, which no page shows), and equal strings (a
    paper's sentences, repeated by each entity it names; types, roles, fields) are stored once. At 50,000
    papers it holds 0.95 GB where `read_graph` holds 1.5 GB."""
    recover(Path(graph_dir))
    graph = nx.MultiDiGraph()
    shared: dict[str, str] = {}

    def one(text: object) -> object:
        if not isinstance(text, str):
            return text
        if len(shared) > _SHARED_LIMIT:  # sentences repeat within a paper: a bounded table catches them
            shared.clear()
        return shared.setdefault(text, text)

    for section, item in iter_graph(Path(graph_dir) / GRAPH_FILE):
        if section == "nodes":
            node = item.pop("id", None)
            if node is None:
                raise GraphError(f"{Path(graph_dir) / GRAPH_FILE}: a node without an id")
            item["type"] = one(item.get("type"))
            graph.add_node(node, **item)
            continue
        source, target, key = item.pop("source", None), item.pop("target", None), item.pop("key", None)
        if source is None or target is None:
            raise GraphError(f"{Path(graph_dir) / GRAPH_FILE}: an edge without its source or target")
        item.pop("extractor_version", None)
        for name in ("type", "role"):
            if name in item:
                item[name] = one(item[name])
        evidence = item.get("evidence")
        if isinstance(evidence, list):
            item["evidence"] = [{k: one(e[k]) for k in _EVIDENCE_KEYS if k in e} if isinstance(e, dict) else e
                                for e in evidence]
        graph.add_edge(source, target, one(key) if key is not None else None, **item)
    return graph


def choose_view(graph: nx.MultiDiGraph, center: str, *, hops: int = 1, types: Iterable[str] | None = None,
                max_nodes: int = 300) -> tuple[nx.MultiDiGraph, int]:
    """What a view of `center` shows. An entity's view is its entity graph (entities joined by shared papers,
    its results as "metric value on dataset" nodes), unless `types` asks for papers; a paper's view, or one
    asking for papers, is the neighbourhood as stored, with nodes the type filter removed joined through."""
    wanted = set(types) if types else None
    if graph.nodes[center].get("type") in ENTITY_KINDS and (wanted is None or not wanted & {"Paper"}):
        if wanted is not None:
            neighbourhood(graph, center, hops=0, types=wanted)  # the same check of the type names
        return entity_neighbourhood(graph, center, hops=hops, types=wanted, max_nodes=max_nodes,
                                    results=wanted is None or "Result" in wanted)
    return neighbourhood(graph, center, hops=hops, types=wanted, max_nodes=max_nodes, join=wanted is not None)


def _read_around(graph_dir: Path, name: str, *, hops: int, types: Iterable[str] | None,
                 max_nodes: int) -> tuple[nx.MultiDiGraph, str]:
    """The part of the build in `graph_dir` a view of `name` reads, through the build's view index (written
    by the first view), and the node `name` means; GraphError naming the closest names when none."""
    recover(graph_dir)
    with open_index(graph_dir) as index:
        center = index.find(name)
        if center is None:
            raise unknown_name(name, index.suggest(name))
        wanted = set(types) if types else None
        entity_view = index.kind(center) in ENTITY_KINDS and (wanted is None or not wanted & {"Paper"})
        return local_graph(index, center, hops=hops, entity_view=entity_view, types=wanted,
                           max_nodes=max_nodes), center


def view(graph_dir: Path | nx.MultiDiGraph, name: str, out: Path, *, hops: int = 1,
         types: Iterable[str] | None = None, max_nodes: int = 300, site_url: str | None = None) -> ViewReport:
    """Write the neighbourhood of the node `name` (entity or paper, matched forgivingly) to the HTML file `out`.

    `hops`, `types` and `max_nodes` choose the nodes (see `neighbourhood`). With `site_url` (the address or
    relative path of a site written by `site`), clicking a node opens its page there.
    Raises GraphError for an unknown name (naming the closest ones), OutputError when `out` cannot be written.
    """
    if isinstance(graph_dir, nx.MultiDiGraph):
        graph = graph_dir
        center = find_node(graph, name)
    else:
        graph, center = _read_around(Path(graph_dir), name, hops=hops, types=types, max_nodes=max_nodes)
    sub, left_out = choose_view(graph, center, hops=hops, types=types, max_nodes=max_nodes)
    url_of = None
    root = ""
    index_url = None
    if site_url is not None:
        paths = page_paths(graph)
        url_of = paths.get
        root = site_url if site_url.endswith("/") or not site_url else site_url + "/"
        index_url = root + "index.html"
    html = render_view(graph, sub, center, url_of=url_of, root=root, left_out=left_out, index_url=index_url)
    write_text_atomic(Path(out), html)
    return ViewReport(Path(out), center, node_label(graph.nodes[center], center), sub.number_of_nodes(),
                      sub.number_of_edges(), left_out)
