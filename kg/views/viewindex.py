"""The on-disk index `kg view` reads a build through: names, nodes and edges in SQLite, so a view of a
50,000-paper build reads the few thousand rows around its node instead of all of graph.json.

``view-index.sqlite`` is written beside graph.json by the first `kg view` of a build (streaming graph.json,
memory bounded by a batch), stamped with graph.json's size and modification time, and rewritten atomically
when they change (an incremental build, a rebuild). Where the build folder cannot be written, it goes to the
kg cache folder instead ($KG_CACHE_DIR or ~/.cache/kg), named by the build's path.

`local_graph` gathers from it the part of the graph a view of one node looks at, as a small networkx graph
on which the in-memory functions (`choose_view`, `render_view`) run unchanged:

- an entity's view: its papers, every entity they name (the candidates, with their scores), then the first
  papers of each kept entity (in graph.json order, as `entity_neighbourhood` reads them) and what those
  name, its results and their ends; with more hops the frontier's papers too;
- any other view (a paper, `--types` with Paper): every node within `hops` edges, the edges among them, and
  the edges of papers and results in it (for their tooltips).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import networkx as nx

from kg.errors import GraphError, OutputError
from kg.graph.io import GRAPH_FILE
from kg.graph.stream import iter_graph
from kg.outputs import umask_mode
from kg.views.entitygraph import SCAN_PAPERS, ENTITY_KINDS
from kg.views.subgraph import lookup_keys, name_keys, node_label, rank_hits

__all__ = ["INDEX_FILE", "ViewIndex", "open_index", "local_graph"]

INDEX_FILE = "view-index.sqlite"
_SCHEMA = 2
_BATCH = 5_000
_NOT_IN_VIEWS = ("abstract",)  # the longest attribute, shown on paper pages only
_RESULT_EDGES = ("OF_METHOD", "ON_DATASET", "MEASURED_BY")
_CHUNK = 500  # ids per "IN (...)" query


def _stamp(graph_file: Path) -> str:
    info = graph_file.stat()
    return json.dumps({"schema": _SCHEMA, "size": info.st_size, "mtime_ns": info.st_mtime_ns})


def _cache_dir() -> Path:
    return Path(os.environ.get("KG_CACHE_DIR") or Path.home() / ".cache" / "kg") / "view-index"


def _write(graph_file: Path, target: Path) -> None:
    """Stream graph.json into a new SQLite file and move it to `target` in one step."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.tmp-", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    os.chmod(tmp, umask_mode(0o666))  # mkstemp makes it 0600: give it a new file's usual mode
    try:
        with closing(sqlite3.connect(tmp)) as db:
            db.executescript("""
                PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
                CREATE TABLE meta (stamp TEXT);
                CREATE TABLE nodes (id TEXT PRIMARY KEY, type TEXT, papers INTEGER, data TEXT);
                CREATE TABLE names (key TEXT, strength INTEGER, node TEXT, shown TEXT);
                CREATE TABLE edges (source TEXT, target TEXT, key TEXT, sentence TEXT, data TEXT);
            """)
            nodes: list[tuple[Any, ...]] = []
            names: list[tuple[Any, ...]] = []
            edges: list[tuple[Any, ...]] = []

            def flush() -> None:
                db.executemany("INSERT OR REPLACE INTO nodes VALUES (?, ?, ?, ?)", nodes)
                db.executemany("INSERT INTO names VALUES (?, ?, ?, ?)", names)
                db.executemany("INSERT INTO edges VALUES (?, ?, ?, ?, ?)", edges)
                nodes.clear(), names.clear(), edges.clear()

            for section, item in iter_graph(graph_file):
                if section == "nodes":
                    node = str(item.pop("id", ""))
                    for key in _NOT_IN_VIEWS:
                        item.pop(key, None)
                    count = item.get("paper_count")
                    nodes.append((node, str(item.get("type", "")), count if isinstance(count, int) else 0,
                                  json.dumps(item, ensure_ascii=False)))
                    names.extend((key, strength, node, shown) for key, strength, shown in name_keys(node, item))
                else:
                    head, tail, key = item.pop("source", None), item.pop("target", None), item.pop("key", None)
                    if head is None or tail is None:
                        raise GraphError(f"{graph_file}: an edge without its source or target")
                    item.pop("extractor_version", None)
                    said = [e for e in item.get("evidence") or () if isinstance(e, dict)]
                    for evidence in said:
                        evidence.pop("sentence_start", None)
                    first = next((str(e["sentence"]) for e in said if e.get("sentence")), None)
                    edges.append((str(head), str(tail), key, first, json.dumps(item, ensure_ascii=False)))
                if len(nodes) + len(edges) >= _BATCH:
                    flush()
            flush()
            # srow: the place of an edge's source in graph.json when it is a paper, so that "the first papers
            # naming an entity" is one short range of an index.
            db.executescript("""
                CREATE INDEX names_key ON names (key);
                CREATE INDEX edges_source ON edges (source);
                CREATE INDEX edges_target ON edges (target);
                ALTER TABLE edges ADD COLUMN srow INTEGER;
                UPDATE edges SET srow = (SELECT n.rowid FROM nodes n WHERE n.id = edges.source AND n.type = 'Paper');
                CREATE INDEX edges_papers ON edges (target, srow) WHERE srow IS NOT NULL;
            """)
            db.execute("INSERT INTO meta VALUES (?)", (_stamp(graph_file),))
            db.commit()
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _current(path: Path, graph_file: Path) -> bool:
    if not path.is_file():
        return False
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            row = db.execute("SELECT stamp FROM meta").fetchone()
    except sqlite3.Error:
        return False
    return row is not None and row[0] == _stamp(graph_file)


def index_path(graph_dir: Path) -> Path:
    """Where the view index of the build in `graph_dir` is (or will be) kept."""
    own = Path(graph_dir) / INDEX_FILE
    if os.access(graph_dir, os.W_OK) or own.is_file():
        return own
    digest = hashlib.sha256(str(Path(graph_dir).resolve()).encode("utf-8")).hexdigest()[:16]
    return _cache_dir() / f"{digest}.sqlite"


def ensure_index(graph_dir: Path) -> Path:
    """The view index of the build in `graph_dir`, written first when missing or older than graph.json."""
    graph_file = Path(graph_dir) / GRAPH_FILE
    if not graph_file.is_file():
        raise GraphError(f"{graph_file}: no graph here; run `kg build PATH --out {graph_dir}` first")
    path = index_path(Path(graph_dir))
    if _current(path, graph_file):
        return path
    if path.parent == Path(graph_dir) and not os.access(graph_dir, os.W_OK):
        path = _cache_dir() / f"{hashlib.sha256(str(Path(graph_dir).resolve()).encode()).hexdigest()[:16]}.sqlite"
        if _current(path, graph_file):
            return path
    try:
        _write(graph_file, path)
    except sqlite3.Error as exc:
        raise OutputError(f"{path}: cannot write the view index: {exc}") from exc
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the view index: {exc.strerror or exc}") from exc
    return path


class ViewIndex:
    """Read access to one view index: names, node attributes, edges by end."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self._full: dict[str, tuple[int, str, dict[str, Any]]] = {}
        self._kinds: dict[str, tuple[int, str, dict[str, Any]]] = {}

    def find(self, name: str) -> str | None:
        """The node `name` most likely means (the rules of `kg.views.subgraph.NameIndex.find`), or None."""
        keys = list(dict.fromkeys(lookup_keys(name)))
        rows = self.db.execute(
            f"SELECT n.key, n.strength, n.node, d.papers FROM names n JOIN nodes d ON d.id = n.node "
            f"WHERE n.key IN ({','.join('?' * len(keys))})", keys).fetchall()
        papers = {node: count for _, _, node, count in rows}
        ranked = rank_hits(name, ((k, s, n) for k, s, n, _ in rows), lambda n: papers.get(n, 0))
        return ranked[0] if ranked else None

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """Up to `n` names closest in spelling to `name` (as `NameIndex.suggest`)."""
        import difflib

        from kg.graph.resolve import surface_key

        keys = [k for (k,) in self.db.execute("SELECT DISTINCT key FROM names WHERE shown IS NOT NULL")]
        names: list[str] = []
        for key in difflib.get_close_matches(surface_key(name), keys, n=n * 4, cutoff=0.5):
            rows = self.db.execute("SELECT n.strength, n.node, d.papers FROM names n JOIN nodes d ON d.id = n.node "
                                   "WHERE n.key = ? ORDER BY n.strength, d.papers DESC, n.node LIMIT 1", (key,))
            for _, node, _ in rows:
                shown = node_label(self.nodes([node]).get(node, {}), node)
                if shown not in names:
                    names.append(shown)
        return names[:n]

    def nodes(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Attributes (with ``type``) of the nodes `ids` that exist; each call returns new dicts."""
        return {i: dict(data) for i, (_, _, data) in self._rows(ids, full=True).items()}

    def kinds(self, ids: Iterable[str]) -> dict[str, str]:
        """Type of each node of `ids` that exists."""
        return {i: kind for i, (_, kind, _) in self._rows(ids, full=False).items()}

    def order(self, ids: Iterable[str]) -> dict[str, int]:
        """Place in graph.json of each node of `ids` that exists."""
        return {i: row for i, (row, _, _) in self._rows(ids, full=False).items()}

    def _rows(self, ids: Iterable[str], full: bool) -> dict[str, tuple[int, str, dict[str, Any]]]:
        ids = list(dict.fromkeys(ids))
        cache = self._full if full else self._kinds
        wanted = [i for i in ids if i not in cache]
        for chunk in _chunks(wanted):
            marks = ",".join("?" * len(chunk))
            if full:
                for row, node, kind, data in self.db.execute(
                        f"SELECT rowid, id, type, data FROM nodes WHERE id IN ({marks})", chunk):
                    cache[node] = (row, kind, json.loads(data))
            else:
                for row, node, kind in self.db.execute(f"SELECT rowid, id, type FROM nodes WHERE id IN ({marks})",
                                                       chunk):
                    cache[node] = (row, kind, {"type": kind})
        return {i: cache[i] for i in ids if i in cache}

    def kind(self, node: str) -> str | None:
        """The type of `node`, or None when there is no such node."""
        return self.kinds([node]).get(node)

    def first_papers(self, entity: str, n: int) -> list[str]:
        """The first `n` papers naming `entity`, in graph.json order (the order `PaperIndex.papers` has)."""
        return [p for p, _ in self.db.execute(
            "SELECT source, srow FROM edges WHERE target = ? AND srow IS NOT NULL GROUP BY srow ORDER BY srow LIMIT ?",
            (entity, n))]

    def edges(self, ids: Iterable[str], end: str, light: bool = False, keep: Iterable[str] | None = None
              ) -> Iterator[tuple[int, str, str, str, dict[str, Any]]]:
        """(order in graph.json, source, target, key, data) of the edges whose `end` ("source" or "target")
        is one of `ids` (and, with `keep`, whose other end is one of those). `light`: data is only the type
        and the first evidence sentence (what the entity graph reads; decoding every edge's evidence is most
        of the time otherwise)."""
        column, other = ("source", "target") if end == "source" else ("target", "source")
        also = list(dict.fromkeys(keep)) if keep is not None else []
        where = f" AND +{other} IN ({','.join('?' * len(also))})" if keep is not None else ""
        for chunk in _chunks(list(dict.fromkeys(ids))):
            rows = self.db.execute(f"SELECT rowid, source, target, key, {'sentence' if light else 'data'} FROM edges "
                                   f"WHERE {column} IN ({','.join('?' * len(chunk))}){where}", [*chunk, *also])
            if light:
                yield from ((row, s, t, k, {"type": k, **({"evidence": [{"sentence": d}]} if d else {})})
                            for row, s, t, k, d in rows)
            else:
                yield from ((row, s, t, k, json.loads(d)) for row, s, t, k, d in rows)


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i:i + _CHUNK]


@contextmanager
def open_index(graph_dir: Path) -> Iterator[ViewIndex]:
    """The view index of the build in `graph_dir` (written first if needed), open read-only."""
    path = ensure_index(Path(graph_dir))
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        yield ViewIndex(db)


class _Local:
    """The edges gathered so far (by their order in graph.json), turned into a networkx graph whose nodes and
    edges are in graph.json order, as `kg.views.standalone.load_graph` would hold them."""

    def __init__(self, index: ViewIndex) -> None:
        self.index = index
        self.edges: dict[int, tuple[str, str, str, dict[str, Any]]] = {}
        self.done: dict[str, set[str]] = {"source": set(), "target": set()}
        self.targets: dict[str, list[str]] = {}  # distinct targets of each source's gathered edges

    def add(self, ids: Iterable[str], end: str, light: bool = False,
            keep: set[str] | None = None) -> list[tuple[str, str, str, dict[str, Any]]]:
        """Fetch the edges whose `end` ("source" or "target") is one of `ids` (`light`: see `ViewIndex.edges`;
        `keep`: only those whose other end is in it); returns the new ones."""
        todo = [i for i in dict.fromkeys(ids) if i not in self.done[end]]
        if keep is None:
            self.done[end].update(todo)
        new = []
        for row, *edge in self.index.edges(todo, end, light, keep):
            if row not in self.edges:
                self.edges[row] = tuple(edge)  # type: ignore[assignment]
                new.append(self.edges[row])
                targets = self.targets.setdefault(edge[0], [])
                if edge[1] not in targets:
                    targets.append(edge[1])
        return new

    def graph(self, extra: Iterable[str] = (), full: set[str] | None = None) -> nx.MultiDiGraph:
        """The gathered edges and their ends as a graph; with `full`, only those nodes and the papers get every
        attribute, the others their type alone (all an entity graph reads of them)."""
        ends = {n for s, t, _, _ in self.edges.values() for n in (s, t)} | set(extra)
        if full is None:
            attrs = self.index.nodes(ends)
        else:
            kinds = self.index.kinds(ends)
            attrs = {n: {"type": k} for n, k in kinds.items()}
            attrs.update(self.index.nodes(n for n, k in kinds.items() if n in full or k == "Paper"))
        order = self.index.order(attrs)
        graph = nx.MultiDiGraph()
        graph.add_nodes_from((n, attrs[n]) for n in sorted(attrs, key=order.__getitem__))
        for row in sorted(self.edges):
            s, t, k, d = self.edges[row]
            if s in attrs and t in attrs:
                graph.add_edge(s, t, k, **d)
        return graph


def local_graph(index: ViewIndex, center: str, *, hops: int, entity_view: bool,
                types: Iterable[str] | None = None, max_nodes: int = 300) -> nx.MultiDiGraph:
    """The part of the graph a view of `center` reads (see the module's docstring), as a networkx graph."""
    if index.kind(center) is None:
        raise GraphError(f"no node {center!r} in the graph")
    local = _Local(index)
    if entity_view:
        extra, full = _entity_part(index, local, center, hops, set(types or ENTITY_KINDS) & set(ENTITY_KINDS),
                                   max_nodes)
        return local.graph(extra, full)
    layer, ball = {center}, {center}
    for _ in range(hops):
        found = local.add(layer, "source") + local.add(layer, "target")
        layer = {n for s, t, _, _ in found for n in (s, t)} - ball
        ball |= layer
    local.add(layer, "source")  # the edges among the farthest nodes, and what their papers name
    return local.graph([center])


def _entity_part(index: ViewIndex, local: _Local, center: str, hops: int, wanted: set[str],
                 max_nodes: int) -> tuple[list[str], set[str]]:
    """Fetch what `entity_neighbourhood` reads around `center`, ranking the entities as it does (the same
    steps, counts and order), so that the first papers of the kept ones are read only for those; returns
    the nodes to add without their edges and the nodes whose attributes the view shows."""
    into = local.add([center], "target")  # its papers, results and variants
    kinds = index.kinds(s for s, _, _, _ in into)
    papers = list(dict.fromkeys(s for s, _, _, _ in into if kinds.get(s) == "Paper"))
    frontier, seen = [center], {center}
    score: dict[str, int] = {}
    distance: dict[str, int] = {}
    for step in range(1, max(1, hops) + 1):
        found: dict[str, int] = {}
        for node in frontier:
            read = papers if step == 1 else index.first_papers(node, SCAN_PAPERS)
            local.add(read, "source", light=True)
            for paper in read:
                for entity in local.targets.get(paper, ()):
                    found[entity] = found.get(entity, 0) + 1
        types = index.kinds(found)
        found = {e: c for e, c in found.items() if e not in seen and types.get(e) in wanted}
        for entity, count in found.items():
            distance[entity] = step
            score[entity] = score.get(entity, 0) + count
        seen |= set(found)
        frontier = sorted(found)
        if len(seen) > max_nodes * 20:
            break
    kept = sorted(score, key=lambda n: (distance[n], -score[n], n))[: max(0, max_nodes - 1)]
    keep = {center, *kept}
    local.add([p for e in kept for p in index.first_papers(e, SCAN_PAPERS)], "source", light=True, keep=keep)
    results = [s for s, _, k, _ in into if k in _RESULT_EDGES]
    ends = local.add(results, "source")
    result_data = index.nodes(results)
    extra = [center, *(str(d["paper"]) for d in result_data.values() if isinstance(d.get("paper"), str))]
    return extra, {*keep, *results, *(t for _, t, _, _ in ends), *extra}
