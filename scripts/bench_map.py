#!/usr/bin/env python3
"""Benchmark: how soon the whole-graph map on a site's index is interactive in headless Chromium (network off).

    .venv/bin/python scripts/bench_map.py --site SITE_DIR [--runs 3]
    .venv/bin/python scripts/bench_map.py --graph kg-out [--runs 3]    # writes the site first (timed)

The map draws every method, dataset, task and metric named by two or more papers (assets/kg-map.js, one WebGL
program: a point per node, a line per drawn link; layout computed when the site was written). Opens SITE_DIR/index.html --runs times in a fresh headless Chromium
(Debian's /usr/bin/chromium via Playwright, every non-file:// request blocked). Printed per run:

- page parsed: ms from navigation start to DOMContentLoaded (the index and its scripts, the search index too);
- first frame: ms from navigation start until the map has handed its first frame to WebGL (`window.kgMap.readyAt`);
- drawn: ms from navigation start until that frame is drawn (one pixel read back waits for it);
- zoom: ms from a zoom request (as a wheel turn makes) until its frame is drawn, i.e. how long the map takes to
  answer a gesture;
- click: ms from a click on a node to the map reporting the node clicked.

The issue's target for the 50k corpus-large build is drawn + zoom under 3,000 ms; this script records the
figures, it does not fail on them.
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
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

# WebGL calls return before the frame is drawn; reading one pixel back waits until it really is (in headless
# Chromium that is software WebGL, SwiftShader, where most of the time goes).
_FINISH = """() => {
    const gl = window.kgMap.gl;
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
    return performance.now();
}"""

# A wheel turn calls zoomAt, which draws on the next animation frame; wait for that frame, then for its pixels.
_ZOOM = """async () => {
    const m = window.kgMap, box = document.getElementById('kg-map').getBoundingClientRect();
    const t0 = performance.now();
    m.zoomAt(1.5, box.width / 2, box.height / 2);
    await new Promise(done => window.requestAnimationFrame(done));
    const gl = m.gl;
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
    return performance.now() - t0;
}"""

_CLICK_TARGET = """(node) => {
    const m = window.kgMap, p = m.toViewport(node);
    const box = document.getElementById('kg-map').getBoundingClientRect();
    window.__clicked = null;
    m.urls = m.urls.map(() => "");  // measure the click, do not leave the page
    m.onClick = () => { window.__clicked = performance.now(); };
    return {x: p.x + box.left, y: p.y + box.top};
}"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, help="a folder written by `kg site`")
    parser.add_argument("--graph", type=Path, help="a built graph folder: write its site first")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if (args.site is None) == (args.graph is None):
        parser.error("give one of --site or --graph")
    problem = browser_problem()
    if problem:
        print(f"bench_map: cannot run: {problem[1]}", file=sys.stderr)
        return 2
    site_dir = args.site
    if site_dir is None:
        from kg.views import site

        site_dir = Path(tempfile.mkdtemp(prefix="kg-bench-map-")) / "site"
        started = time.perf_counter()
        report = site(args.graph, site_dir)
        print(f"kg site: {report.total:,} pages in {time.perf_counter() - started:.1f}s")
    data = site_dir / "assets" / "map-data.js"
    print(f"map-data.js: {data.stat().st_size / 1e6:.1f} MB")
    ready, zoom, click = [], [], []
    for run in range(1, args.runs + 1):
        with chromium() as browser:
            tab = browser.open(site_dir / "index.html")
            tab.page.wait_for_function("window.kgMap && window.kgMap.ready", timeout=120_000)
            nodes = tab.page.evaluate("window.kgMap.nodeCount")
            edges = tab.page.evaluate("window.kgMap.edgeCount")
            at = tab.page.evaluate("window.kgMap.readyAt")
            drawn = tab.page.evaluate(_FINISH)
            loaded = tab.page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
            tab.page.locator("#kg-map").scroll_into_view_if_needed()
            for node in range(12):  # a node hidden under a bigger one does not take the click: try the next
                point = tab.page.evaluate(_CLICK_TARGET, node)
                tab.page.mouse.move(point["x"], point["y"])
                moved = tab.page.evaluate("performance.now()")
                tab.page.mouse.click(point["x"], point["y"])
                try:
                    tab.page.wait_for_function("window.__clicked !== null", timeout=3_000)
                    break
                except PlaywrightTimeout:
                    continue
            answered = tab.page.evaluate("window.__clicked") - moved
            took = tab.page.evaluate(_ZOOM)
            problems = tab.problems()
        ready.append(drawn)
        zoom.append(took)
        click.append(answered)
        print(f"run {run}: {nodes:,} nodes, {edges:,} edges; page parsed {loaded:,.0f} ms, first frame handed to WebGL "
              f"{at:,.0f} ms, drawn {drawn:,.0f} ms, zoom {took:,.0f} ms, "
              f"click {answered:,.0f} ms{'; PROBLEMS ' + '; '.join(problems) if problems else ''}")
    print(f"median: drawn {statistics.median(ready):,.0f} ms, zoom {statistics.median(zoom):,.0f} ms, "
          f"click {statistics.median(click):,.0f} ms; drawn + zoom "
          f"{statistics.median(ready) + statistics.median(zoom):,.0f} ms (target 3,000)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
