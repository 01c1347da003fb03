"""Keep embedded Cypher inside the build: the statements that reach files, extensions or the network are refused.

The embedded engine (LadybugDB, the Kùzu fork) opens the build read-only, but that does not stop ``COPY ... TO``
or ``EXPORT DATABASE`` writing files, ``LOAD FROM`` reading any file, ``INSTALL``/``LOAD EXTENSION``
downloading and running code, ``ATTACH`` opening other databases, ``CALL option = value`` changing where
the engine looks for files, or its file-reading table functions (``CALL READ_CSV_SERIAL('/etc/passwd')``). `check_read_only` rejects them before a query runs, by their keywords outside
string literals, quoted names and comments (so a title containing "copy" is still searchable).
"""

from __future__ import annotations

import re

from kg.errors import QueryError

__all__ = ["check_read_only", "FORBIDDEN"]

#: Keywords of statements that touch files, extensions, other databases or the network.
FORBIDDEN: frozenset[str] = frozenset({
    "COPY", "EXPORT", "IMPORT", "LOAD", "INSTALL", "UNINSTALL", "UPDATE", "ATTACH", "DETACH", "USE", "CHECKPOINT",
})

#: Table functions that read or write files (READ_CSV_SERIAL, READ_PARQUET, COPY_CSV, ...; some crash the
#: engine when called directly), and FILE_INFO.
_FILE_FUNCTION_PREFIXES = ("READ_", "COPY_", "WRITE_", "SCAN_")

# String literals, backquoted names and comments: their words are not keywords. An unclosed one runs to the end.
_OPAQUE = re.compile(r"""'(?:[^'\\]|\\.)*(?:'|$)|"(?:[^"\\]|\\.)*(?:"|$)|`[^`]*(?:`|$)|//[^\n]*|/\*.*?(?:\*/|$)""",
                     re.DOTALL)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_read_only(query: str) -> None:
    """Raise QueryError (one line naming the keyword) when `query` holds a statement the embedded engine must
    not run: anything that touches files, extensions, other databases or the network, or changes settings.

    >>> check_read_only("MATCH (p:Paper) WHERE p.title CONTAINS 'copy' RETURN p.load")
    >>> check_read_only("COPY (MATCH (p:Paper) RETURN p.id) TO 'x.csv'")
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: the embedded Cypher engine answers read-only queries: COPY is not allowed (it reaches files, extensions or the network outside the build)
    """
    code = _OPAQUE.sub(lambda m: " " * len(m.group()), query)
    for match in _WORD.finditer(code):
        word = match.group().upper()
        before = code[:match.start()].rstrip()[-1:]
        after = code[match.end():].lstrip()
        if before in (".", ":", "$") or after.startswith(":"):
            continue  # a property, a label, a parameter or a map key, not a keyword
        if word == "DETACH" and after[:6].upper() == "DELETE":
            continue  # a write, which the read-only database refuses with its own message
        if word in FORBIDDEN:
            _refuse(word)
        if after.startswith("(") and (word.startswith(_FILE_FUNCTION_PREFIXES) or word == "FILE_INFO"):
            _refuse(f"{word}(...)")
        if word == "CALL" and re.match(r"[A-Za-z_][A-Za-z0-9_]*\s*=", after):
            _refuse("CALL option = value")


def _refuse(what: str) -> None:
    raise QueryError(f"the embedded Cypher engine answers read-only queries: {what} is not allowed (it reaches "
                     "files, extensions or the network outside the build)")
