"""`kg build`: files -> papers -> extractions -> graph -> output folder, in one call on the embedded default.

Every stage streams through files in the output's temporary folder, so memory does not grow with the
corpus: ingest keeps only de-duplication keys, extraction holds a batch per worker, and the graph stage
holds the resolved vocabulary (entity names and aliases), per-entity paper counts and each paper's entity
signature indices. The build leaves its state in ``OUT/.kg-state`` (see `kg.state`) so that the next build
of the same inputs plus new files can extend it (`kg.incremental`) instead of starting over.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kg import __version__
from kg.cache import ExtractionCache, cached_extract
from kg.codec import paper_to_dict
from kg.graph.io import GRAPH_FILE
from kg.graph.resolve import Resolution
from kg.graph.stage import GraphWritten, SignatureTable, paper_counts, table_from_records, write_graph_stage
from kg.graph.writer import Section
from kg.ingest import DEFAULT_MAX_ABSTRACT_CHARS, Deduper, expand_paths, read_entries
from kg.outputs import (
    EXTRACTIONS,
    MANIFEST,
    PAPERS,
    atomic_directory,
    read_papers_file,
    read_records_file,
)
from kg.records import Paper, PaperExtraction, Skipped
from kg.state import BuildState, FileRecord, file_digest, save_state

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
    mode: str = "full"  # "incremental (...)" when the previous build was extended, else "full (why)"
    papers_reused: int = 0  # papers whose every output was copied from the previous build

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
            "mode": self.mode,
            "papers_reused": self.papers_reused,
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


def _line(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False)


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
                fh.write(_line(paper_to_dict(item)) + "\n")

    multi = array("b")
    with open(tmp / PAPERS, "wb") as fh:
        out = Section(fh, separator=None)
        for paper in deduper.finalize(read_papers_file(part)):
            if len(paper.sources) > 1 and len(report.merged_papers) < _MERGED_EXAMPLES:
                report.merged_papers.append(paper)
            multi.append(len(paper.sources) > 1)
            out.add([_line(paper_to_dict(paper))])
    part.unlink()
    report.papers = len(first_file)
    report.entries = deduper.entries
    report.duplicates_merged = deduper.entries - deduper.slots
    report.merged_count = deduper.merged
    return _Ingested(records, np.frombuffer(first_file, dtype=np.int32).copy(),
                     np.frombuffer(multi, dtype=np.int8).astype(bool), out.chunks.arrays(), deduper)


def _local_extractor(workers: int, **options: Any) -> Extractor:
    from kg.extract import extract

    return lambda papers: extract(papers, workers=workers, **options)


def _extractor_factory(report: BuildReport, workers: int, scheduler: str | None,
                       options: dict[str, Any]) -> Callable[[int], Extractor]:
    def extractor(count: int) -> Extractor:
        """Dask when asked; else `workers` processes, or one when there are few papers to extract."""
        if scheduler:
            from kg.distributed import dask_extractor

            report.workers = 0
            return dask_extractor(scheduler, **options)
        report.workers = workers if count >= SMALL_CORPUS else 1
        return _local_extractor(report.workers, **options)

    return extractor


def _has_warnings(text: str) -> bool:
    return not text.endswith(_NO_WARNINGS)


def _warnings_of(text: str) -> list[tuple[str, str]]:
    record = json.loads(text)
    return [(record["id"], w) for w in record.get("warnings", ())]


def _settings(format: str | None, strict: bool, max_abstract_chars: int, version: str) -> dict[str, Any]:
    return {"kg_version": __version__, "extractor_version": version, "format": format,
            "strict": strict, "max_abstract_chars": max_abstract_chars}


def _state(settings: dict[str, Any], files: list[FileRecord], table: SignatureTable, resolution: Resolution,
           paper_file: np.ndarray, ptr: np.ndarray, ids: np.ndarray, ranges: dict[str, tuple[np.ndarray, np.ndarray]],
           written: GraphWritten, flags: np.ndarray, deduper: Deduper,
           slot_position: np.ndarray | None = None) -> BuildState:
    """The state to save; `slot_position` maps de-duplication slots to paper positions when they differ."""
    by_title, by_arxiv = deduper.keys()
    title_slots = np.fromiter(by_title.values(), dtype=np.int64, count=len(by_title))
    arxiv_slots = np.fromiter(by_arxiv.values(), dtype=np.int64, count=len(by_arxiv))
    if slot_position is not None:
        title_slots, arxiv_slots = slot_position[title_slots], slot_position[arxiv_slots]
    title_keys = np.frombuffer(b"".join(by_title), dtype=np.uint8).reshape(-1, 12) if by_title else \
        np.zeros((0, 12), dtype=np.uint8)
    return BuildState(
        settings=settings, files=files, signatures=table.signatures,
        signature_counts=np.array(table.counts, dtype=np.int64),
        signature_nodes=[resolution.assignment.get(s) if c > 0 else None
                         for s, c in zip(table.signatures, table.counts)],
        paper_file=paper_file, sig_ptr=ptr, sig_ids=ids,
        chunk_starts={**{k: v[0] for k, v in ranges.items()}, **written.starts},
        chunk_lengths={**{k: v[1] for k, v in ranges.items()}, **written.lengths},
        bases={"papers": 0, "extractions": 0, **written.bases},
        edges=written.edges, results=written.results, flags=flags,
        title_keys=title_keys, title_slots=title_slots, arxiv_keys=list(by_arxiv), arxiv_slots=arxiv_slots.tolist(),
    )


def _finish(report: BuildReport, written: GraphWritten) -> None:
    report.edges = written.edge_total
    report.entity_counts = {k: written.node_types.get(k, 0) for k in ("Method", "Dataset", "Metric", "Task", "Result")}
    report.results = written.node_types.get("Result", 0)


def _full_build(files: list[Path], tmp: Path, report: BuildReport, settings: dict[str, Any], *, format: str | None,
                strict: bool, max_abstract_chars: int, extractor: Callable[[int], Extractor],
                cache: ExtractionCache | None, progress: Progress | None) -> BuildState:
    """Ingest, extract and build the graph of every paper; returns the state a later incremental build needs."""
    stage = report.stage_seconds
    t = time.perf_counter()
    entries = read_entries(files, format=format, strict=strict, max_abstract_chars=max_abstract_chars)
    ingested = _ingest(_ticking(entries, progress, "read", None, 500), files, tmp, report)
    stage["ingest"] = time.perf_counter() - t

    t = time.perf_counter()
    flags = ingested.multi_source.astype(np.int8) * 2
    records = cached_extract(lambda: read_papers_file(tmp / PAPERS), extractor, cache, total=report.papers)
    with open(tmp / EXTRACTIONS, "wb") as fh:
        out = Section(fh, separator=None)
        for position, text in enumerate(_ticking(records, progress, "extract", report.papers, 50)):
            out.add([text])
            if _has_warnings(text):
                flags[position] |= 1
                report.warnings.extend(_warnings_of(text))
    extraction_ranges = out.chunks.arrays()
    if cache is None:
        report.cache_misses = report.papers
    stage["extract"] = time.perf_counter() - t

    t = time.perf_counter()
    table = SignatureTable()
    ptr, ids = table_from_records(read_records_file(tmp / EXTRACTIONS), table)
    resolution = table.resolve()
    written = write_graph_stage(tmp, tmp / PAPERS, ingested.ranges, tmp / EXTRACTIONS, extraction_ranges,
                                resolution, paper_counts(resolution, table, ptr, ids))
    _finish(report, written)
    stage["graph"] = time.perf_counter() - t
    return _state(settings, ingested.files, table, resolution, ingested.paper_file, ptr, ids,
                  {"papers": ingested.ranges, "extractions": extraction_ranges}, written, flags, ingested.deduper)


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
    incremental: bool = True,
    progress: Progress | None = None,
    model: str | os.PathLike[str] | None = None,
    fast: bool = False,
) -> BuildReport:
    """Read every paper under `paths`, extract its entities, build the graph and write it all to `out`.

    `workers` extraction processes run locally (in-process below SMALL_CORPUS papers to extract), or it is
    spread over the Dask cluster at `scheduler`; the output is the same either way. With `cache_dir`,
    extractions are cached by paper content and extractor version, so a re-run extracts only new or changed
    papers; and when `out` holds an earlier build of the same inputs plus new files (and `incremental`),
    only the new papers go through the pipeline and the rest is copied, with the same result as a full
    build. `out` is replaced atomically: it holds either the previous build or this one, never a mix.
    `model` and `fast` choose the extractor's decision as in ``kg.extract.extract``.
    Raises InputError (bad input with `strict`, missing paths) or OutputError.
    """
    from kg.extract import extractor_version
    from kg.incremental import FullBuildNeeded, incremental_build

    version = extractor_version(model, fast=fast)
    options = {"model": model, "fast": fast}

    started = time.perf_counter()
    files = expand_paths(paths)
    settings = _settings(format, strict, max_abstract_chars, version)
    out = Path(out)
    with atomic_directory(out) as tmp:
        cache = ExtractionCache(cache_dir, version) if cache_dir is not None else None
        try:
            state = None
            if cache is not None and incremental:
                report = BuildReport(out=str(out), extractor_version=version)
                try:
                    state = incremental_build(out, files, tmp, report, settings,
                                              _extractor_factory(report, workers, scheduler, options), cache, progress)
                except FullBuildNeeded as why:
                    for leftover in tmp.iterdir():
                        shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
                    cache.hits = cache.stored = 0
                    report = BuildReport(out=str(out), extractor_version=version, mode=f"full ({why})")
            else:
                report = BuildReport(out=str(out), extractor_version=version,
                                     mode="full (no cache)" if cache is None else "full (asked for)")
            if state is None:
                state = _full_build(files, tmp, report, settings, format=format, strict=strict,
                                    max_abstract_chars=max_abstract_chars,
                                    extractor=_extractor_factory(report, workers, scheduler, options), cache=cache,
                                    progress=progress)
        finally:
            if cache is not None:
                report.cache_hits, report.cache_misses = cache.hits, cache.stored
                cache.close()
        report.files = len(files)
        save_state(tmp, state)
        report.seconds = time.perf_counter() - started
        manifest = {
            "kg_version": __version__,
            "inputs": [str(p) for p in files],
            "outputs": [PAPERS, EXTRACTIONS, GRAPH_FILE],
            **report.to_dict(),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return report
