"""The embedded Cypher default: the built graph in a LadybugDB file (Kùzu's maintained fork), no server needed.

`kg cypher QUERY` without ``--uri`` runs here. The database lives in the build folder as ``cypher.lbug``,
created on first use and rebuilt whenever ``graph.json`` changed (a stamp file beside it records which
graph it was built from). It is built into a temporary file and renamed into place, so a crash never
leaves a half-built database; queries open it read-only.

Ladybug needs a schema: one node table per label of `NODE_TYPES` present in the graph (primary key ``id``)
and one relationship table per type of `RELATIONS`, with the (start label, end label) pairs seen in the
data. Column types are inferred from the flattened properties (`kg.stores.properties`), so the values are
those `kg push` writes to Neo4j; a property whose values mix types is stored as text here.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kg.errors import GraphError, QueryError, StoreError
from kg.graph.io import GRAPH_FILE, read_graph
from kg.graph.model import NODE_TYPES, RELATIONS
from kg.stores.cypher import QueryResult
from kg.stores.properties import convert, infer_columns
from kg.stores.rows import GraphRows, check_label, check_relation, graph_rows

__all__ = ["DB_FILE", "ensure_database", "build_database", "run_cypher", "SCHEMA_VERSION"]

DB_FILE = "cypher.lbug"
SCHEMA_VERSION = 1
_BATCH = 5_000
_BUFFER_POOL = 512 * 1024 * 1024
_TYPES = {"str": "STRING", "int": "INT64", "float": "DOUBLE", "bool": "BOOLEAN"}


def _column_ddl(columns: dict[str, tuple[str, bool]]) -> str:
    return "".join(f", `{name}` {_TYPES[kind]}{'[]' if is_list else ''}" for name, (kind, is_list) in columns.items())


def _load(conn: Any, rows: GraphRows) -> None:
    """Create the schema and load every node and relationship of `rows` through parameters."""
    for label in NODE_TYPES:
        node_rows = rows.nodes.get(label, [])
        columns = {"id": ("str", False), **infer_columns(node_rows)}
        conn.execute(f"CREATE NODE TABLE {check_label(label)}(id STRING PRIMARY KEY"
                     f"{_column_ddl({k: v for k, v in columns.items() if k != 'id'})})")
        assign = ", ".join(f"`{name}`: row.`{name}`" for name in columns)
        query = f"UNWIND $rows AS row CREATE (n:{label} {{{assign}}})"
        for start in range(0, len(node_rows), _BATCH):
            batch = [{name: convert(r["props"].get(name), *columns[name]) for name in columns}
                     for r in node_rows[start:start + _BATCH]]
            conn.execute(query, {"rows": batch})
    for rel_type in RELATIONS:
        specs = [spec for spec in rows.rels if spec[0] == rel_type]
        all_rows = [r for spec in specs for r in rows.rels[spec]]
        columns = infer_columns(all_rows)
        pairs = [(s, e) for _, s, e in specs] or [("Paper", "Paper")]  # a type with no edges still exists
        ends = ", ".join(f"FROM {check_label(s)} TO {check_label(e)}" for s, e in pairs)
        conn.execute(f"CREATE REL TABLE {check_relation(rel_type)}({ends}{_column_ddl(columns)})")
        assign = ", ".join(f"`{name}`: row.`{name}`" for name in columns)
        for _, start_label, end_label in specs:
            query = (f"UNWIND $rows AS row MATCH (a:{start_label} {{id: row.s}}), (b:{end_label} {{id: row.t}}) "
                     f"CREATE (a)-[:{rel_type} {{{assign}}}]->(b)")
            rel_rows = rows.rels[(rel_type, start_label, end_label)]
            for start in range(0, len(rel_rows), _BATCH):
                batch = [{"s": r["s"], "t": r["t"],
                          **{name: convert(r["props"].get(name), *columns[name]) for name in columns}}
                         for r in rel_rows[start:start + _BATCH]]
                conn.execute(query, {"rows": batch})


def _stamp(graph_file: Path) -> dict[str, Any]:
    import ladybug

    stat = graph_file.stat()
    return {"graph_mtime_ns": stat.st_mtime_ns, "graph_size": stat.st_size, "schema_version": SCHEMA_VERSION,
            "ladybug": getattr(ladybug, "__version__", "?")}


def build_database(graph_dir: Path) -> Path:
    """(Re)build ``graph_dir/cypher.lbug`` from ``graph_dir/graph.json``; atomic: temp file, then rename."""
    import ladybug

    graph_dir = Path(graph_dir)
    graph_file = graph_dir / GRAPH_FILE
    stamp = _stamp(graph_file) if graph_file.exists() else None
    rows = graph_rows(read_graph(graph_file))
    target = graph_dir / DB_FILE
    tmp_dir = Path(tempfile.mkdtemp(prefix=f".{DB_FILE}.tmp-{os.getpid()}-", dir=graph_dir))
    try:
        tmp = tmp_dir / DB_FILE
        db = ladybug.Database(str(tmp), buffer_pool_size=_BUFFER_POOL)
        try:
            conn = ladybug.Connection(db)
            _load(conn, rows)
            conn.execute("CHECKPOINT")
            conn.close()
        finally:
            db.close()
        leftovers = [p.name for p in tmp_dir.iterdir() if p.name != DB_FILE]
        if leftovers:
            raise StoreError(f"{graph_dir}: the embedded database left {leftovers} after closing; not installing it")
        os.replace(tmp, target)
        stamp_tmp = tmp_dir / "stamp.json"
        stamp_tmp.write_text(json.dumps(stamp), encoding="utf-8")
        os.replace(stamp_tmp, graph_dir / f"{DB_FILE}.json")
    except OSError as exc:
        raise StoreError(f"{graph_dir}: cannot write the embedded database: {exc.strerror or exc}") from exc
    finally:
        for leftover in tmp_dir.glob("*"):
            leftover.unlink(missing_ok=True)
        tmp_dir.rmdir()
    return target


def ensure_database(graph_dir: Path) -> Path:
    """The embedded database of a build, built first when absent or older than its ``graph.json``."""
    graph_dir = Path(graph_dir)
    graph_file = graph_dir / GRAPH_FILE
    if not graph_file.exists():
        raise GraphError(f"{graph_dir}: no built graph here ({GRAPH_FILE} missing); run `kg build PATH --out {graph_dir}`")
    target = graph_dir / DB_FILE
    try:
        current = json.loads((graph_dir / f"{DB_FILE}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        current = None
    if not target.exists() or current != _stamp(graph_file):
        build_database(graph_dir)
    return target


def _plain(value: Any) -> Any:
    """A Ladybug value shaped like `kg.stores.neo4j._plain` shapes a Neo4j one (nulls dropped from nodes)."""
    if isinstance(value, dict) and "_LABEL" in value and ("_ID" in value or "_SRC" in value):
        props = {k: _plain(v) for k, v in value.items() if not k.startswith("_") and v is not None}
        head = {"_type": value["_LABEL"]} if "_SRC" in value else {"_labels": [value["_LABEL"]]}
        return {**head, **props}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def run_cypher(graph_dir: Path, query: str, params: Mapping[str, Any] | None = None) -> QueryResult:
    """Run `query` with `params` on the embedded database of the build in `graph_dir` (read-only)."""
    import ladybug

    path = ensure_database(graph_dir)
    db = ladybug.Database(str(path), read_only=True, buffer_pool_size=_BUFFER_POOL)
    try:
        conn = ladybug.Connection(db)
        try:
            result = conn.execute(query, dict(params or {}))
        except RuntimeError as exc:
            message = " ".join(str(exc).split())[:300]
            raise QueryError(f"the embedded Cypher engine rejected the query: {message}") from exc
        if isinstance(result, list):
            result = result[-1]
        columns = list(result.get_column_names())
        rows = []
        while result.has_next():
            rows.append({c: _plain(v) for c, v in zip(columns, result.get_next())})
        conn.close()
    finally:
        db.close()
    return QueryResult(columns=columns, rows=rows)
