"""Reading the input of ``kg extract``: JSONL lines ``{"id", "title", "abstract"}``."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, TextIO

from kg.errors import InputError, MissingInputError

__all__ = ["ExtractInput", "read_extract_input", "parse_extract_line"]


@dataclass(frozen=True)
class ExtractInput:
    """One paper to extract from: anything with ``id``, ``title`` and ``abstract`` will do."""

    id: str
    title: str
    abstract: str


def parse_extract_line(line: str, *, path: str | None = None, number: int | None = None) -> ExtractInput:
    """Parse one JSONL line; raise InputError naming `path`:`number` when it is malformed."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", path=path, line=number) from exc
    if not isinstance(obj, dict):
        raise InputError("expected a JSON object with id, title, abstract", path=path, line=number)
    missing = [k for k in ("id", "title", "abstract") if k not in obj]
    if missing:
        raise InputError(f"missing field(s): {', '.join(missing)}", path=path, line=number)
    pid, title, abstract = obj["id"], obj["title"], obj["abstract"]
    if not isinstance(pid, (str, int)) or isinstance(pid, bool):
        raise InputError("field 'id' must be a string", path=path, line=number)
    for key, val in (("title", title), ("abstract", abstract)):
        if val is not None and not isinstance(val, str):
            raise InputError(f"field {key!r} must be a string", path=path, line=number)
    return ExtractInput(str(pid), title or "", abstract or "")


def read_extract_input(path: str | Path) -> Iterator[ExtractInput]:
    """Yield the papers of a JSONL file (``-``: standard input), one per non-blank line, in file order.

    Raises InputError (with the path and 1-based line) on unreadable files, bad JSON or missing fields.
    """
    if str(path) == "-":
        yield from _read_lines(sys.stdin, "<stdin>")
        return
    p = Path(path)
    try:
        fh = p.open(encoding="utf-8")
    except FileNotFoundError as exc:
        raise MissingInputError("no such file", path=str(p)) from exc
    except OSError as exc:
        raise InputError(f"cannot open: {exc.strerror or exc}", path=str(p)) from exc
    with fh:
        yield from _read_lines(fh, str(p))


def _read_lines(fh: TextIO, name: str) -> Iterator[ExtractInput]:
    try:
        for number, line in enumerate(fh, start=1):
            if line.strip():
                yield parse_extract_line(line, path=name, number=number)
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text: {exc.reason}", path=name) from exc
