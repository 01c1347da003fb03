"""`kg sparql`: the example queries give the same answers on Oxigraph and rdflib; parameters, cache, errors."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_rdf import HOSTILE, METHOD, hostile_graph

from kg.cli import cli, main
from kg.errors import GraphError, QueryError
from kg.graph import write_graph
from kg.stores.sparql import CACHE_FILE, ENGINES, STORE_DIR, bind_parameters, load_query, parse_param, sparql

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "examples" / "corpus"
QUERIES = sorted((REPO / "queries" / "sparql").glob("*.rq"))


Answer = tuple[list[str], list[tuple[Any, ...]]]


def _both(graph_dir: Path, query: str, bindings: dict[str, Any] | None = None) -> Answer:
    oxigraph = sparql(graph_dir, query, "oxigraph", bindings)
    rdflib = sparql(graph_dir, query, "rdflib", bindings)
    assert oxigraph[0] == rdflib[0]
    assert sorted(map(repr, oxigraph[1])) == sorted(map(repr, rdflib[1])), "same answers"
    if "ORDER BY" in query.upper():
        assert oxigraph[1] == rdflib[1], "same answers in the same order"
    return oxigraph


@pytest.fixture
def small_build(tmp_path: Path) -> Path:
    write_graph(hostile_graph(), tmp_path / "graph.json")
    return tmp_path


def test_the_four_example_queries_exist() -> None:
    assert [q.stem for q in QUERIES] == ["methods_on_dataset", "papers_sharing_datasets", "tasks_of_proposing_papers",
                                         "top_datasets"]


def test_readme_shows_every_example_query_verbatim() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sparql\n(.*?)```", readme, flags=re.S)
    for query in QUERIES:
        assert query.read_text(encoding="utf-8") in blocks, f"README copy of {query.name} differs from the file"


def test_hostile_strings_come_back_unchanged_from_both_engines(small_build: Path) -> None:
    query = "SELECT ?label WHERE { ?e skos:prefLabel|skos:altLabel|dcterms:title|kg:authorName ?label }"
    _, rows = _both(small_build, query)
    labels = {row[0] for row in rows}
    assert set(HOSTILE[:7]) <= labels
    _, rows = _both(small_build, "SELECT ?id WHERE { ?m a kg:Method ; dcterms:identifier ?id } ORDER BY ?id")
    assert rows == [("method:base",), (METHOD,)]


def test_parameters_bind_hostile_values_on_both_engines(small_build: Path) -> None:
    query = load_query(str(REPO / "queries" / "sparql" / "methods_on_dataset.rq"))
    columns, rows = _both(small_build, query, {"datasetName": HOSTILE[4]})  # an alias
    assert columns == ["dataset", "method", "metric", "value", "paper"]
    assert rows == [(HOSTILE[3], HOSTILE[0], HOSTILE[6], '1.78"%<', " | ".join(HOSTILE))]
    assert _both(small_build, query, {"datasetName": "no such dataset"})[1] == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=30))
def test_any_parameter_value_is_bound_exactly(small_build: Path, value: str) -> None:
    query = "SELECT ?x # a { comment\n WHERE { BIND (STR(?v) AS ?x) }"
    assert _both(small_build, query, {"v": value}) == (["x"], [(value,)])


def test_plain_python_values_and_query_forms(small_build: Path) -> None:
    columns, rows = _both(small_build, "SELECT ?n ?c ?x WHERE { ?m kg:paperCount ?n . ?s kg:confidence ?c } "
                                       "ORDER BY ?n ?c LIMIT 1")
    assert columns == ["n", "c", "x"] and rows == [(0, 0.5, None)]
    assert _both(small_build, "ASK { ?p a kg:Paper }") == (["ask"], [(True,)])
    columns, rows = _both(small_build, "CONSTRUCT { ?t a kg:Task } WHERE { ?t a kg:Task }")
    assert columns == ["subject", "predicate", "object"] and len(rows) == 1


def test_bind_parameters_finds_the_where_group() -> None:
    assert bind_parameters("SELECT * { ?s ?p ?o }", {"o": 2}) == (
        'SELECT * { VALUES (?o) { ("2"^^<http://www.w3.org/2001/XMLSchema#integer>) } ?s ?p ?o }')
    tricky = ('PREFIX e: <http://e/x#>  # a comment { with a brace\n'
              'CONSTRUCT { ?s e:p "}" } WHERE { ?s e:q "{" }')
    assert bind_parameters(tricky, {"s": "v"}).endswith('WHERE { VALUES (?s) { ("v") } ?s e:q "{" }')
    sub = bind_parameters("SELECT ?x WHERE { SELECT ?x { ?x ?p ?o } }", {"p": "v"})
    assert sub == 'SELECT ?x WHERE { VALUES (?p) { ("v") } { SELECT ?x { ?x ?p ?o } } }'
    with pytest.raises(QueryError, match="not a SPARQL variable"):
        bind_parameters("SELECT * { ?s ?p ?o }", {"bad name": 1})


def test_parse_param() -> None:
    from rdflib import URIRef

    assert parse_param("datasetName=ImageNet") == ("datasetName", "ImageNet")
    assert parse_param("?n=2") == ("n", 2)
    assert parse_param('x="2"') == ("x", "2")
    assert parse_param("x=<http://e/x>") == ("x", URIRef("http://e/x"))
    assert parse_param("x=a=b") == ("x", "a=b")
    with pytest.raises(QueryError):
        parse_param("novalue")


@pytest.mark.parametrize("engine", ENGINES)
def test_bad_queries_raise_query_error_in_one_line(small_build: Path, engine: str) -> None:
    for query in ("SELEC ?x WHERE { ?x ?p ?o }", "SELECT ?x WHERE { ?x nope:p ?o }",
                  "INSERT DATA { <http://e/s> <http://e/p> 1 }"):
        with pytest.raises(QueryError) as info:
            sparql(small_build, query, engine)
        assert "\n" not in str(info.value)


def test_missing_build_is_a_graph_error(tmp_path: Path) -> None:
    with pytest.raises(GraphError, match="kg build"):
        sparql(tmp_path / "nothing", "ASK {}")


def test_cache_is_written_atomically_and_rebuilt_when_the_graph_changes(small_build: Path) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?p a kg:Paper }"
    assert sparql(small_build, query)[1] == [(2,)]
    cache = small_build / CACHE_FILE
    assert sorted(p.name for p in small_build.iterdir()) == ["graph.json", STORE_DIR]  # no temp files left
    assert sparql(small_build, query, "rdflib")[1] == [(2,)]
    assert sorted(p.name for p in small_build.iterdir()) == ["graph.json", CACHE_FILE, STORE_DIR]
    assert cache.is_file()
    graph = hostile_graph()
    graph.remove_node("title-0123456789abcdef")
    write_graph(graph, small_build / "graph.json")
    future = cache.stat().st_mtime + 5
    os.utime(small_build / "graph.json", (future, future))
    for engine in ENGINES:
        assert sparql(small_build, query, engine)[1] == [(1,)]


def test_cli_sparql_formats_and_params(small_build: Path) -> None:
    runner = CliRunner()
    query_file = str(REPO / "queries" / "sparql" / "methods_on_dataset.rq")
    result = runner.invoke(cli, ["sparql", query_file, "--graph", str(small_build), "--format", "json",
                                 "--param", f"datasetName={HOSTILE[3]}", "--engine", "rdflib"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [row["method"] for row in rows] == [HOSTILE[0]]
    result = runner.invoke(cli, ["sparql", "SELECT ?id WHERE { ?p a kg:Paper ; dcterms:identifier ?id } ORDER BY ?id",
                                 "--graph", str(small_build), "--format", "csv"])
    assert result.output.splitlines() == ["id", "arxiv-2411.04996", "title-0123456789abcdef"]
    assert main(["sparql", "SELECT ?x WHERE {", "--graph", str(small_build)]) == 1
    assert main(["sparql", "missing.rq", "--graph", str(small_build)]) == 1


# ------------------------------------------------------------------------------------------------ real corpus


@pytest.fixture(scope="module")
def corpus_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sparql-corpus") / "kg-out"
    assert main(["build", str(CORPUS), "--out", str(out), "-q"]) == 0
    return out


@pytest.mark.corpus
@pytest.mark.parametrize("query_file", QUERIES, ids=[q.stem for q in QUERIES])
def test_example_queries_give_the_same_answers_on_both_engines(corpus_build: Path, query_file: Path) -> None:
    query = load_query(str(query_file))
    bindings = {}
    if query_file.stem == "papers_sharing_datasets":  # unbound it pairs every paper: minutes on rdflib
        everyone = sparql(corpus_build, query)[1]
        assert everyone, "two papers share two datasets"
        bindings = {"paperName": everyone[0][0]}
    columns, rows = _both(corpus_build, query, bindings)
    assert rows, "the query found something, so the comparison means something"
    if bindings:
        assert rows == [row for row in everyone if row[0] == bindings["paperName"]]


@pytest.mark.corpus
def test_parameterized_queries_on_the_corpus(corpus_build: Path) -> None:
    top = _both(corpus_build, load_query(str(REPO / "queries" / "sparql" / "top_datasets.rq")))[1]
    dataset = top[0][0]
    methods = load_query(str(REPO / "queries" / "sparql" / "methods_on_dataset.rq"))
    _, rows = _both(corpus_build, methods, {"datasetName": dataset})
    assert rows and {row[0] for row in rows} == {dataset}
    tasks = load_query(str(REPO / "queries" / "sparql" / "tasks_of_proposing_papers.rq"))
    method = _both(corpus_build, tasks)[1][0][0]
    _, rows = _both(corpus_build, tasks, {"methodName": method})
    assert rows and {row[0] for row in rows} == {method}
    sharing = load_query(str(REPO / "queries" / "sparql" / "papers_sharing_datasets.rq"))
    title = sparql(corpus_build, sharing)[1][0][0]
    ident = sparql(corpus_build, "SELECT ?id WHERE { ?p dcterms:title ?t ; dcterms:identifier ?id }", "oxigraph",
                   {"t": title})[1][0][0]
    _, rows = _both(corpus_build, sharing, {"paperName": ident})
    assert rows and {row[0] for row in rows} == {title}
    assert rows == _both(corpus_build, sharing, {"paperName": title})[1]
