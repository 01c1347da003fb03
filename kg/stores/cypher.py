"""`kg cypher`: one Cypher query on Neo4j (given a URI) or on the embedded default (a build folder).

Both engines return a `QueryResult` of plain Python values, shaped the same way, so the README's example
queries (``queries/cypher/*.cypher``) give identical answers on both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import QueryError

__all__ = ["QueryResult", "read_query", "parse_params", "cypher", "query_parameters", "check_parameters"]


@dataclass
class QueryResult:
    """Columns and rows (dicts of plain Python values) of a Cypher query, whichever engine ran it."""

    columns: list[str]
    rows: list[dict[str, Any]]


def read_query(query: str) -> str:
    """The text of `query`: the file it names (``*.cypher`` or any existing file), else `query` itself."""
    path = Path(query)
    looks_like_file = query.endswith((".cypher", ".cql")) and "\n" not in query
    try:
        if looks_like_file or (len(query) < 4096 and "\n" not in query and path.is_file()):
            return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise QueryError(f"{query}: cannot read the query file: {exc.strerror or exc}") from exc
    if not query.strip():
        raise QueryError("empty query")
    return query


def parse_params(items: Sequence[str]) -> dict[str, Any]:
    """``name=value`` pairs as parameters: a value that parses as JSON is that (2, 0.5, true, ["a"], "2"),
    any other value is the text itself (``dataset=ImageNet``).

    >>> parse_params(["dataset=ImageNet", "k=2", 'name="2"'])
    {'dataset': 'ImageNet', 'k': 2, 'name': '2'}
    """
    params: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip().isidentifier():
            raise QueryError(f"bad --param {item!r}: write it as name=value")
        try:
            params[name.strip()] = json.loads(value)
        except ValueError:
            params[name.strip()] = value
    return params


_TOKENS = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`[^`]*`|//[^\n]*|/\*.*?\*/
                         |\$(?:`([^`]*)`|([A-Za-z_][A-Za-z0-9_]*|[0-9]+))""", re.S | re.X)


def query_parameters(query: str) -> list[str]:
    """The names of the ``$parameters`` of Cypher `query` (not counting ``$`` in strings, names or comments).

    >>> query_parameters("MATCH (d) WHERE d.name = $dataset AND d.note <> '$x' RETURN $dataset, $`k` // $y")
    ['dataset', 'k']
    """
    names = (m.group(1) if m.group(1) is not None else m.group(2) for m in _TOKENS.finditer(query))
    return list(dict.fromkeys(name for name in names if name is not None))


def check_parameters(query: str, params: Mapping[str, Any] | None) -> None:
    """QueryError unless `params` gives exactly the parameters `query` uses: the same message on every engine
    (Ladybug would read a missing one as null, Neo4j ignores extra ones)."""
    wanted = query_parameters(query)
    given = list(params or {})
    missing = [name for name in wanted if name not in given]
    extra = [name for name in given if name not in wanted]
    if missing:
        example = " ".join(f"--param {name}=VALUE" for name in missing)
        raise QueryError(f"the query needs parameter(s) {', '.join('$' + n for n in missing)}: give {example} "
                         "(VALUE may be null)")
    if extra:
        raise QueryError(f"the query has no parameter(s) {', '.join('$' + n for n in extra)}"
                         + (f"; its parameters are {', '.join('$' + n for n in wanted)}" if wanted else
                            "; it takes none"))


def cypher(query: str, params: Mapping[str, Any] | None = None, *, graph_dir: Path | None = None,
           uri: str | None = None, user: str | None = None, password: str | None = None,
           database: str | None = None) -> QueryResult:
    """Run `query` on the Neo4j at `uri` if given, else on the embedded database of the build in `graph_dir`.

    Raises QueryError when `params` misses a parameter the query uses or names one it does not use.
    """
    check_parameters(query, params)
    if uri:
        from kg.stores.neo4j import connection_settings, run_cypher

        uri, user, password = connection_settings(uri, user, password)
        return run_cypher(uri, user, password, query, params, database=database)
    from kg.stores.embedded import run_cypher as run_embedded

    return run_embedded(Path(graph_dir or "kg-out"), query, params)
