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

import contextlib
import hashlib
import json
import os
import signal
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from kg.errors import GraphError, QueryError, StoreError
from kg.graph.io import GRAPH_FILE, read_graph
from kg.graph.model import NODE_TYPES, RELATIONS
from kg.outputs import remove_tree, space_error
from kg.stores.cypher import QueryResult
from kg.stores.guard import check_read_only
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


def build_database(graph_dir: Path, into: Path | None = None) -> Path:
    """(Re)build ``cypher.lbug`` in `into` (default: `graph_dir`) from ``graph_dir/graph.json``; atomic: temp
    file, then rename."""
    import ladybug

    graph_dir = Path(graph_dir)
    into = Path(into) if into is not None else graph_dir
    graph_file = graph_dir / GRAPH_FILE
    stamp = _stamp(graph_file) if graph_file.exists() else None
    rows = graph_rows(read_graph(graph_file))
    target = into / DB_FILE
    try:
        tmp_dir = Path(tempfile.mkdtemp(prefix=f".{DB_FILE}.tmp-{os.getpid()}-", dir=into))
    except OSError as exc:
        raise space_error(exc, target) or StoreError(f"{into}: cannot write the embedded database: "
                                                     f"{exc.strerror or exc}") from exc
    try:
        tmp = tmp_dir / DB_FILE
        _isolated(lambda: _write_database(tmp, rows), target)
        leftovers = [p.name for p in tmp_dir.iterdir() if p.name != DB_FILE]
        if leftovers:
            raise StoreError(f"{graph_dir}: the embedded database left {leftovers} after closing; not installing it")
        os.replace(tmp, target)
        stamp_tmp = tmp_dir / "stamp.json"
        stamp_tmp.write_text(json.dumps(stamp), encoding="utf-8")
        os.replace(stamp_tmp, into / f"{DB_FILE}.json")
    except (OSError, RuntimeError) as exc:
        full = space_error(exc, target)
        if full is not None:
            raise full from exc
        message = " ".join(str(exc).split()).split(". path: ")[0][:200]
        if isinstance(exc, RuntimeError) and "cannot write" not in message.lower():
            raise
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else message
        raise StoreError(f"{into}: cannot write the embedded database (is the disk full?): {detail}") from exc
    finally:
        remove_tree(tmp_dir)
    return target


def _write_database(path: Path, rows: GraphRows) -> None:
    """Create the database file `path` and load `rows` into it."""
    import ladybug

    db = ladybug.Database(str(path), buffer_pool_size=_BUFFER_POOL)
    conn = ladybug.Connection(db)
    _load(conn, rows)
    conn.execute("CHECKPOINT")
    conn.close()
    db.close()


def _isolated(work: Callable[[], None], target: Path) -> None:
    """Run `work` in a forked child process where the platform forks, raising its error here.

    A Ladybug database whose write failed (a full disk) aborts the whole process when it is closed or collected
    (a C++ exception thrown from a destructor), so the writing happens where an abort costs only the child,
    which leaves without closing anything when it fails; this process reports the error in one line.
    """
    if not hasattr(os, "fork"):
        work()
        return
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns, and leaves before the failed database is collected
        try:
            os.close(read_end)
            work()
        except BaseException as exc:  # noqa: BLE001 - handed to the parent
            os.write(write_end, f"{type(exc).__name__}\n{exc}".encode("utf-8", "replace")[:4000])
            os._exit(1)
        os._exit(0)
    os.close(write_end)
    try:
        with os.fdopen(read_end, "rb") as fh:
            report = fh.read().decode("utf-8", "replace")
        _, status = os.waitpid(pid, 0)
    except BaseException:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        raise
    if status == 0:
        return
    kind, _, message = report.partition("\n")
    if kind == "RuntimeError":
        raise RuntimeError(message)
    if kind == "KeyboardInterrupt":
        raise KeyboardInterrupt
    if kind in ("OSError", "PermissionError", "FileNotFoundError"):
        raise OSError(message)
    if kind:
        raise StoreError(f"{target}: {message}")
    raise StoreError(f"{target}: the embedded database engine stopped while writing it (exit status {status})")


def _writable(folder: Path) -> bool:
    """Whether files can be created in `folder` (not on a read-only mount, not ``chmod 555``)."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def _database_folder(graph_dir: Path) -> Path:
    """Where the embedded database of a build lives: in the build folder, or, where that is read-only, in a
    folder of the user's cache keyed by the build's path (so read-only builds can be queried too)."""
    if _writable(graph_dir):
        return graph_dir
    from kg.builder.cache import default_cache_dir

    key = hashlib.sha256(str(graph_dir.resolve()).encode("utf-8")).hexdigest()[:16]
    for base in (default_cache_dir() / "cypher", Path(tempfile.gettempdir()) / f"kg-cypher-{os.getuid()}"):
        folder = base / key
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            if folder.stat().st_uid == os.getuid() and _writable(folder):
                return folder
        except OSError:
            continue
    raise StoreError(f"{graph_dir}: read-only, and no writable cache folder for its embedded database "
                     "(set KG_CACHE_DIR)")


def ensure_database(graph_dir: Path) -> Path:
    """The embedded database of a build, built first when absent or older than its ``graph.json``."""
    graph_dir = Path(graph_dir)
    graph_file = graph_dir / GRAPH_FILE
    if not graph_file.exists():
        raise GraphError(f"{graph_dir}: no built graph here ({GRAPH_FILE} missing); run `kg build PATH --out {graph_dir}`")
    if _is_current(graph_dir, graph_file):
        return graph_dir / DB_FILE
    folder = _database_folder(graph_dir)
    if folder != graph_dir and _is_current(folder, graph_file):
        return folder / DB_FILE
    return build_database(graph_dir, folder)


def _is_current(folder: Path, graph_file: Path) -> bool:
    """Whether `folder` holds an embedded database built from `graph_file` as it is now."""
    try:
        stamp = json.loads((folder / f"{DB_FILE}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (folder / DB_FILE).exists() and stamp == _stamp(graph_file)


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
    """Run `query` with `params` on the embedded database of the build in `graph_dir` (read-only; statements
    that reach files, extensions or the network are refused, see `kg.stores.guard`)."""
    import ladybug

    check_read_only(query)
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
