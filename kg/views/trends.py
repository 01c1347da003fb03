"""Time on the site: the month of a paper's date, papers per month as a small inline SVG, and what is rising.

Dates come from the input as written ("2025-03-14", "2025-03", "Fri, 14 Mar 2025 ..."); `month_of` reads
the forms the readers produce and returns None for anything else, so an odd date never breaks a page.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from kg.views.html import attr, esc

__all__ = ["month_of", "month_range", "sparkline", "rising"]

_ISO = re.compile(r"^\s*(\d{4})-(\d{2})")
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_WORDY = re.compile(r"\b(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{4})\b")


def month_of(date: object) -> str | None:
    """``YYYY-MM`` of a date as the readers write it, or None.

    >>> month_of("2025-03-14"), month_of("2024-11"), month_of("Fri, 14 Mar 2025 10:00:00 GMT"), month_of("Mar 13")
    ('2025-03', '2024-11', '2025-03', None)
    """
    if not isinstance(date, str):
        return None
    match = _ISO.match(date)
    if match and 1 <= int(match[2]) <= 12:
        return f"{match[1]}-{match[2]}"
    match = _WORDY.search(date)
    if match and match[2].lower() in _MONTHS:
        return f"{match[3]}-{_MONTHS[match[2].lower()]:02d}"
    return None


def month_range(first: str, last: str) -> list[str]:
    """Every ``YYYY-MM`` from `first` to `last` inclusive.

    >>> month_range("2024-11", "2025-02")
    ['2024-11', '2024-12', '2025-01', '2025-02']
    """
    year, month = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    out = []
    while (year, month) <= end and len(out) < 1200:
        out.append(f"{year}-{month:02d}")
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return out


def sparkline(per_month: Counter[str], span: tuple[str, str] | None = None, width: int = 360,
              height: int = 64) -> str:
    """Papers per month as an inline SVG bar chart (one ``<rect>`` per month, a ``<title>`` on each), or ""
    when no paper has a date. `span` (first, last month) fixes the axis so every chart of a site lines up."""
    if not per_month:
        return ""
    months = month_range(*(span or (min(per_month), max(per_month))))
    top = max(per_month.values())
    bar = width / len(months)
    rects = []
    for i, month in enumerate(months):
        count = per_month.get(month, 0)
        h = 0 if not count else max(2.0, (height - 14) * count / top)
        rects.append(f'<rect x="{i * bar:.1f}" y="{height - 12 - h:.1f}" width="{max(bar - 1, 1):.1f}" '
                     f'height="{h:.1f}" data-month={attr(month)} data-count="{count}">'
                     f"<title>{esc(month)}: {count} paper{'s' if count != 1 else ''}</title></rect>")
    label = f"Papers per month, {months[0]} to {months[-1]}"
    return (f'<svg class="kg-trend" role="img" aria-label={attr(label)} width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
            f'{"".join(rects)}'
            f'<text x="0" y="{height - 1}" class="kg-trend-axis">{esc(months[0])}</text>'
            f'<text x="{width}" y="{height - 1}" text-anchor="end" class="kg-trend-axis">{esc(months[-1])}</text>'
            f"</svg>")


def rising(per_entity: dict[str, Counter[str]], months: Iterable[str], recent: int = 3,
           min_recent: int = 3) -> list[tuple[str, int, int]]:
    """Entities whose share of papers grew most in the last `recent` months of `months` against the months
    before: (entity, papers in the recent window, papers before), best first. Needs `min_recent` recent papers."""
    ordered = sorted(set(months))
    if len(ordered) < 2:
        return []
    window = set(ordered[-recent:])
    scored = []
    for entity, counts in per_entity.items():
        now = sum(c for m, c in counts.items() if m in window)
        before = sum(c for m, c in counts.items() if m not in window)
        if now >= min_recent:
            span_before = max(1, len(ordered) - len(window))
            growth = (now / len(window)) / ((before + 1) / span_before)
            scored.append((growth, now, before, entity))
    scored.sort(key=lambda s: (-s[0], -s[1], s[3]))
    return [(entity, now, before) for _, now, before, entity in scored]
