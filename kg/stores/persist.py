"""The on-disk query stores of a build: written once, atomically, opened read-only by every query.

Each store is a folder in the build output (``cypher-store`` for LadybugDB, ``sparql-store`` for Oxigraph)
holding the engine's files and ``kg-store.json``, the stamp of what it was built from: the size and
modification time of graph.json, the store layout version and the engine version. `kg build` writes both
(`build_stores`); a query finds its store with `ensure_store`, which rebuilds it only when it is missing or
its stamp does not match (a graph.json written by other means, or a store of an older kg or engine). A store
folder is replaced whole (`kg.outputs.atomic_directory`), so a reader never sees a half-built one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kg.errors import GraphError, OutputError, StoreError
from kg.graph.io import GRAPH_FILE
from kg.outputs import space_error

__all__ = ["graph_file_of", "STAMP", "graph_stamp", "read_stamp", "ensure_store", "build_store", "build_stores", "STORE_NAMES"]

STAMP = "kg-store.json"

#: Store name -> (module, folder) of the stores `kg build` writes.
STORE_NAMES: dict[str, tuple[str, str]] = {
    "cypher": ("kg.stores.embedded", "cypher-store"),
    "sparql": ("kg.stores.sparql", "sparql-store"),
}

Builder = Callable[[Path, Path], dict[str, Any]]


def graph_file_of(graph_dir: Path) -> Path:
    """``graph_dir/graph.json`` after recovering an interrupted swap; GraphError when there is no build."""
    from kg.outputs import recover

    recover(graph_dir)
    graph_file = graph_dir / GRAPH_FILE
    if not graph_file.is_file():
        raise GraphError(f"{graph_dir}: no built graph here ({GRAPH_FILE} missing); "
                         f"run `kg build PATH --out {graph_dir}`")
    return graph_file


def graph_stamp(graph_file: Path, version: int, engine: str) -> dict[str, Any]:
    """What a store built now from `graph_file` records: graph size and mtime, layout `version`, `engine`."""
    stat = graph_file.stat()
    return {"graph_size": stat.st_size, "graph_mtime_ns": stat.st_mtime_ns, "version": version, "engine": engine}


def read_stamp(store_dir: Path) -> dict[str, Any] | None:
    """The stamp of the store in `store_dir`, or None when there is none (or it is unreadable)."""
    try:
        data = json.loads((store_dir / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _matches(stamp: dict[str, Any] | None, wanted: dict[str, Any]) -> bool:
    return stamp is not None and all(stamp.get(k) == v for k, v in wanted.items())


def build_store(graph_dir: Path, folder: str, version: int, engine: str, builder: Builder) -> dict[str, Any]:
    """Build one store of `graph_dir` into ``graph_dir/folder`` with `builder(graph_file, into)`, atomically.

    Returns the stamp written, which holds the builder's figures (counts, seconds) under ``"figures"``.
    """
    graph_dir = Path(graph_dir)
    graph_file = graph_file_of(graph_dir)
    stamp = graph_stamp(graph_file, version, engine)
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        from kg.outputs import atomic_directory

        with atomic_directory(graph_dir / folder, marker=STAMP, what=f"a kg {folder}") as tmp:
            figures = builder(graph_file, tmp)
            figures["seconds"] = round(time.perf_counter() - started, 3)
            figures["cpu_seconds"] = round(time.process_time() - cpu_started, 3)  # all threads of the process
            stamp["figures"] = figures
            (tmp / STAMP).write_text(json.dumps(stamp, indent=1), encoding="utf-8")
    except OutputError as exc:
        if space_error(exc, graph_dir / folder) is exc:  # a full disk: said as such, by whoever writes the build
            raise
        raise StoreError(f"{graph_dir}: cannot write the {folder} ({exc}); run `kg build` again with a writable "
                         "--out") from exc
    except OSError as exc:
        raise StoreError(f"{graph_dir}: cannot write the {folder}: {exc.strerror or exc}") from exc
    return stamp


def ensure_store(graph_dir: Path, folder: str, version: int, engine: str, builder: Builder) -> Path:
    """The folder of a store of `graph_dir`, built first when missing or stamped for another graph or version."""
    graph_dir = Path(graph_dir)
    graph_file = graph_file_of(graph_dir)
    store_dir = graph_dir / folder
    if not _matches(read_stamp(store_dir), graph_stamp(graph_file, version, engine)):
        build_store(graph_dir, folder, version, engine, builder)
    return store_dir


def build_stores(graph_dir: Path, names: tuple[str, ...] = tuple(STORE_NAMES)) -> dict[str, dict[str, Any]]:
    """Build the stores `names` (default: all) of the build in `graph_dir`; returns each one's figures."""
    from importlib import import_module

    out: dict[str, dict[str, Any]] = {}
    for name in names:
        module = import_module(STORE_NAMES[name][0])
        out[name] = module.build_store(graph_dir)["figures"]
    return out
