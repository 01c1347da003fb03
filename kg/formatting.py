"""Printing records the same way in every command: ``--format table|json|csv``."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

__all__ = ["FORMATS", "render"]

FORMATS: tuple[str, ...] = ("table", "json", "csv")


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
    """Render `rows` as a table for people, one JSON array, or CSV with a header; returns the text.

    Values are kept exact in json and csv; the table truncates long cells to fit the terminal.
    """
    columns = list(columns or (list(rows[0].keys()) if rows else []))
    if fmt == "json":
        return json.dumps([{c: r.get(c) for c in columns} for r in rows], ensure_ascii=False, indent=2)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
        return buf.getvalue().rstrip("\n")
    if fmt != "table":
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold" if column in ("title", "name", "value") else "ellipsis")
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    import shutil

    width = width or max(60, shutil.get_terminal_size((120, 24)).columns)
    console = Console(file=io.StringIO(), width=width, force_terminal=False, color_system=None)
    console.print(table)
    return console.file.getvalue().rstrip("\n")  # type: ignore[attr-defined]
