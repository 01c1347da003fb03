"""`kg site` without a browser: the folder layout, links that resolve, escaping, atomic replacement, the corpus."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from view_graphs import XSS_IMG, XSS_NAME, XSS_SCRIPT, corpus_site, small_graph, xss_graph

from kg.cli import main
from kg.errors import OutputError
from kg.graph import write_graph
from kg.views import site, write_site
from kg.views.pages import Span, highlight
from kg.views.paths import page_paths


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
            "search-index.js"} <= assets


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
    assert "81.2%" in page and 'id="results"' in page
    assert "ILSVRC2012" in page
    index = (tmp_path / "s" / "index.html").read_text()
    assert "Most used methods" in index and 'href="method/transformer.html"' in index


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
    expected = sum(1 for _, d in graph.nodes(data=True) if d.get("type") != "Result") + 1
    pages = sorted(out.rglob("*.html"))
    assert len(pages) == expected
    print(f"\ncorpus site: {len(pages)} pages in {seconds:.1f}s")
    _check_links(out, [out / "index.html", *pages[:: max(1, len(pages) // 150)]])
