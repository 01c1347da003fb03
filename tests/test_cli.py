"""One consistent CLI, through the CLI: flags mean one thing everywhere, - is standard input or output, jsonl
everywhere records are printed, tables never cut ids, exit status 2 for usage errors and 1 otherwise, outputs
with the usual permissions, and a docker-compose.yml that works without a password."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from kg.cli import cli, main
from kg.extract import extractor_version
from kg.stores.neo4j import COMPOSE_PLACEHOLDER_PASSWORD

REPO = Path(__file__).resolve().parents[1]
RECORD_COMMANDS = {"papers", "stats", "cypher", "sparql", "eval"}  # print records: --format table|json|jsonl|csv
NO_OUTPUT = {"push"}  # writes to a server, not to a path


def _run(args: list[str], input: str | bytes | None = None, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run `kg ARGS` in click's test runner; (exit status, stdout, stderr)."""
    result = CliRunner().invoke(cli, args, input=input, env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    fixtures = Path(__file__).resolve().parent / "fixtures"
    out = tmp_path_factory.mktemp("cli") / "kg-out"
    assert main(["build", str(fixtures), "--out", str(out), "-q", "--no-cache"]) == 0
    return out


def _sub(*args: str, stdin: str | None = None, cwd: Path | None = None,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kg", *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, **(env or {})}, timeout=300)


# ------------------------------------------------------------------------------------------------ flags


def test_format_means_the_output_format_and_out_the_output_path_on_every_command() -> None:
    for name, command in cli.commands.items():
        options = {opt: param for param in command.params for opt in getattr(param, "opts", [])}
        assert "--output" not in options and "--input" not in options, name
        if name not in NO_OUTPUT:
            assert "-o" in options and "--out" in options and options["-o"] is options["--out"], name
        if name in RECORD_COMMANDS:
            assert set(options["--format"].type.choices) >= {"table", "json", "jsonl", "csv"}, name
    build = {opt for param in cli.commands["build"].params for opt in getattr(param, "opts", [])}
    assert "--input-format" in build and "--format" not in build


def test_build_input_format_and_a_helpful_usage_error_for_format(tmp_path: Path, fixtures: Path) -> None:
    out = tmp_path / "o"
    done = _sub("build", str(fixtures / "trending_blank.txt"), "--input-format", "trending", "-o", str(out), "-q")
    assert done.returncode == 0, done.stderr
    wrong = _sub("build", str(fixtures), "--format", "trending", "-o", str(tmp_path / "p"))
    assert wrong.returncode == 2 and "--input-format" in wrong.stderr and "Traceback" not in wrong.stderr


def test_debug_before_or_after_the_command(tmp_path: Path) -> None:
    missing = str(tmp_path / "nothing")
    for args in (["--debug", "papers", "--graph", missing], ["papers", "--graph", missing, "--debug"],
                 ["stats", "--debug", "--graph", missing]):
        done = _sub(*args)
        assert done.returncode == 1 and "Traceback" in done.stderr and "kg: error:" in done.stderr, args
    plain = _sub("papers", "--graph", missing)
    assert plain.returncode == 1 and "Traceback" not in plain.stderr
    assert plain.stderr.strip().count("\n") == 0


def test_exit_status_two_for_usage_errors_on_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    for name in cli.commands:
        assert main([name, "--no-such-option"]) == 2, name
    assert main(["no-such-command"]) == 2
    assert main(["build", "/no/such/folder"]) == 2
    assert main(["extract", "/no/such/file.jsonl"]) == 2
    assert main(["eval", "--papers", "/no/such.jsonl", "--gold", "/no/such.jsonl"]) == 2
    assert main(["build", "x", "-o", "-"]) == 2  # a build is a folder
    assert "Traceback" not in capsys.readouterr().err


def test_exit_status_one_for_every_other_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(tmp_path / "nothing")
    for args in (["papers", "--graph", missing], ["stats", "--graph", missing],
                 ["cypher", "RETURN 1", "--graph", missing], ["sparql", "ASK {}", "--graph", missing],
                 ["export", "--format", "nt", "-o", str(tmp_path / "x.nt"), "--graph", missing],
                 ["view", "x", "-o", str(tmp_path / "x.html"), "--graph", missing],
                 ["site", "-o", str(tmp_path / "site"), "--graph", missing],
                 ["push", "--graph", missing, "--uri", "bolt://127.0.0.1:1", "--password", "secret-password"]):
        assert main(args) == 1, args
    (tmp_path / "bad.jsonl").write_text('{"id": "a", "title": "t"}\n', encoding="utf-8")
    assert main(["extract", str(tmp_path / "bad.jsonl")]) == 1
    assert main(["build", str(tmp_path / "bad.jsonl"), "--strict", "-o", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "bad.jsonl:1" in err


def test_version_names_kg_and_the_extractor() -> None:
    done = _sub("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"kg 0.1.0 (extractor {extractor_version()})"


# ------------------------------------------------------------------------------------------------ stdin / stdout


def test_extract_reads_standard_input_and_writes_standard_output_or_a_file(tmp_path: Path) -> None:
    lines = "".join(json.dumps({"id": f"p{i}", "title": f"Paper {i}",
                                "abstract": "We train ResNet-50 on ImageNet and report top-1 accuracy."}) + "\n"
                    for i in range(3))
    done = _sub("extract", "-", stdin=lines)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["id"] for r in records] == ["p0", "p1", "p2"]
    assert any(e["name"] == "ImageNet" for e in records[0]["entities"])
    again = _sub("extract", "-", "-o", "-", "--format", "json", stdin=lines)
    assert json.loads(again.stdout) == records
    done = _sub("extract", "-", "--out", str(tmp_path / "x.jsonl"), stdin=lines)
    assert done.returncode == 0 and done.stdout == ""
    assert [json.loads(x) for x in (tmp_path / "x.jsonl").read_text().splitlines()] == records
    bad = _sub("extract", "-", stdin='{"id": 1}\n')
    assert bad.returncode == 1 and bad.stderr.startswith("kg: error: <stdin>:1: missing field")


def test_build_reads_standard_input(tmp_path: Path, fixtures: Path) -> None:
    text = (fixtures / "trending_blank.txt").read_text(encoding="utf-8")
    done = _sub("build", "-", "-o", str(tmp_path / "o"), "--no-cache", stdin=text)
    assert done.returncode == 0, done.stderr
    from_file = _sub("build", str(fixtures / "trending_blank.txt"), "-o", str(tmp_path / "f"), "--no-cache")
    papers = re.search(r"^  papers +(\d+) ", done.stdout, re.M)
    assert papers and papers.group(0) == re.search(r"^  papers +(\d+) ", from_file.stdout, re.M).group(0)  # type: ignore[union-attr]
    sources = [json.loads(x)["sources"][0] for x in (tmp_path / "o" / "papers.jsonl").read_text().splitlines()]
    assert all(s["path"].endswith("stdin") and s["line"] > 0 for s in sources)


def test_out_dash_is_standard_output_and_a_file_otherwise(graph: Path, tmp_path: Path) -> None:
    code, stdout, _ = _run(["papers", "--graph", str(graph), "--format", "csv", "-o", "-"])
    assert code == 0 and stdout.startswith("id,title,sources,first_source\n")
    code, stdout, _ = _run(["papers", "--graph", str(graph), "--format", "csv", "--out", str(tmp_path / "p.csv")])
    assert code == 0 and stdout == ""
    assert (tmp_path / "p.csv").read_text().startswith("id,title,sources,first_source\n")
    for args in (["stats"], ["sparql", "SELECT ?s WHERE { ?s a kg:Paper }"],
                 ["cypher", "MATCH (p:Paper) RETURN p.id AS id"]):
        target = tmp_path / f"{args[0]}.json"
        code, stdout, _ = _run([*args, "--graph", str(graph), "--format", "json", "-o", str(target)])
        assert code == 0 and stdout == "" and isinstance(json.loads(target.read_text()), list), args
    done = _sub("export", "--graph", str(graph), "--format", "nt", "-o", "-")
    assert done.returncode == 0
    triples = int(re.search(r"(\d+) triples", done.stderr).group(1))  # type: ignore[union-attr]
    assert triples > 0 and len(done.stdout.splitlines()) == triples
    import pyoxigraph

    assert len(list(pyoxigraph.parse(done.stdout.encode(), pyoxigraph.RdfFormat.N_TRIPLES))) == triples
    view = _sub("view", "Mixture-of-Transformers", "--graph", str(graph), "-o", "-")
    assert view.returncode == 0 and view.stdout.lstrip()[:15].lower() in ("<!doctype html>", "<html>")
    assert view.stdout.rstrip().endswith("</html>")
    assert "kg view -> standard output" in view.stderr
    assert main(["export", "--graph", str(graph), "--format", "neo4j-csv", "-o", "-"]) == 2


def test_jsonl_is_one_object_a_line_on_every_command_that_prints_records(graph: Path) -> None:
    for args in (["papers"], ["stats"], ["sparql", "SELECT ?s WHERE { ?s a kg:Paper }"],
                 ["cypher", "MATCH (p:Paper) RETURN p.id AS id, p.title AS title"]):
        code, stdout, _ = _run([*args, "--graph", str(graph), "--format", "jsonl"])
        rows = [json.loads(line) for line in stdout.splitlines()]
        assert code == 0 and rows and all(isinstance(r, dict) for r in rows), args
        _, as_json, _ = _run([*args, "--graph", str(graph), "--format", "json"])
        assert json.loads(as_json) == rows, args


# ------------------------------------------------------------------------------------------------ papers, tables


def test_one_paper_as_json_is_one_object_with_its_entities(graph: Path) -> None:
    code, stdout, _ = _run(["papers", "Mixture-of-Transformers", "--graph", str(graph), "--format", "json"])
    paper = json.loads(stdout)
    assert code == 0 and isinstance(paper, dict)
    assert paper["title"].startswith("Mixture-of-Transformers") and paper["id"].startswith("title-")
    assert {"abstract", "authors", "date", "url", "arxiv_id", "categories", "sources"} <= set(paper)
    assert all(re.fullmatch(r".+:\d+", s) for s in paper["sources"])
    assert paper["entities"] and all(set(e) == {"type", "name", "role"} for e in paper["entities"])
    assert {"Mixture-of-Transformers", "proposed"} <= {x for e in paper["entities"] for x in (e["name"], e["role"])}
    _, line, _ = _run(["papers", paper["id"], "--graph", str(graph), "--format", "jsonl"])
    assert json.loads(line) == paper and len(line.strip().splitlines()) == 1


def test_tables_never_cut_ids_or_sources(graph: Path, tmp_path: Path, fixtures: Path) -> None:
    deep = tmp_path / ("a-rather-long-folder-name-" * 3) / "and-another-level"
    deep.mkdir(parents=True)
    (deep / "papers.txt").write_bytes((fixtures / "trending_blank.txt").read_bytes())
    out = tmp_path / "o"
    assert main(["build", str(deep), "-o", str(out), "-q"]) == 0
    code, table, _ = _run(["papers", "--graph", str(out)], env={"COLUMNS": "60"})
    _, listing, _ = _run(["papers", "--graph", str(out), "--format", "json"])
    assert code == 0
    for paper in json.loads(listing):
        assert paper["id"] in table and paper["first_source"] in table
    code, detail, _ = _run(["papers", "Mixture-of-Transformers", "--graph", str(out)], env={"COLUMNS": "60"})
    assert f"{deep / 'papers.txt'}:" in detail
    code, stats, _ = _run(["stats", "--graph", str(graph)], env={"COLUMNS": "60"})
    _, rows, _ = _run(["stats", "--graph", str(graph), "--format", "json"])
    for row in json.loads(rows):
        if row["section"] in ("most central",) or row["section"].startswith("top "):
            assert row["detail"] in stats
    assert "…" not in table + detail + stats


def test_counts_and_nouns_agree(tmp_path: Path) -> None:
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps({"title": "LoRA for ImageNet", "abstract": "We propose LoRA and evaluate it on "
                               "ImageNet, where LoRA reaches 81.2% top-1 accuracy."}) + "\n", encoding="utf-8")
    out = tmp_path / "o"
    code, summary, _ = _run(["build", str(one), "-o", str(out), "--no-cache"])
    assert code == 0 and "(0 duplicate entries merged)" in summary and "1 paper extracted (1 worker)" in summary
    outputs = [summary]
    for args in (["export", "--format", "nt", "-o", str(tmp_path / "x.nt")], ["stats"],
                 ["view", "LoRA", "-o", str(tmp_path / "v.html")], ["site", "-o", str(tmp_path / "site")]):
        code, stdout, stderr = _run([*args, "--graph", str(out)])
        assert code == 0, args
        outputs.append(stdout + stderr)
    text = "\n".join(outputs)
    assert not re.search(r"\b1 (papers|results|nodes|edges|pages|entries|triples|batches|workers)\b", text), text
    assert not re.search(r"\b([02-9]|\d\d+) (paper|result|node|edge|page|entry|triple|batch|worker)\b", text), text
    assert "1 result" in text  # the method-dataset pair of `kg stats`


# ------------------------------------------------------------------------------------------------ SPARQL errors


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_sparql_errors_are_one_short_line_with_the_position(graph: Path, engine: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    cases = {
        "SELECT ?x WHERE { ?x foo:bar ?y }": "line 1, column 22: unknown prefix foo:",
        "SELECT ?x WHERE {\n  ?x kg:name ?n .\n  ?x :bar ?y }": "line 3, column 6: unknown prefix :",
        "SELECT ?x\nWHERE { ?x ?p ?y ": "line 2, column 18",
        "SELECT ?x WHERE { ?x ?p }": "line 1, column",
    }
    for query, expected in cases.items():
        assert main(["sparql", query, "--graph", str(graph), "--engine", engine]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and len(err) < 200, err
        assert err.startswith("kg: error: invalid SPARQL at ") and expected in err, err
        assert "\\u{" not in err and "[" not in err.split("(")[0]


# ------------------------------------------------------------------------------------------------ permissions


@contextmanager
def _umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.parametrize("mask", [0o022, 0o027])
def test_outputs_get_the_usual_permissions(graph: Path, tmp_path: Path, fixtures: Path, mask: int) -> None:
    with _umask(mask):
        assert main(["build", str(fixtures), "-o", str(tmp_path / "kg-out"), "-q"]) == 0
        assert main(["site", "-o", str(tmp_path / "site"), "--graph", str(graph)]) == 0
        assert main(["export", "--format", "neo4j-csv", "-o", str(tmp_path / "csv"), "--graph", str(graph)]) == 0
        assert main(["export", "--format", "ttl", "-o", str(tmp_path / "kg.ttl"), "--graph", str(graph)]) == 0
        assert main(["view", "MoT", "-o", str(tmp_path / "v.html"), "--graph", str(graph)]) == 0
    wrong = []
    for path in [tmp_path / "kg-out", tmp_path / "site", tmp_path / "csv", *tmp_path.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        usual = 0o777 & ~mask if path.is_dir() or path.suffix == ".sh" else 0o666 & ~mask
        if mode != usual:
            wrong.append(f"{path.relative_to(tmp_path)} {oct(mode)} (not {oct(usual)})")
    assert wrong == []


# ------------------------------------------------------------------------------------------------ docker-compose


def test_docker_compose_needs_no_password_and_kg_refuses_its_placeholder(graph: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    text = (REPO / "docker-compose.yml").read_text(encoding="utf-8")
    variables = re.findall(r"(?<!\$)\$\{([^}]*)\}", text)
    assert variables and all(re.fullmatch(r"\w+:-[^}]+", v) for v in variables), variables  # every one defaults
    env = yaml.safe_load(text)["services"]["neo4j"]["environment"]
    assert env["NEO4J_AUTH"] == f"neo4j/${{NEO4J_PASSWORD:-{COMPOSE_PLACEHOLDER_PASSWORD}}}"  # admin is neo4j
    assert "NEO4J_USER" not in text.split("services:")[1]
    for command in (["push"], ["cypher", "RETURN 1"]):
        code = main([*command, "--graph", str(graph), "--uri", "bolt://127.0.0.1:1",
                     "--password", COMPOSE_PLACEHOLDER_PASSWORD])
        err = capsys.readouterr().err
        assert code == 1 and "placeholder" in err and "NEO4J_PASSWORD" in err and "cannot reach" not in err


def test_eval_prints_records_in_every_format(tmp_path: Path) -> None:
    papers, gold = tmp_path / "papers.jsonl", tmp_path / "gold.jsonl"
    papers.write_text(json.dumps({"id": "p1", "title": "A study", "abstract": "We evaluate ResNet-50 on "
                                  "ImageNet."}) + "\n", encoding="utf-8")
    gold.write_text(json.dumps({"id": "p1", "entities": [{"type": "Dataset", "name": "ImageNet", "mentions":
                                ["ImageNet"], "tier": "core", "role": "used"}]}) + "\n", encoding="utf-8")
    args = ["eval", "--papers", str(papers), "--gold", str(gold)]
    code, table, _ = _run(args)
    assert code == 0 and table.startswith("Method ")
    code, lines, _ = _run([*args, "--format", "jsonl"])
    rows = {r["type"]: r for r in map(json.loads, lines.splitlines())}
    assert code == 0 and rows["Dataset"]["R"] == 1.0 and rows["Dataset"]["gold"] == 1 and "MDM" in rows
    code, stdout, _ = _run([*args, "--format", "csv", "-o", str(tmp_path / "scores.csv")])
    assert code == 0 and stdout == ""
    assert (tmp_path / "scores.csv").read_text().startswith("type,P,R,F1,gold,pred\n")
