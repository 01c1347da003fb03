"""De-duplication: entries that are the same paper (same arXiv id or same normalized title) become one.

The first occurrence's text wins; later ones add their sources and fill metadata the first lacked. The
Deduper keeps only compact keys and the merged details of duplicates, so the first occurrences can be
streamed to disk and a corpus of millions never has to sit in memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from kg.ingest.identity import paper_id
from kg.ingest.normalize import title_key
from kg.records import Paper, Skipped

__all__ = ["Deduper", "Corpus", "dedupe", "merge_papers"]


def merge_papers(first: Paper, other: Paper) -> Paper:
    """Fold `other` into `first`: keep first's text, fill missing metadata, record every source."""
    arxiv = first.arxiv_id or other.arxiv_id
    return replace(
        first,
        id=paper_id(first.title, arxiv),
        arxiv_id=arxiv,
        authors=first.authors or other.authors,
        date=first.date or other.date,
        url=first.url or other.url,
        categories=first.categories or other.categories,
        sources=tuple(sorted(set(first.sources) | set(other.sources))),
    )


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).digest()


class Deduper:
    """Assigns each entry to a slot (one per distinct paper) and remembers what duplicates add."""

    def __init__(self, *, by_title: dict[bytes, int] | None = None, by_arxiv: dict[str, int] | None = None,
                 slots: int = 0) -> None:
        """A fresh Deduper, or (with the keys and slot count of an earlier one) one that continues it."""
        self._by_title: dict[bytes, int] = by_title if by_title is not None else {}
        self._by_arxiv: dict[str, int] = by_arxiv if by_arxiv is not None else {}
        self._extra: dict[int, Paper] = {}
        self.slots = slots
        self.entries = 0

    @staticmethod
    def title_digest(title: str) -> bytes:
        """The 12-byte key of a title (its normalized form, hashed)."""
        return _digest(title_key(title))

    def keys(self) -> tuple[dict[bytes, int], dict[str, int]]:
        """The title and arXiv-id keys seen so far, each with its slot (to continue in a later run)."""
        return self._by_title, self._by_arxiv

    def lookup(self, paper: Paper) -> int | None:
        """The slot `paper` would join, or None if it is a paper not seen yet."""
        slot = self._by_arxiv.get(paper.arxiv_id) if paper.arxiv_id else None
        return slot if slot is not None else self._by_title.get(_digest(title_key(paper.title)))

    def merged_slots(self) -> list[int]:
        """The slots of papers seen more than once, in order."""
        return sorted(self._extra)

    def extra(self, slot: int) -> Paper | None:
        """What later occurrences add to the paper in `slot` (merged), or None if it was seen once."""
        return self._extra.get(slot)

    def add(self, paper: Paper) -> bool:
        """Record `paper`; True when it is the first occurrence of its paper (the caller keeps it)."""
        self.entries += 1
        title = _digest(title_key(paper.title))
        slot = self._by_arxiv.get(paper.arxiv_id) if paper.arxiv_id else None
        if slot is None:
            slot = self._by_title.get(title)
        is_new = slot is None
        if slot is None:
            slot = self.slots
            self.slots += 1
        else:
            previous = self._extra.get(slot)
            self._extra[slot] = merge_papers(previous, paper) if previous else paper
        self._by_title.setdefault(title, slot)
        if paper.arxiv_id:
            self._by_arxiv.setdefault(paper.arxiv_id, slot)
        return is_new

    def finalize(self, firsts: Iterable[Paper]) -> Iterator[Paper]:
        """Yield the final papers, given the first occurrences in the order `add` accepted them."""
        for slot, paper in enumerate(firsts):
            extra = self._extra.get(slot)
            yield merge_papers(paper, extra) if extra else paper

    @property
    def merged(self) -> int:
        """Papers that were seen more than once."""
        return len(self._extra)


@dataclass
class Corpus:
    """The de-duplicated papers of a run and what happened on the way (for the build summary)."""

    papers: list[Paper] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    entries: int = 0

    @property
    def duplicates_merged(self) -> int:
        """Entries that were folded into an earlier paper."""
        return self.entries - len(self.papers)


def dedupe(items: Iterable[Paper | Skipped]) -> Corpus:
    """Merge entries that are the same paper into one Paper, in memory (order of first appearance kept)."""
    deduper = Deduper()
    corpus = Corpus()
    firsts: list[Paper] = []
    for item in items:
        if isinstance(item, Skipped):
            corpus.skipped.append(item)
        elif deduper.add(item):
            firsts.append(item)
    corpus.papers = list(deduper.finalize(firsts))
    corpus.entries = deduper.entries
    return corpus
