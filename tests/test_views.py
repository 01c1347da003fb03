"""`kg view` without a browser: name lookup, neighbourhoods, page names, escaping, the written file, the CLI."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from view_graphs import XSS_IMG, XSS_NAME, XSS_SCRIPT, small_graph, xss_graph

from kg.cli import main
from kg.errors import GraphError, OutputError
from kg.graph import write_graph
from kg.views import find_node, neighbourhood, render_view, view, vis_data
from kg.views.html import safe_url, script_json
from kg.views.paths import page_paths
from kg.views.render import LARGE_VIEW, _layout


class _StartTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.append(tag)


DATA_BLOCK = re.compile(r'<script type="application/json" id="kg-graph-data">(.*?)</script>', re.S)


@pytest.fixture
def graph_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "kg-out"
    folder.mkdir()
    write_graph(xss_graph(), folder / "graph.json")
    return folder


@pytest.mark.parametrize("name, expected", [
    ("method:transformer", "method:transformer"),
    ("Transformer", "method:transformer"),
    ("transformers", "method:transformer"),
    ("TRANSFORMER", "method:transformer"),
    ("MoT", "method:mixture-of-transformer"),
    ("mixture of transformers", "method:mixture-of-transformer"),
    ("ILSVRC2012", "dataset:imagenet"),
    ("ilsvrc-2012", "dataset:imagenet"),
    ("Top-1 Accuracy", "metric:top1-accuracy"),
    ("2411.04996", "arxiv-2411.04996"),
    ("scaling vision transformers", "title-00000000000000a2"),
])
def test_find_node_is_forgiving(name: str, expected: str) -> None:
    assert find_node(small_graph(), name) == expected


def test_unknown_name_names_the_closest_in_one_line() -> None:
    with pytest.raises(GraphError) as info:
        find_node(small_graph(), "Transfomer")
    message = str(info.value)
    assert message.startswith("no entity or paper named 'Transfomer'; closest: Transformer")
    assert "\n" not in message


def test_unknown_name_with_nothing_close() -> None:
    with pytest.raises(GraphError, match="no entity or paper named 'zzzzqqq'"):
        find_node(small_graph(), "zzzzqqq")


def test_neighbourhood_hops_types_and_cap() -> None:
    graph = small_graph()
    sub, left = neighbourhood(graph, "method:transformer", hops=0)
    assert list(sub.nodes) == ["method:transformer"] and left == 0
    sub, _ = neighbourhood(graph, "method:transformer", hops=1)
    assert set(sub.nodes) == {"method:transformer", "arxiv-2411.04996", "title-00000000000000a2",
                              "title-00000000000000a3"}
    assert sub.number_of_edges() == 3
    sub, _ = neighbourhood(graph, "method:transformer", hops=2, types=["Dataset"])
    assert set(sub.nodes) == {"method:transformer", "dataset:imagenet"}
    sub, left = neighbourhood(graph, "method:transformer", hops=2, max_nodes=3)
    assert sub.number_of_nodes() == 3 and left > 0 and "method:transformer" in sub
    with pytest.raises(GraphError, match="unknown node types Gadget"):
        neighbourhood(graph, "method:transformer", types=["Gadget"])


def test_page_paths_are_safe_unique_and_stable() -> None:
    graph = xss_graph()
    graph.add_node("method:", type="Method", name="", aliases=[], paper_count=0)
    graph.add_node("method:a-b", type="Method", name="a b", aliases=[], paper_count=0)
    graph.add_node("method:a.b", type="Method", name="a.b", aliases=[], paper_count=0)
    paths = page_paths(graph)
    pages = [p for n, p in paths.items() if not n.startswith("result:")]
    assert len(set(pages)) == len(pages)
    assert all(re.fullmatch(r"(paper|method|dataset|metric|task)/[a-z0-9][a-z0-9-]*\.html", p) for p in pages), pages
    assert paths["method:transformer"] == "method/transformer.html"
    assert paths["arxiv-2411.04996"] == "paper/arxiv-2411-04996.html"
    assert paths["result:arxiv-2411.04996:0"] == "paper/arxiv-2411-04996.html#results"
    assert paths["method:a-b"] != paths["method:a.b"]
    assert page_paths(graph) == paths


def test_script_json_cannot_end_the_script_element() -> None:
    data = {"t": XSS_SCRIPT, "u": "a\u2028b\u2029c & <!-- x -->"}
    text = script_json(data)
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == data


def test_safe_url_only_allows_http() -> None:
    assert safe_url("https://arxiv.org/abs/1") == "https://arxiv.org/abs/1"
    assert safe_url("javascript:alert(1)") is None
    assert safe_url(" JavaScript:alert(1)") is None
    assert safe_url("data:text/html,<b>") is None


def test_vis_data_styles_sizes_labels_and_tooltips() -> None:
    graph = small_graph()
    sub, _ = neighbourhood(graph, "dataset:imagenet", hops=1)
    data = vis_data(graph, sub, "dataset:imagenet")
    nodes = {n["id"]: n for n in data["nodes"]}
    center = nodes["dataset:imagenet"]
    assert center["shape"] == "diamond" and center["value"] == 3
    assert any("ILSVRC2012" in line for line in center["tip"])
    assert "ilsvrc2012" in center["find"]
    assert nodes["arxiv-2411.04996"]["shape"] == "square"
    assert {e["label"] for e in data["edges"]} == {"EVALUATES_ON", "ON_DATASET", "HAS_RESULT"}
    evaluates = next(e for e in data["edges"] if e["label"] == "EVALUATES_ON" and e["from"] == "arxiv-2411.04996")
    assert any("81.2% top-1 accuracy on ImageNet" in line for line in evaluates["tip"])
    assert [t["type"] for t in data["types"]] == ["Paper", "Dataset", "Result"]
    assert data["options"]["physics"]["enabled"] is True and "url" not in center


def test_large_views_get_a_layout_and_no_physics() -> None:
    import networkx as nx

    graph = nx.MultiDiGraph()
    for i in range(LARGE_VIEW + 20):
        graph.add_node(f"m{i}", type="Method", name=f"m{i}", aliases=[], paper_count=1)
        if i:
            graph.add_edge(f"m{i}", f"m{i // 2}", key="VARIANT_OF", type="VARIANT_OF")
    data = vis_data(graph, graph, "m0")
    assert data["large"] and data["options"]["physics"] == {"enabled": False}
    assert all("x" in n and "y" in n for n in data["nodes"])
    assert _layout(graph) == _layout(graph)


def test_rendered_view_is_self_contained_and_escaped() -> None:
    graph = xss_graph()
    sub, _ = neighbourhood(graph, "title-1111111111111111", hops=2)
    page = render_view(graph, sub, "title-1111111111111111")
    for bad in (XSS_IMG, XSS_SCRIPT, XSS_NAME, "<b onmouseover"):
        assert bad not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    for cdn in ("cdnjs", "jsdelivr", "unpkg", "googleapis"):
        assert cdn not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # the heading, as text
    data = json.loads(DATA_BLOCK.search(page).group(1))
    labels = {n.get("name", n["label"]) for n in data["nodes"]}
    assert {XSS_IMG, XSS_NAME, XSS_SCRIPT} <= labels
    tags = _StartTags()
    tags.feed(page)
    assert tags.names.count("script") == 3  # data, vis-network, kg-graph.js
    assert not {"img", "svg", "b"} & set(tags.names)


def test_view_writes_atomically_and_reports(graph_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "views" / "t.html"
    report = view(graph_dir, "transformers", out, hops=1)
    assert report.center == "method:transformer" and report.nodes == out.read_text().count('"kgType"')
    before = out.read_bytes()
    with pytest.raises(GraphError):
        view(graph_dir, "Transfomer", out)
    assert out.read_bytes() == before
    assert [p.name for p in out.parent.iterdir()] == ["t.html"]
    with pytest.raises(OutputError, match="cannot write here"):
        view(graph_dir, "Transformer", out.parent)
    assert [p.name for p in out.parent.iterdir()] == ["t.html"]


def test_view_links_nodes_to_a_site(graph_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.html"
    view(graph_dir, "Transformer", out, site_url="site")
    data = json.loads(DATA_BLOCK.search(out.read_text()).group(1))
    assert data["root"] == "site/" and data["linkNodes"] is True
    assert {n["url"] for n in data["nodes"]} >= {"method/transformer.html", "dataset/imagenet.html"}
    shared = [e for e in data["edges"] if e.get("kgEdge") == "SHARES_PAPERS"]
    assert shared and all(data["papers"][ref[0]][2].startswith("paper/") for e in shared for ref in e["papers"])


def test_cli_view_and_its_errors(graph_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "v.html"
    assert main(["view", "MoT", "--graph", str(graph_dir), "--hops", "2", "--types", "Dataset,Metric",
                 "-o", str(out)]) == 0
    assert "Mixture-of-Transformers" in capsys.readouterr().out
    data = json.loads(DATA_BLOCK.search(out.read_text()).group(1))
    assert {n["kgType"] for n in data["nodes"]} == {"Method", "Dataset", "Metric"}
    assert main(["view", "Transfomer", "--graph", str(graph_dir), "-o", str(tmp_path / "w.html")]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "kg: error: no entity or paper named 'Transfomer'; closest: Transformer" or (
        err.startswith("kg: error: no entity or paper named 'Transfomer'; closest: Transformer") and "\n" not in err)
    assert not (tmp_path / "w.html").exists()
    assert main(["view", "x", "--graph", str(tmp_path / "nothing"), "-o", str(out)]) == 1
    assert "no graph here" in capsys.readouterr().err


def test_an_entity_view_is_the_entity_graph_with_papers_behind_each_edge() -> None:
    from kg.views.standalone import choose_view

    graph = small_graph()
    sub, left = choose_view(graph, "method:transformer")
    kinds = {graph.nodes[n]["type"] for n in sub}
    assert "Paper" not in kinds and {"Method", "Dataset", "Metric"} <= kinds and left == 0
    edge = sub.get_edge_data("dataset:imagenet", "method:transformer") or sub.get_edge_data(
        "method:transformer", "dataset:imagenet")
    shared = edge["SHARES_PAPERS"]
    assert shared["weight"] == 3 and {p["id"] for p in shared["papers"]} == {
        "arxiv-2411.04996", "title-00000000000000a2", "title-00000000000000a3"}
    assert any("ILSVRC2012" in s for p in shared["papers"] for s in p["sentences"])
    mot, _ = choose_view(graph, "method:mixture-of-transformer")
    data = vis_data(graph, mot, "method:mixture-of-transformer")
    result = next(n for n in data["nodes"] if n["kgType"] == "Result")
    assert ("result:arxiv-2411.04996:0", "dataset:imagenet") in {(e["from"], e["to"]) for e in data["edges"]}
    assert result["label"] == "top-1 accuracy 81.2% on ImageNet"


def test_type_filters_keep_the_view_connected() -> None:
    import networkx as nx

    from kg.views.standalone import choose_view

    graph = small_graph()
    sub, _ = choose_view(graph, "dataset:imagenet", hops=2, types=["Method", "Dataset"])
    assert {graph.nodes[n]["type"] for n in sub} == {"Method", "Dataset"}
    assert sub.number_of_nodes() == 4 and nx.is_weakly_connected(sub)
    papers, _ = choose_view(graph, "title-00000000000000a2", hops=2, types=["Paper"])
    assert set(papers) == {"title-00000000000000a2", "arxiv-2411.04996", "title-00000000000000a3"}
    assert nx.is_weakly_connected(papers) and {k for *_, k in papers.edges(keys=True)} == {"VIA"}
    full, _ = choose_view(graph, "title-00000000000000a2", hops=1)  # a paper's view keeps its layout
    assert {graph.nodes[n]["type"] for n in full} == {"Paper", "Method", "Dataset", "Metric"}


def test_only_the_important_nodes_carry_a_drawn_label() -> None:
    from kg.views.render import LABELLED
    from kg.views.standalone import choose_view

    graph = xss_graph()
    for i in range(30):
        graph.add_node(f"method:m{i}", type="Method", name=f"m{i}", aliases=[], paper_count=1)
        graph.add_edge("arxiv-2411.04996", f"method:m{i}", key="USES", type="USES", evidence=[])
    sub, _ = choose_view(graph, "method:transformer", max_nodes=100)
    data = vis_data(graph, sub, "method:transformer")
    shown = [n for n in data["nodes"] if not n.get("hideLabel")]
    assert len(shown) == LABELLED + 1 and any(n["id"] == "method:transformer" for n in shown)
    assert "dataset:imagenet" in {n["id"] for n in shown}  # shares three papers with the center


@pytest.mark.corpus
def test_corpus_views_read(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    import networkx as nx
    from view_graphs import corpus_site

    from kg.views.standalone import choose_view, load_graph

    graph_dir, _, _ = corpus_site(corpus_dir, tmp_path_factory)
    graph = load_graph(graph_dir)
    top = max((n for n, d in graph.nodes(data=True) if d.get("type") == "Method"),
              key=lambda n: graph.nodes[n]["paper_count"])
    sub, _ = choose_view(graph, top)
    kinds = {graph.nodes[n]["type"] for n in sub}
    assert {"Method", "Dataset", "Task", "Metric"} <= kinds and "Paper" not in kinds
    readme, _ = choose_view(graph, find_node(graph, "imagenet"), hops=2, types=["Method", "Dataset"], max_nodes=500)
    assert readme.number_of_nodes() > 100 and nx.is_weakly_connected(readme)


def _shape(sub: "nx.MultiDiGraph") -> tuple[set[str], set[tuple[str, str, str, object]]]:
    return set(sub.nodes), {(u, v, str(k), d.get("weight")) for u, v, k, d in sub.edges(keys=True, data=True)}


_VIEWS = [({}, "entity graph"), ({"hops": 2, "types": ["Method", "Dataset"], "max_nodes": 500}, "README example"),
          ({"types": ["Paper", "Method"]}, "with papers"), ({"hops": 2, "max_nodes": 60}, "two steps")]


def _assert_index_reads_what_memory_shows(graph_dir: Path, graph: "nx.MultiDiGraph", names: list[str],
                                          part: bool = False) -> None:
    from kg.views.standalone import _read_around, choose_view

    for name in names:
        center = find_node(graph, name)
        for options, what in _VIEWS:
            local, found = _read_around(graph_dir, name, hops=options.get("hops", 1), types=options.get("types"),
                                        max_nodes=options.get("max_nodes", 300))
            assert found == center, (name, what)
            assert not part or local.number_of_nodes() < graph.number_of_nodes(), (name, what)
            expected = _shape(choose_view(graph, center, **options)[0])
            assert _shape(choose_view(local, center, **options)[0]) == expected, (name, what)


def test_a_view_of_a_build_reads_its_index_and_shows_what_the_whole_graph_shows(graph_dir: Path) -> None:
    from kg.views.standalone import load_graph
    from kg.views.viewindex import INDEX_FILE

    graph = load_graph(graph_dir)
    _assert_index_reads_what_memory_shows(graph_dir, graph, ["Transformer", "ImageNet", "MoT"])
    index = graph_dir / INDEX_FILE
    assert index.is_file()
    stamp = index.stat().st_mtime_ns
    view(graph_dir, "Transformer", graph_dir.parent / "a.html")
    assert index.stat().st_mtime_ns == stamp  # read, not written again
    graph.nodes["method:transformer"]["aliases"] = ["Transformer", "Attention machine"]
    write_graph(graph, graph_dir / "graph.json")  # a new build: the index follows it
    assert view(graph_dir, "attention machine", graph_dir.parent / "b.html").center == "method:transformer"


def test_the_view_index_of_a_build_folder_it_cannot_write_goes_to_the_cache(
        graph_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from kg.views import viewindex

    writable = os.access
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(viewindex.os, "access", lambda p, mode: Path(p) != graph_dir and writable(p, mode))
    assert view(graph_dir, "Transformer", tmp_path / "v.html").center == "method:transformer"
    assert len(list((tmp_path / "cache" / "view-index").glob("*.sqlite"))) == 1
    assert not (graph_dir / viewindex.INDEX_FILE).exists()


@pytest.mark.corpus
def test_corpus_views_through_the_index_match_the_whole_graph(corpus_dir: Path,
                                                               tmp_path_factory: pytest.TempPathFactory) -> None:
    from view_graphs import corpus_site

    from kg.views.standalone import load_graph

    graph_dir, _, _ = corpus_site(corpus_dir, tmp_path_factory)
    graph = load_graph(graph_dir)
    ranked = sorted((n for n, d in graph.nodes(data=True) if d.get("type") in ("Method", "Dataset", "Task")),
                    key=lambda n: (-graph.nodes[n]["paper_count"], n))
    papers = sorted(n for n, d in graph.nodes(data=True) if d.get("type") == "Paper")
    _assert_index_reads_what_memory_shows(graph_dir, graph, [*ranked[:3], ranked[len(ranked) // 2], papers[0]],
                                          part=True)
