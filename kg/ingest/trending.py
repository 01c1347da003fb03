"""Reader for text dumps of a trending-papers listing page: a title line, then an abstract line.

The page adds boilerplate ("new", "Subscribe", "Get trending papers in your email inbox!", "byAK and the
research community", date lines such as "Mar 13") which we drop; "Subscribe" may be glued to the first title.
Blank lines may or may not separate entries.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from kg.ingest.files import Line, read_lines
from kg.ingest.identity import DEFAULT_MAX_ABSTRACT_CHARS, make_paper
from kg.records import Paper, Skipped, Source

__all__ = ["BOILERPLATE", "read_trending", "is_boilerplate"]

BOILERPLATE: frozenset[str] = frozenset(
    {
        "new",
        "subscribe",
        "get trending papers in your email inbox!",
        "get trending papers in your email inbox once a day!",
        "byak and the research community",
    }
)
_GLUED_PREFIXES = ("Subscribe",)
_DATE_LINE = re.compile(
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:,?\s+\d{4})?",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


def is_boilerplate(text: str) -> bool:
    """True for a line the listing page adds around papers (case and surrounding space ignored)."""
    stripped = " ".join(text.split())
    return stripped.casefold() in BOILERPLATE or bool(_DATE_LINE.fullmatch(stripped))


def _strip_glued(text: str) -> str:
    for prefix in _GLUED_PREFIXES:
        rest = text[len(prefix):]
        if text.startswith(prefix) and (rest[:1].isupper() or rest[:1].isdigit()):
            return rest
    return text


def _looks_like_abstract(text: str) -> bool:
    return len(text) >= 250 or len(_SENTENCE_END.findall(text)) >= 3


def _looks_like_title(text: str) -> bool:
    return not _looks_like_abstract(text)


def read_trending(
    path: Path, *, max_abstract_chars: int = DEFAULT_MAX_ABSTRACT_CHARS
) -> Iterator[Paper | Skipped]:
    """Yield one Paper per title/abstract pair in a listing dump, and a Skipped for each entry that is not one.

    Pairing follows the page's alternation; a title directly followed by another title-and-abstract is
    reported as a title with no abstract rather than shifting every later pair.
    """
    content: list[Line] = []
    for line in read_lines(path):
        if line.text is None:
            content.append(line)
            continue
        text = _strip_glued(line.text.strip())
        if text and not is_boilerplate(text):
            content.append(Line(line.number, text))
    src = str(path)
    i = 0
    while i < len(content):
        title = content[i]
        if title.text is None:
            yield Skipped(Source(src, title.number), title.problem or "undecodable line")
            i += 1
            continue
        if i + 1 >= len(content):
            yield Skipped(Source(src, title.number), "title with no abstract after it (end of file)")
            break
        abstract = content[i + 1]
        if abstract.text is None:
            yield Skipped(Source(src, title.number), f"abstract on line {abstract.number}: {abstract.problem}")
            i += 2
            continue
        if _looks_like_abstract(title.text):
            yield Skipped(Source(src, title.number), "abstract with no title before it")
            i += 1
            continue
        following = content[i + 2] if i + 2 < len(content) else None
        if (
            _looks_like_title(abstract.text)
            and following is not None
            and following.text is not None
            and _looks_like_abstract(following.text)
            and not _looks_like_abstract(abstract.text)
        ):
            yield Skipped(Source(src, title.number), "title with no abstract after it")
            i += 1
            continue
        yield make_paper(title.text, abstract.text, Source(src, title.number), max_abstract_chars=max_abstract_chars)
        i += 2
