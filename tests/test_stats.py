"""`kg stats`: counts, rankings, pairs and centrality on a small hand-built graph."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.graph import build_graph, write_graph
from kg.graph.stats import graph_stats
from kg.outputs import MANIFEST
from kg.records import Entity, Evidence, Paper, PaperExtraction, Result


def ent(type: str, name: str, role: str | None = "used") -> Entity:
    return Entity(type, name, (name,), None if type in ("Metric", "Task") else role, 0.8,
                  (Evidence("abstract", 0, len(name), name),))


def small_graph():
    papers = [Paper(f"p{i}", f"Paper {i}", "Abstract.") for i in range(3)]
    xs = [
        PaperExtraction("p0", (ent("Method", "BERT"), ent("Dataset", "GLUE"), ent("Metric", "accuracy")),
                        (Result("BERT", "GLUE", "accuracy", "80.5"),), "v"),
        PaperExtraction("p1", (ent("Method", "BERT"), ent("Dataset", "GLUE"), ent("Dataset", "SQuAD"),
                               ent("Task", "question answering")), (), "v"),
        PaperExtraction("p2", (ent("Method", "RoBERTa", "proposed"), ent("Dataset", "GLUE")), (), "v"),
    ]
    return build_graph(papers, xs)


def test_graph_stats_rankings() -> None:
    stats = graph_stats(small_graph(), top=3)
    assert stats.node_counts == {"Dataset": 2, "Method": 2, "Metric": 1, "Paper": 3, "Result": 1, "Task": 1}
    assert stats.edge_counts["EVALUATES_ON"] == 4 and stats.edge_counts["PROPOSES"] == 1
    assert stats.top["Dataset"] == [("dataset:glue", "GLUE", 3), ("dataset:squad", "SQuAD", 1)]
    assert stats.top["Method"][0] == ("method:bert", "BERT", 2)
    assert stats.pairs[0] == ("BERT", "GLUE", 2, 1)
    assert stats.central[0][1] == "GLUE"


def test_cli_stats_json(tmp_path: Path) -> None:
    write_graph(small_graph(), tmp_path / "graph.json")
    (tmp_path / MANIFEST).write_text("{}")
    result = CliRunner().invoke(cli, ["stats", "--graph", str(tmp_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {"section": "top datasets", "rank": 1, "name": "GLUE", "type": "Dataset", "value": 3,
            "detail": "dataset:glue"} in rows
    table = CliRunner().invoke(cli, ["stats", "--graph", str(tmp_path)])
    assert "method-dataset pairs" in table.output and "BERT / GLUE" in table.output


@pytest.mark.parametrize("top", [1, 3, 10, 100])
def test_stats_from_the_store_are_the_stats_of_the_graph(tmp_path: Path, top: int) -> None:
    from plugins.neo4j_server import sample_graph

    from kg.graph.stats import store_stats

    for i, graph in enumerate((small_graph(), sample_graph(30))):
        (tmp_path / f"g{i}").mkdir()
        write_graph(graph, tmp_path / f"g{i}" / "graph.json")
        assert store_stats(tmp_path / f"g{i}", top).rows() == graph_stats(graph, top).rows()
