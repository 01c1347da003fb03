#!/usr/bin/env python3
"""Benchmark: how soon a 2,000-node `kg view` is interactive in headless Chromium (network off).

    .venv/bin/python scripts/bench_view.py [--graph kg-out | --corpus examples/corpus] [--nodes 2000] [--runs 3]

Writes the view of the most-used entity, widening --hops until the view holds --nodes nodes, then opens it
--runs times in a fresh headless Chromium (Debian's /usr/bin/chromium via Playwright, every non-file://
request blocked). Printed per run:

- ready: ms from navigation start until vis-network has drawn every node (kg-graph.js sets
  `window.kgView.readyAt` on the first draw; large views have a precomputed layout and physics off);
- redraw: ms for one zoom-and-redraw right after that, i.e. how long the page takes to answer a gesture;
- click: ms from a click on a node to that node being selected.

The issue's target is ready + redraw under 2,000 ms; this script records the figures, it does not fail on them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from browser import browser_problem, chromium  # noqa: E402

from kg.views import view  # noqa: E402
from kg.views.standalone import load_graph  # noqa: E402

_MEASURE = """async () => {
    const v = window.kgView, net = v.network;
    const t0 = performance.now();
    await new Promise(done => { net.once('afterDrawing', done); net.moveTo({scale: net.getScale() * 1.3}); });
    const redraw = performance.now() - t0;
    return {ready: v.readyAt, redraw: redraw, drawn: net.body.nodeIndices.length};
}"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--graph", type=Path, help="a built graph folder (default: build --corpus first)")
    parser.add_argument("--corpus", type=Path, default=REPO / "examples" / "corpus")
    parser.add_argument("--nodes", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    problem = browser_problem()
    if problem:
        print(f"bench_view: cannot run: {problem[1]}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="kg-bench-"))
    graph_dir = args.graph
    if graph_dir is None:
        from kg.builder import build

        graph_dir = work / "kg-out"
        build([args.corpus], graph_dir)
    graph = load_graph(graph_dir)
    center = max((n for n, d in graph.nodes(data=True) if d.get("type") not in ("Paper", "Result")),
                 key=lambda n: (graph.nodes[n].get("paper_count", 0), n))
    out = work / "view.html"
    for hops in range(1, 12):
        started = time.perf_counter()
        report = view(graph, center, out, hops=hops, max_nodes=args.nodes)
        seconds = time.perf_counter() - started
        if report.nodes >= args.nodes:
            break
    print(f"view: {report.name} --hops {hops} --max-nodes {args.nodes}: {report.nodes} nodes, {report.edges} edges, "
          f"{out.stat().st_size / 1e6:.1f} MB, written in {seconds:.1f}s")
    results = []
    for run in range(1, args.runs + 1):
        with chromium() as browser:
            tab = browser.open(out, wait_ready=True)
            figures = tab.page.evaluate(_MEASURE)
            node = tab.page.evaluate("window.kgView.center")
            tab.page.locator("#kg-graph").scroll_into_view_if_needed()
            point = tab.page.evaluate("""(id) => { const net = window.kgView.network;
                const p = net.canvasToDOM(net.getPositions([id])[id]);
                const b = document.getElementById('kg-graph').getBoundingClientRect();
                return {x: p.x + b.left, y: p.y + b.top}; }""", node)
            tab.page.evaluate("""() => { window.kgClick = null; const t0 = {t: 0};
                document.getElementById('kg-graph').addEventListener('pointerdown',
                    () => { t0.t = performance.now(); }, true);
                window.kgView.network.on('selectNode', () => { window.kgClick = performance.now() - t0.t; }); }""")
            tab.page.mouse.click(point["x"], point["y"])
            tab.page.wait_for_function("window.kgClick !== null", timeout=10_000)
            figures["click"] = tab.page.evaluate("window.kgClick")
            if tab.problems():
                print(f"run {run}: page problems: {tab.problems()}", file=sys.stderr)
                return 1
        results.append(figures)
        print(f"run {run}: drawn {figures['drawn']} nodes; ready {figures['ready']:.0f} ms after navigation start; "
              f"redraw {figures['redraw']:.0f} ms; click-to-select {figures['click']:.0f} ms; "
              f"interactive at {figures['ready'] + figures['redraw']:.0f} ms")
    ready = statistics.median(r["ready"] + r["redraw"] for r in results)
    print(f"median time to interactive ({args.nodes}-node view): {ready:.0f} ms (target < 2000 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
