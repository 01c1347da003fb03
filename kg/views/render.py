"""Render a subgraph as an interactive vis-network page (pyvis builds the network, our template lays it out).

Colours and shapes follow the node type (with a legend that doubles as a type filter), node size follows
the number of papers, edges are labelled by relation, and every node and edge has a tooltip: a node's
aliases and counts, an edge's evidence sentence. Small views start with physics on and freeze once the
layout settles; views above `LARGE_VIEW` nodes get a force-directed layout computed here and open with physics
off, so a 2,000-node view is interactive as soon as it is drawn.

pyvis's own template pulls Bootstrap from a CDN whatever `cdn_resources` says, so `render_view` gives pyvis
a template of ours (kg/views/templates/view.html) that inlines vis-network from the pyvis package instead.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from kg.formatting import plural
from kg.views.entitygraph import result_label
from kg.views.html import asset_text, script_json, vis_files
from kg.views.subgraph import ALL_TYPES, find_text, node_label

__all__ = ["TYPE_STYLE", "LARGE_VIEW", "vis_data", "to_pyvis", "render_view"]

TYPE_STYLE: dict[str, dict[str, str]] = {
    "Method": {"color": "#3b82f6", "shape": "dot"},
    "Dataset": {"color": "#16a34a", "shape": "diamond"},
    "Metric": {"color": "#9333ea", "shape": "triangle"},
    "Task": {"color": "#ea580c", "shape": "star"},
    "Paper": {"color": "#94a3b8", "shape": "square"},
    "Result": {"color": "#ca8a04", "shape": "hexagon"},
}
_OTHER_STYLE = {"color": "#64748b", "shape": "dot"}
LARGE_VIEW = 300
LABELLED = 14  # nodes whose label is drawn; the rest show their name on hover, so labels never pile up
_LABEL_CHARS = 48
_TIP_ALIASES = 12


def _short(text: str, limit: int = _LABEL_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _count(value: object, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _node_tip(graph: nx.MultiDiGraph, node: str, data: dict[str, Any]) -> list[str]:
    ntype = str(data.get("type", "?"))
    if ntype == "Paper":
        lines = [f"Paper: {node_label(data, node)}"]
        authors = [str(a) for a in data.get("authors") or ()]
        if authors:
            lines.append("by " + ", ".join(authors[:4]) + (" et al." if len(authors) > 4 else ""))
        if data.get("date"):
            lines.append(f"date: {data['date']}")
        named = sum(1 for _, t in graph.out_edges(node) if graph.nodes[t].get("type") in TYPE_STYLE and t != node)
        lines.append(f"entities and results: {named}")
        lines.append(f"id: {node}")
        return lines
    if ntype == "Result":
        paper = data.get("paper")
        title = node_label(graph.nodes[paper], str(paper)) if isinstance(paper, str) and paper in graph else paper
        lines = [f"Result: {result_label(graph, node)}"]
        for _, target, key in graph.out_edges(node, keys=True):
            lines.append(f"{str(key).lower().replace('_', ' ')}: {node_label(graph.nodes[target], target)}")
        if title:
            lines.append(f"paper: {title}")
        return lines
    lines = [f"{ntype}: {node_label(data, node)}", f"papers: {_count(data.get('paper_count'))}"]
    aliases = [str(a) for a in data.get("aliases") or () if str(a) != data.get("name")]
    if aliases:
        more = f" (+{len(aliases) - _TIP_ALIASES} more)" if len(aliases) > _TIP_ALIASES else ""
        lines.append("aliases: " + ", ".join(aliases[:_TIP_ALIASES]) + more)
    lines.append(f"id: {node}")
    return lines


def _edge_tip(data: dict[str, Any]) -> list[str]:
    lines: list[str] = []  # kg-graph.js puts "source -RELATION-> target" on top from the node names
    if data.get("role"):
        lines.append(f"role: {data['role']}")
    if isinstance(data.get("confidence"), (int, float)):
        lines.append(f"confidence: {data['confidence']:.2f}")
    evidence = [e for e in data.get("evidence") or () if isinstance(e, dict) and e.get("sentence")]
    for item in evidence[:2]:
        lines.append(f"\u201c{_short(str(item['sentence']), 300)}\u201d ({item.get('field', '?')})")
    if len(evidence) > 2:
        lines.append(f"(+{len(evidence) - 2} more mentions)")
    return lines


def _layout(sub: nx.MultiDiGraph, iterations: int = 50, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Positions for a large view: Fruchterman-Reingold, as networkx's `spring_layout`, vectorized.

    networkx's own takes 15-25 s on 2,000 nodes (and needs scipy above 500); this one computes the pairwise
    repulsion with two float32 matrix products per step, about a second for 2,000 nodes, deterministic.
    """
    nodes = [str(n) for n in sub.nodes]
    n = len(nodes)
    if n == 0:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    pairs = {(index[str(u)], index[str(v)]) for u, v in sub.edges() if u != v}
    src = np.array([a for a, _ in pairs], dtype=np.intp)
    dst = np.array([b for _, b in pairs], dtype=np.intp)
    pos = np.random.default_rng(seed).random((n, 2), dtype=np.float32)
    k = np.float32(1.0 / math.sqrt(n))
    step = 0.1
    cool = step / (iterations + 1)
    for _ in range(iterations):
        sq = (pos * pos).sum(axis=1)
        inv = pos @ pos.T  # becomes k^2 / squared distance, in place
        inv *= -2.0
        inv += sq[:, None]
        inv += sq[None, :]
        np.maximum(inv, 1e-6, out=inv)
        np.divide(k * k, inv, out=inv)
        np.fill_diagonal(inv, 0.0)
        disp = pos * inv.sum(axis=1)[:, None] - inv @ pos
        if len(src):
            delta = pos[src] - pos[dst]
            pull = delta * (np.sqrt((delta * delta).sum(axis=1)) / k)[:, None]
            np.subtract.at(disp, src, pull)
            np.add.at(disp, dst, pull)
        length = np.sqrt((disp * disp).sum(axis=1))
        np.maximum(length, 1e-6, out=length)
        pos += disp * (np.minimum(length, step) / length)[:, None]
        step -= cool
    pos -= pos.mean(axis=0)
    scale = 40.0 * math.sqrt(n) / max(float(np.abs(pos).max()), 1e-6)
    xy = np.round(pos.astype(np.float64) * scale, 1).tolist()
    return {node: (x, y) for node, (x, y) in zip(nodes, xy, strict=True)}


def _options(large: bool) -> dict[str, Any]:
    options: dict[str, Any] = {
        "nodes": {"font": {"size": 13, "face": "system-ui, sans-serif"}, "borderWidth": 1,
                  "scaling": {"min": 8, "max": 42, "label": {"enabled": True, "min": 12, "max": 24,
                                                              "drawThreshold": 7}}},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.45}}, "width": 1,
                  "color": {"color": "#b8c0cc", "highlight": "#334155", "hover": "#64748b"},
                  "font": {"size": 9, "color": "#475569", "strokeWidth": 2, "align": "middle"},
                  "smooth": False if large else {"enabled": True, "type": "continuous", "roundness": 0.3}},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": large,
                        "hideEdgesOnZoom": large, "multiselect": False},
        "layout": {"improvedLayout": False},
    }
    if large:
        options["physics"] = {"enabled": False}
    else:
        options["physics"] = {
            "enabled": True, "solver": "forceAtlas2Based", "minVelocity": 1.0,
            "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 110, "springConstant": 0.06,
                                 "damping": 0.5, "avoidOverlap": 0.3},
            "stabilization": {"enabled": True, "iterations": 400, "updateInterval": 50, "fit": True},
        }
    return options


def vis_data(graph: nx.MultiDiGraph, sub: nx.MultiDiGraph, center: str | None = None,
             url_of: Callable[[str], str | None] | None = None, left_out: int = 0,
             cache: dict[Any, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The JSON a view page feeds to vis-network: nodes, edges, options, legend entries.

    `graph` is the whole graph (for counts and labels in tooltips), `sub` the part shown; `url_of` maps a node
    id to the page a click on it opens (relative to the site root), or None for no link. `cache` (any dict
    kept between calls on the same graph) saves recomputing the items of nodes and edges seen before.
    """
    cache = {} if cache is None else cache
    large = sub.number_of_nodes() > LARGE_VIEW
    pos = _layout(sub) if large else {}
    nodes: list[dict[str, Any]] = []
    types: Counter[str] = Counter()
    for node, data in sub.nodes(data=True):
        base = cache.get(node)
        if base is None:
            base = cache[node] = _node_item(graph, node, data, url_of)
        item = dict(base)
        item.pop("hideLabel", None)
        types[item["kgType"]] += 1
        if node == center:
            item["borderWidth"] = 4
            item["color"] = {"background": base["color"], "border": "#111827"}
        if node in pos:
            item["x"], item["y"] = pos[node]
        nodes.append(item)
    edges: list[dict[str, Any]] = []
    strength: Counter[str] = Counter()
    tables: dict[str, Any] = {"papers": [], "sentences": [], "paper_at": {}, "sentence_at": {}}
    for u, v, key, data in sub.edges(keys=True, data=True):
        if key in ("SHARES_PAPERS", "VIA"):
            edges.append(_joined_edge(graph, u, v, str(key), data, url_of, tables))
            weight = _count(data.get("weight"), 1)
            if center in (u, v):
                strength[v if u == center else u] += weight
            continue
        edge = cache.get((u, v, key))
        if edge is None:
            edge = cache[(u, v, key)] = {
                "from": u, "to": v, "label": str(data.get("type", key)),
                "tip": _edge_tip(data)}
        edges.append(edge)
    _label_the_important(nodes, strength, center)
    order = [t for t in ALL_TYPES if t in types] + sorted(t for t in types if t not in ALL_TYPES)
    legend = [{"type": t, "count": types[t], **TYPE_STYLE.get(t, _OTHER_STYLE)} for t in order]
    options = _options(large)
    if strength or any(e.get("kgEdge") for e in edges):  # an entity graph: fewer, larger, legible labels
        edges = [e if e.get("kgEdge") else {**e, "label": "", "relation": e["label"]} for e in edges]
        options["nodes"]["font"] = {"size": 16, "face": "system-ui, sans-serif", "strokeWidth": 4,
                                    "strokeColor": "#ffffff"}
        options["nodes"]["scaling"]["label"] = {"enabled": False}
        options["edges"]["arrows"] = {"to": {"enabled": False}}
    return {"nodes": nodes, "edges": edges, "options": options, "types": legend,
            "papers": tables["papers"], "sentences": tables["sentences"], "center": center,
            "large": large, "leftOut": left_out, "linkNodes": url_of is not None}


def _joined_edge(graph: nx.MultiDiGraph, u: str, v: str, key: str, data: dict[str, Any],
                 url_of: Callable[[str], str | None] | None, tables: dict[str, Any]) -> dict[str, Any]:
    """An undirected edge of an entity graph: width by papers shared, the papers listed when clicked.

    Papers and sentences go once per page into `tables` (``papers``: [title, date, page], ``sentences``);
    the edge lists [paper index, [sentence indexes]], so a hub's page does not repeat them edge after edge."""
    weight = _count(data.get("weight"), 1)
    if key == "VIA":
        names = [node_label(graph.nodes[n], n) for n in data.get("via") or () if n in graph]
        tip = [f"joined through {weight} removed node{'s' if weight != 1 else ''}", *(_short(n, 80) for n in names[:6])]
        return {"from": u, "to": v, "label": "", "kgEdge": key, "tip": tip, "width": min(1 + weight, 6),
                "dashes": True}
    papers = []
    for item in data.get("papers") or ():
        pid = str(item["id"])
        if pid not in tables["paper_at"]:
            tables["paper_at"][pid] = len(tables["papers"])
            url = url_of(pid) if url_of is not None else None
            tables["papers"].append([str(item.get("title", pid)), str(item.get("date") or ""), url or ""])
        said = []
        for sentence in item.get("sentences") or ():
            if sentence not in tables["sentence_at"]:
                tables["sentence_at"][sentence] = len(tables["sentences"])
                tables["sentences"].append(sentence)
            said.append(tables["sentence_at"][sentence])
        papers.append([tables["paper_at"][pid], said])
    return {"from": u, "to": v, "label": "", "kgEdge": key, "weight": weight,
            "width": round(min(1 + math.log2(weight) * 1.5, 8), 2), "papers": papers}


def _label_the_important(nodes: list[dict[str, Any]], strength: Counter[str], center: str | None) -> None:
    """Keep the drawn label of the center and the `LABELLED` most important nodes (papers shared with the
    center, then papers overall); the others are marked ``hideLabel`` and show their name on hover."""
    if len(nodes) <= LABELLED:
        return
    ranked = sorted(nodes, key=lambda n: (n["id"] != center, -strength.get(n["id"], 0), -int(n.get("value", 1)),
                                          str(n["id"])))
    shown = {n["id"] for n in ranked[: LABELLED + 1]}
    for item in nodes:
        if item["id"] not in shown:
            item["hideLabel"] = True


def _node_item(graph: nx.MultiDiGraph, node: str, data: dict[str, Any],
               url_of: Callable[[str], str | None] | None) -> dict[str, Any]:
    ntype = str(data.get("type", "?"))
    style = TYPE_STYLE.get(ntype, _OTHER_STYLE)
    label = result_label(graph, node) if ntype == "Result" else node_label(data, node)
    aliases = [str(a) for a in data.get("aliases") or ()]
    item: dict[str, Any] = {
        "id": node, "label": _short(label), "kgType": ntype, "shape": style["shape"],
        "color": style["color"], "value": max(1, _count(data.get("paper_count"), 1)),
        "tip": _node_tip(graph, node, data), "find": find_text((label, *aliases, node)),
    }
    if item["label"] != label:
        item["name"] = label  # the full name, when the label is shortened (kg-graph.js: name = name || label)
    if url_of is not None and (url := url_of(node)):
        item["url"] = url
    return item


def to_pyvis(data: dict[str, Any], heading: str = "") -> Any:
    """A pyvis `Network` holding the nodes, edges and options of `data` (from `vis_data`)."""
    from pyvis.network import Network

    net = Network(height="100%", width="100%", directed=True, heading=heading, cdn_resources="in_line")
    for node in data["nodes"]:
        options = {k: v for k, v in node.items() if k not in ("id", "label", "shape", "color")}
        net.add_node(node["id"], label=node["label"], shape=node["shape"], color=node["color"], **options)
    # pyvis checks each edge's ends with a linear scan; the nodes are known to exist, so append directly
    # (arrows come from the options, not per edge).
    net.edges.extend(dict(edge) for edge in data["edges"])
    net.options = data["options"]
    return net


def render_view(graph: nx.MultiDiGraph, sub: nx.MultiDiGraph, center: str, *, title: str | None = None,
                url_of: Callable[[str], str | None] | None = None, root: str = "", left_out: int = 0,
                index_url: str | None = None) -> str:
    """One self-contained HTML page (vis-network, styles and data inlined) showing `sub` around `center`."""
    data = vis_data(graph, sub, center, url_of=url_of, left_out=left_out)
    heading = title or f"{node_label(graph.nodes[center], center)} and its neighbourhood"
    net = to_pyvis(data, heading)
    template_dir = Path(__file__).parent / "templates"
    net.set_template_dir(str(template_dir), "view.html")
    net.templateEnv.autoescape = True
    js, css = vis_files()
    nodes, edges, _, _, _, options = net.get_network_data()
    payload = {**data, "nodes": nodes, "edges": edges, "options": json.loads(options), "root": root}
    net.templateEnv.globals.update(
        kg_heading=heading, kg_payload=script_json(payload),
        kg_vis_js=js.read_text(encoding="utf-8"), kg_vis_css=css.read_text(encoding="utf-8"),
        kg_css=asset_text("kg.css"), kg_js=asset_text("kg-graph.js"), kg_index_url=index_url,
        kg_note=_note(sub, left_out),
    )
    return net.generate_html(name="view.html")


def _note(sub: nx.MultiDiGraph, left_out: int) -> str:
    text = f"{plural(sub.number_of_nodes(), 'node')}, {plural(sub.number_of_edges(), 'edge')}"
    if left_out:
        text += f"; {plural(left_out, 'more node')} left out (raise --max-nodes to see them)"
    if sub.number_of_nodes() > LARGE_VIEW:
        text += "; layout precomputed, physics off"
    return text
