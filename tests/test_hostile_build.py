"""Hostile cases against `kg build` that once lost data or crashed (issue 14): a build that reads nothing, a
damaged build state, unreadable and special inputs, a full disk, readers during a swap, read-only folders."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from hostile import file_size_limit, leftovers, run_kg, tree_digest
from test_incremental import papers, same_as_full, write

from kg.builder import build
from kg.builder.state import STATE_DIR
from kg.cli import main
from kg.errors import InputError
from kg.outputs import read_manifest


@pytest.fixture
def previous(tmp_path: Path) -> Path:
    """A good build in tmp/out (of tmp/good.jsonl, 6 papers)."""
    out = tmp_path / "out"
    build([write(tmp_path / "good.jsonl", papers(0, 6))], out)
    return out


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kg: error: "), err
    return lines[0]


# --- 1. a build that reads no paper never replaces the previous one ----------------------------------------


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("empty", ["folder", "empty-file", "all-skipped"])
def test_a_build_that_reads_no_paper_leaves_the_previous_build(previous: Path, tmp_path: Path, strict: bool,
                                                               empty: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = tree_digest(previous)
    source = tmp_path / "input"
    source.mkdir()
    if empty == "empty-file":
        (source / "none.jsonl").write_text("")
    elif empty == "all-skipped":
        (source / "bad.jsonl").write_text('{"title": "no abstract", "abstract": ""}\n{oops\n')
    args = ["build", str(source), "--out", str(previous), "--quiet", "--no-cache"] + ["--strict"] * strict
    assert main(args) != 0
    line = one_error_line(capsys.readouterr().err)
    if empty == "folder" or not strict:
        assert "no papers read from" in line and f"{previous} was left as it was" in line
    assert tree_digest(previous) == before
    assert leftovers(previous) == []
    with pytest.raises(InputError, match="no papers read"):
        build([source], previous)
    assert tree_digest(previous) == before


# --- 2. a damaged or edited build state gives a full build, never a wrong incremental one ------------------


def _rewrite_index(out: Path, change: str) -> None:
    path = out / STATE_DIR / "index.npz"
    with np.load(path) as data:
        arrays = {name: data[name].copy() for name in data.files}
    if change == "count":
        arrays["signature_counts"][0] += 1
    elif change == "offsets":
        starts = arrays["start_papers"]
        starts[[0, 1]] = starts[[1, 0]]
    elif change == "flags":
        arrays["flags"][0] ^= 1
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def _damage(out: Path, how: str) -> None:
    state = out / STATE_DIR
    signatures = state / "signatures.jsonl"
    if how == "renamed-signature":  # one name changed inside a well-formed line
        lines = signatures.read_text(encoding="utf-8").splitlines()
        row = json.loads(lines[0])
        row[1] = row[1][:-1] + ("x" if row[1][-1:] != "x" else "y")
        lines[0] = json.dumps(row)
        signatures.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif how == "dropped-line":
        lines = signatures.read_text(encoding="utf-8").splitlines(keepends=True)
        signatures.write_text("".join(lines[:1] + lines[2:]), encoding="utf-8")
    elif how in ("count", "offsets", "flags"):
        _rewrite_index(out, how)
    elif how == "truncated-index":
        data = (state / "index.npz").read_bytes()
        (state / "index.npz").write_bytes(data[: len(data) // 2])
    elif how == "emptied-index":
        (state / "index.npz").write_bytes(b"")
    elif how == "bad-json":
        (state / "state.json").write_text('{"state_version": 2, "settings": ', encoding="utf-8")
    elif how == "no-checksums":
        (state / "checksums.json").unlink()
    elif how == "bad-checksums":
        (state / "checksums.json").write_text("{", encoding="utf-8")
    elif how == "edited-output":  # same size, one title changed
        path = out / "papers.jsonl"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("Study number 1 ", "Study number 7 ", 1), encoding="utf-8")
    else:
        raise AssertionError(how)


@pytest.mark.parametrize("how", ["renamed-signature", "dropped-line", "count", "offsets", "flags", "truncated-index",
                                 "emptied-index", "bad-json", "no-checksums", "bad-checksums", "edited-output"])
def test_a_damaged_build_state_gives_a_full_build_saying_why(tmp_path: Path, how: str) -> None:
    cache = tmp_path / "cache"
    base = write(tmp_path / "a.jsonl", papers(0, 12))
    extra = write(tmp_path / "b.jsonl", papers(40, 4))
    out = tmp_path / "out"
    build([base], out, cache_dir=cache)
    _damage(out, how)
    report = build([base, extra], out, cache_dir=cache)
    if how == "edited-output":
        assert report.mode == "full (the previous outputs were changed after it was built (papers.jsonl))"
    else:
        assert report.mode.startswith("full (the previous build left no usable state: "), report.mode
    same_as_full(out, [base, extra], tmp_path)
    again = build([base, extra, write(tmp_path / "c.jsonl", papers(60, 2))], out, cache_dir=cache)
    assert again.mode.startswith("incremental"), "the full build left a good state behind"


def test_the_state_says_which_file_does_not_match(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    base = write(tmp_path / "a.jsonl", papers(0, 5))
    out = tmp_path / "out"
    build([base], out, cache_dir=cache)
    _damage(out, "flags")
    report = build([base], out, cache_dir=cache)
    assert report.mode == ("full (the previous build left no usable state: .kg-state/index.npz does not match its "
                           "checksum (changed or damaged))")


# --- 7. unreadable files and unlistable folders; 8. FIFOs and devices --------------------------------------


def _skips(out: Path) -> dict[str, str]:
    return {Path(s["path"]).name: s["reason"] for s in read_manifest(out)["skipped"]}


def test_unreadable_files_and_unlistable_folders_are_skipped_with_a_reason(tmp_path: Path) -> None:
    source = tmp_path / "input"
    (source / "locked").mkdir(parents=True)
    write(source / "ok.jsonl", papers(0, 3))
    write(source / "locked" / "inside.jsonl", papers(10, 3))
    secret = write(source / "secret.jsonl", papers(20, 3))
    secret.chmod(0)
    (source / "locked").chmod(0)
    try:
        out = tmp_path / "out"
        done = run_kg("build", str(source), "--out", str(out), "--quiet", "--no-cache", unprivileged=True)
        assert done.returncode == 0, done.stderr
        assert _skips(out) == {"secret.jsonl": "cannot read file: Permission denied",
                               "locked": "cannot list folder: Permission denied"}
        assert read_manifest(out)["papers"] == 3
        named = run_kg("build", str(secret), str(source / "ok.jsonl"), "--out", str(out), "--quiet", "--no-cache",
                       unprivileged=True)
        assert named.returncode == 0, named.stderr
        assert _skips(out) == {"secret.jsonl": "cannot read file: Permission denied"}
        before = tree_digest(out)
        for target in (source, secret):
            strict = run_kg("build", str(target), "--out", str(out), "--quiet", "--no-cache", "--strict",
                            unprivileged=True)
            assert strict.returncode != 0
            line = one_error_line(strict.stderr)
            assert "Permission denied" in line and ("secret.jsonl" in line or "locked" in line), line
        assert tree_digest(out) == before
    finally:
        (source / "locked").chmod(0o755)
        secret.chmod(0o644)


def test_fifos_and_devices_are_skipped_not_read(tmp_path: Path) -> None:
    source = tmp_path / "input"
    source.mkdir()
    write(source / "ok.jsonl", papers(0, 3))
    os.mkfifo(source / "pipe.jsonl")
    out = tmp_path / "out"
    done = run_kg("build", str(source), str(source / "pipe.jsonl"), "/dev/zero", "--out", str(out), "--quiet",
                  "--no-cache", timeout=120)
    assert done.returncode == 0, done.stderr
    assert _skips(out) == {"pipe.jsonl": "not a regular file (a named pipe (FIFO)); kg reads regular files only",
                           "zero": "not a regular file (a character device); kg reads regular files only"}
    assert read_manifest(out)["papers"] == 3


# --- 9. a full disk -----------------------------------------------------------------------------------------


def test_disk_full_while_writing_a_build_is_one_line_and_leaves_the_previous_build(
        previous: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    before = tree_digest(previous)

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)  # the kernel reports delayed write failures (ENOSPC) at fsync
    assert main(["build", str(tmp_path / "good.jsonl"), "--out", str(previous), "--quiet", "--no-cache"]) == 1
    assert one_error_line(capsys.readouterr().err) == f"kg: error: no space left on device while writing {previous}"
    assert tree_digest(previous) == before
    assert leftovers(previous) == []


def test_file_size_limit_while_writing_a_build_a_site_or_the_cypher_store(tmp_path: Path) -> None:
    big = write(tmp_path / "big.jsonl", papers(0, 400))
    out = tmp_path / "out"
    build([big], out, stores=False)  # the first `kg cypher` writes the Cypher store, under the limit
    before = tree_digest(out)
    limit = file_size_limit(64 * 1024)  # smaller than the outputs, the cache, the site's assets, the Cypher store

    done = run_kg("build", str(big), "--out", str(out), "--quiet", "--no-cache", "--full", preexec_fn=limit)
    assert (done.returncode, one_error_line(done.stderr)) == (1, f"kg: error: file size limit exceeded while "
                                                                 f"writing {out}")
    assert tree_digest(out) == before and leftovers(out) == []

    site = tmp_path / "site"
    done = run_kg("site", str(site), "--graph", str(out), preexec_fn=limit)
    assert (done.returncode, one_error_line(done.stderr)) == (1, f"kg: error: file size limit exceeded while "
                                                                 f"writing {site}")
    assert not site.exists() and leftovers(site) == []

    done = run_kg("cypher", "MATCH (p:Paper) RETURN count(p) AS n", "--graph", str(out), preexec_fn=limit)
    assert done.returncode == 1
    assert one_error_line(done.stderr).startswith("kg: error: "), done.stderr
    assert "while writing" in done.stderr or "cannot write the embedded database" in done.stderr, done.stderr
    assert tree_digest(out) == before, "no half-built database left in the build"
    assert leftovers(out) == []


CACHE_FILLER = textwrap.dedent(
    """
    import sys
    from kg.builder.cache import ExtractionCache
    from kg.errors import KGError
    from kg.records import Paper
    cache = ExtractionCache(sys.argv[1], "v1", commit_every=50)
    try:
        for i in range(5000):
            cache.put(Paper(id=f"p{i}", title=f"Paper {i}", abstract="x"), "{}" + " " * 2000)
        cache.close()
    except KGError as exc:
        print(exc)
        sys.exit(1)
    """
)


def test_file_size_limit_while_writing_the_extraction_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    done = subprocess.run([sys.executable, "-c", CACHE_FILLER, str(cache)], capture_output=True, text=True,
                          timeout=300, preexec_fn=file_size_limit(256 * 1024))
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stdout.strip().startswith(f"{cache / 'extractions.sqlite'}: cannot write the extraction cache") \
        or done.stdout.strip().endswith(f"while writing {cache / 'extractions.sqlite'}"), done.stdout


# --- 10. readers do not undo a build in progress ---------------------------------------------------------

SLOW_SWAP = textwrap.dedent(
    """
    import os, sys, time
    real = os.rename
    def slow(src, dst):
        real(src, dst)
        if ".old-" in os.fspath(dst):  # the old output renamed aside, the new one not yet in place
            open(sys.argv[1], "w").close()
            time.sleep(2)
    os.rename = slow
    from kg.cli import main
    sys.exit(main(sys.argv[2:]))
    """
)


def test_a_reader_during_a_swap_does_not_undo_the_build(previous: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "slow_swap.py"
    script.write_text(SLOW_SWAP)
    sentinel = tmp_path / "swapping"
    more = write(tmp_path / "more.jsonl", papers(30, 3))
    proc = subprocess.Popen([sys.executable, str(script), str(sentinel), "build", str(tmp_path / "good.jsonl"),
                             str(more), "--out", str(previous), "--quiet", "--no-cache"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not sentinel.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert not previous.exists(), "the swap is in progress"
    assert main(["stats", "--graph", str(previous), "--format", "json"]) == 0, capsys.readouterr().err
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert read_manifest(previous)["papers"] == 9
    assert leftovers(previous) == []


def test_leftovers_of_dead_builds_are_still_recovered(previous: Path) -> None:
    before = tree_digest(previous)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    os.rename(previous, previous.parent / f".out.old-{int(dead.stdout)}")
    assert read_manifest(previous)["papers"] == 6
    assert tree_digest(previous) == before and leftovers(previous) == []


# --- 11. read-only folders -------------------------------------------------------------------------------


def _chmod_tree(root: Path, files: int, folders: int) -> None:
    for path in [root, *root.rglob("*")]:
        path.chmod(folders if path.is_dir() else files)


def test_a_read_only_previous_build_is_replaced_without_leftovers(previous: Path, tmp_path: Path) -> None:
    _chmod_tree(previous, 0o444, 0o555)
    try:
        more = write(tmp_path / "more.jsonl", papers(30, 3))
        done = run_kg("build", str(tmp_path / "good.jsonl"), str(more), "--out", str(previous), "--quiet",
                      "--no-cache", unprivileged=True)
        assert done.returncode == 0, done.stderr
        assert leftovers(previous) == [], "the old read-only folder is removed, not left as .out.old-PID"
        assert read_manifest(previous)["papers"] == 9
    finally:
        if previous.exists():
            _chmod_tree(previous, 0o644, 0o755)


def test_a_read_only_build_can_be_queried(previous: Path, tmp_path: Path) -> None:
    cache = tmp_path / "user-cache"
    _chmod_tree(previous, 0o444, 0o555)
    try:
        before = tree_digest(previous)
        for args in (["cypher", "MATCH (p:Paper) RETURN count(p) AS n"],
                     ["sparql", "SELECT (COUNT(?p) AS ?n) WHERE { ?p a kg:Paper }"]):
            done = run_kg(*args, "--graph", str(previous), "--format", "json", unprivileged=True,
                          env={"KG_CACHE_DIR": str(cache)})
            assert done.returncode == 0, done.stderr
            assert json.loads(done.stdout)[0]["n"] == 6
        assert tree_digest(previous) == before
    finally:
        _chmod_tree(previous, 0o644, 0o755)
    shutil.rmtree(cache, ignore_errors=True)
