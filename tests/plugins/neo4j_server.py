"""pytest plugin: a real Neo4j over Bolt for the store tests, and sample graphs to load into it.

Registered from tests/conftest.py with ``pytest_plugins = ["plugins.neo4j_server"]``.

`neo4j_server` (session) starts ``scripts/neo4j-local`` once, in a temp folder, on a free port with a random
password, and stops it at the end; `neo4j` (per test) empties the database and drops kg's constraints first.
Where Java or Maven is missing (or ``KG_SKIP_NEO4J=1``) the tests are skipped with the reason in pytest's
summary; under ``KG_REQUIRE_ALL=1`` (set by ``.ci/run``, which installs both) that is a failure instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest

from kg.errors import StoreError
from kg.stores.local_neo4j import LocalNeo4j
from require import unavailable

# Values that would break a query built by string concatenation: each must be stored verbatim.
NASTY = [
    "Quote's \"double\" `backtick` {brace} [bracket]",
    "'}) MATCH (n) DETACH DELETE n //",
    "$dataset {id: 1} \\u0041 \\' \\\" \\\\",
    "MERGE (x:Paper {id: 'evil'}) RETURN x; CREATE (y)",
    "`:Paper` `) WITH * CALL { RETURN 1 } //",
    "Ünïcödé — 数据集 🚀 ;,|\t tab",
]


def _neo4j_wanted() -> bool:
    if os.environ.get("KG_SKIP_NEO4J") == "1":
        unavailable("KG_SKIP_NEO4J=1: Neo4j tests skipped on request")
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing:
        unavailable(f"the Neo4j tests need {' and '.join(missing)} (Java 17 and Maven; .ci/run installs them)")
    return True


def start_server(folder: Path) -> LocalNeo4j:
    """Start a server in `folder` or fail the test with the script's message."""
    _neo4j_wanted()
    server = LocalNeo4j(folder)
    try:
        server.start()
    except StoreError as exc:
        pytest.fail(f"could not start Neo4j with scripts/neo4j-local: {exc}", pytrace=False)
    return server


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNeo4j]:
    """One Neo4j for the whole session; yields the `LocalNeo4j` (uri, user, password)."""
    server = start_server(tmp_path_factory.mktemp("neo4j"))
    try:
        yield server
    finally:
        server.stop()


def clear_database(server: LocalNeo4j) -> None:
    """Delete every node and relationship, then every constraint and non-lookup index."""
    from neo4j import GraphDatabase

    with GraphDatabase.driver(server.uri, auth=(server.user, server.password)) as driver:
        with driver.session() as session:
            session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
            for record in session.run("SHOW CONSTRAINTS YIELD name").data():
                session.run("DROP CONSTRAINT $name", name=record["name"]).consume()
            for record in session.run("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP'").data():
                session.run("DROP INDEX $name", name=record["name"]).consume()


@pytest.fixture
def neo4j(neo4j_server: LocalNeo4j) -> LocalNeo4j:
    """The session's Neo4j, emptied for this test."""
    clear_database(neo4j_server)
    return neo4j_server


def sample_graph(papers: int = 40, *, start: int = 0, nasty: bool = True) -> nx.MultiDiGraph:
    """A deterministic graph shaped like `kg build`'s: papers proposing/using methods, evaluating on datasets,
    reporting metrics, addressing tasks, with evidence, and Result nodes linked to method, dataset and metric.

    Papers ``start .. start+papers-1``; entity pools are shared, so a larger graph extends a smaller one.
    With `nasty`, some titles and entity names are made of quotes, backticks, braces and Cypher fragments.
    """
    graph = nx.MultiDiGraph()

    def entity(kind: str, index: int) -> str:
        key = f"{kind.lower()}:{kind.lower()}-{index}"
        name = f"{kind}{index}"
        if nasty and index < len(NASTY) and index % 2 == 1 and kind in ("Method", "Dataset"):
            name = f"{NASTY[index]} {kind}{index}"
        if key not in graph:
            graph.add_node(key, type=kind, name=name, aliases=[name, name.upper()], paper_count=0, papers=[])
        return key

    def link(paper: str, target: str, relation: str, role: str | None, sentence: str) -> None:
        node = graph.nodes[target]
        node["papers"].append(paper)
        node["paper_count"] += 1
        evidence = [{"field": "abstract", "start": 4 + i, "end": 9 + i, "sentence": sentence, "sentence_start": 0}
                    for i in range(1 + len(node["papers"]) % 3)]
        graph.add_edge(paper, target, key=relation, type=relation, role=role, confidence=0.5 + (len(paper) % 5) / 10,
                       extractor_version="test/1", evidence=evidence)

    for i in range(start, start + papers):
        pid = f"title-{i:016x}"
        title = f"{NASTY[(i // 2) % len(NASTY)]} paper {i}" if nasty and i % 2 == 0 else f"Paper number {i}"
        graph.add_node(pid, type="Paper", title=title, abstract=f"We study {title}. It works.",
                       authors=[f"Author {i % 7}", "O'Brien, J."], date="2024-01-02" if i % 2 else None,
                       url=None, arxiv_id=None, categories=["cs.LG"], sources=[f"papers.txt:{i + 1}"])
        sentence = f"We study {title}."
        link(pid, entity("Method", 100 + i), "PROPOSES", "proposed", sentence)
        for j in (i % 9, (i * 7) % 11):
            if not graph.has_edge(pid, entity("Method", j), "USES"):
                link(pid, entity("Method", j), "USES", "used", sentence)
        for j in sorted({i % 6, (i // 2) % 6, (i * 5) % 8}):
            link(pid, entity("Dataset", j), "EVALUATES_ON", "used", sentence)
        link(pid, entity("Metric", i % 4), "REPORTS", None, sentence)
        for j in sorted({i % 5, (i + 2) % 7}):
            link(pid, entity("Task", j), "ADDRESSES", None, sentence)
        if i % 2 == 0:
            rid = f"result:{pid}:0"
            graph.add_node(rid, type="Result", value=f"{50 + i % 40}.{i % 10}%", paper=pid, confidence=0.9)
            graph.add_edge(pid, rid, key="HAS_RESULT", type="HAS_RESULT", confidence=0.9, extractor_version="test/1",
                           evidence=[{"field": "abstract", "start": 0, "end": 3, "sentence": sentence,
                                      "sentence_start": 0}])
            graph.add_edge(rid, entity("Method", 100 + i), key="OF_METHOD", type="OF_METHOD")
            graph.add_edge(rid, entity("Dataset", (i // 2) % 6), key="ON_DATASET", type="ON_DATASET")
            if i % 3 != 1:
                graph.add_edge(rid, entity("Metric", i % 4), key="MEASURED_BY", type="MEASURED_BY")
    return graph
