"""The extraction cache: extractions keyed by paper content and extractor version, in one SQLite file.

A re-run of `kg build` re-extracts only papers whose id, title or abstract changed, or all of them when the
extractor version changes (the version is part of the key). SQLite is in the standard library, safe against
crashes mid-write, and fast enough for millions of keys.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from kg.codec import extraction_to_record
from kg.errors import OutputError
from kg.outputs import space_error
from kg.records import Paper, PaperExtraction

__all__ = ["ExtractionCache", "default_cache_dir", "cached_extract", "record_text", "CACHE_FILE"]

CACHE_FILE = "extractions.sqlite"
#: Seconds a build waits for another build's write lock on a shared cache, and at most between two commits.
_LOCK_WAIT = 120.0
_COMMIT_SECONDS = 1.0


def default_cache_dir() -> Path:
    """``$KG_CACHE_DIR``, else ``$XDG_CACHE_HOME/kg``, else ``~/.cache/kg``."""
    if os.environ.get("KG_CACHE_DIR"):
        return Path(os.environ["KG_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kg"


def _key(paper: Paper, version: str) -> str:
    data = "\0".join((version, paper.id, paper.title, paper.abstract)).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


class ExtractionCache:
    """A persistent map (paper content, extractor version) -> PaperExtraction."""

    def __init__(self, folder: str | os.PathLike[str], version: str, *, commit_every: int = 2000) -> None:
        self.version = version
        self.path = Path(folder) / CACHE_FILE
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # One thread at a time, but not always the one that opened it (an incremental build extracts in
            # a background thread while the main one copies).
            # Another build may be writing the same cache: wait for its lock (its commits are at most a second
            # apart) rather than fail with "database is locked".
            self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=_LOCK_WAIT)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS extraction (key TEXT PRIMARY KEY, record TEXT NOT NULL)")
        except (OSError, sqlite3.Error) as exc:
            raise space_error(exc, self.path) or OutputError(f"{self.path}: cannot open the extraction cache: {exc}") \
                from exc
        self._pending = 0
        self._since = 0.0
        self._commit_every = commit_every
        self.hits = 0
        self.stored = 0

    def has(self, paper: Paper) -> bool:
        """Whether an extraction of `paper` by this extractor version is stored."""
        key = _key(paper, self.version)
        return self._db.execute("SELECT 1 FROM extraction WHERE key = ?", (key,)).fetchone() is not None

    def get(self, paper: Paper) -> str | None:
        """The cached extraction record of `paper` by this extractor version, as JSON text, or None."""
        row = self._db.execute("SELECT record FROM extraction WHERE key = ?", (_key(paper, self.version),)).fetchone()
        if row is None:
            return None
        self.hits += 1
        return row[0]

    def put(self, paper: Paper, record: str) -> None:
        """Store the extraction record (JSON text) of `paper` (committed in batches, and on close)."""
        try:
            self._db.execute("INSERT OR REPLACE INTO extraction VALUES (?, ?)", (_key(paper, self.version), record))
            if not self._pending:
                self._since = time.monotonic()
            self._pending += 1
            self.stored += 1
            if self._pending >= self._commit_every or time.monotonic() - self._since >= _COMMIT_SECONDS:
                self._db.commit()
                self._pending = 0
        except sqlite3.Error as exc:
            raise self._write_error(exc) from exc

    def close(self) -> None:
        """Commit what is pending and close the file (a failed commit loses only this run's new entries)."""
        try:
            self._db.commit()
        except sqlite3.Error as exc:
            raise self._write_error(exc) from exc
        finally:
            self._db.close()

    def _write_error(self, exc: BaseException) -> OutputError:
        return space_error(exc, self.path) or OutputError(f"{self.path}: cannot write the extraction cache: {exc}")

    def __enter__(self) -> ExtractionCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def record_text(extraction: PaperExtraction) -> str:
    """The one-line JSON record of an extraction, as stored in extractions.jsonl and in the cache."""
    return json.dumps(extraction_to_record(extraction), ensure_ascii=False)


def cached_extract(
    papers: Callable[[], Iterable[Paper]],
    extractor: Callable[[int], Callable[[Iterable[Paper]], Iterator[PaperExtraction]]],
    cache: ExtractionCache | None,
    *,
    total: int | None = None,
) -> Iterator[str]:
    """Yield the extraction record (JSON text) of every paper in order, extracting only what the cache lacks.

    `papers` returns a fresh iterator on each call: one pass finds the misses, a second feeds only them to
    the extractor that ``extractor(number of misses)`` returns (so it can size its worker pool; it must keep
    order, as `kg.extract.extract` does) while the main pass copies the hits from the cache verbatim.
    Memory stays flat whatever the mix of hits and misses. `total`, the number of papers if known, saves a
    pass when there is no cache.
    """
    if cache is None:
        count = total if total is not None else sum(1 for _ in papers())
        yield from (record_text(x) for x in extractor(count)(papers()))
        return
    missing = {paper.id for paper in papers() if not cache.has(paper)}
    fresh = extractor(len(missing))(p for p in papers() if p.id in missing)
    for paper in papers():
        if paper.id in missing:
            extraction = next(fresh)
            if extraction.paper_id != paper.id:
                raise RuntimeError(f"extractor returned {extraction.paper_id} for {paper.id}: it must keep order")
            text = record_text(extraction)
            cache.put(paper, text)
            yield text
        else:
            hit = cache.get(paper)
            if hit is None:
                raise OutputError(f"{cache.path}: an entry vanished during the build; run the build again")
            yield hit
