"""What the full and the incremental build share: the build report, the extractor factory, the state to save
and the small helpers over extraction records."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kg import __version__
from kg.builder.state import BuildState, FileRecord
from kg.graph.resolve import Resolution
from kg.graph.stage import GraphWritten, SignatureTable
from kg.ingest import Deduper
from kg.records import Paper, PaperExtraction, Skipped

__all__ = ["BuildReport", "Progress", "Extractor", "SMALL_CORPUS", "MERGED_EXAMPLES", "ticking", "line",
           "has_warnings", "warnings_of", "settings_of", "build_state", "finish_report", "extractor_factory"]

#: Below this many papers to extract, extraction runs in-process: starting workers would cost more than it saves.
SMALL_CORPUS = 1000
#: How many merged papers the build summary lists.
MERGED_EXAMPLES = 20
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


def ticking(items: Iterable[Any], progress: Progress | None, stage: str, total: int | None, every: int) -> Iterator[Any]:
    done = 0
    for item in items:
        done += 1
        if progress and done % every == 0:
            progress(stage, done, total)
        yield item
    if progress:
        progress(stage, done, total if total is not None else done)


def line(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False)


def local_extractor(workers: int, **options: Any) -> Extractor:
    from kg.extract import extract

    return lambda papers: extract(papers, workers=workers, **options)


def extractor_factory(report: BuildReport, workers: int, scheduler: str | None,
                      options: dict[str, Any]) -> Callable[[int], Extractor]:
    """`options` (the model and `fast`) go to every extractor, local or on the Dask cluster."""

    def extractor(count: int) -> Extractor:
        """Dask when asked; else `workers` processes, or one when there are few papers to extract."""
        if scheduler:
            from kg.distributed import dask_extractor

            report.workers = 0
            return dask_extractor(scheduler, **options)
        report.workers = workers if count >= SMALL_CORPUS else 1
        return local_extractor(report.workers, **options)

    return extractor


def has_warnings(text: str) -> bool:
    return not text.endswith(_NO_WARNINGS)


def warnings_of(text: str) -> list[tuple[str, str]]:
    record = json.loads(text)
    return [(record["id"], w) for w in record.get("warnings", ())]


def settings_of(format: str | None, strict: bool, max_abstract_chars: int, version: str) -> dict[str, Any]:
    return {"kg_version": __version__, "extractor_version": version, "format": format,
            "strict": strict, "max_abstract_chars": max_abstract_chars}


def build_state(settings: dict[str, Any], files: list[FileRecord], table: SignatureTable, resolution: Resolution,
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


def finish_report(report: BuildReport, written: GraphWritten) -> None:
    report.edges = written.edge_total
    report.entity_counts = {k: written.node_types.get(k, 0) for k in ("Method", "Dataset", "Metric", "Task", "Result")}
    report.results = written.node_types.get("Result", 0)


