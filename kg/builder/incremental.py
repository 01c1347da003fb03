"""Incremental builds: extend the previous build in `out` with new input files, re-doing only what changed.

Applies when every input of the previous build is still given, unchanged (same bytes) and in the same
relative order, and the settings (kg and extractor version, format, strictness, abstract limit) are the
same. Then only the new files are read; their papers (and old papers they turn out to duplicate) are
extracted (through the cache); resolution runs again on the stored signature counts; and every output is
written by copying the unchanged chunks of the previous build and generating the rest, including the edges
of old papers whose entities now resolve to other nodes. The result is byte for byte what a full build of
the same inputs writes. Anything else raises FullBuildNeeded with the reason, and the caller builds in full.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from queue import Queue
from typing import Any

import numpy as np

from kg.builder.cache import ExtractionCache, cached_extract
from kg.builder.common import (
    BuildReport,
    Extractor,
    Progress,
    build_state,
    finish_report,
    has_warnings,
    ticking,
    warnings_of,
)
from kg.builder.state import BuildState, FileRecord, StateUnusable, changed_outputs, file_digest, read_state
from kg.codec import paper_from_dict, paper_to_dict
from kg.graph.build import signatures_of
from kg.graph.io import GRAPH_FILE
from kg.graph.stage import PreviousGraph, SignatureTable, build_merge_log, paper_counts, segments, write_graph_stage
from kg.graph.writer import Section, read_range
from kg.ingest import Deduper, read_file_entries
from kg.ingest.dedupe import merge_papers
from kg.outputs import EXTRACTIONS, MANIFEST, PAPERS
from kg.records import Paper, Skipped, Source

__all__ = ["FullBuildNeeded", "incremental_build", "MAX_NEW_PAPERS"]

#: More new or changed papers than this and the build runs in full (the incremental path holds them in memory).
MAX_NEW_PAPERS = 100_000


class FullBuildNeeded(Exception):
    """The previous build cannot be extended; the message says why (it goes into the build summary)."""


def _check_inputs(previous: BuildState, files: Sequence[Path]) -> tuple[list[int], list[FileRecord]]:
    """For each file in `files`: its index in the previous build or -1 when new; and the new file records."""
    old = {f.path: i for i, f in enumerate(previous.files)}
    given = {str(p) for p in files}
    for record in previous.files:
        if record.path not in given:
            raise FullBuildNeeded(f"{record.path} is no longer an input")
    mapping: list[int] = []
    records: list[FileRecord] = []
    last = -1
    for path in files:
        index = old.get(str(path), -1)
        size = path.stat().st_size
        if index >= 0:
            before = previous.files[index]
            if before.size != size or before.digest != file_digest(path):
                raise FullBuildNeeded(f"{path} changed")
            if index < last:
                raise FullBuildNeeded("the inputs are in a different order")
            last = index
            records.append(before)
        else:
            records.append(FileRecord(str(path), size, file_digest(path)))
        mapping.append(index)
    return mapping, records


def _splice_lines(path: Path, old_path: Path, previous: BuildState, section: str, src: np.ndarray,
                  regenerate: np.ndarray, fresh: Iterator[str]) -> tuple[np.ndarray, np.ndarray]:
    """Write a JSON Lines output: runs of unchanged lines copied from the previous build, and the next line of
    `fresh` at each position to regenerate (in position order)."""
    starts, lengths = previous.chunk_starts[section], previous.chunk_lengths[section]
    with open(path, "wb") as fh, open(old_path, "rb") as old:
        out = Section(fh, separator=None)
        for start, end, copy in segments(src, regenerate):
            if copy:
                a, b = int(src[start]), int(src[end - 1]) + 1
                out.copy(old, 0, starts[a:b], lengths[a:b])
            else:
                out.add([next(fresh)])
    return out.chunks.arrays()


def _in_background(items: Iterator[str]) -> Iterator[str]:
    """Start producing `items` in a second thread now, and return an iterator over them: the extraction
    workers run while this thread copies the unchanged runs of the previous build (a copy releases the GIL)."""
    done = object()
    queue: Queue[object] = Queue()

    def produce() -> None:
        try:
            for item in items:
                queue.put(item)
            queue.put(done)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            queue.put(exc)

    worker = threading.Thread(target=produce, name="kg-extract-new", daemon=True)
    worker.start()

    def consume() -> Iterator[str]:
        while (item := queue.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
        worker.join()

    return consume()


def incremental_build(out: Path, files: list[Path], tmp: Path, report: BuildReport, settings: dict[str, Any],
                      extractor: Callable[[int], Extractor], cache: ExtractionCache,
                      progress: Progress | None) -> BuildState:
    """Extend the build in `out` into `tmp` (see the module docstring); returns the new build state."""
    stage = report.stage_seconds
    t = time.perf_counter()
    if not (out / MANIFEST).exists():
        raise FullBuildNeeded("no previous build")
    try:
        previous = read_state(out)
    except StateUnusable as why:
        raise FullBuildNeeded(f"the previous build left no usable state: {why}") from None
    changed = changed_outputs(out, previous)
    if changed:
        raise FullBuildNeeded(f"the previous outputs were changed after it was built ({', '.join(changed)})")
    if previous.settings != settings:
        changed = sorted(k for k in settings if previous.settings.get(k) != settings[k])
        raise FullBuildNeeded(f"{', '.join(changed)} changed")
    mapping, file_records = _check_inputs(previous, files)
    position_of_old_file = {old: pos for pos, old in enumerate(mapping) if old >= 0}
    old_n = previous.papers

    # Ingest the new files, continuing the previous de-duplication.
    keys = previous.title_keys.tobytes()
    by_title = {keys[i * 12:(i + 1) * 12]: int(slot) for i, slot in enumerate(previous.title_slots.tolist())}
    deduper = Deduper(by_title=by_title, by_arxiv=dict(zip(previous.arxiv_keys, previous.arxiv_slots)),
                      slots=old_n)
    firsts: list[Paper] = []
    first_position: list[int] = []
    skipped_new: dict[int, list[Skipped]] = {}
    for position, old in enumerate(mapping):
        if old >= 0:
            continue
        record = file_records[position]
        for item in read_file_entries(files[position], format=settings["format"], strict=settings["strict"],
                                      max_abstract_chars=settings["max_abstract_chars"]):
            if isinstance(item, Skipped):
                skipped_new.setdefault(position, []).append(item)
                record.skipped.append((item.source.line, item.reason))
                continue
            record.entries += 1
            slot = deduper.lookup(item)
            if slot is not None and slot < old_n and position_of_old_file[int(previous.paper_file[slot])] > position:
                raise FullBuildNeeded(f"{files[position]} repeats a paper of a later input")
            if deduper.add(item):
                firsts.append(item)
                first_position.append(position)
    changed_old = [slot for slot in deduper.merged_slots() if slot < old_n]
    if len(firsts) + len(changed_old) > MAX_NEW_PAPERS:
        raise FullBuildNeeded(f"more than {MAX_NEW_PAPERS:,} new or changed papers")

    # The new order: each file's papers where the file now stands.
    old_runs = np.searchsorted(previous.paper_file, np.arange(len(previous.files) + 1))
    pieces: list[np.ndarray] = []
    new_papers: list[Paper] = []
    paper_file: list[np.ndarray] = []
    by_position: dict[int, list[int]] = {}
    for index, position in enumerate(first_position):
        by_position.setdefault(position, []).append(index)
    for position, old in enumerate(mapping):
        if old >= 0:
            run = np.arange(old_runs[old], old_runs[old + 1], dtype=np.int64)
        else:
            indices = by_position.get(position, [])
            run = np.full(len(indices), -1, dtype=np.int64)
            for index in indices:
                extra = deduper.extra(old_n + index)
                new_papers.append(merge_papers(firsts[index], extra) if extra else firsts[index])
        pieces.append(run)
        paper_file.append(np.full(len(run), position, dtype=np.int32))
    src = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
    n = len(src)
    regenerate = src < 0
    papers: dict[int, Paper] = dict(zip(np.flatnonzero(regenerate).tolist(), new_papers))
    # Deduper slots -> positions in the new order (old slots were old positions; new ones follow them).
    slot_position = np.empty(old_n + len(firsts), dtype=np.int64)
    slot_position[src[src >= 0]] = np.flatnonzero(src >= 0)
    slot_position[old_n:] = np.flatnonzero(src < 0)
    if changed_old:
        with open(out / PAPERS, "rb") as fh:
            for slot in changed_old:
                line = read_range(fh, int(previous.chunk_starts["papers"][slot]),
                                   int(previous.chunk_lengths["papers"][slot]))
                extra = deduper.extra(slot)
                assert extra is not None
                papers[int(slot_position[slot])] = merge_papers(paper_from_dict(json.loads(line)), extra)
                regenerate[slot_position[slot]] = True
    order = sorted(papers)
    # Extract the new and changed papers only, while the unchanged papers and extractions are copied.
    extracted = _in_background(cache_extract([papers[p] for p in order], extractor, cache, progress))
    paper_ranges = _splice_lines(tmp / PAPERS, out / PAPERS, previous, "papers", src, regenerate,
                                 (json.dumps(paper_to_dict(papers[p]), ensure_ascii=False) for p in order))
    stage["ingest"] = time.perf_counter() - t
    t = time.perf_counter()
    texts: dict[int, str] = {}

    def collected() -> Iterator[str]:
        for p, text in zip(order, extracted):
            texts[p] = text
            yield text

    extraction_ranges = _splice_lines(tmp / EXTRACTIONS, out / EXTRACTIONS, previous, "extractions", src, regenerate,
                                      collected())
    if len(texts) != len(order):
        raise RuntimeError(f"{len(order)} papers to extract, {len(texts)} extractions came back")
    stage["extract"] = time.perf_counter() - t

    # Resolution on the updated signature counts; papers whose entities moved get new edges.
    t = time.perf_counter()
    table = SignatureTable.of(previous.signatures, previous.signature_counts.tolist())
    old_ptr, old_ids = previous.sig_ptr, previous.sig_ids
    for p in order:
        if src[p] >= 0:
            a = int(src[p])
            table.remove(old_ids[old_ptr[a]:old_ptr[a + 1]].tolist())
    fresh_ids = {p: np.array(table.add(signatures_of(json.loads(texts[p]))), dtype=np.int64) for p in order}
    id_pieces: list[np.ndarray] = []
    length_pieces: list[np.ndarray] = []
    for start, end, copy in segments(src, regenerate):
        if copy:
            a, b = int(src[start]), int(src[end - 1]) + 1
            id_pieces.append(old_ids[old_ptr[a]:old_ptr[b]])
            length_pieces.append(np.diff(old_ptr[a:b + 1]))
        else:
            id_pieces.append(fresh_ids[start])
            length_pieces.append(np.array([len(fresh_ids[start])], dtype=np.int64))
    ids = np.concatenate(id_pieces) if id_pieces else np.zeros(0, dtype=np.int64)
    ptr = np.concatenate([[0], np.cumsum(np.concatenate(length_pieces))]).astype(np.int64) if length_pieces \
        else np.zeros(1, dtype=np.int64)
    resolution = table.resolve()
    moved = [i for i, (sig, node) in enumerate(zip(previous.signatures, previous.signature_nodes))
             if node is not None and table.counts[i] > 0 and resolution.assignment.get(sig) != node]
    regenerate_edges = regenerate.copy()
    if moved:
        hit = np.isin(ids, np.array(moved, dtype=np.int64))
        owners = np.repeat(np.arange(n, dtype=np.int64), np.diff(ptr))[hit]
        regenerate_edges[owners] = True
    old_graph = PreviousGraph(out / GRAPH_FILE, previous.bases, previous.chunk_starts, previous.chunk_lengths,
                              previous.edges, previous.results)
    merges = build_merge_log(resolution, table, ptr, ids, tmp / PAPERS, paper_ranges)
    written = write_graph_stage(tmp, tmp / PAPERS, paper_ranges, tmp / EXTRACTIONS, extraction_ranges, resolution,
                                paper_counts(resolution, table, ptr, ids), merges, src=src, regenerate_nodes=regenerate,
                                regenerate_edges=regenerate_edges, previous=old_graph)
    finish_report(report, written)
    stage["graph"] = time.perf_counter() - t

    # The report, as a full build of the same inputs would give it.
    flags = np.zeros(n, dtype=np.int8)
    kept = src >= 0
    flags[kept] = previous.flags[src[kept]]
    for p in order:
        flags[p] = (2 if len(papers[p].sources) > 1 else 0) | (1 if has_warnings(texts[p]) else 0)
    report.papers = n
    report.entries = sum(f.entries for f in file_records)
    report.duplicates_merged = report.entries - n
    report.merged_count = int(((flags & 2) > 0).sum())
    report.papers_reused = int((~regenerate_edges).sum())
    for position, record in enumerate(file_records):
        if mapping[position] >= 0:
            report.skipped.extend(Skipped(Source(record.path, line), reason) for line, reason in record.skipped)
        else:
            report.skipped.extend(skipped_new.get(position, []))
    with open(tmp / PAPERS, "rb") as fh:
        for p in np.flatnonzero(flags & 2)[:20].tolist():
            report.merged_papers.append(paper_from_dict(json.loads(read_range(fh, int(paper_ranges[0][p]),
                                                                                int(paper_ranges[1][p])))))
    with open(tmp / EXTRACTIONS, "rb") as fh:
        for p in np.flatnonzero(flags & 1).tolist():
            text = read_range(fh, int(extraction_ranges[0][p]), int(extraction_ranges[1][p])).decode("utf-8")
            report.warnings.extend(warnings_of(text.rstrip("\n")))
    new_files = sum(1 for m in mapping if m < 0)
    report.mode = (f"incremental ({new_files} new file{'s' * (new_files != 1)}, {len(order)} papers new or "
                   f"changed, {int(regenerate_edges.sum()) - len(order)} re-linked)")
    return build_state(settings, file_records, table, resolution, np.concatenate(paper_file) if paper_file else
                  np.zeros(0, dtype=np.int32), ptr, ids, {"papers": paper_ranges, "extractions": extraction_ranges},
                  written, flags, deduper, slot_position)


def cache_extract(papers: list[Paper], extractor: Callable[[int], Extractor], cache: ExtractionCache,
                  progress: Progress | None) -> Iterator[str]:
    """The extraction records of `papers`, in order, through the cache."""
    records: Iterable[str] = cached_extract(lambda: iter(papers), extractor, cache, total=len(papers))
    return ticking(records, progress, "extract", len(papers), 50)
