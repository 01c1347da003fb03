"""The one error hierarchy of kg: every message says what went wrong and where, so a user can act on it."""

from __future__ import annotations

__all__ = ["KGError", "InputError", "MissingInputError", "OutputError", "ExtractionError", "GraphError", "StoreError", "QueryError"]


class KGError(Exception):
    """Base class of every error kg raises on purpose; the CLI prints it as one line and exits with
    `exit_code`: 2 for a usage error (as click's own), 1 for anything else."""

    exit_code = 1


class InputError(KGError):
    """An input file is unreadable or malformed; the message names the file and line."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)


class MissingInputError(InputError):
    """A path given on the command line does not exist or a pattern matches nothing: a usage error."""

    exit_code = 2


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
