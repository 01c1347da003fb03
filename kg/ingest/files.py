"""Finding input files and reading their lines: globs and folders expand, gzip is detected by its magic bytes.

Lines are decoded one at a time so that invalid UTF-8 costs one entry, not the whole file.
"""

from __future__ import annotations

import glob
import gzip
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from kg.errors import InputError, MissingInputError

__all__ = ["DATA_SUFFIXES", "Line", "expand_paths", "open_binary", "read_lines", "sniff"]

_GZIP_MAGIC = b"\x1f\x8b"
DATA_SUFFIXES: frozenset[str] = frozenset({".txt", ".jsonl", ".ndjson", ".json", ".csv", ".tsv"})
_SNIFF_BYTES = 8192


@dataclass(frozen=True)
class Line:
    """One line of an input file: 1-based number, decoded text (``None`` if undecodable) and the problem."""

    number: int
    text: str | None
    problem: str | None = None


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Expand files, folders and globs into a sorted, de-duplicated list of files.

    Folders are searched recursively for data files (``.txt .jsonl .ndjson .json .csv .tsv``, optionally
    gzipped; hidden files skipped); a file named explicitly is always read, whatever its name.

    Raises MissingInputError for a path that does not exist or a glob that matches nothing.
    """
    out: list[Path] = []
    for raw in paths:
        text = os.fspath(raw)
        if any(ch in text for ch in "*?["):
            matches = sorted(glob.glob(text, recursive=True))
            if not matches:
                raise MissingInputError("no file matches this pattern", path=text)
            candidates = [Path(m) for m in matches]
        else:
            candidates = [Path(text)]
        for path in candidates:
            if path.is_dir():
                out.extend(sorted(p for p in path.rglob("*") if p.is_file() and _is_data_file(p, path)))
            elif path.exists():
                out.append(path)
            else:
                raise MissingInputError("no such file or folder", path=text)
    seen: set[Path] = set()
    unique = []
    for path in out:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def _is_data_file(path: Path, root: Path) -> bool:
    """Inside a folder, read visible files with a data suffix (optionally .gz); READMEs and the like are not papers."""
    if any(part.startswith(".") for part in path.relative_to(root).parts):
        return False
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return bool(suffixes) and suffixes[-1] in DATA_SUFFIXES


def open_binary(path: Path) -> BinaryIO:
    """Open `path` for reading bytes, transparently un-gzipping it when it starts with the gzip magic."""
    try:
        raw = open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", path=str(path)) from exc
    head = raw.read(2)
    raw.seek(0)
    if head == _GZIP_MAGIC:
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def sniff(path: Path) -> bytes:
    """Return the first few kilobytes of the (decompressed) content, raising InputError if it is binary."""
    try:
        with open_binary(path) as fh:
            head = fh.read(_SNIFF_BYTES)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"cannot read file: {exc}", path=str(path)) from exc
    if b"\x00" in head:
        raise InputError("binary file (contains NUL bytes); expected text, JSON or CSV", path=str(path))
    return head


def read_lines(path: Path) -> Iterator[Line]:
    """Yield every line of `path` without its line ending, decoded as UTF-8 (a BOM is dropped)."""
    try:
        with open_binary(path) as fh:
            for number, chunk in enumerate(fh, 1):
                data = chunk.rstrip(b"\r\n")
                if number == 1 and data.startswith(b"\xef\xbb\xbf"):
                    data = data[3:]
                try:
                    yield Line(number, data.decode("utf-8"))
                except UnicodeDecodeError as exc:
                    yield Line(number, None, f"invalid UTF-8 at byte {exc.start + 1} of the line")
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"cannot read file: {exc}", path=str(path)) from exc
