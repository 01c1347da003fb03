"""The whole-graph map on the site index: entities laid out once here, drawn in the browser with WebGL.

The layout is computed offline with numpy (force-directed: attraction along the strongest shared-paper links,
repulsion estimated against a fresh random sample of nodes each step, so a step costs O(n * sample) and
20,000 nodes lay out in seconds without scipy). The page draws it with ``assets/kg-map.js``, one small WebGL
program (a point per node, a line per drawn link) with picking and labels of its own.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from kg.views.html import script_json
from kg.views.render import TYPE_STYLE

__all__ = ["MapNode", "layout", "map_script", "MAP_DATA", "MAP_TYPES"]

MAP_DATA = "assets/map-data.js"
MAP_TYPES: tuple[str, ...] = ("Method", "Dataset", "Task", "Metric")
DRAWN_EDGE_NODES = 500


class MapNode:
    """One entity on the map: id, name (untrusted; drawn as canvas text only), type, papers, page."""

    __slots__ = ("id", "name", "kind", "papers", "href")

    def __init__(self, node: str, name: str, kind: str, papers: int, href: str | None) -> None:
        self.id, self.name, self.kind, self.papers, self.href = node, name, kind, papers, href


def layout(n: int, edges: Sequence[tuple[int, int, float]], iterations: int = 80, sample: int = 96,
           seed: int = 7) -> np.ndarray:
    """(n, 2) positions for `n` nodes joined by weighted `edges` (i, j, weight); deterministic for a seed.

    Fruchterman-Reingold with the repulsion of each step estimated from a fresh random sample of nodes
    (O(n * sample) a step), attraction summed with `np.bincount`, and a weak pull to the middle that keeps
    unconnected islands in view. 20,000 nodes take a few seconds."""
    if n <= 1:
        return np.zeros((n, 2), dtype=np.float32)
    rng = np.random.default_rng(seed)
    pos = (rng.standard_normal((n, 2)) * 0.5).astype(np.float32)
    src = np.fromiter((e[0] for e in edges), dtype=np.intp, count=len(edges))
    dst = np.fromiter((e[1] for e in edges), dtype=np.intp, count=len(edges))
    degree = np.bincount(np.concatenate([src, dst]), minlength=n).astype(np.float32) + 1
    weight = np.fromiter((1.0 + math.log(max(e[2], 1.0)) for e in edges), dtype=np.float32, count=len(edges))
    weight /= np.sqrt(degree[src] * degree[dst])  # hubs pull as hard as anyone, not harder
    k2 = np.float32(1.0 / n)
    k = np.float32(math.sqrt(1.0 / n))
    size = min(sample, n)
    scale = np.float32(n / size)
    step = 0.1
    cool = step / (iterations + 1)
    chunk = max(1, 4_000_000 // size)
    for _ in range(iterations):
        picks = pos[rng.choice(n, size=size, replace=False)]
        disp = np.empty_like(pos)
        for lo in range(0, n, chunk):
            part = pos[lo:lo + chunk]
            dx = part[:, 0:1] - picks[None, :, 0]
            dy = part[:, 1:2] - picks[None, :, 1]
            inv = dx * dx
            inv += dy * dy
            np.maximum(inv, np.float32(1e-6), out=inv)
            np.divide(k2, inv, out=inv)
            disp[lo:lo + chunk, 0] = (dx * inv).sum(axis=1)
            disp[lo:lo + chunk, 1] = (dy * inv).sum(axis=1)
        disp *= scale
        if len(src):
            delta = pos[src] - pos[dst]
            pull = delta * (np.sqrt((delta * delta).sum(axis=1)) / k * weight)[:, None]
            for axis in (0, 1):
                disp[:, axis] -= np.bincount(src, pull[:, axis], minlength=n).astype(np.float32)
                disp[:, axis] += np.bincount(dst, pull[:, axis], minlength=n).astype(np.float32)
        disp -= pos * np.float32(0.3)
        length = np.maximum(np.sqrt((disp * disp).sum(axis=1)), np.float32(1e-6))
        pos += disp * (np.minimum(length, step) / length)[:, None]
        step -= cool
    pos -= np.median(pos, axis=0)
    radius = np.sqrt((pos * pos).sum(axis=1))
    limit = float(np.quantile(radius, 0.99)) or 1.0
    far = radius > limit  # a few stray nodes would otherwise shrink everyone else into a dot
    pos[far] *= (limit / radius[far])[:, None]
    return pos


def map_script(nodes: list[MapNode], links: Counter[tuple[int, int]], drawn: int = DRAWN_EDGE_NODES) -> str:
    """``assets/map-data.js``: ``window.KG_MAP`` with the types and their colours, the nodes as columns (names,
    x and y as integers on a 20,000-unit square, papers, type index, page or ""), and the drawn links as a
    flat list of node index pairs, parsed with ``JSON.parse`` (faster than a script literal).

    Every link places the nodes; only the links among the first `drawn` nodes (those named by most papers:
    `nodes` come most used first) are drawn: all of them (28,754 at 50k papers) only grey the map."""
    edges = [(a, b, float(w)) for (a, b), w in links.items()]
    pos = layout(len(nodes), edges)
    scale = 10_000.0 / max(float(np.abs(pos).max()) if len(pos) else 1.0, 1e-6)
    kinds = {kind: i for i, kind in enumerate(MAP_TYPES)}
    grid = np.rint(pos * scale).astype(np.int64).tolist() if len(pos) else []
    data = {
        "types": [{"type": t, "color": TYPE_STYLE[t]["color"]} for t in MAP_TYPES],
        "names": [node.name for node in nodes],
        "x": [x for x, _ in grid],
        "y": [y for _, y in grid],
        "papers": [node.papers for node in nodes],
        "kind": [kinds.get(node.kind, 0) for node in nodes],
        "urls": [node.href or "" for node in nodes],
        "edges": [i for a, b, _ in edges if a < drawn and b < drawn for i in (a, b)],
    }
    return f"window.KG_MAP = JSON.parse({json.dumps(script_json(data), ensure_ascii=True)});\n"
