"""The README holds: its neo4j-admin import command names every file the export writes, and its figures about
the sample corpus are what the commands it names print today."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
CORPUS = REPO / "examples" / "corpus"

pytestmark = [pytest.mark.corpus, pytest.mark.slow]


def _kg(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _number(text: str) -> int:
    return int(text.replace(",", ""))


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The README's first command's build of the sample corpus, its N-Triples and its neo4j-csv export."""
    root = tmp_path_factory.mktemp("readme")
    graph = root / "kg-out"
    summary = _kg("build", str(CORPUS), "--out", str(graph))
    ntriples = _kg("export", "--graph", str(graph), "--format", "nt", "-o", "-")
    _kg("export", "--graph", str(graph), "--format", "neo4j-csv", "-o", str(root / "kg-csv"))
    return {"graph": graph, "summary": summary, "triples": len(ntriples.splitlines()), "csv": root / "kg-csv"}


def test_the_neo4j_admin_import_command_names_every_file_the_export_writes(sample: dict[str, object]) -> None:
    block = next(b for b in re.findall(r"```bash\n(.*?)```", README, re.S) if "neo4j-admin database import" in b)
    command = block.split("\n#")[0]
    named = re.findall(r"--(nodes|relationships)=(\S+\.csv)", command)
    written = sorted(p.name for p in Path(str(sample["csv"])).glob("*.csv"))
    assert sorted(name for _, name in named) == written
    assert all((kind == "nodes") == name.startswith("nodes_") for kind, name in named)
    script = (Path(str(sample["csv"])) / "neo4j-admin-import.sh").read_text(encoding="utf-8")
    assert re.findall(r"--(?:nodes|relationships)=\S+", command) == re.findall(r"--(?:nodes|relationships)=\S+",
                                                                               script.replace('"$@"', ""))


def test_the_sample_corpus_figures_are_what_the_named_commands_print(sample: dict[str, object]) -> None:
    summary = str(sample["summary"])
    manifest = json.loads((Path(str(sample["graph"])) / "manifest.json").read_text(encoding="utf-8"))
    papers, entries = re.search(r"builds the graph of the five sample files: ([\d,]+) papers from ([\d,]+) "
                                r"entries", README).groups()  # type: ignore[union-attr]
    assert (_number(papers), _number(entries)) == (manifest["papers"], manifest["entries"])
    assert re.search(rf"^  papers +{manifest['papers']} ", summary, re.M)
    triples = re.search(r"\(([\d,]+) papers, ([\d,]+) triples as\s+counted by `kg export --format nt -o - \| wc -l`",
                        README)
    assert triples, "the SPARQL benchmark names the triple count and the command that counts it"
    assert (_number(triples.group(1)), _number(triples.group(2))) == (manifest["papers"], sample["triples"])


def test_the_lexicon_size_is_what_the_named_command_counts() -> None:
    about = re.search(r"about ([\d,]+) methods, datasets, metrics and tasks with aliases: `cat\s+"
                      r"kg/extract/lexicon/\{method,dataset,metric,task\}\.jsonl \| wc -l`", README)
    assert about, "the README names the command that counts the lexicon"
    lexicon = REPO / "kg" / "extract" / "lexicon"
    count = sum(len((lexicon / f"{kind}.jsonl").read_text(encoding="utf-8").splitlines())
                for kind in ("method", "dataset", "metric", "task"))
    assert abs(count - _number(about.group(1))) <= 0.05 * count, count
