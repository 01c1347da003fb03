"""Views and site in a real headless Chromium with the network off (Debian's chromium, driven by Playwright).

Every page must load with no blocked or failed request and no console or page error; hostile titles must
show as text and open no dialog. Skipped where /usr/bin/chromium is missing (a failure under KG_REQUIRE_ALL=1).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import Browser, Tab, browser_problem, chromium
from require import unavailable
from view_graphs import XSS_IMG, XSS_NAME, XSS_SCRIPT, board_graph, corpus_site, small_graph, xss_graph

from kg.views import neighbourhood, render_view, view, write_site
from kg.views.paths import page_paths

_NODE_POINT = """(id) => {
    const v = window.kgView, net = v.network;
    const p = net.canvasToDOM(net.getPositions([id])[id]);
    const box = document.getElementById('kg-graph').getBoundingClientRect();
    const hit = net.getNodeAt(p);
    return {x: p.x + box.left, y: p.y + box.top, hit: hit === undefined ? null : hit,
            url: hit === undefined ? null : (v.nodes.get(hit).url || null)};
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    problem = browser_problem()
    if problem:
        unavailable(problem[1])
    with chromium() as b:
        yield b


def _clean(tab: Tab) -> None:
    assert tab.problems() == []


def _point(tab: Tab, node: str) -> dict[str, Any]:
    tab.page.locator("#kg-graph").scroll_into_view_if_needed()
    return tab.page.evaluate(_NODE_POINT, node)


def _hover_tooltip(tab: Tab, node: str) -> str:
    """Hover `node` and return the text of the vis-network tooltip it opens."""
    point = _point(tab, node)
    assert point["hit"] == node
    tab.page.mouse.move(point["x"] + 40, point["y"] + 40)
    tab.page.mouse.move(point["x"], point["y"], steps=4)
    tip = tab.page.locator("div.vis-tooltip")
    tip.wait_for(state="visible", timeout=5000)
    assert tip.locator("img, svg, script, b").count() == 0
    return tip.inner_text()


def _no_injected_elements(tab: Tab) -> None:
    count = tab.page.evaluate(
        "document.querySelectorAll('img, b, svg:not(#kg-legend svg):not(svg.kg-trend), iframe, object, embed').length")
    assert count == 0


def test_xss_in_a_view_runs_nothing_and_shows_as_text(browser: Browser, tmp_path: Path) -> None:
    graph = xss_graph()
    sub, _ = neighbourhood(graph, "title-1111111111111111", hops=2)
    out = tmp_path / "xss.html"
    out.write_text(render_view(graph, sub, "title-1111111111111111"), encoding="utf-8")
    tab = browser.open(out, wait_ready=True)
    assert tab.page.inner_text("h1") == f"{XSS_IMG} and its neighbourhood"
    labels = tab.page.evaluate("window.kgView.nodes.get().map(n => n.name)")
    assert {XSS_IMG, XSS_SCRIPT, XSS_NAME} <= set(labels)
    assert tab.page.evaluate("window.kgView.network.body.nodeIndices.length") == sub.number_of_nodes()
    assert XSS_IMG in _hover_tooltip(tab, "title-1111111111111111")
    assert XSS_NAME in _hover_tooltip(tab, "method:svg-onloadalert1")
    tab.page.fill("#kg-find", "onerror")
    assert XSS_IMG in tab.page.inner_text("#kg-find-results")
    _no_injected_elements(tab)
    _clean(tab)


def test_xss_in_the_site_runs_nothing_and_shows_as_text(browser: Browser, tmp_path: Path) -> None:
    graph = xss_graph()
    graph.nodes["method:svg-onloadalert1"]["paper_count"] = 2  # so that it is on the map too
    write_site(graph, tmp_path / "site")
    paths = page_paths(graph)
    first = browser.open(tmp_path / "site" / paths["title-1111111111111111"], wait_ready=True)
    assert first.page.inner_text("h1") == XSS_IMG
    abstract = first.page.inner_text(".kg-abstract")
    assert XSS_SCRIPT in abstract and XSS_NAME in abstract
    assert XSS_IMG in first.page.inner_text("table.kg-meta-table")  # the author
    assert first.page.locator("a[href^='javascript']").count() == 0
    assert XSS_IMG in _hover_tooltip(first, "title-1111111111111111")
    _no_injected_elements(first)
    _clean(first)
    second = browser.open(tmp_path / "site" / paths["title-2222222222222222"], wait_ready=True)
    assert second.page.inner_text("h1") == XSS_SCRIPT
    assert XSS_IMG in second.page.inner_text(".kg-abstract")
    _no_injected_elements(second)
    _clean(second)
    entity = browser.open(tmp_path / "site" / paths["method:svg-onloadalert1"], wait_ready=True)
    assert entity.page.inner_text("h1").startswith(XSS_NAME)
    assert "<b onmouseover=alert(1)>99%</b>" in entity.page.inner_text("section.kg-board")
    _no_injected_elements(entity)
    _clean(entity)
    for kind in ("method", "dataset", "task", "metric", "paper"):
        browse = browser.open(tmp_path / "site" / "browse" / f"{kind}.html")
        browse.page.fill("#kg-filter", "alert")
        _no_injected_elements(browse)
        _clean(browse)
    names = browser.open(tmp_path / "site" / "browse" / "method.html").page.inner_text("#kg-browse")
    assert XSS_NAME in names and XSS_IMG in names
    board = browser.open(tmp_path / "site" / paths["dataset:imagenet"], wait_ready=True)
    assert any("<b onmouseover=alert(1)>99%</b>" in t for t in board.page.locator("section.kg-board").all_inner_texts())
    _no_injected_elements(board)
    _clean(board)
    index = browser.open(tmp_path / "site" / "index.html")
    index.page.wait_for_function("window.kgMap && window.kgMap.ready", timeout=30_000)
    assert XSS_NAME in index.page.evaluate("window.kgMap.labels.join(' ')")
    assert index.page.evaluate("typeof window.KG_INDEX") == "undefined"  # loaded on first use, not with the page
    index.page.fill("#kg-search", "alert")
    index.page.wait_for_function("window.kgSearch.query === 'alert'", timeout=10_000)
    results = index.page.inner_text("#kg-search-results")
    assert XSS_IMG in results and XSS_SCRIPT in results and XSS_NAME in results
    _no_injected_elements(index)
    _clean(index)


def test_view_search_box_finds_by_alias_and_type_filters_hide(browser: Browser, tmp_path: Path) -> None:
    out = tmp_path / "v.html"
    view(small_graph(), "Transformer", out, hops=2)
    tab = browser.open(out, wait_ready=True)
    tab.page.fill("#kg-find", "ILSVRC2012")
    button = tab.page.locator("#kg-find-results button").first
    assert button.get_attribute("data-node") == "dataset:imagenet"
    tab.page.press("#kg-find", "Enter")
    assert tab.page.evaluate("window.kgView.network.getSelectedNodes()") == ["dataset:imagenet"]
    tab.page.uncheck("#kg-legend input[data-type='Metric']")
    hidden = tab.page.evaluate("window.kgView.nodes.get({filter: n => n.hidden}).map(n => n.kgType)")
    assert hidden and set(hidden) == {"Metric"}
    _clean(tab)


def test_clicking_a_node_opens_its_page(browser: Browser, tmp_path: Path) -> None:
    write_site(small_graph(), tmp_path / "site")
    tab = browser.open(tmp_path / "site" / "method" / "transformer.html", wait_ready=True)
    point = _point(tab, "dataset:imagenet")
    assert point["hit"] == "dataset:imagenet" and point["url"] == "dataset/imagenet.html"
    tab.page.mouse.click(point["x"], point["y"])
    tab.page.wait_for_url("**/dataset/imagenet.html", timeout=10_000)
    tab.wait_ready()
    assert "arxiv-2411.04996" not in tab.page.evaluate("window.kgView.nodes.getIds()")  # entities, not papers
    tab.page.click("section.kg-board a[href$='paper/arxiv-2411-04996.html']")
    tab.page.wait_for_url("**/paper/arxiv-2411-04996.html", timeout=10_000)
    tab.wait_ready()
    assert tab.page.inner_text("h1") == "Mixture-of-Transformers: sparse multi-modal models"
    tab.page.click("header a.kg-home")
    tab.page.wait_for_url("**/index.html")
    _clean(tab)


@pytest.mark.corpus
def test_corpus_view_loads_cleanly_and_draws_every_node(browser: Browser, corpus_dir: Path,
                                                          tmp_path_factory: pytest.TempPathFactory,
                                                          tmp_path: Path) -> None:
    graph_dir, _, _ = corpus_site(corpus_dir, tmp_path_factory)
    report = view(graph_dir, "imagenet", tmp_path / "imagenet.html", hops=1)
    tab = browser.open(report.out, wait_ready=True)
    assert tab.page.evaluate("window.kgView.network.body.nodeIndices.length") == report.nodes > 20
    _clean(tab)
    big = view(graph_dir, "Transformer", tmp_path / "big.html", hops=4, max_nodes=1500)
    assert big.nodes == 1500
    tab = browser.open(big.out, wait_ready=True)
    assert tab.page.evaluate("window.kgView.network.body.nodeIndices.length") == 1500
    print(f"\n1,500-node view ready {tab.page.evaluate('window.kgView.readyAt'):.0f} ms after navigation start")
    _clean(tab)


@pytest.mark.corpus
def test_corpus_site_search_by_alias_and_click_through(browser: Browser, corpus_dir: Path,
                                                        tmp_path_factory: pytest.TempPathFactory) -> None:
    _, site_dir, _ = corpus_site(corpus_dir, tmp_path_factory)
    index = browser.open(site_dir / "index.html")
    index.page.fill("#kg-search", "ILSVRC2012")
    first = index.page.locator("#kg-search-results a").first
    assert first.inner_text() == "ImageNet"
    first.click()
    index.page.wait_for_url("**/dataset/imagenet.html")
    index.wait_ready()
    drawn = index.page.evaluate("window.kgView.network.body.nodeIndices.length")
    assert drawn == index.page.evaluate("JSON.parse(document.getElementById('kg-graph-data').textContent).nodes.length")
    others = index.page.evaluate("window.kgView.nodes.getIds().filter(id => id !== window.kgView.center)")
    for node in others:
        point = _point(index, node)
        if point["hit"] == node and point["url"]:
            break
    else:
        pytest.fail("no node of the ImageNet view can be clicked on its own")
    index.page.mouse.click(point["x"], point["y"])
    index.page.wait_for_url("**/" + point["url"].split("#")[0] + "*", timeout=10_000)
    index.wait_ready()
    _clean(index)


def test_the_harness_blocks_and_reports_remote_requests(browser: Browser, tmp_path: Path) -> None:
    page = tmp_path / "remote.html"
    page.write_text('<!DOCTYPE html><html><body><img src="http://example.com/x.png">'
                    '<script src="https://cdn.example.com/x.js"></script></body></html>')
    tab = browser.open(page)
    assert sorted(tab.blocked) == ["http://example.com/x.png", "https://cdn.example.com/x.js"]
    assert tab.problems()


def test_leaderboard_renders_ranked_rows(browser: Browser, tmp_path: Path) -> None:
    write_site(board_graph(), tmp_path / "site")
    tab = browser.open(tmp_path / "site" / "dataset" / "imagenet.html", wait_ready=True)
    board = tab.page.locator("section.kg-board", has_text="top-1 accuracy").first
    assert board.is_visible()
    rows = board.locator("tbody tr")
    ranks = [rows.nth(i).locator("td").nth(0).inner_text() for i in range(rows.count())]
    values = [rows.nth(i).locator("td.kg-value").inner_text() for i in range(rows.count())]
    assert ranks == ["1", "2", "3", "4", "5", "6", "\u2013"]
    assert values == ["84.5%", "82.0%", "81.2%", "80.3%", "80.1%", "76.0%", "+2.0%"]
    assert rows.nth(0).locator(".kg-own").inner_text() == "proposed here"
    assert rows.nth(3).locator(".kg-baseline").inner_text() == "baseline"
    assert rows.nth(0).evaluate("r => getComputedStyle(r.cells[0]).backgroundColor") != \
        rows.nth(3).evaluate("r => getComputedStyle(r.cells[0]).backgroundColor")
    _clean(tab)


def test_browse_page_filters_and_sorts(browser: Browser, tmp_path: Path) -> None:
    write_site(board_graph(), tmp_path / "site")
    tab = browser.open(tmp_path / "site" / "browse" / "method.html")
    visible = "Array.from(document.querySelectorAll('#kg-browse tbody tr')).filter(r => !r.hidden)" \
              ".map(r => r.cells[0].innerText)"
    everything = tab.page.evaluate(visible)
    assert len(everything) == 7 and everything[0] == "NetA"  # most papers first
    tab.page.fill("#kg-filter", "net")
    assert sorted(tab.page.evaluate(visible)) == ["NetA", "NetB", "NetC", "ResNet", "convolutional network"]
    assert tab.page.inner_text("#kg-filter-status") == "5 of 7 shown"
    tab.page.fill("#kg-filter", "")
    tab.page.click("#kg-browse th:nth-child(1)")
    names = tab.page.evaluate(visible)
    assert names == sorted(names, key=str.casefold)
    firsts = "Array.from(document.querySelectorAll('#kg-browse tbody tr')).map(r => r.cells[2].innerText)"
    tab.page.click("#kg-browse th:nth-child(3)")  # first paper, oldest first; undated rows last
    oldest = tab.page.evaluate(firsts)
    dated = [f for f in oldest if f]
    assert len(dated) == 6 and oldest == [*sorted(dated), ""]
    tab.page.click("#kg-browse th:nth-child(3)")  # again: newest first
    assert tab.page.evaluate(firsts) == [*sorted(dated, reverse=True), ""]
    _clean(tab)


def test_trend_chart_renders(browser: Browser, tmp_path: Path) -> None:
    write_site(board_graph(), tmp_path / "site")
    tab = browser.open(tmp_path / "site" / "method" / "neta.html", wait_ready=True)
    chart = tab.page.locator("#trend svg.kg-trend")
    assert chart.is_visible() and chart.bounding_box()["width"] > 100
    bars = tab.page.evaluate("Array.from(document.querySelectorAll('#trend rect')).map(r => "
                             "[r.getAttribute('data-month'), r.getBoundingClientRect().height])")
    assert [m for m, h in bars if h > 0] == ["2025-01", "2025-02", "2025-03"]
    assert len(bars) == 5
    _clean(tab)


_MAP_POINT = """(i) => {
    const m = window.kgMap, p = m.toViewport(i);
    const box = document.getElementById('kg-map').getBoundingClientRect();
    return {x: p.x + box.left, y: p.y + box.top, url: m.urls[i], hit: m.nodeAt(p.x, p.y)};
}"""

_MAP_PIXELS = """(which) => {
    const m = window.kgMap;
    m.render();
    if (which === 'labels') {
        const c = document.querySelector('#kg-map canvas.kg-map-labels');
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < px.length; i += 4) { if (px[i] > 0) n++; } return n;
    }
    const gl = m.gl, c = m.canvas, px = new Uint8Array(c.width * c.height * 4);
    gl.readPixels(0, 0, c.width, c.height, gl.RGBA, gl.UNSIGNED_BYTE, px);
    let n = 0; for (let i = 3; i < px.length; i += 4) { if (px[i] > 0) n++; } return n;
}"""


def test_map_draws_its_nodes_and_a_click_opens_a_page(browser: Browser, tmp_path: Path) -> None:
    write_site(board_graph(), tmp_path / "site")
    tab = browser.open(tmp_path / "site" / "index.html")
    tab.page.wait_for_function("window.kgMap && window.kgMap.ready", timeout=30_000)
    expected = tab.page.evaluate("window.KG_MAP.names.length")
    assert expected >= 5 and tab.page.evaluate("window.kgMap.nodeCount") == expected
    assert tab.page.evaluate("window.kgMap.edgeCount") == tab.page.evaluate("window.KG_MAP.edges.length / 2") > 0
    tab.page.locator("#kg-map").scroll_into_view_if_needed()
    # Pixels were drawn: the WebGL canvas is not blank, and the names of the most used nodes are drawn.
    assert tab.page.evaluate(_MAP_PIXELS, "nodes") > 50
    assert tab.page.evaluate(_MAP_PIXELS, "labels") > 50
    names = tab.page.evaluate("window.KG_MAP.names")
    target = names.index("ImageNet")
    point = tab.page.evaluate(_MAP_POINT, target)
    assert point["url"] == "dataset/imagenet.html" and point["hit"] == target
    # Hovering a node names it and shows the hand; then a click opens its page.
    tab.page.mouse.move(point["x"] + 200, point["y"] + 200)
    tab.page.mouse.move(point["x"], point["y"], steps=3)
    tab.page.wait_for_function(f"window.kgMap.hovered === {target}", timeout=5_000)
    assert tab.page.evaluate("document.querySelector('#kg-map canvas.kg-map-labels').style.cursor") == "pointer"
    tab.page.mouse.click(point["x"], point["y"])
    tab.page.wait_for_url("**/dataset/imagenet.html", timeout=10_000)
    tab.wait_ready()
    assert tab.page.inner_text("h1").startswith("ImageNet")
    _clean(tab)


def test_map_zooms_with_the_wheel_and_keeps_nodes_under_the_pointer(browser: Browser, tmp_path: Path) -> None:
    write_site(board_graph(), tmp_path / "site")
    tab = browser.open(tmp_path / "site" / "index.html")
    tab.page.wait_for_function("window.kgMap && window.kgMap.ready", timeout=30_000)
    tab.page.locator("#kg-map").scroll_into_view_if_needed()
    target = tab.page.evaluate("window.KG_MAP.names").index("ImageNet")
    before = tab.page.evaluate(_MAP_POINT, target)
    tab.page.mouse.move(before["x"], before["y"])
    tab.page.mouse.wheel(0, -100)
    tab.page.wait_for_function("window.kgMap.camera.zoom > 1.5", timeout=5_000)
    after = tab.page.evaluate(_MAP_POINT, target)
    assert abs(after["x"] - before["x"]) < 2 and abs(after["y"] - before["y"]) < 2 and after["hit"] == target
    _clean(tab)


def test_entity_view_holds_entities_and_an_edge_click_lists_its_papers(browser: Browser, tmp_path: Path) -> None:
    out = tmp_path / "v.html"
    view(small_graph(), "Transformer", out)
    tab = browser.open(out, wait_ready=True)
    kinds = set(tab.page.evaluate("window.kgView.nodes.get().map(n => n.kgType)"))
    assert {"Method", "Dataset", "Metric"} <= kinds and "Paper" not in kinds
    tab.page.locator("#kg-graph").scroll_into_view_if_needed()
    point = tab.page.evaluate("""() => {
        const v = window.kgView, net = v.network;
        net.setOptions({physics: false});  // nothing moves between reading positions and the click
        const e = v.edges.get().find(e => (e.from === 'dataset:imagenet' || e.to === 'dataset:imagenet') &&
                                          (e.from === v.center || e.to === v.center));
        // A fixed layout: the centre at the origin, ImageNet straight above it, every other node in a row
        // below and to the right, so no other node or edge comes near the upper half of the clicked edge.
        const others = v.nodes.getIds().filter(id => id !== e.from && id !== e.to);
        net.moveNode(v.center, 0, 0);
        net.moveNode('dataset:imagenet', 0, -400);
        others.forEach((id, i) => net.moveNode(id, 300 + i * 150, 300));
        net.fit({animation: false});
        const pos = net.getPositions([e.from, e.to]);
        const box = document.getElementById('kg-graph').getBoundingClientRect();
        for (let i = 0; i < 19; i++) { const t = 0.5 + (i % 2 ? 1 : -1) * Math.ceil(i / 2) * 0.025;
            const c = {x: pos[e.from].x * (1 - t) + pos[e.to].x * t, y: pos[e.from].y * (1 - t) + pos[e.to].y * t};
            const d = net.canvasToDOM(c);
            if (net.getNodeAt(d) === undefined && net.getEdgeAt(d) === e.id) {
                return {x: d.x + box.left, y: d.y + box.top};
            }
        }
        return null;
    }""")
    assert point is not None
    tab.page.mouse.click(point["x"], point["y"])
    panel = tab.page.locator("#kg-edge-papers")
    panel.wait_for(state="visible", timeout=5000)
    text = panel.inner_text()
    assert "3 shared papers" in text and "Scaling vision Transformers" in text and "ILSVRC2012" in text
    _clean(tab)
