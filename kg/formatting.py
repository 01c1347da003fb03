"""Printing records the same way in every command: ``--format table|json|jsonl|csv``, and counted nouns."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

__all__ = ["FORMATS", "plural", "render"]

FORMATS: tuple[str, ...] = ("table", "json", "jsonl", "csv")

_IRREGULAR = {"entry": "entries", "match": "matches", "batch": "batches", "this": "these", "is": "are", "was": "were"}
_CELL_PADDING = 3  # rich's column separator and padding, per column
_MIN_TEXT_WIDTH = 24  # text columns wrap at spaces, but not narrower than this (the table grows instead)


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``"1 paper"``, ``"2 papers"``, ``"1 duplicate entry"``, ``"0 duplicate entries"``: the count and the
    noun (its last word made plural, or `many`) in agreement."""
    if count == 1:
        return f"{count} {noun}"
    if many is None:
        head, _, last = noun.rpartition(" ")
        many = (f"{head} " if head else "") + _IRREGULAR.get(last, last + "s")
    return f"{count} {many}"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def render(rows: Sequence[dict[str, Any]], fmt: str = "table", columns: Sequence[str] | None = None,
           *, title: str | None = None, width: int | None = None) -> str:
    """Render `rows` as a table for people, one JSON array, JSON Lines (one object a line) or CSV with a
    header; returns the text.

    Values are exact in json, jsonl and csv. The table wraps long cells at spaces and never cuts a word (an
    id, a ``file:line`` source): it grows wider than the terminal rather than break one.
    """
    columns = list(columns or (list(rows[0].keys()) if rows else []))
    if fmt == "json":
        return json.dumps([{c: r.get(c) for c in columns} for r in rows], ensure_ascii=False, indent=2)
    if fmt == "jsonl":
        return "\n".join(json.dumps({c: r.get(c) for c in columns}, ensure_ascii=False) for r in rows)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
        return buf.getvalue().rstrip("\n")
    if fmt != "table":
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return _table(rows, columns, title, width)


def _column_widths(cells: list[list[str]], columns: list[str], width: int) -> list[int]:
    """Widths that fit `width` where possible, never narrower than a column's longest word (nor a text
    column narrower than `_MIN_TEXT_WIDTH`): past that the table is wider than `width`."""
    from rich.cells import cell_len

    def longest(texts: list[str]) -> int:
        return max([cell_len(t) for t in texts] + [0])

    natural = [longest([columns[i], *(line for r in cells for line in r[i].splitlines())]) for i in range(len(columns))]
    words = [longest([columns[i], *(w for r in cells for w in r[i].split())]) for i in range(len(columns))]
    minimum = [max(w, min(n, _MIN_TEXT_WIDTH)) for w, n in zip(words, natural)]
    room = width - _CELL_PADDING * len(columns) - 1
    if sum(natural) <= room:
        return natural
    spare = max(0, room - sum(minimum))
    stretch = [n - m for n, m in zip(natural, minimum)]
    total = sum(stretch) or 1
    return [m + spare * s // total for m, s in zip(minimum, stretch)]


def _table(rows: Sequence[dict[str, Any]], columns: list[str], title: str | None, width: int | None) -> str:
    import shutil

    from rich.console import Console
    from rich.table import Table

    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    width = width or max(60, shutil.get_terminal_size((120, 24)).columns)
    widths = _column_widths(cells, columns, width)
    table = Table(title=title, show_lines=False, header_style="bold")
    for column, size in zip(columns, widths):
        table.add_column(column, overflow="fold", width=size)
    for row in cells:
        table.add_row(*row)
    width = max(width, sum(widths) + _CELL_PADDING * len(columns) + 1)
    console = Console(file=io.StringIO(), width=width, force_terminal=False, color_system=None)
    console.print(table)
    return "\n".join(line.rstrip() for line in console.file.getvalue().rstrip("\n").splitlines())  # type: ignore[attr-defined]
