"""`kg build`: files -> papers -> extractions -> graph -> output folder, in one call on the embedded default.

Every stage streams through files in the output's temporary folder, so memory does not grow with the
corpus: ingest keeps only de-duplication keys, extraction holds a batch per worker, and the graph stage
holds the resolved vocabulary (entity names and aliases) and per-entity paper counts.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg import __version__
from kg.cache import ExtractionCache, cached_extract
from kg.codec import paper_to_dict
from kg.graph.build import iter_graph
from kg.graph.io import GRAPH_FILE, write_graph_records
from kg.ingest import DEFAULT_MAX_ABSTRACT_CHARS, Deduper, expand_paths, read_entries
from kg.outputs import (
    EXTRACTIONS,
    MANIFEST,
    PAPERS,
    atomic_directory,
    read_papers_file,
    read_records_file,
    write_jsonl,
)
from kg.records import Paper, PaperExtraction, Skipped

__all__ = ["BuildReport", "Progress", "build", "DEFAULT_OUT", "SMALL_CORPUS"]

DEFAULT_OUT = "kg-out"
#: Below this many papers to extract, extraction runs in-process: starting workers would cost more than it saves.
SMALL_CORPUS = 1000
_MERGED_EXAMPLES = 20
# How every record without warnings ends (kg.codec.extraction_to_record puts "warnings" last).
_NO_WARNINGS = '"warnings": []}'

Progress = Callable[[str, int, int | None], None]
Extractor = Callable[[Iterable[Paper]], Iterator[PaperExtraction]]


@dataclass
class BuildReport:
    """What a build did, for the one-screen summary and the manifest."""

    out: str
    files: int = 0
    entries: int = 0
    papers: int = 0
    duplicates_merged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    entity_counts: dict[str, int] = field(default_factory=dict)
    edges: int = 0
    results: int = 0
    extractor_version: str = ""
    seconds: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=dict)
    merged_papers: list[Paper] = field(default_factory=list)
    merged_count: int = 0
    cache_hits: int = 0
    cache_misses: int = 0
    workers: int = 1  # local extraction processes; 0 when a Dask cluster extracted
    warnings: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (the manifest's counts)."""
        return {
            "out": self.out,
            "files": self.files,
            "entries": self.entries,
            "papers": self.papers,
            "duplicates_merged": self.duplicates_merged,
            "papers_merged": self.merged_count,
            "skipped": [{"path": s.source.path, "line": s.source.line, "reason": s.reason} for s in self.skipped],
            "entity_counts": self.entity_counts,
            "edges": self.edges,
            "results": self.results,
            "extractor_version": self.extractor_version,
            "extraction_cache": {"hits": self.cache_hits, "misses": self.cache_misses},
            "workers": self.workers,
            "extraction_warnings": [{"paper": pid, "warning": text} for pid, text in self.warnings],
            "seconds": round(self.seconds, 3),
            "stage_seconds": {k: round(v, 3) for k, v in self.stage_seconds.items()},
        }


def _ticking(items: Iterable[Any], progress: Progress | None, stage: str, total: int | None, every: int) -> Iterator[Any]:
    done = 0
    for item in items:
        done += 1
        if progress and done % every == 0:
            progress(stage, done, total)
        yield item
    if progress:
        progress(stage, done, total if total is not None else done)


def _ingest(entries: Iterable[Paper | Skipped], tmp: Path, report: BuildReport) -> None:
    """Stream entries to papers.jsonl, merging duplicates; only de-duplication keys stay in memory."""
    deduper = Deduper()
    part = tmp / (PAPERS + ".part")
    with open(part, "w", encoding="utf-8") as fh:
        for item in entries:
            if isinstance(item, Skipped):
                report.skipped.append(item)
            elif deduper.add(item):
                fh.write(json.dumps(paper_to_dict(item), ensure_ascii=False) + "\n")

    def finals() -> Iterator[dict[str, Any]]:
        for paper in deduper.finalize(read_papers_file(part)):
            if len(paper.sources) > 1 and len(report.merged_papers) < _MERGED_EXAMPLES:
                report.merged_papers.append(paper)
            yield paper_to_dict(paper)

    report.papers = write_jsonl(tmp / PAPERS, finals())
    part.unlink()
    report.entries = deduper.entries
    report.duplicates_merged = deduper.entries - deduper.slots
    report.merged_count = deduper.merged


def _local_extractor(workers: int) -> Extractor:
    from kg.extract import extract

    return lambda papers: extract(papers, workers=workers)


def build(
    paths: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str] = DEFAULT_OUT,
    *,
    format: str | None = None,
    strict: bool = False,
    workers: int = 1,
    cache_dir: str | os.PathLike[str] | None = None,
    scheduler: str | None = None,
    max_abstract_chars: int = DEFAULT_MAX_ABSTRACT_CHARS,
    progress: Progress | None = None,
) -> BuildReport:
    """Read every paper under `paths`, extract its entities, build the graph and write it all to `out`.

    `workers` extraction processes run locally (in-process below SMALL_CORPUS papers to extract), or it is
    spread over the Dask cluster at `scheduler`; the output is the same either way. With `cache_dir`,
    extractions are cached by paper content and extractor version, so a re-run extracts only new or changed
    papers. `out` is replaced atomically: it holds either the previous build or this one, never a mix.
    Raises InputError (bad input with `strict`, missing paths) or OutputError.
    """
    from kg.extract import EXTRACTOR_VERSION

    started = time.perf_counter()
    report = BuildReport(out=str(out), extractor_version=EXTRACTOR_VERSION)
    stage = report.stage_seconds
    files = expand_paths(paths)
    report.files = len(files)
    with atomic_directory(Path(out)) as tmp:
        entries = read_entries(files, format=format, strict=strict, max_abstract_chars=max_abstract_chars)
        _ingest(_ticking(entries, progress, "read", None, 500), tmp, report)
        stage["ingest"] = time.perf_counter() - started

        t = time.perf_counter()
        def extractor(count: int) -> Extractor:
            """Dask when asked; else `workers` processes, or one when there are few papers to extract."""
            if scheduler:
                from kg.distributed import dask_extractor

                report.workers = 0
                return dask_extractor(scheduler)
            report.workers = workers if count >= SMALL_CORPUS else 1
            return _local_extractor(report.workers)

        cache = ExtractionCache(cache_dir, EXTRACTOR_VERSION) if cache_dir is not None else None
        try:
            records = cached_extract(lambda: read_papers_file(tmp / PAPERS), extractor, cache, total=report.papers)
            with open(tmp / EXTRACTIONS, "w", encoding="utf-8") as fh:
                for text in _ticking(records, progress, "extract", report.papers, 50):
                    fh.write(text + "\n")
                    if not text.endswith(_NO_WARNINGS):
                        record = json.loads(text)
                        report.warnings.extend((record["id"], w) for w in record.get("warnings", ()))
            if cache is None:
                report.cache_misses = report.papers
        finally:
            if cache is not None:
                report.cache_hits, report.cache_misses = cache.hits, cache.stored
                cache.close()
        stage["extract"] = time.perf_counter() - t

        t = time.perf_counter()
        types: Counter[str] = Counter()

        def counted(records: Iterable[tuple[str, Any]]) -> Iterator[tuple[str, Any]]:
            for kind, record in records:
                if kind == "node":
                    types[record[1]["type"]] += 1
                yield kind, record

        graph_records = iter_graph(read_papers_file(tmp / PAPERS), lambda: read_records_file(tmp / EXTRACTIONS))
        _, report.edges = write_graph_records(counted(graph_records), tmp / GRAPH_FILE)
        report.entity_counts = {k: types.get(k, 0) for k in ("Method", "Dataset", "Metric", "Task", "Result")}
        report.results = types.get("Result", 0)
        stage["graph"] = time.perf_counter() - t

        report.seconds = time.perf_counter() - started
        manifest = {
            "kg_version": __version__,
            "inputs": [str(p) for p in files],
            "outputs": [PAPERS, EXTRACTIONS, GRAPH_FILE],
            **report.to_dict(),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return report
