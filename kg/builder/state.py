"""What a build leaves behind so the next one can be incremental: the build state in ``OUT/.kg-state``.

It records the inputs (path, size and content digest of each file, with its entry count and skipped
entries), the de-duplication keys, every distinct entity signature with its occurrence count and the node
it resolved to, and per paper: its first file, its entity signatures, and the byte range of each of its
chunks in papers.jsonl, extractions.jsonl and graph.json. Nothing in it is needed to read a build.

``checksums.json``, written last, holds the SHA-256 of the state's own files and of the outputs a later
build splices from; a state that does not match it (or does not parse) is not used: the build runs in full
and says why, so a damaged or edited state can never give a wrong incremental build.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kg.errors import InputError

__all__ = ["STATE_DIR", "STATE_VERSION", "BuildState", "FileRecord", "file_digest", "load_state", "read_state",
           "save_state", "StateUnusable", "output_sizes", "output_digests", "changed_outputs", "CHUNK_SECTIONS",
           "OUTPUT_FILES"]

STATE_DIR = ".kg-state"
STATE_VERSION = 2
#: The state's own files, each checksummed in CHECKSUMS (written last, so a state without it is incomplete).
STATE_FILES = ("state.json", "signatures.jsonl", "index.npz")
CHECKSUMS = "checksums.json"
#: The per-paper chunk sections: the two JSON Lines outputs and graph.json's per-paper sections.
CHUNK_SECTIONS = ("papers", "extractions", "paper_nodes", "result_nodes", "paper_edges")
OUTPUT_FILES = ("papers.jsonl", "extractions.jsonl", "graph.json")


def file_digest(path: Path) -> str:
    """SHA-1 of the file's bytes: an input counts as unchanged only when its content is."""
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha1").hexdigest()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", path=str(path)) from exc


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
    output_digests: dict[str, str] = field(default_factory=dict)  # SHA-256 as saved (from the checksums file)

    @property
    def papers(self) -> int:
        return len(self.paper_file)


def output_sizes(folder: Path) -> dict[str, int]:
    """Sizes of the outputs whose byte ranges the state records (to notice outputs changed since)."""
    return {name: (folder / name).stat().st_size for name in OUTPUT_FILES if (folder / name).exists()}


def output_digests(folder: Path) -> dict[str, str]:
    """SHA-256 of each output whose byte ranges the state records: a later build splices from them."""
    return {name: _sha256(folder / name) for name in OUTPUT_FILES if (folder / name).exists()}


def changed_outputs(folder: Path, state: BuildState) -> list[str]:
    """The outputs in `folder` that are not, byte for byte, those `state` was saved with (sizes first: cheap)."""
    sizes = output_sizes(folder)
    if sizes != state.output_sizes:
        return sorted(k for k in set(sizes) | set(state.output_sizes) if sizes.get(k) != state.output_sizes.get(k))
    try:
        digests = output_digests(folder)
    except OSError as exc:
        return [f"{Path(exc.filename).name if exc.filename else 'an output'} is unreadable"]
    return [name for name, digest in sorted(digests.items()) if state.output_digests.get(name) != digest]


class StateUnusable(Exception):
    """The build state in a folder cannot be used; the message says why (it goes into the build summary)."""


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def save_state(folder: Path, state: BuildState) -> None:
    """Write `state` under `folder`/.kg-state (inside a build's temporary folder, so it is atomic with it),
    last of all its checksums: of its own files and of the outputs beside it that a later build splices from."""
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
    checksums = {"state_version": STATE_VERSION, "files": {name: _sha256(root / name) for name in STATE_FILES},
                 "outputs": output_digests(folder)}
    (root / CHECKSUMS).write_text(json.dumps(checksums, indent=1), encoding="utf-8")


def _verified(root: Path) -> tuple[dict[str, bytes], dict[str, str]]:
    """The bytes of every state file, each checked against the checksums saved with it, and the outputs' digests."""
    try:
        checksums = json.loads((root / CHECKSUMS).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StateUnusable("the previous build left no state" if not root.is_dir() else
                            f"{STATE_DIR}/{CHECKSUMS} is missing (a build of another kg version?)") from None
    except (OSError, ValueError) as exc:
        raise StateUnusable(f"{STATE_DIR}/{CHECKSUMS} is unreadable: {exc}") from exc
    if not isinstance(checksums, dict) or checksums.get("state_version") != STATE_VERSION:
        raise StateUnusable(f"{STATE_DIR} is of another state version")
    expected, outputs = checksums.get("files"), checksums.get("outputs")
    if not isinstance(expected, dict) or not isinstance(outputs, dict):
        raise StateUnusable(f"{STATE_DIR}/{CHECKSUMS} is malformed")
    data: dict[str, bytes] = {}
    for name in STATE_FILES:
        try:
            data[name] = (root / name).read_bytes()
        except OSError as exc:
            raise StateUnusable(f"{STATE_DIR}/{name} is unreadable: {exc.strerror or exc}") from exc
        if hashlib.sha256(data[name]).hexdigest() != expected.get(name):
            raise StateUnusable(f"{STATE_DIR}/{name} does not match its checksum (changed or damaged)")
    return data, {str(k): str(v) for k, v in outputs.items()}


def read_state(folder: Path) -> BuildState:
    """The state a previous build left in `folder`, verified against its checksums.

    Raises StateUnusable (saying why) when there is none, or it is damaged, changed or inconsistent.
    """
    data, digests = _verified(folder / STATE_DIR)
    try:
        meta = json.loads(data["state.json"].decode("utf-8"))
        signatures: list[tuple[str, str, tuple[str, ...]]] = []
        nodes: list[str | None] = []
        for line in data["signatures.jsonl"].decode("utf-8").splitlines():
            etype, name, mentions, node = json.loads(line)
            signatures.append((etype, name, tuple(mentions)))
            nodes.append(node)
        with np.load(io.BytesIO(data["index.npz"]), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        state = BuildState(
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
            output_digests=digests,
        )
    except (ValueError, KeyError, TypeError, AttributeError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise StateUnusable(f"{STATE_DIR} is malformed: {type(exc).__name__}: {exc}"[:300]) from exc
    _check_shapes(state)
    return state


def _check_shapes(state: BuildState) -> None:
    """Raise StateUnusable unless the per-paper and per-signature arrays agree in length (a cheap cross-check)."""
    n, s = state.papers, len(state.signatures)
    problems = [name for name, ok in (
        ("signature counts", len(state.signature_counts) == s and len(state.signature_nodes) == s),
        ("signature index", len(state.sig_ptr) == n + 1 and (n == 0 or int(state.sig_ptr[-1]) == len(state.sig_ids))),
        ("flags", len(state.flags) == n),
        ("chunk ranges", all(len(state.chunk_starts[k]) == len(state.chunk_lengths[k]) for k in CHUNK_SECTIONS)
         and len(state.chunk_starts["papers"]) == n and len(state.chunk_starts["extractions"]) == n),
        ("de-duplication keys", len(state.title_keys) == len(state.title_slots)
         and len(state.arxiv_keys) == len(state.arxiv_slots)),
    ) if not ok]
    if problems:
        raise StateUnusable(f"{STATE_DIR} is inconsistent ({', '.join(problems)})")


def load_state(folder: Path) -> BuildState | None:
    """The state a previous build left in `folder`, or None when there is none or it is unusable."""
    try:
        return read_state(folder)
    except StateUnusable:
        return None
