"""Browse pages (``browse/method.html`` ...): every entity or paper of a type in one table, sortable and
filterable in the page by ``assets/kg-browse.js``; without script the table is still complete and linked.

Rows carry their sort keys as ``data-`` attributes (papers as a number, dates as ``YYYY-MM-DD``) so the
script never parses cell text; names go in as escaped text only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kg.views import pages
from kg.views.html import attr, esc

__all__ = ["BrowseRow", "browse_page", "BROWSE_DIR"]

BROWSE_DIR = "browse"


@dataclass(frozen=True)
class BrowseRow:
    """One entity or paper in a browse table."""

    name: str
    href: str | None
    papers: int
    first: str
    last: str
    extra: str = ""


def browse_page(kind: str, rows: Iterable[BrowseRow], note: str = "") -> str:
    """The page listing every `kind` node, most papers first, with a filter box and sortable columns."""
    plural = f"{kind}s"
    items = list(rows)
    is_paper = kind == "Paper"
    headers = ["title", "entities", "date"] if is_paper else ["name", "papers", "first paper", "last paper"]
    sort = ["text", "num", "text"] if is_paper else ["text", "num", "text", "text"]
    head = "".join(f'<th data-sort={attr(s)}{" class=num" if s == "num" else ""} scope="col">{esc(h)}</th>'
                   for h, s in zip(headers, sort, strict=True))
    body = []
    for row in items:
        name = pages.link(pages.Link(row.name, row.href))
        key = attr(row.name.casefold())
        if is_paper:
            cells = [f"<td data-key={key}>{name}</td>", f'<td class=num data-key="{row.papers}">{row.papers}</td>',
                     f"<td data-key={attr(row.first)}>{esc(row.first)}</td>"]
        else:
            cells = [f"<td data-key={key}>{name}{row.extra}</td>",
                     f'<td class=num data-key="{row.papers}">{row.papers}</td>',
                     f"<td data-key={attr(row.first)}>{esc(row.first)}</td>",
                     f"<td data-key={attr(row.last)}>{esc(row.last)}</td>"]
        body.append("<tr>" + "".join(cells) + "</tr>\n")
    html = [
        f"<h1>{esc(plural)} <span class=\"kg-meta\">({len(items):,})</span></h1>",
        f'<p class="kg-meta">{esc(note)}</p>' if note else "",
        '<div class="kg-browse-bar"><input id="kg-filter" type="search" autocomplete="off" '
        f'placeholder="Filter {esc(plural.lower())} by name" aria-label="Filter by name">'
        '<span id="kg-filter-status" class="kg-meta"></span></div>',
        f'<table class="kg-sortable" id="kg-browse"><thead><tr>{head}</tr></thead>\n<tbody>\n{"".join(body)}'
        "</tbody></table>",
    ]
    return pages.page(f"{plural} - kg", "\n".join(html), scripts=["assets/kg-browse.js"])
