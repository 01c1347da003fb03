"""The one error hierarchy of kg: every message says what went wrong and where, so a user can act on it."""

from __future__ import annotations

__all__ = ["KGError", "InputError", "OutputError", "ExtractionError", "GraphError", "StoreError", "QueryError"]


class KGError(Exception):
    """Base class of every error kg raises on purpose; the CLI prints it as one line and exits non-zero."""

    exit_code = 1


class InputError(KGError):
    """An input file is missing, unreadable or malformed; the message names the file and line."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)


class OutputError(KGError):
    """An output could not be written (the previous output, if any, is left intact)."""


class ExtractionError(KGError):
    """The extractor could not be built or run (for example a broken pattern file)."""


class GraphError(KGError):
    """A built graph is missing, unreadable, or does not contain what was asked for."""


class StoreError(KGError):
    """A store (Neo4j, embedded Cypher, RDF) refused a connection, a login or a write."""


class QueryError(KGError):
    """A Cypher or SPARQL query is invalid or failed to run."""
