"""`kg build`: files -> papers -> extractions -> graph -> output folder, in one call on the embedded default.

The build leaves its state in ``OUT/.kg-state`` (`kg.builder.state`) so that the next build of the same inputs
plus new files can extend it (`kg.builder.incremental`) instead of starting over (`kg.builder.full`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

from kg import __version__
from kg.builder.cache import ExtractionCache
from kg.builder.common import BuildReport, Progress, extractor_factory, settings_of
from kg.builder.full import full_build
from kg.builder.incremental import FullBuildNeeded, incremental_build
from kg.builder.state import save_state
from kg.graph.io import GRAPH_FILE
from kg.errors import InputError, OutputError
from kg.ingest import DEFAULT_MAX_ABSTRACT_CHARS, find_inputs
from kg.ingest.files import DATA_SUFFIXES
from kg.records import Skipped
from kg.outputs import EXTRACTIONS, MANIFEST, PAPERS, atomic_directory
from kg.stores.persist import STORE_NAMES, build_stores

__all__ = ["build", "DEFAULT_OUT"]

DEFAULT_OUT = "kg-out"


def _build_stores(tmp: Path, report: BuildReport, progress: Progress | None) -> dict[str, dict[str, object]]:
    """Bulk-load the query stores of the graph just written in `tmp`; their time goes in the report."""
    started = time.perf_counter()
    if progress is not None:
        progress("stores", 0, len(STORE_NAMES))
    figures = {}
    for done, name in enumerate(STORE_NAMES, 1):
        figures.update(build_stores(tmp, (name,)))
        if progress is not None:
            progress("stores", done, len(STORE_NAMES))
    report.stage_seconds["stores"] = time.perf_counter() - started
    return figures


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
    stores: bool = True,
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
    build. With `stores` (the default) the query stores are bulk-loaded from the new graph.json too
    (`kg.stores.persist`: LadybugDB for Cypher, Oxigraph for SPARQL), so the first query opens them instead of
    building them; an incremental build rebuilds them. `out` is replaced atomically: it holds either the
    previous build or this one, never a mix, and a build that reads no paper is an error that leaves it as it
    was. Inputs that cannot be read (permissions, FIFOs, devices, unlistable folders) are skipped entries with
    the reason.
    `model` and `fast` choose the extractor's decision as in ``kg.extract.extract``.
    Raises InputError (bad input with `strict`, missing paths, no papers) or OutputError (including a full disk).
    """
    from kg.extract import extractor_version

    version = extractor_version(model, fast=fast)
    options = {"model": model, "fast": fast}

    started = time.perf_counter()
    files, unusable = find_inputs(paths)
    if strict and unusable:
        raise InputError(unusable[0].reason, path=unusable[0].source.path)
    if not files:
        raise nothing_read(paths, out, unusable)
    settings = settings_of(format, strict, max_abstract_chars, version)
    out = Path(out)
    with atomic_directory(out) as tmp:
        cache = ExtractionCache(cache_dir, version) if cache_dir is not None else None
        try:
            state = None
            if cache is not None and incremental:
                report = BuildReport(out=str(out), extractor_version=version)
                try:
                    state = incremental_build(out, files, tmp, report, settings,
                                              extractor_factory(report, workers, scheduler, options), cache, progress)
                except FullBuildNeeded as why:
                    for leftover in tmp.iterdir():
                        shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
                    cache.hits = cache.stored = 0
                    report = BuildReport(out=str(out), extractor_version=version, mode=f"full ({why})")
            else:
                report = BuildReport(out=str(out), extractor_version=version,
                                     mode="full (no cache)" if cache is None else "full (asked for)")
            if state is None:
                state = full_build(files, tmp, report, settings, format=format, strict=strict,
                                    max_abstract_chars=max_abstract_chars,
                                    extractor=extractor_factory(report, workers, scheduler, options), cache=cache,
                                    progress=progress)
        except BaseException:
            if cache is not None:
                with contextlib.suppress(OutputError):
                    cache.close()
            raise
        if cache is not None:
            report.cache_hits, report.cache_misses = cache.hits, cache.stored
            cache.close()
        report.skipped[:0] = unusable
        if report.papers == 0:
            raise nothing_read(paths, out, report.skipped)
        report.files = len(files)
        save_state(tmp, state)
        store_figures = _build_stores(tmp, report, progress) if stores else {}
        report.seconds = time.perf_counter() - started
        manifest = {
            "kg_version": __version__,
            "inputs": [str(p) for p in files],
            "outputs": [PAPERS, EXTRACTIONS, GRAPH_FILE, *(STORE_NAMES[name][1] for name in store_figures)],
            **report.to_dict(),
            "stores": store_figures,
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return report


def nothing_read(paths: Sequence[str | os.PathLike[str]], out: Path | str, skipped: Sequence[Skipped]) -> InputError:
    """The error of a build that read no paper: it never replaces the previous build in `out`."""
    given = ", ".join(os.fspath(p) for p in paths)
    if skipped:
        first = skipped[0]
        why = (f"{len(skipped)} entr{'ies' if len(skipped) != 1 else 'y'} skipped, the first "
               f"{first.source.path}:{first.source.line}: {first.reason}")
    else:
        why = f"no data files ({', '.join(sorted(DATA_SUFFIXES))}, optionally gzipped) found"
    return InputError(f"no papers read from {given} ({why}); {out} was left as it was")
