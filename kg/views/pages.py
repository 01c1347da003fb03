"""The HTML of the site's pages: the index, an entity page, a paper page. Every untrusted string is escaped here.

Pages live one folder below the site root (``method/x.html``), so every link starts with ``../``; graph data
is embedded per page as escaped JSON and drawn by the shared ``assets/kg-graph.js`` with the vis-network
build shipped in ``assets/``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kg.views.html import attr, esc, safe_url, script_json

__all__ = ["BROWSE_TYPES", "Link", "page", "graph_section", "table", "highlight", "link", "SEARCH_INDEX"]

SEARCH_INDEX = "assets/search-index.js"
BROWSE_TYPES: tuple[str, ...] = ("Method", "Dataset", "Task", "Metric", "Paper")


@dataclass(frozen=True)
class Link:
    """A page link: the text shown (untrusted), the target relative to the site root (ours), a type badge."""

    text: str
    href: str | None
    kind: str | None = None


def link(item: Link, root: str = "../") -> str:
    """``<a>`` for a Link (or plain text when it has no page), with its type badge."""
    text = esc(item.text)
    body = f'<a href={attr(root + item.href)}>{text}</a>' if item.href else text
    if item.kind:
        body += f' <span class="kg-type">{esc(item.kind)}</span>'
    return body


def page(title: str, body: str, *, root: str = "../", graph: bool = False, search: bool = False,
         scripts: Sequence[str] = ()) -> str:
    """A complete page: our stylesheet, a header linking back to the index and the browse pages, `body`, and
    the scripts it needs (`scripts`: more of ours, relative to the site root, loaded last)."""
    head = [f'<link rel="stylesheet" href={attr(root + "assets/kg.css")}>']
    extra = list(scripts)
    scripts = []
    if graph:
        head.insert(0, f'<link rel="stylesheet" href={attr(root + "assets/vis-network.css")}>')
        scripts += [root + "assets/vis-network.min.js", root + "assets/kg-graph.js"]
    if search:
        scripts += [root + "assets/kg-search.js"]  # it loads SEARCH_INDEX when the box is first used
    scripts += [root + src for src in extra]
    tags = "".join(f"<script src={attr(src)}></script>\n" for src in scripts)
    browse = "".join(f'<a href={attr(f"{root}browse/{t.lower()}.html")}>{t}s</a>' for t in BROWSE_TYPES)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n{''.join(head)}\n</head>\n<body>\n"
        f'<header class="kg-top"><a class="kg-home" href={attr(root + "index.html")}>kg index</a>'
        f'<nav class="kg-nav" aria-label="Browse">{browse}</nav></header>\n'
        f"<main>\n{body}\n</main>\n{tags}</body>\n</html>\n"
    )


def graph_section(data: dict[str, Any], note: str) -> str:
    """The neighbourhood view of a page: find box, legend with type filters, canvas, and its JSON."""
    return (
        "<h2>Neighbourhood</h2>\n"
        '<div class="kg-view-bar"><div class="kg-find-box"><input id="kg-find" type="search" '
        'placeholder="Find a node by name or alias" autocomplete="off" aria-label="Find a node">'
        '<ul id="kg-find-results"></ul></div><div id="kg-legend"></div></div>\n'
        f'<p class="kg-meta">{esc(note)} &middot; click a node to open its page</p>\n'
        '<div id="kg-graph"></div>\n'
        f'<script type="application/json" id="kg-graph-data">{script_json(data)}</script>'
    )


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Iterable[int] = ()) -> str:
    """A table whose cells are already-escaped HTML fragments."""
    nums = set(numeric)
    head = "".join(f'<th{" class=num" if i in nums else ""}>{esc(h)}</th>' for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f'<td{" class=num" if i in nums else ""}>{cell}</td>' for i, cell in enumerate(row))
        + "</tr>\n"
        for row in rows
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>" if body else \
        '<p class="kg-meta">none</p>'


@dataclass(frozen=True, order=True)
class Span:
    """One extracted mention: text[start:end] names `node` (shown as `name`, of type `kind`, page `href`)."""

    start: int
    end: int
    node: str = field(compare=False)
    name: str = field(compare=False)
    kind: str = field(compare=False)
    href: str | None = field(compare=False)


def highlight(text: str, spans: Iterable[Span], root: str = "../") -> str:
    """`text` escaped, every mention wrapped in a ``<mark>`` linking to its entity page.

    Overlapping mentions are split at every span boundary; each piece links to the shortest mention that
    covers it (the most specific entity) and lists every entity covering it in its tooltip.
    """
    valid = sorted({s for s in spans if 0 <= s.start < s.end <= len(text)}, key=lambda s: (s.start, s.end, s.node))
    if not valid:
        return esc(text)
    cuts = sorted({0, len(text), *(s.start for s in valid), *(s.end for s in valid)})
    pieces: list[str] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        covering = [s for s in valid if s.start <= a and s.end >= b]
        chunk = esc(text[a:b])
        if not covering:
            pieces.append(chunk)
            continue
        best = min(covering, key=lambda s: (s.end - s.start, s.node))
        names = list(dict.fromkeys(f"{s.kind}: {s.name}" for s in covering))
        classes = f"kg-m kg-m-{best.kind}" + (" kg-m-multi" if len(names) > 1 else "")
        inner = f"<a href={attr(root + best.href)}>{chunk}</a>" if best.href else chunk
        pieces.append(f'<mark class={attr(classes)} title={attr("; ".join(names))}>{inner}</mark>')
    return "".join(pieces)


def meta_rows(rows: Iterable[tuple[str, str]]) -> str:
    """A definition table of (label, already-escaped HTML) pairs, skipping empty values."""
    body = "".join(f"<tr><th>{esc(k)}</th><td>{v}</td></tr>\n" for k, v in rows if v)
    return f'<table class="kg-meta-table">\n{body}</table>'


def external(url: object) -> str:
    """A link to an http(s) address, or nothing for anything else (``javascript:`` never becomes a link)."""
    target = safe_url(url)
    return f'<a href={attr(target)} rel="noopener noreferrer">{esc(target)}</a>' if target else ""
