"""The build output folder: written atomically, read back by every command that takes ``--graph DIR``.

A build writes into a hidden sibling folder and swaps it in with renames only when complete, so a crash or
Ctrl-C leaves the previous output as it was. A swap cut off between its two renames is undone on the next
read or build.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import stat
import tempfile
import time
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
    "remove_tree",
    "space_error",
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


#: A swap renames the old folder aside and the new one into place in two renames, microseconds apart; an
#: ``.old-PID`` folder renamed aside longer ago than this is left over, whichever process its PID names now.
_SWAP_SECONDS = 60.0
#: How long a reader waits for a swap in progress (its old folder renamed aside, the new one not yet in place).
_SWAP_WAIT = 5.0


def _is_stale(leftover: Path, infix: str) -> bool:
    """Whether `leftover` (``.NAME.old-PID`` or ``.NAME.tmp-PID-...``) belongs to no build in progress: its process
    is gone (or, for an old folder, it was renamed aside too long ago to be part of a swap)."""
    pid_text = leftover.name.rsplit(infix, 1)[1].split("-", 1)[0]
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid != os.getpid() and not _pid_alive(pid):
        return True
    if infix == ".old-":
        try:
            return time.time() - leftover.stat().st_ctime > _SWAP_SECONDS
        except OSError:
            return False
    return False


def remove_tree(path: Path) -> None:
    """Remove the folder `path` and everything in it, best effort, also where its folders were made read-only
    (``chmod 555``): a folder kg renamed aside or wrote must not stay behind because of its permissions."""
    shutil.rmtree(path, ignore_errors=True)
    if not os.path.lexists(path):
        return
    try:
        os.chmod(path, stat.S_IMODE(os.lstat(path).st_mode) | stat.S_IRWXU)
        for root, dirs, _ in os.walk(path):
            for name in dirs:
                folder = os.path.join(root, name)
                if not os.path.islink(folder):
                    os.chmod(folder, stat.S_IMODE(os.lstat(folder).st_mode) | stat.S_IRWXU)
    except OSError:
        pass
    shutil.rmtree(path, ignore_errors=True)


def recover(out: Path) -> None:
    """Finish or undo an interrupted swap of `out` and remove the leftovers of dead builds.

    Only leftovers of processes that are gone are touched, so a reader never undoes a build in progress: while
    another process swaps `out` (its old folder renamed aside, the new one not yet in place) this waits a moment
    for the new folder instead.
    """
    parent = out.parent
    if not parent.is_dir():
        return
    olds = _olds(out)
    if not out.exists() and olds and not _is_stale(olds[-1], ".old-"):
        deadline = time.monotonic() + _SWAP_WAIT
        while not out.exists() and time.monotonic() < deadline and not _is_stale(olds[-1], ".old-"):
            time.sleep(0.01)
        olds = _olds(out)
    if not out.exists() and olds and _is_stale(olds[-1], ".old-"):
        try:
            os.rename(olds[-1], out)
        except FileNotFoundError:
            pass  # another reader restored it first
        except OSError as exc:
            raise OutputError(f"{out}: an interrupted build left the previous output in {olds[-1]}, and it cannot "
                              f"be moved back: {exc.strerror or exc}") from exc
        olds = olds[:-1]
    for old in olds:
        if _is_stale(old, ".old-"):
            remove_tree(old)
    for tmp in parent.glob(f".{out.name}.tmp-*"):
        if _is_stale(tmp, ".tmp-"):
            remove_tree(tmp)


def _olds(out: Path) -> list[Path]:
    """The folders earlier swaps of `out` renamed aside, oldest first."""
    found = []
    for old in out.parent.glob(f".{out.name}.old-*"):
        try:
            found.append((old.stat().st_ctime, old))
        except OSError:
            continue
    return [old for _, old in sorted(found)]


_SPACE_ERRNOS = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded",
                 errno.EFBIG: "file size limit exceeded"}
# How SQLite and the embedded Cypher engine (C++) word the same conditions in their exceptions.
_SPACE_WORDS = (("no space left on device", "no space left on device"), ("disk is full", "no space left on device"),
                ("database or disk is full", "no space left on device"), ("quota exceeded", "disk quota exceeded"),
                ("file too large", "file size limit exceeded"))


def space_error(exc: BaseException, path: Path | str) -> OutputError | None:
    """``no space left on device while writing PATH`` (an OutputError) when `exc` says the disk or quota is full
    or a file size limit was reached while writing `path`; None for any other exception."""
    if isinstance(exc, OutputError) and " while writing " in str(exc):
        return exc
    what = None
    if isinstance(exc, OSError):
        what = _SPACE_ERRNOS.get(exc.errno or 0)
    if what is None and isinstance(exc, (OSError, RuntimeError, sqlite3.Error)):
        text = str(exc).lower()
        what = next((said for words, said in _SPACE_WORDS if words in text), None)
    return OutputError(f"{what} while writing {path}") if what else None


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


def _sync_filesystem(root: Path) -> None:
    """Flush everything written to the filesystem holding `root` in one call (Linux ``syncfs``; ``sync``
    elsewhere): a folder of 75,000 pages otherwise costs 75,000 disk cache flushes, most of the write time."""
    try:
        import ctypes

        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
        fd = os.open(root, os.O_RDONLY)
        try:
            if syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    except (OSError, AttributeError):
        pass
    os.sync()


@contextmanager
def atomic_directory(out: Path, *, marker: str = MANIFEST, what: str = "a kg output",
                     many_files: bool = False) -> Iterator[Path]:
    """Yield an empty temporary folder; on normal exit it replaces `out` whole, on any error it is removed.

    Refuses to replace an existing non-empty folder without the `marker` file that such an output has
    (`what` names it in the message), so a mistyped ``--out`` never deletes someone's files. Before the swap
    its files are flushed to disk one by one, or with `many_files` (a site's pages) the filesystem at once.
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
        raise space_error(exc, out) or OutputError(f"{out}: cannot write here: {exc.strerror or exc}") from exc
    try:
        yield tmp
        if many_files:
            _sync_filesystem(tmp)
        else:
            _fsync_tree(tmp)
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        if out.exists():
            os.rename(out, old)
        try:
            os.rename(tmp, out)
        except BaseException:
            if old.exists() and not out.exists():
                os.rename(old, out)
            raise
        remove_tree(old)
    except BaseException as exc:
        remove_tree(tmp)
        full = space_error(exc, out)
        if full is exc and str(tmp) in str(exc):  # raised for a file inside: the user is writing `out`
            full = OutputError(f"{str(exc).split(' while writing ')[0]} while writing {out}")
        if full is not None and full is not exc:
            raise full from exc
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
        raise space_error(exc, path) or OutputError(f"{path}: cannot write here: {exc.strerror or exc}") from exc
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        full = space_error(exc, path)
        if full is not None and full is not exc:
            raise full from exc
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
