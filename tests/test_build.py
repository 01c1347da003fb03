"""`kg build` end to end: outputs, summary, CLI conventions, and atomic replacement of the output folder."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli, main
from kg.errors import OutputError
from kg.extract import extractor_version
from kg.outputs import iter_papers, read_manifest
from kg.builder import build


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture
def built(tmp_path: Path, fixtures: Path) -> Path:
    out = tmp_path / "kg-out"
    build([fixtures], out)
    return out


def test_build_writes_every_output(built: Path) -> None:
    assert sorted(p.name for p in built.iterdir()) == [".kg-state", "cypher-store", "extractions.jsonl", "graph.json",
                                                      "manifest.json", "papers.jsonl", "sparql-store"]
    manifest = read_manifest(built)
    assert manifest["papers"] == 4 and manifest["entries"] == 5 and manifest["duplicates_merged"] == 1
    assert manifest["extractor_version"]
    papers = list(iter_papers(built))
    assert len(papers) == 4 and len({p.id for p in papers}) == 4
    extractions = [json.loads(line) for line in (built / "extractions.jsonl").read_text().splitlines()]
    assert [x["id"] for x in extractions] == [p.id for p in papers]
    graph = json.loads((built / "graph.json").read_text())
    assert sum(1 for n in graph["nodes"] if n["type"] == "Paper") == 4


def test_build_is_deterministic(tmp_path: Path, fixtures: Path) -> None:
    build([fixtures], tmp_path / "a")
    build([fixtures], tmp_path / "b")
    digest_a, digest_b = tree_digest(tmp_path / "a"), tree_digest(tmp_path / "b")
    digest_a.pop("manifest.json"), digest_b.pop("manifest.json")
    stores = ("cypher-store/", "sparql-store/")  # database files: the same answers, not the same bytes
    assert {k: v for k, v in digest_a.items() if not k.startswith(stores)} == \
        {k: v for k, v in digest_b.items() if not k.startswith(stores)}
    assert {k for k in digest_a if k.startswith(stores)} >= {"cypher-store/kg-store.json", "sparql-store/kg-store.json"}


def test_failed_write_keeps_the_previous_output(built: Path, fixtures: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = tree_digest(built)

    def explode(tmp: Path, *args: object, **kwargs: object) -> None:
        (tmp / "graph.json").write_text('{"half": ')
        raise OSError("disk full")

    monkeypatch.setattr("kg.builder.full.write_graph_stage", explode)
    monkeypatch.setattr("kg.builder.incremental.write_graph_stage", explode)
    with pytest.raises(OSError, match="disk full"):
        build([fixtures], built)
    assert tree_digest(built) == before
    assert not list(built.parent.glob(".kg-out.tmp-*"))


def test_refuses_to_replace_a_folder_that_is_not_a_build(tmp_path: Path, fixtures: Path) -> None:
    precious = tmp_path / "documents"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    with pytest.raises(OutputError, match="not a kg output"):
        build([fixtures], precious)
    assert (precious / "thesis.tex").read_text() == "years of work"


HANGING_BUILD = textwrap.dedent(
    """
    import sys, time
    import kg.builder.full, kg.builder.incremental
    real = kg.builder.full.write_graph_stage
    def hang(*args, **kwargs):
        real(*args, **kwargs)
        open(sys.argv[1], "w").close()
        time.sleep(120)
    kg.builder.full.write_graph_stage = kg.builder.incremental.write_graph_stage = hang
    from kg.cli import main
    sys.exit(main(sys.argv[2:]))
    """
)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_build_killed_midway_leaves_the_previous_output_intact(
    built: Path, fixtures: Path, tmp_path: Path, sig: signal.Signals
) -> None:
    before = tree_digest(built)
    script = tmp_path / "hang.py"
    script.write_text(HANGING_BUILD)
    sentinel = tmp_path / "writing"
    proc = subprocess.Popen(
        [sys.executable, str(script), str(sentinel), "build", str(fixtures), "--out", str(built), "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 120
    while not sentinel.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert list(built.parent.glob(".kg-out.tmp-*")), "the build writes beside the output, not into it"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert tree_digest(built) == before
    if sig == signal.SIGINT:
        assert err.strip().splitlines() == ["kg: interrupted; the previous output is unchanged"]
        assert not list(built.parent.glob(".kg-out.tmp-*"))
    build([fixtures], built)
    assert not list(built.parent.glob(".kg-out.tmp-*")), "stale temporary folders of dead builds are removed"
    assert read_manifest(built)["papers"] == 4


def test_interrupted_swap_is_recovered(built: Path) -> None:
    before = tree_digest(built)
    os.rename(built, built.parent / ".kg-out.old-12345")
    assert read_manifest(built)["papers"] == 4
    assert tree_digest(built) == before


def test_cli_build_prints_a_summary(tmp_path: Path, fixtures: Path) -> None:
    (tmp_path / "bad.jsonl").write_text('{"title": "x", "abstract": ""}\n{oops\n')
    result = CliRunner().invoke(cli, ["build", str(fixtures), str(tmp_path / "bad.jsonl"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "papers            4  (1 duplicate entry merged)" in result.output
    assert "skipped entries   2" in result.output
    assert "empty abstract" in result.output and "malformed JSON" in result.output and "bad.jsonl:2" in result.output


def test_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [f"kg: error: {tmp_path / 'missing'}: no such file or folder"]
    assert main(["papers", "--graph", str(tmp_path / "nothing")]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_cli_strict_turns_skips_into_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.jsonl").write_text('{"title": "ok", "abstract": "fine text."}\n{oops\n')
    assert main(["build", str(tmp_path / "bad.jsonl"), "--strict", "--out", str(tmp_path / "o")]) == 1
    assert "bad.jsonl:2: malformed JSON" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_cli_papers_list_and_inspect(built: Path) -> None:
    runner = CliRunner()
    listing = runner.invoke(cli, ["papers", "--graph", str(built), "--format", "json"])
    rows = json.loads(listing.output)
    assert len(rows) == 4 and {"id", "title", "sources", "first_source"} <= set(rows[0])
    detail = runner.invoke(cli, ["papers", "Were RNNs All We Needed", "--graph", str(built), "--format", "json"])
    assert json.loads(detail.output)["title"] == "Were RNNs All We Needed?"
    csv_out = runner.invoke(cli, ["papers", "--graph", str(built), "--format", "csv"]).output
    assert csv_out.splitlines()[0] == "id,title,sources,first_source"


def test_every_command_has_help() -> None:
    runner = CliRunner()
    for name, command in cli.commands.items():
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0 and command.help, name


def test_python_dash_m_kg_works() -> None:
    result = subprocess.run([sys.executable, "-m", "kg", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == f"kg 0.1.0 (extractor {extractor_version()})"


def test_extraction_warnings_reach_the_summary(tmp_path: Path, fixtures: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kg.extract
    from kg.records import PaperExtraction

    real = kg.extract.extract

    def flaky(papers, workers=1, **options):  # type: ignore[no-untyped-def]
        for x in real(papers, workers=workers, **options):
            yield PaperExtraction(x.paper_id, x.entities, x.results, x.extractor_version, ("component failed",))

    monkeypatch.setattr(kg.extract, "extract", flaky)
    report = build([fixtures], tmp_path / "o")
    assert len(report.warnings) == 4 and report.warnings[0][1] == "component failed"
    assert read_manifest(tmp_path / "o")["extraction_warnings"][0]["warning"] == "component failed"
