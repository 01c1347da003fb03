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
import tempfile
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from kg.errors import GraphError, OutputError, QueryError

__all__ = [
    "ENGINES",
    "DEFAULT_ENGINE",
    "CACHE_FILE",
    "sparql",
    "load_query",
    "parse_param",
    "ntriples_cache",
    "load_store",
    "bind_parameters",
    "rows_as_dicts",
]

ENGINES: tuple[str, ...] = ("oxigraph", "rdflib")
DEFAULT_ENGINE = "oxigraph"
CACHE_FILE = "graph.nt"

_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_TYPES = {_XSD + t for t in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "negativeInteger",
    "nonPositiveInteger", "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
_FLOAT_TYPES = {_XSD + t for t in ("decimal", "double", "float")}

Row = tuple[Any, ...]

# engine -> (cache key, loaded store); one store per engine per process
_LOADED: dict[str, tuple[tuple[Any, ...], Any]] = {}


# ------------------------------------------------------------------------------------------------ the cache


def _graph_file(graph_dir: Path) -> Path:
    from kg.graph.io import GRAPH_FILE
    from kg.outputs import recover

    graph_dir = Path(graph_dir)
    recover(graph_dir)
    path = graph_dir / GRAPH_FILE
    if not path.is_file():
        raise GraphError(f"{graph_dir}: no built graph here ({GRAPH_FILE} missing); "
                         f"run `kg build PATH --out {graph_dir}`")
    return path


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
    """The N-Triples file of a build (``DIR/graph.nt``), written now if missing or older than graph.json.

    Where the build folder is read-only the file is written to the temporary folder instead.

    Raises
    ------
    GraphError
        If `graph_dir` holds no built graph.
    """
    from kg.graph.io import read_graph
    from kg.stores.rdf import write_ntriples
    from kg.vocab import DEFAULT_BASE

    graph_file = _graph_file(graph_dir)
    header = _header(DEFAULT_BASE)
    cache = graph_file.parent / CACHE_FILE
    if _cache_is_fresh(cache, graph_file, header):
        return cache
    graph = read_graph(graph_file)
    try:
        write_ntriples(graph, cache, DEFAULT_BASE, header=header)
    except OutputError:
        key = hashlib.sha256(str(graph_file.resolve()).encode("utf-8")).hexdigest()[:16]
        cache = Path(tempfile.gettempdir()) / f"kg-sparql-{os.getuid()}-{key}.nt"
        if not _cache_is_fresh(cache, graph_file, header):
            write_ntriples(graph, cache, DEFAULT_BASE, header=header)
    return cache


def _load_oxigraph(path: Path) -> Any:
    import pyoxigraph

    store = pyoxigraph.Store()
    store.load(path=str(path), format=pyoxigraph.RdfFormat.N_TRIPLES)
    return store


def _load_rdflib(path: Path) -> Any:
    from rdflib import Graph

    return Graph().parse(str(path), format="nt")


def load_store(graph_dir: Path, engine: str = DEFAULT_ENGINE) -> Any:
    """The build's RDF loaded in `engine` (a pyoxigraph Store or an rdflib Graph), reused while unchanged."""
    if engine not in ENGINES:
        raise QueryError(f"unknown SPARQL engine {engine!r}; choose one of {', '.join(ENGINES)}")
    cache = ntriples_cache(graph_dir)
    stat = cache.stat()
    key = (str(cache.resolve()), stat.st_mtime_ns, stat.st_size)
    loaded = _LOADED.get(engine)
    if loaded is not None and loaded[0] == key:
        return loaded[1]
    store = _load_oxigraph(cache) if engine == "oxigraph" else _load_rdflib(cache)
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


def sparql(graph_dir: Path, query: str, engine: str = DEFAULT_ENGINE,
           bindings: Mapping[str, Any] | None = None) -> tuple[list[str], list[Row]]:
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

    Returns
    -------
    (columns, rows)
        Variable names, and one tuple of plain Python values per solution (``["ask"]`` and one row for
        ASK; ``["subject", "predicate", "object"]`` for CONSTRUCT and DESCRIBE).

    Raises
    ------
    QueryError
        If the query does not parse or fails, or `engine` is unknown.
    GraphError
        If `graph_dir` holds no built graph.
    """
    query = bind_parameters(query, bindings or {})
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
