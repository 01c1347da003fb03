"""Ingest: files -> Papers. One reader per format, all yielding the same Paper record, then de-duplication."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from kg.errors import InputError
from kg.ingest.dedupe import Corpus, Deduper, dedupe, merge_papers
from kg.ingest.detect import FORMATS, check_text, detect_format
from kg.ingest.files import expand_paths, find_inputs
from kg.ingest.identity import DEFAULT_MAX_ABSTRACT_CHARS, arxiv_id_of, make_paper, paper_id
from kg.ingest.jsonl import read_json_array, read_jsonl
from kg.ingest.normalize import normalize_text, title_key
from kg.ingest.table import read_table
from kg.ingest.trending import read_trending
from kg.records import Paper, Skipped, Source

__all__ = [
    "FORMATS",
    "Corpus",
    "detect_format",
    "expand_paths",
    "find_inputs",
    "read_file",
    "read_entries",
    "read_file_entries",
    "dedupe",
    "Deduper",
    "merge_papers",
    "read_papers",
    "normalize_text",
    "title_key",
    "make_paper",
    "paper_id",
    "arxiv_id_of",
    "DEFAULT_MAX_ABSTRACT_CHARS",
]

_READERS: dict[str, Callable[..., Iterator[Paper | Skipped]]] = {
    "trending": read_trending,
    "jsonl": read_jsonl,
    "json": read_json_array,
    "csv": lambda path, **kw: read_table(path, delimiter=",", **kw),
    "tsv": lambda path, **kw: read_table(path, delimiter="\t", **kw),
}


def read_file(
    path: Path, *, format: str | None = None, max_abstract_chars: int = DEFAULT_MAX_ABSTRACT_CHARS
) -> Iterator[Paper | Skipped]:
    """Read one file in `format` (detected from its content when None), yielding Papers and Skipped entries."""
    if format:
        check_text(path)
    fmt = format or detect_format(path)
    if fmt not in _READERS:
        raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}", path=str(path))
    return _READERS[fmt](path, max_abstract_chars=max_abstract_chars)


def read_entries(
    paths: Iterable[str | os.PathLike[str]],
    *,
    format: str | None = None,
    strict: bool = False,
    max_abstract_chars: int = DEFAULT_MAX_ABSTRACT_CHARS,
) -> Iterator[Paper | Skipped]:
    """Read every file under `paths` in sorted order, yielding one Paper or Skipped per entry.

    A file that cannot be read at all (binary, no title column, broken JSON array, no read permission, not a
    regular file) and a folder that cannot be listed become one Skipped entry each and the rest is still read; with `strict`, any Skipped raises InputError instead.
    A path that does not exist always raises.
    """
    files, unusable = find_inputs(paths)
    for item in unusable:
        if strict:
            raise InputError(item.reason, path=item.source.path)
        yield item
    for path in files:
        yield from read_file_entries(path, format=format, strict=strict, max_abstract_chars=max_abstract_chars)


def read_file_entries(
    path: Path,
    *,
    format: str | None = None,
    strict: bool = False,
    max_abstract_chars: int = DEFAULT_MAX_ABSTRACT_CHARS,
) -> Iterator[Paper | Skipped]:
    """The entries of one file as `read_entries` yields them (an unreadable file becomes one Skipped)."""
    try:
        for item in read_file(path, format=format, max_abstract_chars=max_abstract_chars):
            if strict and isinstance(item, Skipped):
                raise InputError(item.reason, path=item.source.path, line=item.source.line)
            yield item
    except InputError as exc:
        if strict:
            raise
        yield Skipped(Source(str(path), exc.line or 0), exc.message)


def read_papers(
    paths: Iterable[str | os.PathLike[str]],
    *,
    format: str | None = None,
    strict: bool = False,
    max_abstract_chars: int = DEFAULT_MAX_ABSTRACT_CHARS,
) -> Corpus:
    """Read and de-duplicate every paper under `paths`: the ingest stage in one call."""
    return dedupe(read_entries(paths, format=format, strict=strict, max_abstract_chars=max_abstract_chars))
