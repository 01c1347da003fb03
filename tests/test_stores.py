"""Persistent query stores: written by `kg build`, opened read-only, replaced atomically, kept in step with
incremental builds, rebuilt when stale; graph.json streamed item by item; parameter errors on every engine."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from plugins.neo4j_server import sample_graph
from test_incremental import papers, write
from test_rdf import hostile_graph

from kg.builder import build
from kg.cli import main
from kg.errors import QueryError, StoreError
from kg.graph import stream, write_graph
from kg.graph.stream import iter_edges, iter_nodes, type_from_id
from kg.stores import embedded, sparql
from kg.stores.cypher import cypher
from kg.stores.persist import STAMP, read_stamp
from kg.stores.rdf import generate_ntriples, stream_ntriples

REPO = Path(__file__).resolve().parents[1]
LARGE = REPO.parent / "shared" / "corpus-large" / "arxiv-ml-50k.jsonl.gz"
COUNT = "MATCH (p:Paper) RETURN count(p) AS n"
SPARQL_COUNT = "SELECT (COUNT(?p) AS ?n) WHERE { ?p a kg:Paper }"


def _stores(out: Path) -> tuple[Path, Path]:
    return out / embedded.STORE_DIR, out / sparql.STORE_DIR


def _papers(out: Path) -> tuple[int, int]:
    return (cypher(COUNT, graph_dir=out).rows[0]["n"], sparql.sparql(out, SPARQL_COUNT)[1][0][0])


@pytest.fixture
def built(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    build([write(tmp_path / "a.jsonl", papers(0, 12))], out, cache_dir=tmp_path / "cache")
    return out


# ------------------------------------------------------------------------------------------------ streaming reads


@pytest.mark.parametrize("window", [5, 64, 1 << 22])
def test_graph_json_is_read_item_by_item_in_either_layout(tmp_path: Path, window: int,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "_WINDOW", window)  # small windows split items and UTF-8 characters
    graph = hostile_graph()
    write_graph(graph, tmp_path / "graph.json")  # networkx: keys sorted, so the edges come first
    data = json.loads((tmp_path / "graph.json").read_text(encoding="utf-8"))
    assert list(iter_nodes(tmp_path / "graph.json")) == data["nodes"]
    assert list(iter_edges(tmp_path / "graph.json")) == data["edges"]
    nodes_first = tmp_path / "nodes-first.json"
    nodes_first.write_text(json.dumps({"directed": True, "nodes": data["nodes"], "edges": data["edges"],
                                       "graph": {}, "n": -1.5e-3}, ensure_ascii=False), encoding="utf-8")
    assert list(iter_nodes(nodes_first)) == data["nodes"]
    assert list(iter_edges(nodes_first)) == data["edges"]


def test_the_other_half_of_the_graph_is_skipped_item_by_item(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    write_graph(sample_graph(15), tmp_path / "graph.json")
    data = json.loads((tmp_path / "graph.json").read_text(encoding="utf-8"))
    nodes_first = tmp_path / "nodes-first.json"
    nodes_first.write_text(json.dumps({"nodes": data["nodes"], "edges": data["edges"]}), encoding="utf-8")
    decoded: list[Any] = []
    value = stream._Reader.value
    monkeypatch.setattr(stream._Reader, "value", lambda self: decoded.append(value(self)) or decoded[-1])
    for graph_file in (tmp_path / "graph.json", nodes_first):  # edges first, then nodes first
        assert list(iter_edges(graph_file)) == data["edges"] and list(iter_nodes(graph_file)) == data["nodes"]
    assert not [v for v in decoded if isinstance(v, list) and len(v) > 3]  # never a whole array in memory


def test_node_types_come_from_ids_and_the_exceptions_are_remembered() -> None:
    assert type_from_id("method:lora") == "Method" and type_from_id("arxiv-2401.1") == "Paper"
    assert type_from_id("doi:10.1/x") == "Paper" and type_from_id("result:arxiv-1:0") == "Result"
    types = stream.NodeTypes()
    types.add("method:odd", "Dataset")
    types.add("method:lora", "Method")
    assert types["method:odd"] == "Dataset" and types["method:lora"] == "Method" and len(types.exceptions) == 1


@pytest.mark.parametrize("graph", [hostile_graph(), sample_graph(15)], ids=["hostile", "sample"])
def test_streamed_ntriples_are_the_triples_of_the_rdflib_mapping(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    write_graph(graph, tmp_path / "graph.json")
    streamed = "".join(stream_ntriples(tmp_path / "graph.json")).splitlines(keepends=True)
    assert len(streamed) == len(set(streamed))
    assert set(streamed) == set(generate_ntriples(graph))


def test_cli_export_nt_streams_the_same_triples(built: Path, tmp_path: Path) -> None:
    from kg.graph import read_graph

    assert main(["export", "--graph", str(built), "--format", "nt", "-o", str(tmp_path / "g.nt")]) == 0
    lines = (tmp_path / "g.nt").read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines and set(lines) == set(generate_ntriples(read_graph(built / "graph.json")))


# ------------------------------------------------------------------------------------------------ stores


def test_build_writes_both_stores_and_queries_open_them_read_only(built: Path) -> None:
    cypher_dir, sparql_dir = _stores(built)
    stamps = {d: (d / STAMP).stat().st_mtime_ns for d in (cypher_dir, sparql_dir)}
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["stores"]["cypher"]["relationships"] > 0 and manifest["stores"]["sparql"]["triples"] > 0
    assert _papers(built) == (12, 12)
    assert _papers(built) == (12, 12)  # reopened
    assert {d: (d / STAMP).stat().st_mtime_ns for d in stamps} == stamps  # opened, not rebuilt
    with pytest.raises(QueryError):
        cypher("CREATE (:Paper {id: 'x'})", graph_dir=built)
    with pytest.raises(QueryError):
        sparql.sparql(built, "INSERT DATA { <http://e/s> <http://e/p> 1 }")
    assert _papers(built) == (12, 12)
    assert not [p.name for p in built.iterdir() if p.name.startswith(".") and p.name != ".kg-state"]


def test_without_stores_the_first_query_builds_them(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["build", str(write(tmp_path / "a.jsonl", papers(0, 5))), "--out", str(out), "--cache-dir",
                 str(tmp_path / "cache"), "--no-stores", "-q"]) == 0
    assert not any(d.exists() for d in _stores(out))
    assert _papers(out) == (5, 5)
    assert all((d / STAMP).is_file() for d in _stores(out))


def test_incremental_build_brings_the_stores_in_step(built: Path, tmp_path: Path) -> None:
    assert _papers(built) == (12, 12)
    second = write(tmp_path / "b.jsonl", papers(100, 7))
    report = build([tmp_path / "a.jsonl", second], built, cache_dir=tmp_path / "cache")
    assert report.mode.startswith("incremental")
    assert _papers(built) == (19, 19)
    for store in _stores(built):
        assert (read_stamp(store) or {})["graph_size"] == (built / "graph.json").stat().st_size


def test_a_failed_store_build_leaves_the_previous_store(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_graph(sample_graph(4), built / "graph.json")  # the stores are now stale

    def broken(graph_file: Path, base: str = "") -> Any:
        yield "<http://e/s> <http://e/p> <http://e/o> .\n"
        raise StoreError("broken on purpose")

    monkeypatch.setattr("kg.stores.rdf.stream_ntriples", broken)
    with pytest.raises(StoreError, match="on purpose"):
        sparql.build_store(built)
    assert (read_stamp(built / sparql.STORE_DIR) or {})["figures"]["triples"] > 100  # the old store, intact
    assert not [p.name for p in built.iterdir() if p.name.startswith(".") and p.name != ".kg-state"]
    monkeypatch.undo()
    assert _papers(built) == (4, 4)  # rebuilt for the new graph on the next query


def test_chunks_loaded_at_once_give_the_store_of_one_load(tmp_path: Path) -> None:
    """Several loader threads on small chunk files fill the same store as one load of the whole N-Triples."""
    import pyoxigraph

    graph_file = tmp_path / "graph.json"
    write_graph(hostile_graph(), graph_file)
    (tmp_path / "chunked").mkdir()
    figures = sparql.bulk_load_oxigraph(graph_file, tmp_path / "chunked", chunk_bytes=512, loaders=3)
    assert figures["chunks"] > 1 and figures["loaders"] == 3  # a chunk ends with the block (nodes, edges) past it
    assert [p.name for p in (tmp_path / "chunked").iterdir()] == ["oxigraph"]  # the chunk files are gone
    whole = pyoxigraph.Store()
    whole.load("".join(stream_ntriples(graph_file)), format=pyoxigraph.RdfFormat.N_TRIPLES)
    chunked = pyoxigraph.Store.read_only(str(tmp_path / "chunked" / "oxigraph"))
    assert set(chunked) == set(whole) and len(whole) == figures["triples"]


def test_rdf_oxigraph_refuses_is_one_store_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    graph_file = tmp_path / "graph.json"
    write_graph(hostile_graph(), graph_file)

    def bad(graph_file: Path, base: str = "") -> Any:
        yield "<http://e/s> <http://e/p> <http://e/o> .\n" * 100
        yield "<http://e/s> <http://e/p> .\n"

    monkeypatch.setattr("kg.stores.rdf.stream_ntriples", bad)
    (tmp_path / "into").mkdir()
    with pytest.raises(StoreError, match="Oxigraph refused the RDF"):
        sparql.bulk_load_oxigraph(graph_file, tmp_path / "into", chunk_bytes=1000, loaders=2)
    assert not (tmp_path / "into" / "ntriples").exists()


def test_a_store_of_an_older_version_is_rebuilt(built: Path) -> None:
    for store in _stores(built):
        stamp = json.loads((store / STAMP).read_text(encoding="utf-8"))
        stamp["version"] = 0
        (store / STAMP).write_text(json.dumps(stamp), encoding="utf-8")
    assert _papers(built) == (12, 12)
    assert (read_stamp(built / embedded.STORE_DIR) or {})["version"] == embedded.SCHEMA_VERSION
    assert (read_stamp(built / sparql.STORE_DIR) or {})["version"] == sparql.STORE_VERSION


def test_a_damaged_store_is_one_clear_line(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (built / embedded.STORE_DIR / embedded.DB_FILE).write_bytes(b"not a database")
    assert main(["cypher", COUNT, "--graph", str(built)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot open the embedded database" in err and "rebuild" in err


# ------------------------------------------------------------------------------------------------ parameters


def test_missing_or_extra_parameters_are_one_clear_error(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    query = str(REPO / "queries" / "cypher" / "methods_on_dataset.cypher")
    assert main(["cypher", query, "--graph", str(built)]) == 1
    err = capsys.readouterr().err
    assert err == "kg: error: the query needs parameter(s) $dataset: give --param dataset=VALUE (VALUE may be null)\n"
    assert main(["cypher", query, "--graph", str(built), "--param", "dataset=null", "--param", "k=1"]) == 1
    assert "no parameter(s) $k; its parameters are $dataset" in capsys.readouterr().err
    assert main(["cypher", query, "--graph", str(built), "--param", "dataset=null"]) == 0
    top = str(REPO / "queries" / "sparql" / "top_datasets.rq")
    assert main(["sparql", top, "--graph", str(built), "--param", "datasetName=x"]) == 1
    assert "no variable(s) ?datasetName to bind" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------ agreement


def check_engines_agree(out: Path) -> dict[str, int]:
    """The README's example questions give the same answers on embedded Cypher and on SPARQL; returns sizes."""
    top = cypher((REPO / "queries" / "cypher" / "top_datasets.cypher").read_text(encoding="utf-8"),
                 graph_dir=out).rows
    proposed = cypher("MATCH (:Paper)-[:PROPOSES]->(m:Method) RETURN m.name AS name, count(*) AS n "
                      "ORDER BY n DESC, name LIMIT 1", graph_dir=out).rows
    with_results = cypher("MATCH (:Result)-[:ON_DATASET]->(d:Dataset) RETURN d.name AS name, count(*) AS n "
                          "ORDER BY n DESC, name LIMIT 1", graph_dir=out).rows
    sharing = cypher("MATCH (p1:Paper)-[:EVALUATES_ON|PROPOSES]->(d:Dataset)<-[:EVALUATES_ON|PROPOSES]-(p2:Paper) "
                     "WHERE p1.id <> p2.id WITH p1, p2, count(DISTINCT d) AS shared WHERE shared >= 2 "
                     "RETURN p1.id AS id, count(*) AS n ORDER BY n DESC, id LIMIT 1", graph_dir=out).rows
    params = {"methods_on_dataset": ({"dataset": with_results[0]["name"]}, {"datasetName": with_results[0]["name"]}),
              "tasks_of_proposing_papers": ({"method": proposed[0]["name"]}, {"methodName": proposed[0]["name"]}),
              "papers_sharing_datasets": ({"paper": sharing[0]["id"]}, {"paperName": sharing[0]["id"]})}
    sizes = {}
    for name in ("methods_on_dataset", "papers_sharing_datasets", "tasks_of_proposing_papers", "top_datasets"):
        cypher_params, sparql_params = params.get(name, ({}, {}))
        query = (REPO / "queries" / "cypher" / f"{name}.cypher").read_text(encoding="utf-8")
        result = cypher(query, cypher_params, graph_dir=out)
        columns, rows = sparql.sparql(out, (REPO / "queries" / "sparql" / f"{name}.rq").read_text(encoding="utf-8"),
                                      bindings=sparql_params)
        assert columns == result.columns, name
        as_tuples = [tuple(row[c] for c in columns) for row in result.rows]
        assert as_tuples == rows, name  # the same rows in the same order
        sizes[name] = len(rows)
    assert top and all(sizes.values()), sizes  # each question found something, so agreeing means something
    return sizes


@pytest.mark.slow
def test_cypher_and_sparql_agree_on_a_few_thousand_real_abstracts(tmp_path: Path) -> None:
    if not LARGE.is_file():
        pytest.skip("../shared/corpus-large is absent")
    sample = tmp_path / "sample.jsonl"
    with gzip.open(LARGE, "rt", encoding="utf-8") as src, open(sample, "w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if i == 3000:
                break
            dst.write(line)
    out = tmp_path / "out"
    build([sample], out, cache_dir=Path(os.environ.get("KG_CACHE_DIR", tmp_path / "cache")), workers=2)
    sizes = check_engines_agree(out)
    assert sizes["papers_sharing_datasets"] > 10, sizes


# ------------------------------------------------------------------------------------------------ readers


def test_find_papers_streams_and_keeps_only_a_lone_match_whole() -> None:
    from kg.papers import find_papers
    from kg.records import Paper

    read: list[int] = []

    def papers(n: int) -> Any:
        for i in range(n):
            read.append(i)
            yield Paper(id=f"p{i}", title=f"Graph paper {i}" if i % 2 else f"Other {i}", abstract="x" * 1000)

    listed = find_papers(papers(10_000), None, limit=3)
    assert [p.id for p in listed] == ["p0", "p1", "p2"] and len(read) == 3  # stops reading at the limit
    assert all(p.abstract == "" for p in listed)
    words = find_papers(papers(100), "graph paper")
    assert len(words) == 50 and all(p.abstract == "" for p in words)  # many matches: held without abstracts
    lone = find_papers(papers(100), "Graph paper 7")
    assert [p.id for p in lone] == ["p7"] and lone[0].abstract == "x" * 1000
    assert [p.id for p in find_papers(papers(100), "p8")] == ["p8"]  # an id: the exact match wins
