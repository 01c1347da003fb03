"""`kg site` without a browser: the folder layout, links that resolve, escaping, atomic replacement, the corpus."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from collections import Counter
from pathlib import Path

import pytest
from view_graphs import XSS_IMG, XSS_NAME, XSS_SCRIPT, board_graph, corpus_site, small_graph, xss_graph

from kg.cli import main
from kg.errors import OutputError
from kg.graph import write_graph
from kg.views import site, write_site
from kg.views.pages import Span, highlight
from kg.views.paths import page_paths
from kg.views.sitemap import MapNode, map_script


class _Refs(HTMLParser):
    """Collects every src/href of a page, and the text of its <script> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.refs += [v for k, v in attrs if k in ("src", "href") and v is not None]


def _refs(page: Path) -> _Refs:
    parser = _Refs()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _check_links(root: Path, pages: list[Path]) -> None:
    for page in pages:
        parsed = _refs(page)
        for ref in parsed.refs:
            assert not re.match(r"^[a-z][a-z0-9+.-]*:|^//", ref) or ref.startswith(("https://", "http://")) \
                and page.parent.name == "paper", f"{page}: external or scripted reference {ref}"
            if ref.startswith(("https://", "http://")):
                continue
            target = (page.parent / ref.split("#")[0]).resolve()
            assert target.is_file() and root.resolve() in target.parents, f"{page}: broken link {ref}"
        if page.name != "index.html":
            assert "../index.html" in parsed.refs, f"{page}: no link back to the index"


@pytest.fixture
def xss_site(tmp_path: Path) -> Path:
    report = write_site(xss_graph(), tmp_path / "site")
    assert report.total == len(list((tmp_path / "site").rglob("*.html")))
    return tmp_path / "site"


def test_site_layout_and_manifest(xss_site: Path) -> None:
    graph = xss_graph()
    paths = page_paths(graph)
    for node, path in paths.items():
        assert (xss_site / path.split("#")[0]).is_file(), node
    manifest = json.loads((xss_site / "manifest.json").read_text())
    assert manifest["kind"] == "kg-site" and manifest["pages"]["Paper"] == 5
    assets = {p.name for p in (xss_site / "assets").iterdir()}
    assert {"vis-network.min.js", "vis-network.css", "kg-graph.js", "kg.css", "kg-search.js",
            "search-index.js", "kg-browse.js", "kg-map.js", "map-data.js"} <= assets


def test_every_link_resolves_inside_the_site_and_nothing_is_remote(xss_site: Path) -> None:
    pages = sorted(xss_site.rglob("*.html"))
    _check_links(xss_site, pages)
    for path in [*pages, *(xss_site / "assets").iterdir()]:
        text = path.read_text(encoding="utf-8")
        for cdn in ("cdnjs", "jsdelivr", "unpkg.com", "googleapis"):
            assert cdn not in text, f"{path}: mentions {cdn}"


def test_untrusted_text_is_escaped_everywhere(xss_site: Path) -> None:
    for path in xss_site.rglob("*"):
        if path.suffix not in (".html", ".js") or path.name.startswith("vis-network"):
            continue
        text = path.read_text(encoding="utf-8")
        for bad in (XSS_IMG, XSS_SCRIPT, XSS_NAME, "<b onmouseover", "javascript:alert"):
            assert bad not in text, f"{path}: raw {bad!r}"
    page = (xss_site / page_paths(xss_graph())["title-1111111111111111"]).read_text()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    tags = _refs(xss_site / page_paths(xss_graph())["title-1111111111111111"]).tags
    assert "img" not in tags and "svg" not in tags and "b" not in tags


def test_map_data_keeps_hostile_names_as_data() -> None:
    names = [XSS_NAME, XSS_SCRIPT, 'quote " and \\ back\u2028slash', "ImageNet"]
    nodes = [MapNode(f"n{i}", name, "Method", 5 - i, f"method/n{i}.html") for i, name in enumerate(names)]
    script = map_script(nodes, Counter({(0, 1): 2, (1, 2): 1, (2, 3): 1}))
    assert "<" not in script and ">" not in script and "\u2028" not in script
    text = re.fullmatch(r"window\.KG_MAP = JSON\.parse\((\".*\")\);\n", script, re.S)
    assert text is not None
    data = json.loads(json.loads(text.group(1)))
    assert data["names"] == names and data["papers"] == [5, 4, 3, 2] and data["urls"][0] == "method/n0.html"
    assert len(data["x"]) == len(data["y"]) == 4 and all(isinstance(v, int) for v in data["x"] + data["y"])
    assert sorted(zip(data["edges"][::2], data["edges"][1::2], strict=True)) == [(0, 1), (1, 2), (2, 3)]


def test_paper_page_highlights_and_links_every_mention() -> None:
    graph = small_graph()
    paths = page_paths(graph)
    text = "We train a Transformer on ILSVRC2012 and report top-1 accuracy."
    spans = [Span(11, 22, "method:transformer", "Transformer", "Method", paths["method:transformer"]),
             Span(26, 36, "dataset:imagenet", "ImageNet", "Dataset", paths["dataset:imagenet"]),
             Span(48, 62, "metric:top1-accuracy", "top-1 accuracy", "Metric", paths["metric:top1-accuracy"]),
             Span(54, 62, "metric:accuracy", "accuracy", "Metric", paths["metric:accuracy"]),
             Span(50, 500, "metric:bad", "bad", "Metric", None)]
    html = highlight(text, spans)
    assert re.sub(r"<[^>]+>", "", html) == text
    assert '<a href="../method/transformer.html">Transformer</a>' in html
    assert '<a href="../dataset/imagenet.html">ILSVRC2012</a>' in html
    assert '<a href="../metric/top1-accuracy.html">top-1 </a>' in html
    assert 'title="Metric: top-1 accuracy; Metric: accuracy"><a href="../metric/accuracy.html">accuracy</a>' in html


def test_entity_page_lists_papers_cooccurring_entities_and_results(tmp_path: Path) -> None:
    write_site(small_graph(), tmp_path / "s")
    page = (tmp_path / "s" / "dataset" / "imagenet.html").read_text()
    assert "Scaling vision Transformers" in page and "EVALUATES_ON" in page
    assert '<a href="../method/transformer.html">Transformer</a>' in page  # named together with
    assert "81.2%" in page and 'id="leaderboard"' in page
    assert "ILSVRC2012" in page
    index = (tmp_path / "s" / "index.html").read_text()
    assert "Most used methods" in index and 'href="method/transformer.html"' in index
    assert index.index('id="kg-search"') < index.index("Most used methods") < index.index("<h2>Nodes</h2>")


class _Boards(HTMLParser):
    """The leaderboard rows of a page: (board heading text, result id, rank, cell texts)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, str, str, list[str]]] = []
        self.heading = ""
        self._in: str | None = None
        self._cells: list[str] = []
        self._row: tuple[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "h3":
            self._in, self.heading = "h3", ""
        elif tag == "tr" and a.get("data-result"):
            self._row, self._cells = (str(a["data-result"]), str(a.get("data-rank") or "")), []
        elif tag == "td" and self._row:
            self._cells.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h3":
            self._in = None
        elif tag == "tr" and self._row:
            self.rows.append((self.heading.strip(), self._row[0], self._row[1], [c.strip() for c in self._cells]))
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._in == "h3":
            self.heading += data
        elif self._row and self._cells:
            self._cells[-1] += data


def _boards(page: Path) -> list[tuple[str, str, str, list[str]]]:
    parser = _Boards()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.rows


def test_dataset_leaderboard_ranks_by_direction_and_marks_the_papers_own_method(tmp_path: Path) -> None:
    write_site(board_graph(), tmp_path / "s")
    rows = _boards(tmp_path / "s" / "dataset" / "imagenet.html")
    accuracy = [(rank, cells[1], cells[2]) for head, _, rank, cells in rows if head.startswith("top-1 accuracy")]
    assert accuracy == [
        ("1", "NetB proposed here", "84.5%"), ("2", "NetC proposed here", "82.0%"),
        ("3", "Mixture-of-Transformers proposed here", "81.2%"), ("4", "NetA baseline", "80.3%"),
        ("5", "NetA proposed here", "80.1%"), ("6", "ResNet baseline", "76.0%"), ("", "NetC proposed here", "+2.0%")]
    error = [(rank, cells[1], cells[2]) for head, _, rank, cells in rows if head.startswith("top-1 error")]
    assert error == [("1", "NetB baseline", "15.5%"), ("2", "NetA baseline", "19.7%")]
    assert "lower is better" in next(h for h, *_ in rows if h.startswith("top-1 error"))
    method = _boards(tmp_path / "s" / "method" / "neta.html")
    assert sorted(cells[2] for *_, cells in method) == ["19.7%", "80.1%", "80.3%"]
    assert {h for h, *_ in method} >= {"top-1 accuracy on ImageNet (higher is better; 2 results)"}
    task = _boards(tmp_path / "s" / "task" / "image-classification.html")
    assert {cells[2] for *_, cells in task} == {"80.1%", "76.0%", "84.5%", "80.3%", "82.0%", "+2.0%"}
    page = (tmp_path / "s" / "task" / "image-classification.html").read_text()
    assert "Datasets and methods used for this task" in page and 'href="../dataset/imagenet.html"' in page


def test_entity_pages_chart_papers_per_month_and_the_index_lists_rising(tmp_path: Path) -> None:
    write_site(board_graph(), tmp_path / "s")
    page = (tmp_path / "s" / "method" / "neta.html").read_text()
    chart = re.search(r'<svg class="kg-trend".*?</svg>', page, re.S)
    assert chart is not None
    counts = dict(re.findall(r'data-month="(\d{4}-\d{2})" data-count="(\d+)"', chart.group(0)))
    assert counts["2025-01"] == "1" and counts["2025-02"] == "1" and counts["2025-03"] == "1"
    assert counts["2024-12"] == "0"  # the axis runs over every month of the site (2024-11 .. 2025-03)
    assert "first paper" in page and "2025-01-10" in page and "2025-03-20" in page
    index = (tmp_path / "s" / "index.html").read_text()
    rising = index[index.index("<h2>Rising</h2>"):]
    assert rising.index('href="method/neta.html"') < rising.index('href="dataset/imagenet.html"')
    assert "<h2>Leaderboards</h2>" in index and 'href="dataset/imagenet.html#leaderboard"' in index


def test_browse_pages_list_every_entity_and_paper(tmp_path: Path) -> None:
    graph = board_graph()
    write_site(graph, tmp_path / "s")
    paths = page_paths(graph)
    for kind in ("Method", "Dataset", "Metric", "Task", "Paper"):
        page = tmp_path / "s" / "browse" / f"{kind.lower()}.html"
        refs = {(page.parent / r).resolve() for r in _refs(page).refs}
        for node, data in graph.nodes(data=True):
            if data.get("type") == kind:
                assert (tmp_path / "s" / paths[node]).resolve() in refs, (kind, node)
    method = (tmp_path / "s" / "browse" / "method.html").read_text()
    assert 'data-key="2025-01-10"' in method and 'id="kg-filter"' in method


def test_every_page_is_reachable_within_two_clicks_of_the_index(tmp_path: Path) -> None:
    write_site(board_graph(), tmp_path / "s")
    _assert_two_clicks(tmp_path / "s")


def _assert_two_clicks(root: Path) -> None:
    def targets(page: Path) -> set[Path]:
        return {(page.parent / r.split("#")[0]).resolve() for r in _refs(page).refs
                if r.endswith(".html") or ".html#" in r}

    first = targets(root / "index.html")
    reached = set(first)
    for page in first:
        reached |= targets(page)
    pages = {p.resolve() for p in root.rglob("*.html")} - {(root / "index.html").resolve()}
    assert pages - reached == set()


def test_search_lists_each_entity_once() -> None:
    from kg.views.website import _Builder

    graph = small_graph()
    graph.add_node("dataset:imagenet-0a1b2c", type="Dataset", name="ImageNet", aliases=["Imagenet"], paper_count=1)
    text = _Builder(graph).search_index()
    entries = json.loads(text.removeprefix("window.KG_INDEX = ").rstrip(";\n"))["entries"]
    names = [(e[0], e[1]) for e in entries]
    assert len(names) == len(set(names))
    imagenet = [e for e in entries if e[0] == "ImageNet"]
    assert len(imagenet) == 1 and imagenet[0][2] == "dataset/imagenet.html" and "imagenet" in imagenet[0][3]


def test_site_replaces_a_site_but_never_other_folders(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site(small_graph(), out)
    (out / "stale.html").write_text("old")
    write_site(small_graph(), out)
    assert not (out / "stale.html").exists()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    with pytest.raises(OutputError):
        write_site(small_graph(), mine)
    assert (mine / "notes.txt").read_text() == "keep"
    build = tmp_path / "kg-out"
    build.mkdir()
    (build / "manifest.json").write_text('{"version": 1}')
    write_graph(small_graph(), build / "graph.json")
    with pytest.raises(OutputError):
        site(build, build)
    with pytest.raises(OutputError, match="not a site"):
        write_site(small_graph(), build)
    assert (build / "graph.json").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_cli_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    graph_dir = tmp_path / "kg-out"
    graph_dir.mkdir()
    write_graph(small_graph(), graph_dir / "graph.json")
    assert main(["site", str(tmp_path / "site"), "--graph", str(graph_dir)]) == 0
    assert "pages" in capsys.readouterr().out
    assert (tmp_path / "site" / "index.html").is_file()


@pytest.mark.corpus
def test_corpus_site(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    from kg.views.standalone import load_graph

    graph_dir, out, seconds = corpus_site(corpus_dir, tmp_path_factory)
    graph = load_graph(graph_dir)
    expected = sum(1 for _, d in graph.nodes(data=True) if d.get("type") != "Result") + 1 + 5  # + browse pages
    pages = sorted(out.rglob("*.html"))
    assert len(pages) == expected
    print(f"\ncorpus site: {len(pages)} pages in {seconds:.1f}s")
    _check_links(out, [out / "index.html", *pages[:: max(1, len(pages) // 150)]])
    _assert_two_clicks(out)


@pytest.mark.corpus
def test_corpus_every_result_on_a_dataset_is_a_leaderboard_row(corpus_dir: Path,
                                                                 tmp_path_factory: pytest.TempPathFactory) -> None:
    from kg.views.standalone import load_graph

    graph_dir, out, _ = corpus_site(corpus_dir, tmp_path_factory)
    graph = load_graph(graph_dir)
    paths = page_paths(graph)
    on_dataset = [(r, d) for r, d, k in graph.edges(keys=True) if k == "ON_DATASET"]
    assert len(on_dataset) > 50
    rows_of: dict[str, dict[str, list[str]]] = {}
    for result, dataset in on_dataset:
        if dataset not in rows_of:
            rows_of[dataset] = {rid: cells for _, rid, _, cells in _boards(out / paths[dataset])}
        cells = rows_of[dataset].get(result)
        assert cells is not None, f"{result} missing from {paths[dataset]}"
        ends = {str(k): t for _, t, k in graph.out_edges(result, keys=True)}
        method = graph.nodes[ends["OF_METHOD"]]["name"]
        assert cells[1].startswith(method) and cells[2] == graph.nodes[result]["value"]
    heads = [h for rows in rows_of.values() for h in rows]
    assert heads


def test_a_large_site_puts_single_paper_entities_on_list_pages(tmp_path: Path) -> None:
    graph = board_graph()
    report = write_site(graph, tmp_path / "s", merge_single=True)
    assert report.pages["List"] > 0
    paths = page_paths(graph, frozenset({"method:convolutional-neural-network", "method:resnet"}))
    assert paths["method:convolutional-neural-network"] == "method/_one-paper-co.html#convolutional-neural-network"
    page = (tmp_path / "s" / "method" / "_one-paper-co.html").read_text()
    assert 'id="convolutional-neural-network"' in page and "Image classification benchmarks" in page
    assert not (tmp_path / "s" / "method" / "convolutional-neural-network.html").exists()
    assert (tmp_path / "s" / "method" / "resnet.html").is_file()  # in a result: keeps its page
    assert 'href="../method/_one-paper-co.html#convolutional-neural-network"' in (
        tmp_path / "s" / "browse" / "method.html").read_text()
    _check_links(tmp_path / "s", sorted((tmp_path / "s").rglob("*.html")))
    _assert_two_clicks(tmp_path / "s")
