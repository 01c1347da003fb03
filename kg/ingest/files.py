"""Finding input files and reading their lines: globs and folders expand, gzip is detected by its magic bytes.

Lines are decoded one at a time so that invalid UTF-8 costs one entry, not the whole file.
"""

from __future__ import annotations

import codecs
import glob
import gzip
import io
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from kg.errors import InputError, MissingInputError
from kg.records import Skipped, Source

__all__ = ["DATA_SUFFIXES", "Line", "expand_paths", "find_inputs", "unreadable", "open_binary", "read_head",
           "read_lines", "sniff"]

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
    """Expand files, folders and globs into a sorted, de-duplicated list of readable files.

    Folders are searched recursively for data files (``.txt .jsonl .ndjson .json .csv .tsv``, optionally
    gzipped; hidden files skipped); a file named explicitly is always read, whatever its name. What cannot
    be read is left out: `find_inputs` says why.

    Raises InputError for a path that does not exist or a glob that matches nothing.
    """
    return find_inputs(paths)[0]


def find_inputs(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Skipped]]:
    """The files `expand_paths` finds, and one Skipped entry (line 0) for each input that cannot be read: a
    file without read permission, anything that is not a regular file (a FIFO or a device would block or never
    end), a folder that cannot be listed.

    Raises MissingInputError for a path that does not exist or a glob that matches nothing.
    """
    out: list[Path] = []
    skipped: list[Skipped] = []
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
                found, problems = _walk(path)
                out.extend(found)
                skipped.extend(problems)
            elif os.path.lexists(path) and not path.exists():
                raise InputError("no such file or folder (a broken link)", path=text)
            elif path.exists():
                problem = unreadable(path)
                if problem:
                    skipped.append(Skipped(Source(str(path), 0), problem))
                else:
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
    return unique, skipped


def _walk(root: Path) -> tuple[list[Path], list[Skipped]]:
    """The readable data files under `root` (sorted), and a Skipped entry for each unlistable folder and each
    data file that cannot be read. Hidden folders are not entered; links to folders are not followed."""
    found: list[Path] = []
    skipped: list[Skipped] = []

    def unlistable(exc: OSError) -> None:
        where = exc.filename or str(root)
        skipped.append(Skipped(Source(str(where), 0), f"cannot list folder: {exc.strerror or exc}"))

    for folder, dirs, names in os.walk(root, onerror=unlistable):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            path = Path(folder) / name
            if not _is_data_file(path, root):
                continue
            problem = unreadable(path)
            if problem is None:
                found.append(path)
            elif path.exists():  # a broken link is no input
                skipped.append(Skipped(Source(str(path), 0), problem))
    found.sort()
    skipped.sort(key=lambda s: s.source.path)
    return found, skipped


def unreadable(path: Path) -> str | None:
    """Why `path` cannot be read as an input file, or None when it can: only regular files are read (a FIFO
    blocks, a device never ends), and only those this process may open."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return f"cannot read file: {exc.strerror or exc}"
    if not stat.S_ISREG(mode):
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a character device" if stat.S_ISCHR(mode)
                else "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a file")
        return f"not a regular file ({kind}); kg reads regular files only"
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        return f"cannot read file: {exc.strerror or exc}"
    return None


def _is_data_file(path: Path, root: Path) -> bool:
    """Inside a folder, read visible files with a data suffix (optionally .gz); READMEs and the like are not papers."""
    if any(part.startswith(".") for part in path.relative_to(root).parts):
        return False
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return bool(suffixes) and suffixes[-1] in DATA_SUFFIXES


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


class _Utf8Recoder(io.RawIOBase):
    """The text of a UTF-16/32 stream as UTF-8 bytes, so that every reader sees UTF-8 whatever the file held."""

    def __init__(self, raw: BinaryIO, encoding: str) -> None:
        super().__init__()
        self._text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")  # type: ignore[arg-type]
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            text = self._text.read(1 << 16)
            if not text:
                return 0
            self._pending = text.encode("utf-8", "surrogatepass")
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        if not self.closed:
            self._text.close()
        super().close()


def open_binary(path: Path) -> BinaryIO:
    """Open `path` for reading bytes, transparently un-gzipping it when it starts with the gzip magic, and
    re-encoding it as UTF-8 when it starts with a UTF-16 or UTF-32 byte order mark."""
    try:
        raw = open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", path=str(path)) from exc
    stream: BinaryIO = raw
    try:
        if raw.peek(2)[:2] == _GZIP_MAGIC:
            stream = gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[assignment]
        head = stream.peek(4)[:4]  # type: ignore[attr-defined]
    except (OSError, EOFError) as exc:
        stream.close()
        raise InputError(f"cannot read file: {exc}", path=str(path)) from exc
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return io.BufferedReader(_Utf8Recoder(stream, encoding))  # type: ignore[return-value]
    return stream


def read_head(path: Path) -> bytes:
    """The first few kilobytes of the (decompressed, UTF-8) content of `path`."""
    try:
        with open_binary(path) as fh:
            return fh.read(_SNIFF_BYTES)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"cannot read file: {exc}", path=str(path)) from exc


def sniff(path: Path) -> bytes:
    """Return the first few kilobytes of the (decompressed) content, raising InputError if it is binary."""
    head = read_head(path)
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
