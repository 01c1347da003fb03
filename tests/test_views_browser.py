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
from view_graphs import XSS_IMG, XSS_NAME, XSS_SCRIPT, corpus_site, small_graph, xss_graph

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
        "document.querySelectorAll('img, b, svg:not(#kg-legend svg), iframe, object, embed').length")
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
    write_site(xss_graph(), tmp_path / "site")
    paths = page_paths(xss_graph())
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
    assert "<b onmouseover=alert(1)>99%</b>" in entity.page.inner_text("#results + table")
    _no_injected_elements(entity)
    _clean(entity)
    index = browser.open(tmp_path / "site" / "index.html")
    index.page.fill("#kg-search", "alert")
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
    tab.page.uncheck("#kg-legend input[data-type='Paper']")
    hidden = tab.page.evaluate("window.kgView.nodes.get({filter: n => n.hidden}).map(n => n.kgType)")
    assert hidden and set(hidden) == {"Paper"}
    _clean(tab)


def test_clicking_a_node_opens_its_page(browser: Browser, tmp_path: Path) -> None:
    write_site(small_graph(), tmp_path / "site")
    tab = browser.open(tmp_path / "site" / "method" / "transformer.html", wait_ready=True)
    point = _point(tab, "arxiv-2411.04996")
    assert point["hit"] == "arxiv-2411.04996" and point["url"] == "paper/arxiv-2411-04996.html"
    tab.page.mouse.click(point["x"], point["y"])
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
    big = view(graph_dir, "Transformer", tmp_path / "big.html", hops=4, max_nodes=2000)
    assert big.nodes == 2000
    tab = browser.open(big.out, wait_ready=True)
    assert tab.page.evaluate("window.kgView.network.body.nodeIndices.length") == 2000
    print(f"\n2,000-node view ready {tab.page.evaluate('window.kgView.readyAt'):.0f} ms after navigation start")
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
