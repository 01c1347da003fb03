"""SPARQL 1.1 over a built graph, on Oxigraph (default) or rdflib.

The build's graph.json is turned into RDF once (`kg.stores.rdf`) and kept beside it as ``graph.nt``, an
N-Triples cache written atomically and rebuilt whenever graph.json is newer or the mapping changed. Each
engine loads it into memory; within one process the loaded store is reused until the cache changes.

Oxigraph is the default because it measured much faster on the sample corpus (see README, "RDF, ontology
and SPARQL", and ``scripts/bench_sparql.py``); rdflib, pure Python, gives the same answers.

Results come back as plain Python values: IRIs as ``str``, integers as ``int``, decimals and doubles as
``float``, booleans as ``bool``, other literals as their lexical ``str``, unbound as ``None``.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from kg.errors import OutputError, QueryError, StoreError
from kg.stores.persist import graph_file_of

__all__ = [
    "ENGINES",
    "DEFAULT_ENGINE",
    "CACHE_FILE",
    "sparql",
    "check_no_service",
    "load_query",
    "parse_param",
    "ntriples_cache",
    "load_store",
    "build_store",
    "ensure_oxigraph",
    "STORE_DIR",
    "bind_parameters",
    "query_variables",
    "rows_as_dicts",
]

ENGINES: tuple[str, ...] = ("oxigraph", "rdflib")
DEFAULT_ENGINE = "oxigraph"
CACHE_FILE = "graph.nt"
STORE_DIR = "sparql-store"
STORE_VERSION = 1
_OXIGRAPH_DIR = "oxigraph"
_CHUNK_BYTES = 16 << 20

_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_TYPES = {_XSD + t for t in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "negativeInteger",
    "nonPositiveInteger", "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
_FLOAT_TYPES = {_XSD + t for t in ("decimal", "double", "float")}

Row = tuple[Any, ...]

# engine -> (cache key, loaded store); one store per engine per process
_LOADED: dict[str, tuple[tuple[Any, ...], Any]] = {}


# ------------------------------------------------------------------------------------------------ the cache


def _header(base: str) -> str:
    from kg.stores.rdf import RDF_VERSION

    return f"kg rdf mapping {RDF_VERSION} base {base}"


def _cache_is_fresh(cache: Path, graph_file: Path, header: str) -> bool:
    try:
        if cache.stat().st_mtime_ns < graph_file.stat().st_mtime_ns:
            return False
        with open(cache, encoding="utf-8") as fh:
            return fh.readline().rstrip("\n") == "# " + header
    except OSError:
        return False


def ntriples_cache(graph_dir: Path) -> Path:
    """The N-Triples file of a build (``DIR/graph.nt``) for the rdflib engine, written now if missing or older
    than graph.json (streamed from graph.json, `kg.stores.rdf.stream_ntriples`).

    Where the build folder is read-only the file is written to the temporary folder instead.

    Raises
    ------
    GraphError
        If `graph_dir` holds no built graph.
    """
    from kg.stores.rdf import write_ntriples_stream
    from kg.vocab import DEFAULT_BASE

    graph_file = graph_file_of(graph_dir)
    header = _header(DEFAULT_BASE)
    cache = graph_file.parent / CACHE_FILE
    if _cache_is_fresh(cache, graph_file, header):
        return cache
    try:
        write_ntriples_stream(graph_file, cache, DEFAULT_BASE, header=header)
    except OutputError:
        key = hashlib.sha256(str(graph_file.resolve()).encode("utf-8")).hexdigest()[:16]
        cache = Path(tempfile.gettempdir()) / f"kg-sparql-{os.getuid()}-{key}.nt"
        if not _cache_is_fresh(cache, graph_file, header):
            write_ntriples_stream(graph_file, cache, DEFAULT_BASE, header=header)
    return cache


# ------------------------------------------------------------------------------------------------ the Oxigraph store


def _loaders() -> int:
    """How many chunks Oxigraph loads at once: two on two cores (one shares its core with the N-Triples writer),
    up to four where there are more (the writer, about three times faster than one loader, then sets the pace)."""
    return min(4, max(2, os.cpu_count() or 2))


def bulk_load_oxigraph(graph_file: Path, into: Path, *, chunk_bytes: int = _CHUNK_BYTES,
                       loaders: int | None = None) -> dict[str, Any]:
    """Bulk-load the RDF of `graph_file` into a new on-disk Oxigraph store in ``into/oxigraph``; returns figures.

    A thread writes the N-Triples to chunk files of about `chunk_bytes` beside the store while `loaders` threads
    (default `_loaders`) each hand one file at a time to Oxigraph's bulk loader, which releases the GIL, so
    writing and loading run on several cores and Python holds one block of lines, not a chunk. The loader's
    memory grows with its input (about 5 bytes a byte of N-Triples) while its CPU per triple does not depend on
    the chunk size (measured from 8 to 128 MB), hence small chunks. The store is compacted at the end, which
    about halves the time of the heavier example queries (measured on a 10k build).
    """
    import queue
    import threading

    import pyoxigraph

    from kg.stores.rdf import stream_ntriples
    from kg.vocab import DEFAULT_BASE

    started = time.perf_counter()
    loaders = loaders or _loaders()
    counted = {"triples": 0, "bytes": 0, "chunks": 0, "generate_cpu_seconds": 0.0}
    spool = into / "ntriples"
    spool.mkdir()
    store = pyoxigraph.Store(str(into / _OXIGRAPH_DIR))
    chunks: queue.Queue[Path | None] = queue.Queue(maxsize=loaders)
    errors: list[tuple[str, BaseException]] = []  # ("write" or "load", what was raised)
    stop = threading.Event()

    def produce() -> None:
        cpu = time.thread_time()
        try:
            blocks = stream_ntriples(graph_file, DEFAULT_BASE)
            done = False
            while not done and not stop.is_set():
                path = spool / f"{counted['chunks']}.nt"
                size = 0
                with open(path, "wb") as fh:
                    for block in blocks:
                        data = block.encode("utf-8")
                        fh.write(data)
                        size += len(data)
                        counted["triples"] += block.count("\n")
                        if size >= chunk_bytes:
                            break
                    else:
                        done = True
                counted["chunks"] += 1
                counted["bytes"] += size
                chunks.put(path)
        except BaseException as exc:  # noqa: BLE001 - raised by the calling thread
            errors.append(("write", exc))
            stop.set()
        finally:
            counted["generate_cpu_seconds"] = round(time.thread_time() - cpu, 3)
            for _ in range(loaders):
                chunks.put(None)

    def load() -> None:
        while (path := chunks.get()) is not None:
            if stop.is_set():
                continue
            try:
                store.bulk_load(path=str(path), format=pyoxigraph.RdfFormat.N_TRIPLES, lenient=True)
                path.unlink()
            except BaseException as exc:  # noqa: BLE001 - raised by the calling thread
                errors.append(("load", exc))
                stop.set()

    threads = [threading.Thread(target=produce, name="kg-ntriples", daemon=True)]
    threads += [threading.Thread(target=load, name=f"kg-oxigraph-{i}", daemon=True) for i in range(loaders)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            step, exc = errors[0]
            if step == "load" and isinstance(exc, (SyntaxError, OSError, ValueError)):
                raise StoreError(f"{graph_file}: Oxigraph refused the RDF: {_one_line(exc)}") from exc
            raise exc
        loaded = time.perf_counter()
        store.optimize()
        store.flush()
        optimized = time.perf_counter()
    finally:
        stop.set()
        for thread in threads:  # an interrupted join: the loaders finish their file and drain the queue
            if thread.is_alive():
                thread.join()
        del store
        shutil.rmtree(spool, ignore_errors=True)
    size = sum(p.stat().st_size for p in (into / _OXIGRAPH_DIR).rglob("*") if p.is_file())
    return {"triples": counted["triples"], "ntriples_bytes": counted["bytes"], "chunks": counted["chunks"],
            "loaders": loaders, "bytes": size, "generate_cpu_seconds": counted["generate_cpu_seconds"],
            "load_seconds": round(loaded - started, 3), "optimize_seconds": round(optimized - loaded, 3)}


def _engine() -> str:
    import pyoxigraph

    return f"pyoxigraph {getattr(pyoxigraph, '__version__', '?')} rdf {_rdf_version()}"


def _rdf_version() -> str:
    from kg.stores.rdf import RDF_VERSION

    return RDF_VERSION


def build_store(graph_dir: Path) -> dict[str, Any]:
    """(Re)build the Oxigraph store of the build in `graph_dir` now; returns its stamp (with figures)."""
    from kg.stores.persist import build_store as build

    return build(Path(graph_dir), STORE_DIR, STORE_VERSION, _engine(), bulk_load_oxigraph)


def ensure_oxigraph(graph_dir: Path) -> Path:
    """The Oxigraph store folder of the build in `graph_dir`, built first when missing or stale."""
    from kg.stores.persist import ensure_store

    return ensure_store(Path(graph_dir), STORE_DIR, STORE_VERSION, _engine(), bulk_load_oxigraph) / _OXIGRAPH_DIR


def _open_oxigraph(path: Path) -> Any:
    import pyoxigraph

    try:
        return pyoxigraph.Store.read_only(str(path))
    except OSError as exc:
        raise StoreError(f"{path}: cannot open the Oxigraph store: {_one_line(exc)}; remove {path.parent} and "
                         "query again to rebuild it") from exc


def _load_rdflib(path: Path) -> Any:
    from rdflib import Graph

    return Graph().parse(str(path), format="nt")


def load_store(graph_dir: Path, engine: str = DEFAULT_ENGINE) -> Any:
    """The build's RDF in `engine`: the on-disk Oxigraph store opened read-only, or an rdflib Graph loaded from
    the N-Triples file; reused within a process while unchanged."""
    if engine not in ENGINES:
        raise QueryError(f"unknown SPARQL engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if engine == "oxigraph":
        path = ensure_oxigraph(graph_dir)
        stamp = (path.parent / "kg-store.json").stat()
        key: tuple[Any, ...] = (str(path.resolve()), stamp.st_mtime_ns, stamp.st_size)
    else:
        path = ntriples_cache(graph_dir)
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    loaded = _LOADED.get(engine)
    if loaded is not None and loaded[0] == key:
        return loaded[1]
    _LOADED.pop(engine, None)
    store = _open_oxigraph(path) if engine == "oxigraph" else _load_rdflib(path)
    _LOADED[engine] = (key, store)
    return store


# ------------------------------------------------------------------------------------------------ values


def _plain(lexical: str, datatype: str | None) -> Any:
    if datatype in _INTEGER_TYPES:
        try:
            return int(lexical)
        except ValueError:
            return lexical
    if datatype in _FLOAT_TYPES:
        try:
            return float(lexical)
        except ValueError:
            return lexical
    if datatype == _XSD + "boolean":
        return lexical.strip() in ("true", "1")
    return lexical


def _from_oxigraph(term: Any) -> Any:
    import pyoxigraph

    if term is None:
        return None
    if isinstance(term, pyoxigraph.NamedNode):
        return term.value
    if isinstance(term, pyoxigraph.Literal):
        return _plain(term.value, None if term.language else term.datatype.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return f"_:{term.value}"
    return str(term)


def _from_rdflib(term: Any) -> Any:
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    if isinstance(term, Literal):
        return _plain(str(term), None if term.language or term.datatype is None else str(term.datatype))
    if isinstance(term, URIRef):
        return str(term)
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _rdflib_term(value: Any) -> Any:
    from rdflib import Literal
    from rdflib.term import Identifier

    if isinstance(value, Identifier):
        return value
    if isinstance(value, Decimal):
        return Literal(format(value, "f"), datatype=_XSD + "decimal")
    if isinstance(value, (bool, int, float)):
        return Literal(value)
    return Literal(str(value))


# ------------------------------------------------------------------------------------------------ parameters

_TOKEN = re.compile(
    r"""(?P<comment>\#[^\n]*)
    | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'\''(?:[^'\\]|\\.|'(?!''))*'\''
                 |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    | (?P<iri><[^<>"{}|^`\\\s]*>)
    | (?P<open>\{) | (?P<close>\})
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<other>.)""",
    re.X | re.S,
)


def _where_group(query: str) -> tuple[int, int]:
    """Offsets just inside the braces of the query's WHERE group: (after its "{", at its "}")."""
    depth, form, seen_where, skipped_template, start = 0, None, False, False, None
    for match in _TOKEN.finditer(query):
        kind = match.lastgroup
        if kind == "word" and depth == 0:
            word = match.group().upper()
            if form is None and word in ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE"):
                form = word
            elif word == "WHERE":
                seen_where = True
        elif kind == "open":
            if depth == 0 and start is None:
                if form == "CONSTRUCT" and not seen_where and not skipped_template:
                    skipped_template = True
                else:
                    start = match.end()
            depth += 1
        elif kind == "close":
            depth -= 1
            if depth == 0 and start is not None:
                return start, match.start()
    raise QueryError("cannot bind parameters: the query has no WHERE group")


def query_variables(query: str) -> set[str]:
    """The variable names (``?x`` or ``$x``) of SPARQL `query`, outside strings, IRIs and comments.

    >>> sorted(query_variables('SELECT ?a WHERE { ?a <p> "?b" . $c ?d ?e } # ?f'))
    ['a', 'c', 'd', 'e']
    """
    names: set[str] = set()
    marker_end = -1
    for match in _TOKEN.finditer(query):
        kind = match.lastgroup
        if kind == "other" and match.group() in "?$":
            marker_end = match.end()
        elif kind == "word" and match.start() == marker_end:
            names.add(match.group())
    return names


def bind_parameters(query: str, bindings: Mapping[str, Any]) -> str:
    """`query` with ``VALUES (?name ...) { (value ...) }`` added at the start of its WHERE group.

    This is how `sparql` binds parameters, the same on every engine: the value is joined with the query's
    outer pattern before grouping, so it filters as if written into the query, and the variable need not be
    projected. Values are converted as documented in `sparql`.

    >>> bind_parameters("SELECT ?d WHERE { ?d ?p ?n }", {"n": "ImageNet"})
    'SELECT ?d WHERE { VALUES (?n) { ("ImageNet") } ?d ?p ?n }'
    """
    if not bindings:
        return query
    from kg.stores.rdf import ntriples_term

    for name in bindings:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise QueryError(f"parameter name {name!r} is not a SPARQL variable name")
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(ntriples_term(_rdflib_term(value)) for value in bindings.values())
    clause = f" VALUES ({names}) {{ ({values}) }}"
    start, end = _where_group(query)
    body = query[start:end]
    first = _TOKEN.search(body.lstrip())
    if first is not None and first.lastgroup == "word" and first.group().upper() == "SELECT":
        return f"{query[:start]}{clause} {{{body}}} {query[end:]}"
    return f"{query[:start]}{clause}{body}{query[end:]}"


# ------------------------------------------------------------------------------------------------ queries


def _one_line(exc: BaseException) -> str:
    text = " ".join(part.strip() for part in str(exc).splitlines() if part.strip())
    return text or type(exc).__name__


_OX_POSITION = re.compile(r"error at (\d+):(\d+): (.*)", re.S)
_PARSING_POSITION = re.compile(r"^(.*?)\s*\(at char \d+\), \(line:(\d+), col:(\d+)\)", re.S)
_MAX_DETAIL = 100


def _position(query: str, offset: int) -> tuple[int, int]:
    """1-based line and column of character `offset` of `query`."""
    line = query.count("\n", 0, offset) + 1
    return line, offset - (query.rfind("\n", 0, offset) + 1) + 1


def _offset(query: str, line: int, column: int) -> int:
    lines = query.split("\n")
    return sum(len(x) + 1 for x in lines[: line - 1]) + column - 1


_MASKED = re.compile(r"<[^<>\s]*>|\"\"\"[\s\S]*?\"\"\"|'\'\'[\s\S]*?'\'\'|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|#[^\n]*")
_PREFIXED = re.compile(r"(?<![\w?$:.-])([A-Za-z][\w.-]*)?:(?=[\w%\\])")
_DECLARED = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:", re.I)


def _unknown_prefix(query: str) -> tuple[str, int] | None:
    """The first prefix used in `query` but neither declared nor known to kg, and where it is used."""
    from kg.vocab import PREFIXES

    code = _MASKED.sub(lambda m: " " * len(m.group(0)), query)
    known = set(dict(PREFIXES)) | {m.group(1) or "" for m in _DECLARED.finditer(code)}
    for match in _PREFIXED.finditer(code):
        before = code[: match.start()].rstrip()
        if before[-6:].upper() == "PREFIX":
            continue
        if (match.group(1) or "") not in known:
            return match.group(1) or "", match.start()
    return None


def _near(query: str, offset: int) -> str:
    rest = query[offset:].strip()
    return f"near {rest.split()[0][:20]!r}" if rest else "at the end of the query"


def _syntax_error(query: str, exc: BaseException) -> QueryError:
    """One short line for a SPARQL syntax error or unknown prefix: what, and at which line and column."""
    unknown = _unknown_prefix(query)
    if unknown is not None:
        line, column = _position(query, unknown[1])
        return QueryError(f"invalid SPARQL at line {line}, column {column}: unknown prefix {unknown[0]}: "
                          f"(declare it: PREFIX {unknown[0]}: <IRI>)")
    text = _one_line(exc)
    match = _OX_POSITION.match(text)
    if match:
        line, column = int(match.group(1)), int(match.group(2))
        words = [a or b for a, b in re.findall(r'"([^"]+)"|\b([A-Z]{2,})\b', match.group(3))]
        hint = f"; expected {' '.join(words)}"[:_MAX_DETAIL] if words else ""
        return QueryError(f"invalid SPARQL at line {line}, column {column}: "
                          f"{_near(query, _offset(query, line, column))}{hint}")
    match = _PARSING_POSITION.match(text)
    if match:
        line, column = int(match.group(2)), int(match.group(3))
        detail = " ".join(match.group(1).split())
        if len(detail) > _MAX_DETAIL:
            detail = detail[: _MAX_DETAIL - 3] + "..."
        return QueryError(f"invalid SPARQL at line {line}, column {column}: {detail}")
    return QueryError(f"invalid SPARQL: {text[:2 * _MAX_DETAIL]}")


def _run_oxigraph(store: Any, query: str) -> tuple[list[str], list[Row]]:
    import pyoxigraph

    from kg.vocab import PREFIXES

    try:
        result = store.query(query, prefixes=dict(PREFIXES))
        if isinstance(result, pyoxigraph.QueryBoolean):
            return ["ask"], [(bool(result),)]
        if isinstance(result, pyoxigraph.QuerySolutions):
            columns = [v.value for v in result.variables]
            rows = [tuple(_from_oxigraph(solution[v]) for v in result.variables) for solution in result]
            return columns, rows
        rows = [(_from_oxigraph(t.subject), _from_oxigraph(t.predicate), _from_oxigraph(t.object)) for t in result]
        return ["subject", "predicate", "object"], rows
    except SyntaxError as exc:
        raise _syntax_error(query, exc) from exc
    except (OSError, RuntimeError, ValueError, TypeError) as exc:
        raise QueryError(f"SPARQL query failed: {_one_line(exc)}") from exc


def _run_rdflib(graph: Any, query: str) -> tuple[list[str], list[Row]]:
    from rdflib.plugins.sparql import prepareQuery

    from kg.vocab import PREFIXES

    try:
        prepared = prepareQuery(query, initNs=dict(PREFIXES))
    except Exception as exc:  # noqa: BLE001 - pyparsing and rdflib raise many types for a bad query
        raise _syntax_error(query, exc) from exc
    try:
        result = graph.query(prepared)
        if result.type == "ASK":
            return ["ask"], [(bool(result.askAnswer),)]
        if result.type == "SELECT":
            columns = [str(v) for v in result.vars or ()]
            rows = [tuple(_from_rdflib(row[i]) for i in range(len(columns))) for row in result]
            return columns, rows
        return ["subject", "predicate", "object"], [tuple(_from_rdflib(t) for t in triple) for triple in result]
    except Exception as exc:  # noqa: BLE001 - rdflib's evaluator raises plain Exceptions
        raise QueryError(f"SPARQL query failed: {_one_line(exc)}") from exc


def _parse_tree_names(node: Any, found: set[str]) -> None:
    """Collect the names of rdflib parse-tree parts (ServiceGraphPattern, DatasetClause, ...) under `node`."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        found.add(node.name)
        if dict.get(node, "datasetClause"):
            found.add("DatasetClause")
        for value in node.values():
            _parse_tree_names(value, found)
    elif isinstance(node, (list, tuple, ParseResults)):
        for value in node:
            _parse_tree_names(value, found)


_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_STRING = re.compile(r"'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"", re.DOTALL)
_SERVICE_WORD = re.compile(r"(?<![\w?$:/#.\-])SERVICE(?![\w:\-])", re.IGNORECASE)


def check_no_service(query: str, engine: str = DEFAULT_ENGINE) -> None:
    """Refuse a query that would reach outside the build: a federated ``SERVICE`` (both engines send HTTP
    requests for it) and, on rdflib, a ``FROM``/``FROM NAMED`` clause (rdflib fetches or opens what it names).

    The query is parsed (rdflib's parser) and its parse tree searched; a query that parser cannot read (Oxigraph
    accepts more) is searched for the SERVICE keyword outside string literals instead, erring on refusal.
    """
    text = _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), query).lower()
    if "service" not in text and (engine != "rdflib" or "from" not in text):
        return  # the keywords are not there at all: nothing to parse (parsing costs tens of milliseconds)
    from rdflib.plugins.sparql.parser import parseQuery

    found: set[str] = set()
    try:
        _parse_tree_names(parseQuery(query), found)
    except Exception:  # noqa: BLE001 - pyparsing raises many types; fall back to the keyword search below
        if _SERVICE_WORD.search(_STRING.sub('""', text)):
            found.add("ServiceGraphPattern")
    if "ServiceGraphPattern" in found:
        raise QueryError("federated queries (SERVICE) are off: they send requests outside the build; "
                         "pass --allow-service (allow_service=True) to run them")
    if engine == "rdflib" and "DatasetClause" in found:
        raise QueryError("FROM and FROM NAMED are off with the rdflib engine: rdflib would fetch or open what "
                         "they name; pass --allow-service (allow_service=True) to allow it")


def sparql(graph_dir: Path, query: str, engine: str = DEFAULT_ENGINE,
           bindings: Mapping[str, Any] | None = None, *, allow_service: bool = False) -> tuple[list[str], list[Row]]:
    """Answer a SPARQL 1.1 query over the graph built in `graph_dir`.

    Parameters
    ----------
    graph_dir
        Folder of a build (the ``--out`` of ``kg build``).
    query
        SELECT, ASK, CONSTRUCT or DESCRIBE text. The prefixes of `kg.vocab.PREFIXES` (kg, dcterms, skos,
        prov, schema, rdf, rdfs, xsd) may be used without declaring them.
    engine
        ``"oxigraph"`` (default) or ``"rdflib"``.
    bindings
        Values for variables of the query, joined with its WHERE group (see `bind_parameters`): a ``str``
        becomes a plain literal, ``int``/``float``/``Decimal``/``bool`` a typed literal; pass an
        ``rdflib.URIRef`` for an IRI.
    allow_service
        Run federated queries (``SERVICE``, and ``FROM`` on rdflib), which send requests outside the build;
        off by default (see `check_no_service`).

    Returns
    -------
    (columns, rows)
        Variable names, and one tuple of plain Python values per solution (``["ask"]`` and one row for
        ASK; ``["subject", "predicate", "object"]`` for CONSTRUCT and DESCRIBE).

    Raises
    ------
    QueryError
        If the query does not parse or fails, `engine` is unknown, the query is federated and not allowed, or
        `bindings` names a variable the query does not have. (A variable of the query left unbound is not an
        error: the example queries answer for every value then.)
    GraphError
        If `graph_dir` holds no built graph.
    """
    unknown = sorted(set(bindings or {}) - query_variables(query))
    if unknown:
        raise QueryError(f"the query has no variable(s) {', '.join('?' + n for n in unknown)} to bind; "
                         "check the --param names")
    query = bind_parameters(query, bindings or {})
    if engine not in ENGINES:
        raise QueryError(f"unknown SPARQL engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if not allow_service:
        check_no_service(query, engine)
    store = load_store(graph_dir, engine)
    if engine == "oxigraph":
        return _run_oxigraph(store, query)
    return _run_rdflib(store, query)


def load_query(query_or_file: str) -> str:
    """The query text: the content of `query_or_file` if it names a file (``.rq``, ``.sparql``), else itself."""
    text = query_or_file.strip()
    if "\n" in text or "{" in text or len(text) > 4096:
        return query_or_file
    path = Path(text)
    if path.is_file() or text.endswith((".rq", ".sparql")):
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise QueryError(f"{text}: cannot read the query file: {exc.strerror or exc}") from exc
    return query_or_file


def parse_param(text: str) -> tuple[str, Any]:
    """``NAME=VALUE`` -> (name, value) for `sparql` bindings.

    ``<...>`` gives an IRI, an integer or a decimal number gives a number, ``"..."`` a string (quotes
    removed), anything else the string as given.

    >>> parse_param("datasetName=ImageNet")
    ('datasetName', 'ImageNet')
    >>> parse_param("min=2")
    ('min', 2)
    """
    name, sep, value = text.partition("=")
    name = name.strip().lstrip("?$")
    if not sep or not name:
        raise QueryError(f"parameter {text!r} is not NAME=VALUE")
    if value.startswith("<") and value.endswith(">") and len(value) > 2:
        from rdflib import URIRef

        return name, URIRef(value[1:-1])
    if re.fullmatch(r"[+-]?\d+", value):
        return name, int(value)
    if re.fullmatch(r"[+-]?\d*\.\d+", value):
        return name, Decimal(value)
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return name, value[1:-1]
    return name, value


def rows_as_dicts(columns: Iterable[str], rows: Iterable[Row]) -> list[dict[str, Any]]:
    """(columns, rows) as a list of dicts, for `kg.formatting.render`."""
    columns = list(columns)
    return [dict(zip(columns, row)) for row in rows]
