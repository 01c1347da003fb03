"""The embedded Cypher default: the built graph in a LadybugDB database (Kùzu's maintained fork), no server needed.

`kg cypher QUERY` without ``--uri`` runs here. The database lives in the build folder, in ``cypher-store/``
(`kg.stores.persist`): `kg build` writes it, and a query opens it read-only; it is rebuilt only when it is
missing or stamped for another graph.json or an older layout.

It is bulk-loaded: graph.json is read twice item by item (`kg.graph.stream`), once to learn the columns and
the (start label, end label) pairs of every relationship type, once to write one Parquet file per table in
batches; then ``COPY FROM`` loads each file. Memory stays at one batch per table whatever the graph's size.

Ladybug needs a schema: one node table per label of `NODE_TYPES` (primary key ``id``) and one relationship
table per type of `RELATIONS`, with the pairs seen in the data. Column types are inferred from the flattened
properties (`kg.stores.properties`), so the values are those `kg push` writes to Neo4j; a property whose
values mix types is stored as text here.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kg.errors import QueryError, StoreError
from kg.graph.model import NODE_TYPES, RELATIONS
from kg.stores.cypher import QueryResult
from kg.stores.guard import check_read_only
from kg.stores.properties import convert, flatten, merge_columns
from kg.stores.rows import check_label, check_relation

__all__ = ["STORE_DIR", "DB_FILE", "SCHEMA_VERSION", "DEFAULT_BUFFER_POOL", "ensure_database", "build_store",
           "build_database", "run_cypher", "connect"]

STORE_DIR = "cypher-store"
DB_FILE = "graph.lbug"
SCHEMA_VERSION = 2
DEFAULT_BUFFER_POOL = 1 << 30
"""Bytes of LadybugDB's buffer pool, building and querying: memory it may use, not memory it takes at start."""

_BATCH = 50_000
_SPILL_BATCH = 2_000
_TYPES = {"str": "STRING", "int": "INT64", "float": "DOUBLE", "bool": "BOOLEAN"}

Columns = dict[str, tuple[str | None, bool]]

_ENTITY_COLUMNS: Columns = {"name": (None, False), "aliases": (None, True), "paper_count": ("int", False)}
#: Columns every database has, whatever the graph holds, so that the README's queries bind on any build (a
#: build without results still has ``Result.value``); the kind of None is settled by the data (text if none).
_KNOWN_COLUMNS: dict[str, Columns] = {
    "Paper": {"title": (None, False)},
    **{label: _ENTITY_COLUMNS for label in ("Method", "Dataset", "Metric", "Task")},
    "Result": {"value": (None, False)},
}


def _column_ddl(columns: Columns) -> str:
    return "".join(f", `{name}` {_TYPES[kind or 'str']}{'[]' if is_list else ''}"
                   for name, (kind, is_list) in columns.items())


def _edge_props(edge: dict[str, Any]) -> dict[str, Any]:
    return flatten({k: v for k, v in edge.items() if k not in ("source", "target")})


def _edge_type(edge: dict[str, Any]) -> str:
    return check_relation(edge.get("type") or edge.get("key"), (edge.get("source"), edge.get("target")))


class _Spill:
    """Flattened rows of one table, pickled to a file in batches while the graph is read, replayed once the
    columns of the table are known (so graph.json is read and flattened once)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh = open(path, "wb")
        self.batch: list[dict[str, Any]] = []
        self.rows = 0

    def add(self, row: dict[str, Any]) -> None:
        self.batch.append(row)
        if len(self.batch) >= _SPILL_BATCH:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            pickle.dump(self.batch, self.fh, protocol=pickle.HIGHEST_PROTOCOL)
            self.rows += len(self.batch)
            self.batch = []

    def replay(self) -> Iterator[dict[str, Any]]:
        self.flush()
        self.fh.close()
        with open(self.path, "rb") as fh:
            while True:
                try:
                    batch = pickle.load(fh)
                except EOFError:
                    return
                yield from batch


class _Plan:
    """What reading the graph learns: the columns of every table and the label pairs of every relationship
    type; the rows themselves wait in one `_Spill` per node label and per (type, start label, end label)."""

    def __init__(self, folder: Path) -> None:
        from kg.graph.stream import NodeTypes

        self.folder = folder
        self.node_columns: dict[str, Columns] = {label: dict(_KNOWN_COLUMNS.get(label, {})) for label in NODE_TYPES}
        self.rel_columns: dict[str, Columns] = {rel: {} for rel in RELATIONS}
        self.pairs: dict[str, dict[tuple[str, str], _Spill]] = {rel: {} for rel in RELATIONS}
        self.nodes: dict[str, _Spill] = {}
        self.types = NodeTypes()

    @classmethod
    def read(cls, graph_file: Path, folder: Path) -> _Plan:
        from kg.graph.stream import iter_edges, iter_nodes

        plan = cls(folder)
        try:
            for node in iter_nodes(graph_file):
                node_id = str(node.get("id"))
                label = check_label(node.get("type"), node_id)
                plan.types.add(node_id, label)
                props = flatten(node)
                props["id"] = node_id
                merge_columns(plan.node_columns[label], props)
                spill = plan.nodes.get(label)
                if spill is None:
                    spill = plan.nodes[label] = _Spill(folder / f"{label}.pickle")
                spill.add(props)
            for edge in iter_edges(graph_file):
                rel = _edge_type(edge)
                source, target = str(edge.get("source")), str(edge.get("target"))
                pair = (plan.types[source], plan.types[target])
                props = _edge_props(edge)
                merge_columns(plan.rel_columns[rel], props)
                props["from"], props["to"] = source, target
                spill = plan.pairs[rel].get(pair)
                if spill is None:
                    spill = plan.pairs[rel][pair] = _Spill(folder / f"{rel}-{pair[0]}-{pair[1]}.pickle")
                spill.add(props)
        finally:
            for spill in plan.spills():
                spill.flush()
        return plan

    def spills(self) -> list[_Spill]:
        return [*self.nodes.values(), *(s for pairs in self.pairs.values() for s in pairs.values())]


def _arrow_converter(kind: str, is_list: bool) -> Callable[[Any], Any]:
    """`convert` to the column type, skipping the call when the value already has it (the common case)."""
    plain = {"str": str, "int": int, "float": float, "bool": bool}[kind]

    def fits(value: Any) -> Any:
        if value is None:
            return None
        if is_list:
            if type(value) is list and (not value or type(value[0]) is plain):
                return value
        elif type(value) is plain:
            return value
        return convert(value, kind, is_list)

    return fits


class _ParquetTable:
    """Rows of one table collected column by column and written to a Parquet file one batch at a time."""

    def __init__(self, path: Path, keys: list[tuple[str, str, bool]]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        kinds = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
        fields = [pa.field(name, pa.list_(kinds[kind]) if is_list else kinds[kind]) for name, kind, is_list in keys]
        self.schema = pa.schema(fields)
        self.names = [name for name, _, _ in keys]
        self.converters = [_arrow_converter(kind, is_list) for _, kind, is_list in keys]
        self.path = path
        self.columns: list[list[Any]] = [[] for _ in keys]
        self.writer = pq.ParquetWriter(str(path), self.schema, compression="snappy")
        self.rows = 0

    def add(self, values: Mapping[str, Any]) -> None:
        get = values.get
        for column, name, fit in zip(self.columns, self.names, self.converters):
            column.append(fit(get(name)))
        self.rows += 1
        if len(self.columns[0]) >= _BATCH:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa

        if self.columns[0]:
            self.writer.write_batch(pa.record_batch(self.columns, schema=self.schema))
            self.columns = [[] for _ in self.names]

    def close(self) -> None:
        self.flush()
        self.writer.close()


def _keys(columns: Columns) -> list[tuple[str, str, bool]]:
    return [(name, kind or "str", is_list) for name, (kind, is_list) in columns.items()]


def _write_files(plan: _Plan, folder: Path) -> tuple[dict[str, _ParquetTable],
                                                      dict[tuple[str, str, str], _ParquetTable]]:
    """One Parquet file per node label and per (relationship type, start label, end label), from the spills."""
    nodes: dict[str, _ParquetTable] = {}
    rels: dict[tuple[str, str, str], _ParquetTable] = {}
    for label, spill in plan.nodes.items():
        table = nodes[label] = _ParquetTable(folder / f"{label}.parquet",
                                             _keys({"id": ("str", False), **plan.node_columns[label]}))
        _fill(table, spill)
    for rel, pairs in plan.pairs.items():
        keys = [("from", "str", False), ("to", "str", False), *_keys(plan.rel_columns[rel])]
        for (start, end), spill in pairs.items():
            table = rels[(rel, start, end)] = _ParquetTable(folder / f"{rel}-{start}-{end}.parquet", keys)
            _fill(table, spill)
    return nodes, rels


def _fill(table: _ParquetTable, spill: _Spill) -> None:
    """Replay `spill` into `table`, then close the table and drop the spill file."""
    try:
        for row in spill.replay():
            table.add(row)
    finally:
        table.close()
        spill.path.unlink()


def _literal(path: Path) -> str:
    """`path` as a Cypher string literal."""
    return "'" + str(path).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _load(conn: Any, plan: _Plan, nodes: dict[str, _ParquetTable],
          rels: dict[tuple[str, str, str], _ParquetTable]) -> None:
    """Create the schema and COPY every file in."""
    for label in NODE_TYPES:
        columns = {k: v for k, v in plan.node_columns[label].items() if k != "id"}
        conn.execute(f"CREATE NODE TABLE {check_label(label)}(id STRING PRIMARY KEY{_column_ddl(columns)})")
    for rel in RELATIONS:
        pairs = list(plan.pairs[rel]) or [("Paper", "Paper")]  # a type with no edges still exists
        ends = ", ".join(f"FROM {check_label(s)} TO {check_label(e)}" for s, e in pairs)
        conn.execute(f"CREATE REL TABLE {check_relation(rel)}({ends}{_column_ddl(plan.rel_columns[rel])})")
    for label, table in nodes.items():
        if table.rows:
            conn.execute(f"COPY {label} FROM {_literal(table.path)}")
    for (rel, start, end), table in rels.items():
        if table.rows:
            conn.execute(f"COPY {rel} FROM {_literal(table.path)} (from='{start}', to='{end}')")


def _copy_into(path: Path, plan: _Plan, nodes: dict[str, _ParquetTable],
               rels: dict[tuple[str, str, str], _ParquetTable], buffer_pool: int) -> None:
    """Create the database file `path` and COPY the Parquet files in (run in `_isolated`)."""
    import ladybug

    db = ladybug.Database(str(path), buffer_pool_size=buffer_pool)
    conn = ladybug.Connection(db)
    try:
        _load(conn, plan, nodes, rels)
    except RuntimeError as exc:
        raise StoreError(f"LadybugDB refused the graph: {' '.join(str(exc).split())[:300]}") from exc
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


def build_database(graph_file: Path, into: Path, *, buffer_pool: int = DEFAULT_BUFFER_POOL) -> dict[str, Any]:
    """Bulk-load the graph of `graph_file` into a new LadybugDB database ``into/graph.lbug``; returns figures."""
    import shutil

    started = time.perf_counter()
    files = into / "copy-files"
    files.mkdir()
    try:
        plan = _Plan.read(graph_file, files)
        scanned = time.perf_counter()
        nodes, rels = _write_files(plan, files)
        written = time.perf_counter()
        _isolated(lambda: _copy_into(into / DB_FILE, plan, nodes, rels, buffer_pool), into / DB_FILE)
        copied = {"copy_seconds": round(time.perf_counter() - written, 3)}
    finally:
        shutil.rmtree(files, ignore_errors=True)
    leftovers = [p.name for p in into.iterdir() if p.name != DB_FILE]
    if leftovers:
        raise StoreError(f"{graph_file}: the embedded database left {leftovers} after closing; not installing it")
    return {
        "nodes": sum(t.rows for t in nodes.values()),
        "relationships": sum(t.rows for t in rels.values()),
        "scan_seconds": round(scanned - started, 3),
        "files_seconds": round(written - scanned, 3),
        **copied,
        "bytes": (into / DB_FILE).stat().st_size,
    }


def _engine() -> str:
    import ladybug

    return f"ladybug {getattr(ladybug, '__version__', '?')}"


def build_store(graph_dir: Path) -> dict[str, Any]:
    """(Re)build the Cypher store of the build in `graph_dir` now; returns its stamp (with figures)."""
    from kg.stores.persist import build_store as build

    return build(Path(graph_dir), STORE_DIR, SCHEMA_VERSION, _engine(), build_database)


def ensure_database(graph_dir: Path) -> Path:
    """The database file of the build in `graph_dir`, built first when missing or stale."""
    from kg.stores.persist import ensure_store

    return ensure_store(Path(graph_dir), STORE_DIR, SCHEMA_VERSION, _engine(), build_database) / DB_FILE


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


@contextmanager
def connect(graph_dir: Path, *, buffer_pool: int = DEFAULT_BUFFER_POOL) -> Iterator[Callable[..., QueryResult]]:
    """Open the embedded database of the build in `graph_dir` read-only for several queries: yields
    ``run(query, params)``. Callers outside kg go through `run_cypher` (one query, one clear entry point)."""
    import ladybug

    path = ensure_database(graph_dir)
    try:
        db = ladybug.Database(str(path), read_only=True, buffer_pool_size=buffer_pool)
    except RuntimeError as exc:
        raise StoreError(f"{graph_dir}: cannot open the embedded database: {' '.join(str(exc).split())[:300]}; "
                         f"remove {path.parent} and query again to rebuild it") from exc
    try:
        conn = ladybug.Connection(db)
        try:
            yield lambda query, params=None: _execute(conn, query, params, buffer_pool)
        finally:
            conn.close()
    finally:
        db.close()


def _execute(conn: Any, query: str, params: Mapping[str, Any] | None, buffer_pool: int) -> QueryResult:
    try:
        result = conn.execute(query, dict(params or {}))
        if isinstance(result, list):
            result = result[-1]
        columns = list(result.get_column_names())
        rows = []
        while result.has_next():
            rows.append({c: _plain(v) for c, v in zip(columns, result.get_next())})
    except RuntimeError as exc:
        message = " ".join(str(exc).split())[:300]
        if "buffer pool" in message.lower() or "buffer manager" in message.lower():
            raise QueryError(f"the embedded Cypher engine ran out of memory for this query (buffer pool of "
                             f"{buffer_pool >> 20} MiB): {message}") from exc
        raise QueryError(f"the embedded Cypher engine rejected the query: {message}") from exc
    return QueryResult(columns=columns, rows=rows)


def run_cypher(graph_dir: Path, query: str, params: Mapping[str, Any] | None = None, *,
               buffer_pool: int = DEFAULT_BUFFER_POOL) -> QueryResult:
    """Run `query` with `params` on the embedded database of the build in `graph_dir`, opened read-only
    (statements that reach files, extensions or the network are refused, see `kg.stores.guard`)."""
    check_read_only(query)
    with connect(graph_dir, buffer_pool=buffer_pool) as run:
        return run(query, params)
