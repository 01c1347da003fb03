"""`kg export --format neo4j-csv`: the files neo4j-admin imports, checked by importing them with the real tool."""

from __future__ import annotations

import csv
import os
import subprocess
from pathlib import Path

import pytest
from plugins.neo4j_server import NASTY, _neo4j_wanted, sample_graph, start_server

from kg.stores.local_neo4j import SCRIPT
from kg.stores.neo4j import run_cypher
from kg.stores.neo4j_csv import ARRAY_DELIMITER, write_neo4j_csv
from kg.stores.rows import graph_rows


def _graph():  # type: ignore[no-untyped-def]
    graph = sample_graph(30)
    graph.nodes["method:method-1"]["aliases"] = []  # an empty list must stay an empty list
    return graph


def test_files_counts_and_headers(tmp_path: Path) -> None:
    graph = _graph()
    counts = write_neo4j_csv(graph, tmp_path)
    rows = graph_rows(graph)
    assert {k: v for k, v in counts.items() if k.startswith("nodes_")} == {
        f"nodes_{label}.csv": n for label, n in rows.label_counts().items()}
    assert {k: v for k, v in counts.items() if k.startswith("rels_")} == {
        f"rels_{t}.csv": n for t, n in rows.relation_counts().items()}
    with open(tmp_path / "rels_USES.csv", encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert header[:3] == [":START_ID", ":END_ID", ":TYPE"]
    assert {"confidence:double", "evidence_start:long[]", "evidence_sentence:string[]"} <= set(header)
    with open(tmp_path / "nodes_Paper.csv", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        papers = list(reader)
    assert reader.fieldnames[0] == "id:ID" and reader.fieldnames[-1] == ":LABEL"  # type: ignore[index]
    by_id = {p["id:ID"]: p for p in papers}
    for node, attrs in graph.nodes(data=True):
        if attrs["type"] == "Paper":
            assert by_id[node]["title:string"] == attrs["title"]
            assert by_id[node]["authors:string[]"].split(ARRAY_DELIMITER) == attrs["authors"]
    assert "neo4j-admin database import full" in (tmp_path / "neo4j-admin-import.sh").read_text()


@pytest.mark.slow
def test_neo4j_admin_imports_what_kg_push_would_write(tmp_path: Path) -> None:
    _neo4j_wanted()
    graph = _graph()
    files = tmp_path / "csv"
    write_neo4j_csv(graph, files)
    instance = tmp_path / "imported"
    command = (files / "neo4j-admin-import.sh").read_text().splitlines()[-1].split("&& neo4j-admin ", 1)[1]
    done = subprocess.run(f'"{SCRIPT}" admin --dir "{instance}" {command}', shell=True, cwd=files,
                          capture_output=True, text=True, env={**os.environ, "KG_NEO4J_HEAP": "512m"}, timeout=600)
    assert done.returncode == 0 and "IMPORT DONE" in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]

    server = start_server(instance)
    try:
        nodes = run_cypher(server.uri, server.user, server.password,
                           "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props").rows
        rels = run_cypher(server.uri, server.user, server.password,
                          "MATCH (a)-[r]->(b) RETURN a.id AS s, b.id AS t, type(r) AS type, properties(r) AS props").rows
    finally:
        server.stop()
    rows = graph_rows(graph)
    want_nodes = {r["id"]: ([label], r["props"]) for label, rs in rows.nodes.items() for r in rs}
    assert {n["props"]["id"]: (n["labels"], n["props"]) for n in nodes} == want_nodes
    want_rels = {(r["s"], r["t"], t): r["props"] for (t, _, _), rs in rows.rels.items() for r in rs}
    assert {(r["s"], r["t"], r["type"]): r["props"] for r in rels} == want_rels
    assert any(NASTY[1] in (props.get("title") or "") for _, props in want_nodes.values())


def test_the_folder_is_replaced_whole_and_a_foreign_folder_refused(tmp_path: Path) -> None:
    from kg.errors import OutputError

    out = tmp_path / "kg-csv"
    write_neo4j_csv(sample_graph(4), out)
    (out / "stale.csv").write_text("left from before\n")
    write_neo4j_csv(sample_graph(6), out)
    assert not (out / "stale.csv").exists() and (out / "nodes_Paper.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kg-csv"]
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("do not delete")
    with pytest.raises(OutputError, match="not a neo4j-csv export"):
        write_neo4j_csv(sample_graph(2), precious)
    assert (precious / "thesis.tex").exists()
