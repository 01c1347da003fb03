"""Readers for JSON Lines and JSON arrays of papers, including the arXiv metadata snapshot schema."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.ingest.files import open_binary, read_lines
from kg.ingest.identity import DEFAULT_MAX_ABSTRACT_CHARS, make_paper
from kg.records import Paper, Skipped, Source

__all__ = ["TITLE_FIELDS", "ABSTRACT_FIELDS", "read_jsonl", "read_json_array", "paper_from_mapping"]

TITLE_FIELDS = ("title", "paper_title", "name")
ABSTRACT_FIELDS = ("abstract", "summary", "paper_abstract")
_AUTHOR_SPLIT = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")


def _first(record: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    lowered = {str(k).lower(): v for k, v in record.items()}
    for name in names:
        if name in lowered and lowered[name] not in (None, ""):
            return lowered[name]
    return None


def _authors(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(a for a in _AUTHOR_SPLIT.split(value) if a.strip())
    if isinstance(value, list):
        out = []
        for item in value:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, list):  # arXiv authors_parsed: [last, first, suffix]
                out.append(" ".join(p for p in (item[1:2] + item[:1] + item[2:3]) if p))
            elif isinstance(item, Mapping) and item.get("name"):
                out.append(str(item["name"]))
        return tuple(out)
    return ()


def _date(record: Mapping[str, Any]) -> str | None:
    for key in ("date", "published", "update_date", "updated"):
        if record.get(key):
            return str(record[key])
    versions = record.get("versions")
    if isinstance(versions, list) and versions and isinstance(versions[0], Mapping):
        created = versions[0].get("created")
        if created:
            try:
                return parsedate_to_datetime(str(created)).date().isoformat()
            except (TypeError, ValueError):
                return str(created)
    return None


def _categories(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return ()


def paper_from_mapping(
    record: Any, source: Source, *, max_abstract_chars: int = DEFAULT_MAX_ABSTRACT_CHARS
) -> Paper | Skipped:
    """Turn one JSON object into a Paper (or a Skipped naming what is missing)."""
    if not isinstance(record, Mapping):
        return Skipped(source, f"expected a JSON object, found {type(record).__name__}")
    title = _first(record, TITLE_FIELDS)
    abstract = _first(record, ABSTRACT_FIELDS)
    if title is None:
        return Skipped(source, f"no title field (looked for {', '.join(TITLE_FIELDS)})")
    if not isinstance(title, str) or (abstract is not None and not isinstance(abstract, str)):
        return Skipped(source, "title and abstract must be strings")
    ident = record.get("arxiv_id") or record.get("id")
    return make_paper(
        title,
        abstract,
        source,
        authors=_authors(record.get("authors_parsed") or record.get("authors")),
        date=_date(record),
        url=record.get("url") if isinstance(record.get("url"), str) else None,
        arxiv_id=str(ident) if ident is not None else None,
        categories=_categories(record.get("categories")),
        max_abstract_chars=max_abstract_chars,
    )


def read_jsonl(path: Path, *, max_abstract_chars: int = DEFAULT_MAX_ABSTRACT_CHARS) -> Iterator[Paper | Skipped]:
    """Yield a Paper per JSON Lines record; malformed lines are Skipped with the parser's message."""
    src = str(path)
    for line in read_lines(path):
        source = Source(src, line.number)
        if line.text is None:
            yield Skipped(source, line.problem or "undecodable line")
            continue
        if not line.text.strip():
            continue
        try:
            record = json.loads(line.text)
        except json.JSONDecodeError as exc:
            yield Skipped(source, f"malformed JSON: {exc.msg} (column {exc.colno})")
            continue
        yield paper_from_mapping(record, source, max_abstract_chars=max_abstract_chars)


def read_json_array(path: Path, *, max_abstract_chars: int = DEFAULT_MAX_ABSTRACT_CHARS) -> Iterator[Paper | Skipped]:
    """Yield a Paper per element of a JSON array (or of the first list value of a top-level object)."""
    src = str(path)
    with open_binary(path) as fh:
        data = fh.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"invalid UTF-8 at byte {exc.start + 1}", path=src, line=line) from exc
    decoder = json.JSONDecoder()
    pos = _skip_ws(text, 0)
    if pos >= len(text) or text[pos] != "[":
        raise InputError("expected a JSON array of papers", path=src, line=1)
    pos = _skip_ws(text, pos + 1)
    line_no, counted = 1, 0
    if pos < len(text) and text[pos] == "]":
        return
    while pos < len(text):
        line_no += text.count("\n", counted, pos)
        counted = pos
        try:
            record, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise InputError(f"malformed JSON: {exc.msg}", path=src, line=exc.lineno) from exc
        yield paper_from_mapping(record, Source(src, line_no), max_abstract_chars=max_abstract_chars)
        pos = _skip_ws(text, end)
        if pos < len(text) and text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
        elif pos < len(text) and text[pos] == "]":
            return
        else:
            raise InputError("malformed JSON: expected ',' or ']'", path=src, line=text.count("\n", 0, pos) + 1)
    raise InputError("malformed JSON: the array is not closed", path=src, line=text.count("\n") + 1)


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos
