"""Reader for CSV and TSV files whose header names a title and an abstract column."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from pathlib import Path

from kg.errors import InputError
from kg.ingest.files import open_binary
from kg.ingest.identity import DEFAULT_MAX_ABSTRACT_CHARS
from kg.ingest.jsonl import ABSTRACT_FIELDS, TITLE_FIELDS, paper_from_mapping
from kg.records import Paper, Skipped, Source

__all__ = ["read_table"]

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def _has_surrogates(values: list[str]) -> bool:
    return any("\udc80" <= ch <= "\udcff" for value in values for ch in value)


def read_table(
    path: Path, *, delimiter: str | None = None, max_abstract_chars: int = DEFAULT_MAX_ABSTRACT_CHARS
) -> Iterator[Paper | Skipped]:
    """Yield a Paper per row; `delimiter` defaults to a tab when the header has one, else a comma.

    Raises InputError when the header has no title column; rows with invalid UTF-8 are Skipped.
    """
    src = str(path)
    with open_binary(path) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
        header_line = text.readline()
        if delimiter is None:
            delimiter = "\t" if "\t" in header_line else ","
        header = next(csv.reader([header_line], delimiter=delimiter), [])
        names = [h.strip().lower() for h in header]
        if not any(n in TITLE_FIELDS for n in names):
            raise InputError(
                f"no title column in the header (found: {', '.join(header) or 'nothing'}; "
                f"expected one of {', '.join(TITLE_FIELDS)})",
                path=src,
                line=1,
            )
        if not any(n in ABSTRACT_FIELDS for n in names):
            raise InputError(
                f"no abstract column in the header (expected one of {', '.join(ABSTRACT_FIELDS)})", path=src, line=1
            )
        reader = csv.reader(text, delimiter=delimiter)
        line = 2
        while True:
            start = line
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InputError(f"malformed CSV: {exc}", path=src, line=start) from exc
            line = reader.line_num + 2
            if not any(cell.strip() for cell in row):
                continue
            source = Source(src, start)
            if _has_surrogates(row):
                yield Skipped(source, "invalid UTF-8 in this row")
                continue
            if len(row) != len(names):
                yield Skipped(source, f"row has {len(row)} fields, the header has {len(names)}")
                continue
            yield paper_from_mapping(dict(zip(names, row)), source, max_abstract_chars=max_abstract_chars)
