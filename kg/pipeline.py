"""`kg build`: files -> papers -> extractions -> graph -> output folder, in one call on the embedded default."""

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
from kg.graph import build_graph, write_graph
from kg.graph.io import GRAPH_FILE
from kg.ingest import DEFAULT_MAX_ABSTRACT_CHARS, expand_paths, read_entries, dedupe
from kg.outputs import EXTRACTIONS, MANIFEST, PAPERS, atomic_directory, paper_to_dict, write_jsonl
from kg.records import Paper, PaperExtraction, Skipped

__all__ = ["BuildReport", "Progress", "build", "DEFAULT_OUT"]

DEFAULT_OUT = "kg-out"

Progress = Callable[[str, int, int | None], None]
Extractor = Callable[..., Iterator[PaperExtraction]]


@dataclass
class BuildReport:
    """What a build did, for the one-screen summary and the manifest."""

    out: str
    files: int
    entries: int
    papers: int
    duplicates_merged: int
    skipped: list[Skipped]
    entity_counts: dict[str, int]
    edges: int
    results: int
    extractor_version: str
    seconds: float
    stage_seconds: dict[str, float] = field(default_factory=dict)
    merged_papers: list[Paper] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (the manifest's counts)."""
        return {
            "out": self.out,
            "files": self.files,
            "entries": self.entries,
            "papers": self.papers,
            "duplicates_merged": self.duplicates_merged,
            "skipped": [{"path": s.source.path, "line": s.source.line, "reason": s.reason} for s in self.skipped],
            "entity_counts": self.entity_counts,
            "edges": self.edges,
            "results": self.results,
            "extractor_version": self.extractor_version,
            "seconds": round(self.seconds, 3),
            "stage_seconds": {k: round(v, 3) for k, v in self.stage_seconds.items()},
        }


def _counting(items: Iterable[Paper | Skipped], progress: Progress | None, total_files: int) -> Iterator[Paper | Skipped]:
    seen = 0
    for item in items:
        seen += 1
        if progress and seen % 200 == 0:
            progress("read", seen, None)
        yield item
    if progress:
        progress("read", seen, seen)


def _default_extractor() -> tuple[Extractor, Callable[[PaperExtraction], dict[str, Any]], str]:
    from kg.extract import EXTRACTOR_VERSION, extract, extraction_to_json

    return extract, extraction_to_json, EXTRACTOR_VERSION


def build(
    paths: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str] = DEFAULT_OUT,
    *,
    format: str | None = None,
    strict: bool = False,
    workers: int = 1,
    max_abstract_chars: int = DEFAULT_MAX_ABSTRACT_CHARS,
    progress: Progress | None = None,
) -> BuildReport:
    """Read every paper under `paths`, extract its entities, build the graph and write it all to `out`.

    `out` is replaced atomically: it holds either the previous build or this one, never a mix. Returns a
    BuildReport; raises InputError (bad input with `strict`, missing paths) or OutputError.
    """
    started = time.perf_counter()
    stage: dict[str, float] = {}
    files = expand_paths(paths)
    corpus = dedupe(
        _counting(
            read_entries(files, format=format, strict=strict, max_abstract_chars=max_abstract_chars),
            progress,
            len(files),
        )
    )
    stage["ingest"] = time.perf_counter() - started

    t = time.perf_counter()
    extract, to_json, version = _default_extractor()
    extractions: list[PaperExtraction] = []
    total = len(corpus.papers)
    for done, extraction in enumerate(extract(corpus.papers, workers=workers), 1):
        extractions.append(extraction)
        if progress and (done % 50 == 0 or done == total):
            progress("extract", done, total)
    stage["extract"] = time.perf_counter() - t

    t = time.perf_counter()
    graph = build_graph(corpus.papers, extractions)
    stage["graph"] = time.perf_counter() - t

    types = Counter(data.get("type") for _, data in graph.nodes(data=True))
    report = BuildReport(
        out=str(out),
        files=len(files),
        entries=corpus.entries,
        papers=len(corpus.papers),
        duplicates_merged=corpus.duplicates_merged,
        skipped=corpus.skipped,
        entity_counts={k: types.get(k, 0) for k in ("Method", "Dataset", "Metric", "Task", "Result")},
        edges=graph.number_of_edges(),
        results=types.get("Result", 0),
        extractor_version=version,
        seconds=0.0,
        stage_seconds=stage,
        merged_papers=[p for p in corpus.papers if len(p.sources) > 1],
    )

    t = time.perf_counter()
    with atomic_directory(Path(out)) as tmp:
        write_jsonl(tmp / PAPERS, (paper_to_dict(p) for p in corpus.papers))
        write_jsonl(tmp / EXTRACTIONS, (to_json(x) for x in extractions))
        write_graph(graph, tmp / GRAPH_FILE)
        stage["write"] = time.perf_counter() - t
        report.seconds = time.perf_counter() - started
        manifest = {
            "kg_version": __version__,
            "inputs": [str(p) for p in files],
            "outputs": [PAPERS, EXTRACTIONS, GRAPH_FILE],
            **report.to_dict(),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return report
