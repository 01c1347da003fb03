"""The whole-graph map on the site index: entities laid out once here, drawn in the browser with WebGL.

The layout is computed offline with numpy (force-directed: attraction along the strongest shared-paper links,
repulsion estimated against a fresh random sample of nodes each step, so a step costs O(n * sample) and
20,000 nodes lay out in seconds without scipy). The page draws it with sigma.js over a graphology graph,
both shipped in ``assets/`` from the npm registry with their licences (``assets/*-LICENSE.txt``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from kg.views.html import script_json
from kg.views.render import TYPE_STYLE

__all__ = ["MapNode", "layout", "map_script", "MAP_DATA", "MAP_TYPES", "MAP_ASSETS"]

MAP_DATA = "assets/map-data.js"
MAP_TYPES: tuple[str, ...] = ("Method", "Dataset", "Task", "Metric")
MAP_ASSETS: tuple[str, ...] = ("graphology.umd.min.js", "sigma.min.js", "graphology-LICENSE.txt",
                               "sigma-LICENSE.txt")


class MapNode:
    """One entity on the map: id, name (untrusted; drawn as canvas text only), type, papers, page."""

    __slots__ = ("id", "name", "kind", "papers", "href")

    def __init__(self, node: str, name: str, kind: str, papers: int, href: str | None) -> None:
        self.id, self.name, self.kind, self.papers, self.href = node, name, kind, papers, href


def layout(n: int, edges: Sequence[tuple[int, int, float]], iterations: int = 120, sample: int = 256,
           seed: int = 7) -> np.ndarray:
    """(n, 2) positions for `n` nodes joined by weighted `edges` (i, j, weight); deterministic for a seed."""
    rng = np.random.default_rng(seed)
    pos = rng.standard_normal((n, 2)).astype(np.float32)
    if n <= 1:
        return np.zeros((n, 2), dtype=np.float32)
    src = np.array([e[0] for e in edges], dtype=np.intp)
    dst = np.array([e[1] for e in edges], dtype=np.intp)
    weight = np.array([1.0 + math.log(max(e[2], 1.0)) for e in edges], dtype=np.float32)
    k = np.float32(1.0 / math.sqrt(n))
    pos *= np.float32(0.5)
    step = 0.1
    cool = step / (iterations + 1)
    size = min(sample, n)
    for _ in range(iterations):
        picks = rng.choice(n, size=size, replace=False)
        disp = np.zeros_like(pos)
        for lo in range(0, n, 8192):
            chunk = pos[lo:lo + 8192]
            delta = chunk[:, None, :] - pos[picks][None, :, :]
            dist2 = np.maximum((delta * delta).sum(axis=2), np.float32(1e-6))
            disp[lo:lo + 8192] = (delta * (k * k / dist2)[:, :, None]).sum(axis=1) * np.float32(n / size)
        if len(src):
            delta = pos[src] - pos[dst]
            dist = np.sqrt((delta * delta).sum(axis=1))
            pull = delta * (dist / k * weight)[:, None]
            np.subtract.at(disp, src, pull)
            np.add.at(disp, dst, pull)
        disp -= pos * np.float32(0.05 * n * k)  # a little gravity keeps separate islands in sight
        length = np.maximum(np.sqrt((disp * disp).sum(axis=1)), np.float32(1e-6))
        pos += disp * (np.minimum(length, step) / length)[:, None]
        step -= cool
    pos -= pos.mean(axis=0)
    return pos


def map_script(nodes: list[MapNode], links: Counter[tuple[int, int]]) -> str:
    """``assets/map-data.js``: ``window.KG_MAP`` with the types and their colours, every node as
    [name, x, y, size, type index, page or ""], and the edges as a flat list of node index pairs."""
    edges = [(a, b, float(w)) for (a, b), w in links.items()]
    pos = layout(len(nodes), edges)
    scale = 1000.0 / max(float(np.abs(pos).max()) if len(pos) else 1.0, 1e-6)
    kinds = {kind: i for i, kind in enumerate(MAP_TYPES)}
    items = []
    for node, (x, y) in zip(nodes, pos.tolist(), strict=True):
        size = round(2.0 + 2.2 * math.log2(max(node.papers, 1)), 1)
        items.append([node.name, round(x * scale, 1), round(y * scale, 1), size, kinds.get(node.kind, 0),
                      node.href or ""])
    flat = [i for a, b, _ in edges for i in (a, b)]
    data = {"types": [{"type": t, "color": TYPE_STYLE[t]["color"]} for t in MAP_TYPES], "nodes": items,
            "edges": flat}
    return f"window.KG_MAP = {script_json(data)};\n"
