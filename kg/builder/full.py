"""The full build: read every input, extract every paper (through the cache) and write the graph stage.

Every stage streams through files in the output's temporary folder, so memory does not grow with the
corpus: ingest keeps only de-duplication keys, extraction holds a batch per worker, and the graph stage
holds the resolved vocabulary (entity names and aliases), per-entity paper counts and each paper's entity
signature indices.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kg.builder.cache import ExtractionCache, cached_extract
from kg.builder.common import (
    MERGED_EXAMPLES,
    BuildReport,
    Extractor,
    Progress,
    build_state,
    finish_report,
    has_warnings,
    line,
    ticking,
    warnings_of,
)
from kg.builder.state import BuildState, FileRecord, file_digest
from kg.codec import paper_to_dict
from kg.graph.stage import SignatureTable, build_merge_log, paper_counts, table_from_records, write_graph_stage
from kg.graph.writer import Section
from kg.ingest import Deduper, read_entries
from kg.outputs import EXTRACTIONS, PAPERS, read_papers_file, read_records_file
from kg.records import Paper, Skipped

__all__ = ["full_build"]


@dataclass
class _Ingested:
    """What ingest leaves besides papers.jsonl: per file and per paper facts the build state keeps."""

    files: list[FileRecord]
    paper_file: np.ndarray
    multi_source: np.ndarray
    ranges: tuple[np.ndarray, np.ndarray]
    deduper: Deduper


def _file_records(files: Sequence[Path]) -> list[FileRecord]:
    return [FileRecord(str(p), p.stat().st_size, file_digest(p)) for p in files]


def _ingest(entries: Iterable[Paper | Skipped], files: Sequence[Path], tmp: Path, report: BuildReport) -> _Ingested:
    """Stream entries to papers.jsonl, merging duplicates; only de-duplication keys stay in memory."""
    records = _file_records(files)
    number = {r.path: i for i, r in enumerate(records)}
    deduper = Deduper()
    first_file = array("i")
    part = tmp / (PAPERS + ".part")
    with open(part, "w", encoding="utf-8") as fh:
        for item in entries:
            if isinstance(item, Skipped):
                report.skipped.append(item)
                if item.source.path in number:
                    records[number[item.source.path]].skipped.append((item.source.line, item.reason))
                continue
            which = number.get(item.sources[0].path, -1) if item.sources else -1
            if which >= 0:
                records[which].entries += 1
            if deduper.add(item):
                first_file.append(which)
                fh.write(line(paper_to_dict(item)) + "\n")

    multi = array("b")
    with open(tmp / PAPERS, "wb") as fh:
        out = Section(fh, separator=None)
        for paper in deduper.finalize(read_papers_file(part)):
            if len(paper.sources) > 1 and len(report.merged_papers) < MERGED_EXAMPLES:
                report.merged_papers.append(paper)
            multi.append(len(paper.sources) > 1)
            out.add([line(paper_to_dict(paper))])
    part.unlink()
    report.papers = len(first_file)
    report.entries = deduper.entries
    report.duplicates_merged = deduper.entries - deduper.slots
    report.merged_count = deduper.merged
    return _Ingested(records, np.frombuffer(first_file, dtype=np.int32).copy(),
                     np.frombuffer(multi, dtype=np.int8).astype(bool), out.chunks.arrays(), deduper)


def full_build(files: list[Path], tmp: Path, report: BuildReport, settings: dict[str, Any], *, format: str | None,
                strict: bool, max_abstract_chars: int, extractor: Callable[[int], Extractor],
                cache: ExtractionCache | None, progress: Progress | None) -> BuildState:
    """Ingest, extract and build the graph of every paper; returns the state a later incremental build needs."""
    stage = report.stage_seconds
    t = time.perf_counter()
    entries = read_entries(files, format=format, strict=strict, max_abstract_chars=max_abstract_chars)
    ingested = _ingest(ticking(entries, progress, "read", None, 500), files, tmp, report)
    stage["ingest"] = time.perf_counter() - t

    t = time.perf_counter()
    flags = ingested.multi_source.astype(np.int8) * 2
    records = cached_extract(lambda: read_papers_file(tmp / PAPERS), extractor, cache, total=report.papers)
    with open(tmp / EXTRACTIONS, "wb") as fh:
        out = Section(fh, separator=None)
        for position, text in enumerate(ticking(records, progress, "extract", report.papers, 50)):
            out.add([text])
            if has_warnings(text):
                flags[position] |= 1
                report.warnings.extend(warnings_of(text))
    extraction_ranges = out.chunks.arrays()
    if cache is None:
        report.cache_misses = report.papers
    stage["extract"] = time.perf_counter() - t

    t = time.perf_counter()
    table = SignatureTable()
    ptr, ids = table_from_records(read_records_file(tmp / EXTRACTIONS), table)
    resolution = table.resolve()
    merges = build_merge_log(resolution, table, ptr, ids, tmp / PAPERS, ingested.ranges)
    written = write_graph_stage(tmp, tmp / PAPERS, ingested.ranges, tmp / EXTRACTIONS, extraction_ranges,
                                resolution, paper_counts(resolution, table, ptr, ids), merges)
    finish_report(report, written)
    stage["graph"] = time.perf_counter() - t
    return build_state(settings, ingested.files, table, resolution, ingested.paper_file, ptr, ids,
                  {"papers": ingested.ranges, "extractions": extraction_ranges}, written, flags, ingested.deduper)


