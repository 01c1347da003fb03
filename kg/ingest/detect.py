"""Format detection from a file's content (the extension is only a tie-breaker)."""

from __future__ import annotations

from pathlib import Path

from kg.errors import InputError
from kg.ingest.files import sniff
from kg.ingest.jsonl import ABSTRACT_FIELDS, TITLE_FIELDS

__all__ = ["FORMATS", "detect_format"]

FORMATS: tuple[str, ...] = ("trending", "jsonl", "json", "csv", "tsv")


def detect_format(path: Path) -> str:
    """Return one of FORMATS for `path` by looking at its first bytes (after gunzipping).

    JSON arrays start with ``[``, JSON Lines with ``{``; a first line naming a title and an abstract column
    separated by tabs or commas is TSV/CSV; anything else is read as a listing-page text dump.
    """
    head = sniff(path)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not text:
        raise InputError("empty file", path=str(path))
    if text[0] == "[":
        return "json"
    if text[0] == "{":
        return "jsonl"
    first = text.splitlines()[0].lower() if text.splitlines() else ""
    for delimiter, name in (("\t", "tsv"), (",", "csv")):
        cells = [c.strip().strip('"').strip() for c in first.split(delimiter)]
        if len(cells) > 1 and any(c in TITLE_FIELDS for c in cells) and any(c in ABSTRACT_FIELDS for c in cells):
            return name
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    if suffixes and suffixes[-1] in (".csv", ".tsv"):
        return suffixes[-1][1:]
    return "trending"
