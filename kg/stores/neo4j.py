"""Loading the graph into Neo4j over Bolt, and running Cypher there.

`push` is idempotent and incremental: one uniqueness constraint per label on ``id`` first, then nodes
(``UNWIND $rows AS row MERGE (n:Label {id: row.id}) SET n = row.props``) and relationships (``MATCH`` both
ends by id, ``MERGE (a)-[r:TYPE]->(b) SET r = out.props``) in batches, each batch one transaction. Pushing
twice creates nothing the second time; pushing after adding papers creates only what is new; a push cut
off midway leaves whole batches only and a re-run completes it. Then it prunes: nodes of the graph's labels
that the graph no longer has are deleted with their relationships, and relationships of the graph's types
that it no longer has are deleted, so that after a rebuild (entities merged or renamed) Neo4j holds exactly
the new graph. Every value travels as a parameter;
labels and types are written into the query text only after `kg.stores.rows` checked them against the
ontology's tuples. Evidence is flattened into parallel arrays (see `kg.stores.properties`).
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from queue import Full, Queue
from typing import Any

import networkx as nx

from kg.errors import QueryError, StoreError
from kg.graph.model import NODE_TYPES, RELATIONS
from kg.stores import DEFAULT_BATCH_SIZE
from kg.stores.cypher import QueryResult
from kg.stores.rows import GraphRows, check_label, check_relation, finish, graph_rows

__all__ = ["DEFAULT_BATCH_SIZE", "PushReport", "connect", "push", "run_cypher", "counts",
           "connection_settings"]
Progress = Callable[[str, int, int], None]


@dataclass
class PushReport:
    """What a push did: graph counts per label/type, what was newly created, batches and time."""

    uri: str
    batch_size: int
    nodes: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)
    nodes_created: int = 0
    relationships_created: int = 0
    nodes_deleted: int = 0
    relationships_deleted: int = 0
    batches: int = 0
    seconds: float = 0.0
    node_seconds: float = 0.0
    relationship_seconds: float = 0.0


# docker-compose.yml's NEO4J_PASSWORD when none is set, so that `docker compose down`/`logs` work without one;
# refused here, so that no server is ever used with a password anyone can read in the repository.
COMPOSE_PLACEHOLDER_PASSWORD = "kg-placeholder-password-change-me"


def connection_settings(uri: str | None, user: str | None, password: str | None) -> tuple[str, str, str]:
    """Fill what is missing from NEO4J_URI, NEO4J_USER (default neo4j) and NEO4J_PASSWORD."""
    uri = uri or os.environ.get("NEO4J_URI")
    if not uri:
        raise StoreError("no Neo4j URI: pass --uri bolt://HOST:PORT or set NEO4J_URI")
    check_uri_scheme(uri)
    user = user or os.environ.get("NEO4J_USER") or "neo4j"
    password = password if password is not None else os.environ.get("NEO4J_PASSWORD")
    if password is None:
        raise StoreError(f"no password for Neo4j user {user!r}: pass --password or set NEO4J_PASSWORD")
    if password == COMPOSE_PLACEHOLDER_PASSWORD:
        raise StoreError("the password is docker-compose.yml's placeholder, which anyone can read: set "
                         "NEO4J_PASSWORD to a password of your own (8+ characters) and recreate the server with it "
                         "(docker compose down -v && docker compose up -d; the data volume keeps the first password)")
    return uri, user, password


#: The URI schemes of the Bolt protocol, the only one `kg push` and `kg cypher --uri` speak.
URI_SCHEMES: tuple[str, ...] = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


def check_uri_scheme(uri: str) -> None:
    """StoreError (one line naming the accepted schemes) unless `uri` is a Bolt URI such as bolt://HOST:PORT."""
    scheme, sep, _ = uri.partition("://")
    if not sep or scheme.lower() not in URI_SCHEMES:
        what = f"scheme {scheme!r} in {uri!r}" if sep else f"{uri!r} (no scheme)"
        accepted = ", ".join(f"{s}://" for s in URI_SCHEMES)
        raise StoreError(f"unsupported Neo4j URI {what}: use one of {accepted} (e.g. bolt://localhost:7687)")


def _first_line(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return " ".join(str(message).split())[:300]


def _store_error(exc: BaseException, uri: str, user: str, doing: str) -> StoreError:
    """One actionable line for a driver error."""
    from neo4j import exceptions as ne

    if isinstance(exc, ne.AuthError):
        return StoreError(f"Neo4j at {uri} refused the login for user {user!r}: wrong user or password")
    if isinstance(exc, (ne.ServiceUnavailable, ne.SessionExpired, OSError)):
        text = _first_line(exc)
        reason = re.search(r"reason (?:\[Errno \d+\] )?([^)]*)\)", text)
        text = reason.group(1).lower() if reason else text
        return StoreError(f"cannot reach Neo4j at {uri} while {doing}: {text}; is Neo4j running? "
                          "(scripts/neo4j-local start, or docker compose up -d)")
    if isinstance(exc, (ne.ConfigurationError, ValueError)) and not isinstance(exc, ne.Neo4jError):
        return StoreError(f"bad Neo4j URI {uri!r}: {_first_line(exc)} (expected bolt://HOST:PORT or neo4j://HOST:PORT)")
    return StoreError(f"Neo4j at {uri} failed while {doing}: {_first_line(exc)}")


@contextmanager
def connect(uri: str, user: str, password: str, *, retry_seconds: float = 10.0) -> Iterator[Any]:
    """A verified `neo4j.Driver`; StoreError with one line if the server is down or refuses the login."""
    from neo4j import GraphDatabase
    from neo4j import exceptions as ne

    # The driver logs each retry as a warning; without a handler Python would print them all to stderr.
    # Errors reach the user as one StoreError line instead (handlers an application configures still work).
    driver_log = logging.getLogger("neo4j")
    if not any(isinstance(h, logging.NullHandler) for h in driver_log.handlers):
        driver_log.addHandler(logging.NullHandler())
    try:
        driver = GraphDatabase.driver(uri, auth=(user, password), max_transaction_retry_time=retry_seconds,
                                      connection_timeout=10.0, user_agent="kg")
    except (ne.ConfigurationError, ValueError) as exc:
        raise _store_error(exc, uri, user, "connecting") from exc
    try:
        try:
            driver.verify_connectivity()
        except (ne.DriverError, ne.Neo4jError, OSError) as exc:
            raise _store_error(exc, uri, user, "connecting") from exc
        yield driver
    finally:
        driver.close()


def _batches(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _write(driver: Any, database: str | None, query: str, rows: list[dict[str, Any]]) -> Any:
    """Run `query` with ``$rows`` in one managed write transaction (retried on transient errors)."""

    def work(tx: Any) -> Any:
        return tx.run(query, rows=rows).consume().counters

    with driver.session(database=database) as session:
        return session.execute_write(work)


def _prefetch(items: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """Yield `items`, computing up to `depth` ahead in a second thread (flattening the next batch while Neo4j
    writes this one: the main thread mostly waits on the socket, so the two overlap despite the GIL)."""
    done = object()
    queue: Queue[Any] = Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        queue.put(item, timeout=0.1)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put(done)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            queue.put(exc)

    worker = threading.Thread(target=produce, name="kg-push-prepare", daemon=True)
    worker.start()
    try:
        while (item := queue.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


def _work(rows: GraphRows, batch_size: int) -> Iterator[tuple[str, str, str, list[dict[str, Any]]]]:
    """(kind, what, query, rows) for every batch, in order: nodes label by label, then relationships."""
    for label, node_rows in rows.nodes.items():
        query = f"UNWIND $rows AS row MERGE (n:{check_label(label)} {{id: row.id}}) SET n = row.props"
        for batch in _batches(node_rows, batch_size):
            yield "nodes", label, query, finish(batch)
    for (rel_type, start, end), rel_rows in rows.rels.items():
        # One row per start node with its relationships: each start node is looked up once per batch
        # (about a fifth faster than one row per relationship in a trial on the corpus).
        query = (f"UNWIND $rows AS row MATCH (a:{check_label(start)} {{id: row.s}}) "
                 f"UNWIND row.out AS out MATCH (b:{check_label(end)} {{id: out.t}}) "
                 f"MERGE (a)-[r:{check_relation(rel_type)}]->(b) SET r = out.props")
        for batch in _batches(rel_rows, batch_size):
            yield "relationships", rel_type, query, _by_start(finish(batch))


def _by_start(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Relationship rows ``{s, t, props}`` regrouped as ``{s, out: [{t, props}, ...]}`` (same order)."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in batch:
        grouped.setdefault(row["s"], []).append({"t": row["t"], "props": row["props"]})
    return [{"s": start, "out": out} for start, out in grouped.items()]


def _stale_nodes(driver: Any, database: str | None, graph: nx.MultiDiGraph) -> dict[str, list[str]]:
    """Per label, the ids of the nodes Neo4j holds under that label that the graph does not."""
    keep: dict[str, set[str]] = {label: set() for label in NODE_TYPES}
    for node, attrs in graph.nodes(data=True):
        keep.setdefault(str(attrs.get("type")), set()).add(str(node))
    stale: dict[str, list[str]] = {}
    with driver.session(database=database) as session:
        for label in NODE_TYPES:
            result = session.run(f"MATCH (n:{check_label(label)}) WHERE n.id IS NOT NULL RETURN n.id AS id")
            gone = [record["id"] for record in result if record["id"] not in keep[label]]
            if gone:
                stale[label] = gone
    return stale


def _stale_relationships(driver: Any, database: str | None, graph: nx.MultiDiGraph) -> list[str]:
    """Element ids of the relationships (of the ontology's types) that the graph does not have."""
    keep = {(str(u), str(data.get("type", key)), str(v)) for u, v, key, data in graph.edges(keys=True, data=True)}
    query = ("MATCH (a)-[r]->(b) WHERE type(r) IN $types "
             "RETURN a.id AS a, type(r) AS t, b.id AS b, elementId(r) AS e")
    with driver.session(database=database) as session:
        return [record["e"] for record in session.run(query, types=list(RELATIONS))
                if (record["a"], record["t"], record["b"]) not in keep]


def _prune(driver: Any, database: str | None, graph: nx.MultiDiGraph, batch_size: int, report: PushReport) -> None:
    """Delete what Neo4j holds of ours that the graph no longer has (nodes with their relationships)."""
    for label, ids in _stale_nodes(driver, database, graph).items():
        query = f"UNWIND $rows AS id MATCH (n:{check_label(label)} {{id: id}}) DETACH DELETE n"
        for batch in _batches(ids, batch_size):  # type: ignore[arg-type]
            report.nodes_deleted += _write(driver, database, query, batch).nodes_deleted
    stale = _stale_relationships(driver, database, graph)
    for batch in _batches(stale, batch_size):  # type: ignore[arg-type]
        counters = _write(driver, database, "UNWIND $rows AS e MATCH ()-[r]->() WHERE elementId(r) = e DELETE r",
                          batch)
        report.relationships_deleted += counters.relationships_deleted


def push(graph: nx.MultiDiGraph, uri: str, user: str, password: str, *, batch_size: int = DEFAULT_BATCH_SIZE,
         database: str | None = None, progress: Progress | None = None, prune: bool = True) -> PushReport:
    """Load `graph` into the Neo4j at `uri` (see the module docstring); returns what it did.

    Raises StoreError with one line when the server is down, refuses the login, or fails mid-way (the
    batches written so far are whole; pushing again completes the load). The reported times include
    preparing the rows. With `prune` (the default) what the graph no longer has is deleted afterwards.
    """
    from neo4j import exceptions as ne

    if batch_size < 1:
        raise StoreError(f"batch size must be at least 1, not {batch_size}")
    started = time.perf_counter()
    rows = graph_rows(graph, lazy=True)
    report = PushReport(uri=uri, batch_size=batch_size, nodes=rows.label_counts(),
                        relationships=rows.relation_counts())
    total = sum(report.nodes.values()) + sum(report.relationships.values())
    done = 0
    doing = "creating constraints"
    with connect(uri, user, password) as driver:
        try:
            for label in NODE_TYPES:
                _write(driver, database, f"CREATE CONSTRAINT kg_{label.lower()}_id IF NOT EXISTS "
                                         f"FOR (n:{check_label(label)}) REQUIRE n.id IS UNIQUE", [])
            for kind, what, query, batch in _prefetch(_work(rows, batch_size)):
                if kind == "relationships" and not report.node_seconds:
                    report.node_seconds = time.perf_counter() - started
                doing = f"writing {what} {kind} (batch {report.batches + 1})"
                counters = _write(driver, database, query, batch)
                if kind == "nodes":
                    report.nodes_created += counters.nodes_created
                else:
                    report.relationships_created += counters.relationships_created
                report.batches += 1
                done += len(batch) if kind == "nodes" else sum(len(row["out"]) for row in batch)
                if progress:
                    progress(kind, done, total)
            if prune:
                doing = "deleting what the graph no longer has"
                _prune(driver, database, graph, batch_size, report)
        except (ne.DriverError, ne.Neo4jError, OSError) as exc:
            error = _store_error(exc, uri, user, doing)
            raise StoreError(f"{error} ({report.batches} whole batches were written; run kg push again to "
                             "complete the load)") from exc
    report.seconds = time.perf_counter() - started
    if not report.node_seconds:
        report.node_seconds = report.seconds
    report.relationship_seconds = report.seconds - report.node_seconds
    return report


def _plain(value: Any) -> Any:
    """A driver value as plain Python: nodes and relationships become dicts of their properties."""
    from neo4j import graph as ng

    if isinstance(value, ng.Node):
        return {"_labels": sorted(value.labels), **{k: _plain(v) for k, v in value.items()}}
    if isinstance(value, ng.Relationship):
        return {"_type": value.type, **{k: _plain(v) for k, v in value.items()}}
    if isinstance(value, ng.Path):
        return [_plain(n) for n in value.nodes]
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return value


def run_cypher(uri: str, user: str, password: str, query: str, params: Mapping[str, Any] | None = None, *,
               database: str | None = None) -> QueryResult:
    """Run `query` with `params` on Neo4j; QueryError for an invalid query, StoreError for connection trouble."""
    from neo4j import exceptions as ne

    with connect(uri, user, password) as driver:
        try:
            with driver.session(database=database) as session:
                result = session.run(query, dict(params or {}))
                columns = list(result.keys())
                rows = [{c: _plain(record[c]) for c in columns} for record in result]
        except ne.ClientError as exc:
            if isinstance(exc, ne.AuthError):
                raise _store_error(exc, uri, user, "querying") from exc
            raise QueryError(f"Neo4j rejected the query: {_first_line(exc)}") from exc
        except (ne.DriverError, ne.Neo4jError, OSError) as exc:
            raise _store_error(exc, uri, user, "querying") from exc
    return QueryResult(columns=columns, rows=rows)


def counts(uri: str, user: str, password: str, *, database: str | None = None) -> tuple[dict[str, int], dict[str, int]]:
    """Number of nodes per label and relationships per type in the Neo4j at `uri` (zeros left out)."""
    labels = run_cypher(uri, user, password, "MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS n",
                        database=database)
    types = run_cypher(uri, user, password, "MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n",
                       database=database)
    return ({r["label"]: r["n"] for r in labels.rows}, {r["type"]: r["n"] for r in types.rows})
