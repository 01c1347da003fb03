"""A push cut off by the server dying: one clear line, only whole batches written, and a re-run completes it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from plugins.neo4j_server import sample_graph, start_server

from kg.graph import write_graph
from kg.stores.neo4j import counts, push
from kg.stores.rows import graph_rows

BATCH = 500


@pytest.mark.slow
def test_server_killed_mid_push_then_rerun_completes(tmp_path: Path) -> None:
    server = start_server(tmp_path / "throwaway-neo4j")  # its own server: this test kills it
    try:
        graph = sample_graph(3000, nasty=False)
        rows = graph_rows(graph)
        want = (rows.label_counts(), rows.relation_counts())
        write_graph(graph, tmp_path / "graph.json")
        pusher = subprocess.Popen(
            [sys.executable, "-m", "kg", "push", "--graph", str(tmp_path), "--uri", server.uri, "--user", server.user,
             "--password", server.password, "--batch-size", str(BATCH), "-q"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and pusher.poll() is None:
            try:
                if sum(counts(server.uri, server.user, server.password)[1].values()) >= BATCH:
                    break
            except Exception:  # noqa: BLE001 - the server is busy starting the load; ask again
                pass
            time.sleep(0.05)
        assert pusher.poll() is None, "the push finished before the server could be killed; use a larger graph"
        server.kill()
        _, err = pusher.communicate(timeout=120)
        assert pusher.returncode != 0
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("kg: error: cannot reach Neo4j"), err
        assert "run kg push again" in lines[0]

        server.start()  # same folder: the data written before the kill, after crash recovery
        labels, types = counts(server.uri, server.user, server.password)
        partial = {**{k: v for k, v in labels.items() if v != want[0][k]},
                   **{k: v for k, v in types.items() if v != want[1][k]}}
        assert labels != want[0] or types != want[1], "nothing was missing after the kill"
        assert len(partial) <= 1, partial  # labels and types are written one after another
        assert all(v % BATCH == 0 for v in partial.values()), f"a half-written batch: {partial}"

        report = push(graph, server.uri, server.user, server.password, batch_size=BATCH)
        assert counts(server.uri, server.user, server.password) == want
        assert report.nodes_created + sum(labels.values()) == graph.number_of_nodes()
        assert report.relationships_created + sum(types.values()) == graph.number_of_edges()
    finally:
        server.stop()
