"""Helpers of the hostile tests: run `kg` in a child process (without the power to ignore file permissions, or
under a file size limit), and look at an output folder and what was left beside it."""

from __future__ import annotations

import hashlib
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def tree_digest(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under `folder`."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(out: Path) -> list[str]:
    """Temporary or renamed-aside folders and files beside `out` (``.NAME.tmp-*``, ``.NAME.old-*``)."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def without_permission_override(cmd: list[str]) -> list[str]:
    """`cmd` run so that file permissions hold for it: as root, with the capabilities that ignore them
    (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) dropped, the way an ordinary user meets a ``chmod 000`` file."""
    if os.geteuid() != 0:
        return cmd
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *cmd]


def file_size_limit(limit: int) -> Callable[[], None]:
    """A preexec_fn that limits the size of any file the child writes to `limit` bytes (writes past it fail
    with EFBIG, as on a full disk, instead of killing the process)."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def run_kg(*args: str, unprivileged: bool = False, preexec_fn: Callable[[], None] | None = None,
           timeout: float = 300, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m kg ARGS`` in a child process; returns its exit code and output."""
    cmd = [sys.executable, "-m", "kg", *args]
    if unprivileged:
        cmd = without_permission_override(cmd)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO, preexec_fn=preexec_fn,
                          env={**os.environ, **(env or {})})
