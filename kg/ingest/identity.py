"""Paper identity: stable ids and the construction of a normalized Paper from the fields a reader found."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from kg.ingest.normalize import normalize_text, title_key
from kg.records import Paper, Skipped, Source

__all__ = ["DEFAULT_MAX_ABSTRACT_CHARS", "arxiv_id_of", "arxiv_month", "paper_id", "make_paper"]

DEFAULT_MAX_ABSTRACT_CHARS = 100_000
_MAX_TITLE_CHARS = 2_000

_ARXIV_NEW = re.compile(r"(?:arxiv:)?(\d{4}\.\d{4,5})(?:v\d+)?$", re.IGNORECASE)
_ARXIV_OLD = re.compile(r"(?:arxiv:)?([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$", re.IGNORECASE)
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^\s?#]+?)(?:\.pdf)?(?:[?#]|$)", re.IGNORECASE)


def arxiv_id_of(value: str | None) -> str | None:
    """Return the version-less arXiv id in `value` (an id, ``arXiv:`` CURIE or arxiv.org URL), else None.

    >>> arxiv_id_of("https://arxiv.org/abs/2411.04996v2")
    '2411.04996'
    """
    if not value:
        return None
    value = value.strip()
    url = _ARXIV_URL.search(value)
    if url:
        value = url.group(1)
    for pattern in (_ARXIV_NEW, _ARXIV_OLD):
        match = pattern.match(value)
        if match:
            return match.group(1)
    return None


def arxiv_month(arxiv_id: str | None) -> str | None:
    """``YYYY-MM`` an arXiv id was issued in (its first four digits), for papers the input gives no date.

    >>> arxiv_month("2411.04996"), arxiv_month("hep-th/9901001"), arxiv_month(None)
    ('2024-11', '1999-01', None)
    """
    if not arxiv_id:
        return None
    digits = arxiv_id.rsplit("/", 1)[-1][:4]
    if not digits.isdigit() or not 1 <= int(digits[2:]) <= 12:
        return None
    year = int(digits[:2])
    return f"{2000 + year if year < 91 else 1900 + year}-{digits[2:]}"


def paper_id(title: str, arxiv_id: str | None) -> str:
    """Stable id: ``arxiv-<id>`` when the arXiv id is known, else ``title-<16 hex of the title key's SHA-256>``."""
    if arxiv_id:
        return "arxiv-" + arxiv_id.replace("/", "_")
    digest = hashlib.sha256(title_key(title).encode("utf-8")).hexdigest()[:16]
    return "title-" + digest


def make_paper(
    title: str | None,
    abstract: str | None,
    source: Source,
    *,
    authors: Sequence[str] = (),
    date: str | None = None,
    url: str | None = None,
    arxiv_id: str | None = None,
    categories: Sequence[str] = (),
    max_abstract_chars: int = DEFAULT_MAX_ABSTRACT_CHARS,
) -> Paper | Skipped:
    """Normalize one entry into a Paper, or return a Skipped saying why it cannot be one."""
    title_raw = title or ""
    abstract_raw = abstract or ""
    clean_title = normalize_text(title_raw)
    clean_abstract = normalize_text(abstract_raw)
    if not clean_title:
        return Skipped(source, "empty title")
    if len(clean_title) > _MAX_TITLE_CHARS:
        return Skipped(source, f"title is {len(clean_title):,} characters (limit {_MAX_TITLE_CHARS:,})")
    if not clean_abstract:
        return Skipped(source, "empty abstract")
    if len(clean_abstract) > max_abstract_chars:
        return Skipped(
            source,
            f"abstract is {len(clean_abstract):,} characters (limit {max_abstract_chars:,}); "
            "not an abstract? raise the limit with --max-abstract-chars",
        )
    arxiv = arxiv_id_of(arxiv_id) or arxiv_id_of(url)
    return Paper(
        id=paper_id(clean_title, arxiv),
        title=clean_title,
        abstract=clean_abstract,
        authors=tuple(normalize_text(a) for a in authors if a and a.strip()),
        date=date or arxiv_month(arxiv),
        url=url or (f"https://arxiv.org/abs/{arxiv}" if arxiv else None),
        arxiv_id=arxiv,
        categories=tuple(categories),
        sources=(source,),
        title_raw=title_raw if title_raw != clean_title else None,
        abstract_raw=abstract_raw if abstract_raw != clean_abstract else None,
    )
