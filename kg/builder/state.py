"""What a build leaves behind so the next one can be incremental: the build state in ``OUT/.kg-state``.

It records the inputs (path, size and content digest of each file, with its entry count and skipped
entries), the de-duplication keys, every distinct entity signature with its occurrence count and the node
it resolved to, and per paper: its first file, its entity signatures, and the byte range of each of its
chunks in papers.jsonl, extractions.jsonl and graph.json. Nothing in it is needed to read a build.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["STATE_DIR", "STATE_VERSION", "BuildState", "FileRecord", "file_digest", "load_state", "save_state",
           "output_sizes", "CHUNK_SECTIONS", "OUTPUT_FILES"]

STATE_DIR = ".kg-state"
STATE_VERSION = 1
#: The per-paper chunk sections: the two JSON Lines outputs and graph.json's per-paper sections.
CHUNK_SECTIONS = ("papers", "extractions", "paper_nodes", "result_nodes", "paper_edges")
OUTPUT_FILES = ("papers.jsonl", "extractions.jsonl", "graph.json")


def file_digest(path: Path) -> str:
    """SHA-1 of the file's bytes: an input counts as unchanged only when its content is."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha1").hexdigest()


@dataclass
class FileRecord:
    """One input file of a build: identity, and what reading it gave."""

    path: str
    size: int
    digest: str
    entries: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class BuildState:
    """The state of one build (see the module docstring); arrays are indexed by paper position."""

    settings: dict[str, Any]
    files: list[FileRecord]
    signatures: list[tuple[str, str, tuple[str, ...]]]
    signature_counts: np.ndarray
    signature_nodes: list[str | None]
    paper_file: np.ndarray
    sig_ptr: np.ndarray
    sig_ids: np.ndarray
    chunk_starts: dict[str, np.ndarray]
    chunk_lengths: dict[str, np.ndarray]
    bases: dict[str, int]
    edges: np.ndarray
    results: np.ndarray
    flags: np.ndarray  # bit 1: the extraction has warnings; bit 2: the paper has several sources
    title_keys: np.ndarray  # (k, 12) uint8 digests of normalized titles -> title_slots
    title_slots: np.ndarray
    arxiv_keys: list[str]
    arxiv_slots: list[int]
    output_sizes: dict[str, int] = field(default_factory=dict)  # as saved; checked before reusing the outputs

    @property
    def papers(self) -> int:
        return len(self.paper_file)


def output_sizes(folder: Path) -> dict[str, int]:
    """Sizes of the outputs whose byte ranges the state records (to notice outputs changed since)."""
    return {name: (folder / name).stat().st_size for name in OUTPUT_FILES if (folder / name).exists()}


def save_state(folder: Path, state: BuildState) -> None:
    """Write `state` under `folder`/.kg-state (inside a build's temporary folder, so it is atomic with it)."""
    root = folder / STATE_DIR
    root.mkdir()
    meta = {
        "state_version": STATE_VERSION,
        "settings": state.settings,
        "files": [{"path": f.path, "size": f.size, "digest": f.digest, "entries": f.entries,
                   "skipped": [list(s) for s in f.skipped]} for f in state.files],
        "bases": state.bases,
        "arxiv_keys": state.arxiv_keys,
        "arxiv_slots": state.arxiv_slots,
        "output_sizes": output_sizes(folder),
    }
    (root / "state.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    with open(root / "signatures.jsonl", "w", encoding="utf-8") as fh:
        for sig, node in zip(state.signatures, state.signature_nodes):
            fh.write(json.dumps([sig[0], sig[1], list(sig[2]), node], ensure_ascii=False) + "\n")
    arrays = {"signature_counts": state.signature_counts, "paper_file": state.paper_file,
              "sig_ptr": state.sig_ptr, "sig_ids": state.sig_ids, "edges": state.edges,
              "results": state.results, "flags": state.flags, "title_keys": state.title_keys,
              "title_slots": state.title_slots}
    for name in CHUNK_SECTIONS:
        arrays[f"start_{name}"] = state.chunk_starts[name]
        arrays[f"length_{name}"] = state.chunk_lengths[name]
    with open(root / "index.npz", "wb") as fh:
        np.savez(fh, **arrays)


def load_state(folder: Path) -> BuildState | None:
    """The state a previous build left in `folder`, or None when there is none or it is unusable."""
    root = folder / STATE_DIR
    try:
        meta = json.loads((root / "state.json").read_text(encoding="utf-8"))
        if meta.get("state_version") != STATE_VERSION:
            return None
        signatures: list[tuple[str, str, tuple[str, ...]]] = []
        nodes: list[str | None] = []
        with open(root / "signatures.jsonl", encoding="utf-8") as fh:
            for line in fh:
                etype, name, mentions, node = json.loads(line)
                signatures.append((etype, name, tuple(mentions)))
                nodes.append(node)
        with np.load(root / "index.npz", allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        return BuildState(
            settings=meta["settings"],
            files=[FileRecord(f["path"], f["size"], f["digest"], f["entries"], [tuple(s) for s in f["skipped"]])
                   for f in meta["files"]],
            signatures=signatures,
            signature_counts=arrays["signature_counts"],
            signature_nodes=nodes,
            paper_file=arrays["paper_file"],
            sig_ptr=arrays["sig_ptr"],
            sig_ids=arrays["sig_ids"],
            chunk_starts={name: arrays[f"start_{name}"] for name in CHUNK_SECTIONS},
            chunk_lengths={name: arrays[f"length_{name}"] for name in CHUNK_SECTIONS},
            bases=meta["bases"],
            edges=arrays["edges"],
            results=arrays["results"],
            flags=arrays["flags"],
            title_keys=arrays["title_keys"],
            title_slots=arrays["title_slots"],
            arxiv_keys=meta["arxiv_keys"],
            arxiv_slots=meta["arxiv_slots"],
            output_sizes=meta["output_sizes"],
        )
    except (KeyError, TypeError):
        return None
