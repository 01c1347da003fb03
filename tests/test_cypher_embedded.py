"""The embedded Cypher default: built lazily inside the build folder, rebuilt when the graph changes, atomically."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from plugins.neo4j_server import sample_graph

from kg.cli import main
from kg.errors import QueryError
from kg.graph import write_graph
from kg.stores import embedded
from kg.stores.cypher import cypher, parse_params, read_query

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def build_dir(tmp_path: Path) -> Path:
    write_graph(sample_graph(20), tmp_path / "graph.json")
    return tmp_path


def _count(graph_dir: Path) -> int:
    return cypher("MATCH (p:Paper) RETURN count(p) AS n", graph_dir=graph_dir).rows[0]["n"]


def _database(graph_dir: Path) -> Path:
    return graph_dir / embedded.STORE_DIR / embedded.DB_FILE


def test_built_on_first_query_and_reused(build_dir: Path) -> None:
    assert not (build_dir / embedded.STORE_DIR).exists()
    assert _count(build_dir) == 20
    db = _database(build_dir)
    stamp = db.stat().st_mtime_ns
    assert _count(build_dir) == 20
    assert db.stat().st_mtime_ns == stamp  # not rebuilt: the graph did not change
    assert sorted(p.name for p in build_dir.iterdir()) == [embedded.STORE_DIR, "graph.json"]
    assert sorted(p.name for p in (build_dir / embedded.STORE_DIR).iterdir()) == [embedded.DB_FILE, "kg-store.json"]


def test_rebuilt_when_the_graph_is_newer(build_dir: Path) -> None:
    assert _count(build_dir) == 20
    time.sleep(0.01)
    write_graph(sample_graph(25), build_dir / "graph.json")
    assert _count(build_dir) == 25


def test_a_crash_while_building_leaves_no_half_built_database(build_dir: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    assert _count(build_dir) == 20
    before = _database(build_dir).read_bytes()
    write_graph(sample_graph(25), build_dir / "graph.json")

    def crash(conn, plan, nodes, rels):  # type: ignore[no-untyped-def]
        conn.execute("CREATE NODE TABLE Paper(id STRING PRIMARY KEY)")
        raise KeyboardInterrupt

    monkeypatch.setattr(embedded, "_load", crash)
    with pytest.raises(KeyboardInterrupt):
        _count(build_dir)
    assert _database(build_dir).read_bytes() == before
    assert sorted(p.name for p in build_dir.iterdir()) == [embedded.STORE_DIR, "graph.json"]
    monkeypatch.undo()
    assert _count(build_dir) == 25


def test_cli_runs_a_file_with_params_in_every_format(build_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    query = str(REPO / "queries" / "cypher" / "methods_on_dataset.cypher")
    assert main(["cypher", query, "--graph", str(build_dir), "--param", "dataset=Dataset4", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and set(rows[0]) == {"dataset", "method", "metric", "value", "paper"}
    assert main(["cypher", query, "--graph", str(build_dir), "--param", "dataset=Dataset4", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "dataset,method,metric,value,paper"
    assert main(["cypher", "MATCH (d:Dataset) RETURN d.name AS name ORDER BY name LIMIT $k", "--graph",
                 str(build_dir), "--param", "k=2"]) == 0
    assert "name" in capsys.readouterr().out


def test_invalid_query_is_one_line(build_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cypher", "MATCH (n RETURN n", "--graph", str(build_dir)]) != 0
    err = capsys.readouterr().err.strip()
    assert err.startswith("kg: error: the embedded Cypher engine rejected the query") and "\n" not in err
    with pytest.raises(QueryError):
        cypher("CREATE (:Paper {id: 'x'})", graph_dir=build_dir)  # read-only: the graph is built by kg build


def test_no_build_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cypher", "RETURN 1", "--graph", str(tmp_path / "nothing")]) != 0
    assert "run `kg build" in capsys.readouterr().err


def test_params_and_query_files(tmp_path: Path) -> None:
    assert parse_params(["a=1", "b=x y", "c=[1, 2]", 'd="3"', "e=a=b"]) == {
        "a": 1, "b": "x y", "c": [1, 2], "d": "3", "e": "a=b"}
    with pytest.raises(QueryError):
        parse_params(["novalue"])
    path = tmp_path / "q.cypher"
    path.write_text("RETURN 1 AS one\n", encoding="utf-8")
    assert read_query(str(path)) == "RETURN 1 AS one\n"
    assert read_query("RETURN 2") == "RETURN 2"
    with pytest.raises(QueryError):
        read_query(str(tmp_path / "missing.cypher"))
    assert read_query("MATCH (n) RETURN n") == "MATCH (n) RETURN n"  # not a file: the query itself
