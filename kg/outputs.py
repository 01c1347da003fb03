"""The build output folder: written atomically, read back by every command that takes ``--graph DIR``.

A build writes into a hidden sibling folder and swaps it in with renames only when complete, so a crash or
Ctrl-C leaves the previous output as it was. A swap cut off between its two renames is undone on the next
read or build.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from kg.codec import extraction_from_record, paper_from_dict, paper_to_dict
from kg.errors import GraphError, OutputError
from kg.records import Paper, PaperExtraction

__all__ = [
    "MANIFEST",
    "PAPERS",
    "EXTRACTIONS",
    "atomic_directory",
    "atomic_file",
    "atomic_path",
    "umask_mode",
    "write_text_atomic",
    "recover",
    "write_jsonl",
    "paper_to_dict",
    "paper_from_dict",
    "read_manifest",
    "iter_papers",
    "iter_extractions",
    "read_papers_file",
    "read_extractions_file",
    "read_records_file",
]

T = TypeVar("T")

MANIFEST = "manifest.json"
PAPERS = "papers.jsonl"
EXTRACTIONS = "extractions.jsonl"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(out: Path) -> None:
    """Finish or undo an interrupted swap of `out` and remove temporary folders of dead builds."""
    parent = out.parent
    if not parent.is_dir():
        return
    olds = sorted(parent.glob(f".{out.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if not out.exists() and olds:
        os.rename(olds[-1], out)
        olds = olds[:-1]
    for old in olds:
        shutil.rmtree(old, ignore_errors=True)
    for tmp in parent.glob(f".{out.name}.tmp-*"):
        pid_text = tmp.name.rsplit(".tmp-", 1)[1].split("-", 1)[0]
        if pid_text.isdigit() and not _pid_alive(int(pid_text)):
            shutil.rmtree(tmp, ignore_errors=True)


def umask_mode(mode: int) -> int:
    """`mode` less the process umask: the permissions ``open``/``mkdir`` would give a new file or folder."""
    return mode & ~_umask()


def _umask() -> int:
    """The process umask, read without changing it where Linux shows it (setting it is not thread-safe)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())


@contextmanager
def atomic_directory(out: Path, *, marker: str = MANIFEST, what: str = "a kg output") -> Iterator[Path]:
    """Yield an empty temporary folder; on normal exit it replaces `out` whole, on any error it is removed.

    Refuses to replace an existing non-empty folder without the `marker` file that such an output has
    (`what` names it in the message), so a mistyped ``--out`` never deletes someone's files.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder; choose another --out")
    if out.is_dir() and any(out.iterdir()) and not (out / marker).exists():
        raise OutputError(f"{out}: folder exists and is not {what} (no {marker}); choose another --out")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        recover(out)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{os.getpid()}-", dir=out.parent))
        os.chmod(tmp, umask_mode(0o777))  # mkdtemp makes it 0700: give the output a new folder's usual mode
    except OSError as exc:
        raise OutputError(f"{out}: cannot write here: {exc.strerror or exc}") from exc
    try:
        yield tmp
        _fsync_tree(tmp)
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        if out.exists():
            os.rename(out, old)
        os.rename(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path` to write; on normal exit it is synced and replaces `path`
    (with the permissions a new file would get), on any error it is removed and `path` is untouched."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write here: {exc.strerror or exc}") from exc
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, umask_mode(0o666))
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write here: {exc.strerror or exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_file(path: Path, mode: str = "w") -> Iterator[Any]:
    """Open a temporary file beside `path` for writing; it replaces `path` only if the block completes."""
    with atomic_path(path) as tmp, open(tmp, mode, encoding=None if "b" in mode else "utf-8") as fh:
        yield fh


def write_text_atomic(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically (see `atomic_path`)."""
    with atomic_file(path) as fh:
        fh.write(text)


def write_jsonl(path: Path, rows: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> int:
    """Write one JSON object per line (UTF-8, no ASCII escaping); returns the number of lines."""
    count = 0
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, sort_keys=False))
            fh.write("\n")
            count += 1
    return count


def _require(graph_dir: Path, name: str) -> Path:
    graph_dir = Path(graph_dir)
    recover(graph_dir)
    path = graph_dir / name
    if not path.exists():
        raise GraphError(f"{graph_dir}: no built graph here ({name} missing); run `kg build PATH --out {graph_dir}`")
    return path


def read_manifest(graph_dir: Path) -> dict[str, Any]:
    """The manifest of a build: versions, inputs, counts and skipped entries."""
    path = _require(graph_dir, MANIFEST)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GraphError(f"{path}: unreadable manifest: {exc}") from exc


def _read_jsonl(path: Path, convert: Callable[[Any], T], what: str) -> Iterator[T]:
    """Yield `convert` of the JSON object on each line of `path`, naming the line of any corrupt `what`."""
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            try:
                yield convert(json.loads(line))
            except (ValueError, TypeError, KeyError) as exc:
                raise GraphError(f"{path}:{number}: corrupt {what}: {exc}") from exc


def read_papers_file(path: Path) -> Iterator[Paper]:
    """Yield the papers stored one per line in `path` (a build's papers.jsonl)."""
    return _read_jsonl(path, paper_from_dict, "paper record")


def read_extractions_file(path: Path) -> Iterator[PaperExtraction]:
    """Yield the extractions stored one per line in `path` (a build's extractions.jsonl)."""
    return _read_jsonl(path, extraction_from_record, "extraction record")


def read_records_file(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the JSON object on each line of `path` as it is (no conversion to records)."""
    return _read_jsonl(path, dict, "record")


def iter_papers(graph_dir: Path) -> Iterator[Paper]:
    """Yield the papers of a build in their stored order."""
    return read_papers_file(_require(graph_dir, PAPERS))


def iter_extractions(graph_dir: Path) -> Iterator[PaperExtraction]:
    """Yield the extractions of a build, one per paper, in the papers' order."""
    return read_extractions_file(_require(graph_dir, EXTRACTIONS))
