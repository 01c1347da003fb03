"""`kg cypher`: the example queries give identical answers on Neo4j and on the embedded default (LadybugDB)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from plugins.neo4j_server import NASTY, sample_graph

from kg.graph import write_graph
from kg.errors import QueryError
from kg.stores.cypher import cypher, query_parameters
from kg.stores.local_neo4j import LocalNeo4j
from kg.stores.neo4j import push

QUERIES = sorted((Path(__file__).resolve().parents[1] / "queries" / "cypher").glob("*.cypher"))


def _canonical(rows: list[dict]) -> list[str]:  # type: ignore[type-arg]
    return sorted(json.dumps(row, sort_keys=True, ensure_ascii=False) for row in rows)


def _compare_engines(server: LocalNeo4j, graph_dir: Path, params: dict[str, str]) -> dict[str, int]:
    sizes = {}
    for query_file in QUERIES:
        query = query_file.read_text(encoding="utf-8")
        wanted = {name: value for name, value in params.items() if name in query_parameters(query)}
        embedded = cypher(query, wanted, graph_dir=graph_dir)
        neo = cypher(query, wanted, uri=server.uri, user=server.user, password=server.password)
        assert embedded.columns == neo.columns, query_file.name
        assert _canonical(embedded.rows) == _canonical(neo.rows), query_file.name
        assert embedded.rows == neo.rows, f"{query_file.name}: same rows, different order"
        sizes[query_file.stem] = len(neo.rows)
    return sizes


def _sharing_paper(graph_dir: Path) -> str:
    """The id of the paper sharing at least two datasets with the most other papers (papers_sharing_datasets)."""
    rows = cypher("MATCH (p1:Paper)-[:EVALUATES_ON|PROPOSES]->(d:Dataset)<-[:EVALUATES_ON|PROPOSES]-(p2:Paper) "
                  "WHERE p1.id <> p2.id WITH p1, p2, count(DISTINCT d) AS shared WHERE shared >= 2 "
                  "RETURN p1.id AS id, count(*) AS n ORDER BY n DESC, id LIMIT 1", graph_dir=graph_dir).rows
    assert rows, "no two papers share two datasets: the comparison would mean nothing"
    return str(rows[0]["id"])


def test_the_four_example_queries_exist() -> None:
    assert [q.stem for q in QUERIES] == ["methods_on_dataset", "papers_sharing_datasets", "tasks_of_proposing_papers",
                                         "top_datasets"]


def test_example_queries_identical_on_both_engines(neo4j: LocalNeo4j, tmp_path: Path) -> None:
    graph = sample_graph(60)
    write_graph(graph, tmp_path / "graph.json")
    push(graph, neo4j.uri, neo4j.user, neo4j.password)
    params = {"dataset": graph.nodes["dataset:dataset-3"]["name"],  # names full of quotes and braces
              "method": graph.nodes["method:method-101"]["name"], "paper": _sharing_paper(tmp_path)}
    sizes = _compare_engines(neo4j, tmp_path, params)
    assert all(sizes.values()), sizes  # every query found something, so the comparison means something
    by_title = _compare_engines(neo4j, tmp_path, {**params, "paper": graph.nodes[params["paper"]]["title"]})
    assert by_title["papers_sharing_datasets"] == sizes["papers_sharing_datasets"]
    everything = _compare_engines(neo4j, tmp_path, {"dataset": None, "method": None, "paper": None})
    for name in ("methods_on_dataset", "tasks_of_proposing_papers", "papers_sharing_datasets"):
        assert everything[name] > sizes[name], name


@pytest.mark.corpus
@pytest.mark.slow
def test_example_queries_identical_on_the_real_corpus(neo4j: LocalNeo4j, corpus_dir: Path, tmp_path: Path) -> None:
    from kg.graph import read_graph
    from kg.builder import build

    out = tmp_path / "kg-out"
    build([corpus_dir], out)
    graph = read_graph(out / "graph.json")
    push(graph, neo4j.uri, neo4j.user, neo4j.password)
    with_results = sorted({graph.nodes[v]["name"] for u, v, k in graph.edges(keys=True) if k == "ON_DATASET"})
    proposed = sorted({graph.nodes[v]["name"] for u, v, k in graph.edges(keys=True) if k == "PROPOSES"})
    sizes = _compare_engines(neo4j, out, {"dataset": "ImageNet" if "ImageNet" in with_results else with_results[0],
                                          "method": "LoRA" if "LoRA" in proposed else proposed[0],
                                          "paper": _sharing_paper(out)})
    assert sizes["top_datasets"] > 0 and sizes["papers_sharing_datasets"] > 0
    everything = _compare_engines(neo4j, out, {"dataset": None, "method": None, "paper": None})
    assert everything["methods_on_dataset"] > 0 and everything["tasks_of_proposing_papers"] > 0
    assert everything["papers_sharing_datasets"] > sizes["papers_sharing_datasets"]


def test_missing_or_extra_parameters_are_the_same_error_on_both_engines(neo4j: LocalNeo4j, tmp_path: Path) -> None:
    write_graph(sample_graph(6), tmp_path / "graph.json")
    query = (QUERIES[0]).read_text(encoding="utf-8")  # methods_on_dataset: $dataset
    for params in ({}, {"dataset": None, "extra": 1}, {"datasetName": "x"}):
        with pytest.raises(QueryError) as embedded:
            cypher(query, params, graph_dir=tmp_path)
        with pytest.raises(QueryError) as neo:
            cypher(query, params, uri=neo4j.uri, user=neo4j.user, password=neo4j.password)
        assert str(embedded.value) == str(neo.value) and "$" in str(neo.value)


def test_nasty_values_are_verbatim_in_the_embedded_engine(tmp_path: Path) -> None:
    graph = sample_graph(12)
    write_graph(graph, tmp_path / "graph.json")
    rows = cypher("MATCH (p:Paper) RETURN p.id AS id, p.title AS title", graph_dir=tmp_path).rows
    assert {r["id"]: r["title"] for r in rows} == {n: a["title"] for n, a in graph.nodes(data=True)
                                                    if a["type"] == "Paper"}
    assert any(NASTY[1] in r["title"] for r in rows)
    hit = cypher("MATCH (d:Dataset) WHERE d.name = $name RETURN d.id AS id",
                 {"name": graph.nodes["dataset:dataset-1"]["name"]}, graph_dir=tmp_path).rows
    assert hit == [{"id": "dataset:dataset-1"}]
