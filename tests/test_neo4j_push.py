"""`kg push` against a real Neo4j over Bolt: counts, idempotence, increments, verbatim values, clear errors."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from plugins.neo4j_server import NASTY, sample_graph

from kg.cli import main
from kg.errors import StoreError
from kg.graph import write_graph
from kg.graph.model import NODE_TYPES, RELATIONS
from kg.stores.local_neo4j import LocalNeo4j
from kg.stores.neo4j import counts, push, run_cypher
from kg.stores.rows import graph_rows


def _push(server: LocalNeo4j, graph, **kwargs):  # type: ignore[no-untyped-def]
    return push(graph, server.uri, server.user, server.password, **kwargs)


def _counts(server: LocalNeo4j) -> tuple[dict[str, int], dict[str, int]]:
    return counts(server.uri, server.user, server.password)


def _graph_counts(graph) -> tuple[dict[str, int], dict[str, int]]:  # type: ignore[no-untyped-def]
    rows = graph_rows(graph)
    return rows.label_counts(), rows.relation_counts()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_counts_equal_the_graph_per_label_and_type(neo4j: LocalNeo4j) -> None:
    graph = sample_graph(60)
    report = _push(neo4j, graph, batch_size=37)
    labels, types = _counts(neo4j)
    assert (labels, types) == _graph_counts(graph)
    assert set(labels) == set(NODE_TYPES) and set(types) == set(RELATIONS) - {"VARIANT_OF"}
    assert report.nodes_created == graph.number_of_nodes()
    assert report.relationships_created == graph.number_of_edges()


def test_constraints_first_one_per_label(neo4j: LocalNeo4j) -> None:
    _push(neo4j, sample_graph(3))
    found = run_cypher(neo4j.uri, neo4j.user, neo4j.password,
                       "SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type RETURN *").rows
    assert sorted((r["labelsOrTypes"][0], r["properties"], r["type"]) for r in found) == sorted(
        (label, ["id"], "UNIQUENESS") for label in NODE_TYPES)


def test_pushing_twice_changes_nothing(neo4j: LocalNeo4j) -> None:
    graph = sample_graph(30)
    _push(neo4j, graph, batch_size=50)
    snapshot_query = "MATCH (n) OPTIONAL MATCH (n)-[r]->(m) RETURN n.id AS n, properties(n) AS p, type(r) AS t, " \
                     "m.id AS m, properties(r) AS rp ORDER BY n, t, m"
    first = run_cypher(neo4j.uri, neo4j.user, neo4j.password, snapshot_query).rows
    again = _push(neo4j, graph, batch_size=7)
    assert again.nodes_created == 0 and again.relationships_created == 0
    assert _counts(neo4j) == _graph_counts(graph)
    assert run_cypher(neo4j.uri, neo4j.user, neo4j.password, snapshot_query).rows == first


def test_pushing_after_adding_papers_adds_only_what_is_new(neo4j: LocalNeo4j) -> None:
    small, large = sample_graph(20), sample_graph(35)
    _push(neo4j, small)
    report = _push(neo4j, large)
    assert report.nodes_created == large.number_of_nodes() - small.number_of_nodes()
    assert report.relationships_created == large.number_of_edges() - small.number_of_edges()
    assert _counts(neo4j) == _graph_counts(large)
    # Entities shared with the first push were updated, not duplicated.
    method = run_cypher(neo4j.uri, neo4j.user, neo4j.password,
                        "MATCH (m:Method {id: 'method:method-1'}) RETURN m.paper_count AS c").rows
    assert method == [{"c": large.nodes["method:method-1"]["paper_count"]}]


def test_values_travel_as_parameters_and_are_stored_verbatim(neo4j: LocalNeo4j) -> None:
    graph = sample_graph(12)
    _push(neo4j, graph)
    rows = run_cypher(neo4j.uri, neo4j.user, neo4j.password,
                      "MATCH (n) WHERE n.title IS NOT NULL OR n.name IS NOT NULL "
                      "RETURN n.id AS id, coalesce(n.title, n.name) AS text, n.aliases AS aliases").rows
    stored = {r["id"]: (r["text"], r["aliases"]) for r in rows}
    for node, attrs in graph.nodes(data=True):
        if attrs["type"] != "Result":
            assert stored[node] == (attrs.get("title", attrs.get("name")), attrs.get("aliases")), node
    texts = {text for text, _ in stored.values()}
    assert all(any(fragment in text for text in texts) for fragment in NASTY)
    assert _counts(neo4j) == _graph_counts(graph)  # no injected MERGE, CREATE or DELETE ran


def test_evidence_is_flattened_into_parallel_arrays(neo4j: LocalNeo4j) -> None:
    graph = sample_graph(5)
    _push(neo4j, graph)
    paper, method = "title-0000000000000001", "method:method-101"
    evidence = graph.edges[paper, method, "PROPOSES"]["evidence"]
    rows = run_cypher(neo4j.uri, neo4j.user, neo4j.password,
                      "MATCH (:Paper {id: $p})-[r:PROPOSES]->(:Method {id: $m}) RETURN r", {"p": paper, "m": method}).rows
    rel = rows[0]["r"]
    assert rel["_type"] == "PROPOSES" and rel["role"] == "proposed" and rel["extractor_version"] == "test/1"
    for key in ("field", "start", "end", "sentence", "sentence_start"):
        assert rel[f"evidence_{key}"] == [ev[key] for ev in evidence]


def test_a_type_outside_the_ontology_is_refused_before_writing(neo4j: LocalNeo4j) -> None:
    graph = sample_graph(2)
    graph.add_node("evil", type="Paper`) DETACH DELETE (n")
    with pytest.raises(StoreError, match="not a node type of the ontology"):
        _push(neo4j, graph)
    assert _counts(neo4j) == ({}, {})


def test_wrong_password_is_one_line_and_nonzero(neo4j: LocalNeo4j, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    write_graph(sample_graph(2), tmp_path / "graph.json")
    code = main(["push", "--graph", str(tmp_path), "--uri", neo4j.uri, "--user", neo4j.user,
                 "--password", "not-the-password", "-q"])
    err = capsys.readouterr().err.strip()
    assert code != 0
    assert err.count("\n") == 0 and "refused the login for user 'neo4j'" in err and "wrong" in err
    assert _counts(neo4j) == ({}, {})


def test_server_down_is_one_line_and_nonzero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_graph(sample_graph(2), tmp_path / "graph.json")
    code = main(["push", "--graph", str(tmp_path), "--uri", f"bolt://127.0.0.1:{_free_port()}",
                 "--password", "whatever1", "-q"])
    err = capsys.readouterr().err.strip()
    assert code != 0
    assert err.count("\n") == 0 and "cannot reach Neo4j" in err and "is Neo4j running?" in err


def test_missing_password_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    write_graph(sample_graph(2), tmp_path / "graph.json")
    assert main(["push", "--graph", str(tmp_path), "--uri", "bolt://127.0.0.1:7687", "-q"]) != 0
    assert "NEO4J_PASSWORD" in capsys.readouterr().err


def test_cli_push_reads_the_environment_and_summarises(neo4j: LocalNeo4j, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    graph = sample_graph(8)
    write_graph(graph, tmp_path / "graph.json")
    monkeypatch.setenv("NEO4J_URI", neo4j.uri)
    monkeypatch.setenv("NEO4J_USER", neo4j.user)
    monkeypatch.setenv("NEO4J_PASSWORD", neo4j.password)
    assert main(["push", "--graph", str(tmp_path), "--batch-size", "10"]) == 0
    out = capsys.readouterr().out
    assert f"kg push -> {neo4j.uri}" in out and f"({graph.number_of_nodes()} new)" in out
    assert main(["push", "--graph", str(tmp_path)]) == 0
    assert "(0 new)" in capsys.readouterr().out


def _snapshot(server: LocalNeo4j) -> tuple[set[tuple[str, str]], set[tuple[str, str, str]]]:
    nodes = run_cypher(server.uri, server.user, server.password,
                       "MATCH (n) RETURN n.id AS id, labels(n)[0] AS label").rows
    rels = run_cypher(server.uri, server.user, server.password,
                      "MATCH (a)-[r]->(b) RETURN a.id AS a, type(r) AS t, b.id AS b").rows
    return {(r["id"], r["label"]) for r in nodes}, {(r["a"], r["t"], r["b"]) for r in rels}


def test_pushing_a_rebuild_with_renamed_and_merged_entities_leaves_no_stale_node(neo4j: LocalNeo4j) -> None:
    """The first graph has the ids an earlier resolution gave (one thing split over two nodes, a paper
    pointing at the stray one); the rebuild merges them under one id. After the push Neo4j is the rebuild."""
    before = sample_graph(12, nasty=False)
    before.add_node("dataset:cifar100-61a042", type="Dataset", name="CIFAR-100", aliases=["CIFAR-100"],
                    paper_count=1)
    before.add_edge("title-0000000000000001", "dataset:cifar100-61a042", key="EVALUATES_ON", type="EVALUATES_ON",
                    role="used", confidence=0.9, extractor_version="test/1", evidence=[])
    before.add_edge("title-0000000000000002", "method:method-102", key="USES", type="USES", role="used",
                    confidence=0.9, extractor_version="test/1", evidence=[])
    after = sample_graph(12, nasty=False)
    after.add_node("dataset:cifar100", type="Dataset", name="CIFAR-100", aliases=["CIFAR-100", "CIFAR100"],
                   paper_count=1)
    after.add_edge("title-0000000000000001", "dataset:cifar100", key="EVALUATES_ON", type="EVALUATES_ON",
                   role="used", confidence=0.9, extractor_version="test/1", evidence=[])
    after.remove_node("method:method-111")  # an entity the rebuild no longer has, with its relationships
    _push(neo4j, before)
    assert ("dataset:cifar100-61a042", "Dataset") in _snapshot(neo4j)[0]
    report = _push(neo4j, after)
    nodes, rels = _snapshot(neo4j)
    assert nodes == {(n, d["type"]) for n, d in after.nodes(data=True)}
    assert rels == {(u, k, v) for u, v, k in after.edges(keys=True)}
    assert _counts(neo4j) == _graph_counts(after)
    assert report.nodes_deleted == 2 and report.relationships_deleted == 1
    again = _push(neo4j, after)
    assert (again.nodes_created, again.nodes_deleted, again.relationships_created, again.relationships_deleted) == \
        (0, 0, 0, 0)
