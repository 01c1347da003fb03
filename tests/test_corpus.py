"""The real sample corpus (examples/corpus): boilerplate dropped, pairs never shifted, duplicates merged."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from kg.ingest import read_entries, read_papers
from kg.ingest.trending import is_boilerplate
from kg.records import Paper

pytestmark = pytest.mark.corpus

BOILERPLATE_BITS = ("Subscribe", "Get trending papers", "byAK and the research community", "email inbox")


def test_counts(corpus_dir: Path) -> None:
    corpus = read_papers([corpus_dir])
    assert corpus.entries == 745
    assert len(corpus.papers) == 708
    assert corpus.duplicates_merged == 37
    assert corpus.skipped == []
    assert sum(len(p.sources) for p in corpus.papers) == 745


@pytest.mark.parametrize("index", range(5))
def test_each_file_pairs_every_title_with_its_abstract(corpus_dir: Path, index: int) -> None:
    path = sorted(corpus_dir.glob("*.txt"))[index]
    lines = path.read_text(encoding="utf-8").splitlines()
    content = [
        (n, line.removeprefix("Subscribe")) for n, line in enumerate(lines, 1)
        if line.strip() and not is_boilerplate(line)
    ]
    papers = [p for p in read_entries([path]) if isinstance(p, Paper)]
    assert len(papers) * 2 == len(content)
    for paper, (number, title_line) in zip(papers, content[0::2]):
        assert paper.sources[0].line == number
        assert (paper.title_raw or paper.title) == title_line
    for paper, (_, abstract_line) in zip(papers, content[1::2]):
        assert (paper.abstract_raw or paper.abstract) == abstract_line
        assert len(paper.title) < 250 <= len(paper.abstract)


def test_no_boilerplate_survives(corpus_dir: Path) -> None:
    for paper in read_papers([corpus_dir]).papers:
        for bit in BOILERPLATE_BITS:
            assert bit not in paper.title and bit not in paper.abstract, (paper.id, bit)
        assert not re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}", paper.title)
        assert paper.title != "new"


def test_glued_subscribe_is_removed(corpus_dir: Path) -> None:
    titles = {p.title for p in read_papers([corpus_dir]).papers}
    for path in sorted(corpus_dir.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("Subscribe") and line != "Subscribe":
                assert line.removeprefix("Subscribe") in titles


def test_duplicates_carry_the_same_abstract_in_every_file(corpus_dir: Path) -> None:
    abstracts: dict[str, set[str]] = defaultdict(set)
    for item in read_entries([corpus_dir]):
        assert isinstance(item, Paper)
        abstracts[item.title].add(item.abstract)
    assert len(abstracts) == 708
    assert all(len(v) == 1 for v in abstracts.values())


def test_mangled_latex_is_repaired_and_original_kept(corpus_dir: Path) -> None:
    papers = read_papers([corpus_dir]).papers
    assert not [p.id for p in papers if re.search(r"\dtimes\b|\dtimes\d|[a-z]x201[34][a-z]|\\%", p.abstract)]
    repaired = [p for p in papers if p.abstract_raw and "times" in p.abstract_raw and "\u00d7" in p.abstract]
    assert repaired, "expected some 'times' repairs in the corpus"


def test_adding_the_last_dump_extends_the_build_as_a_full_build_would(corpus_dir: Path, tmp_path: Path) -> None:
    import shutil

    from kg.builder import build

    files = sorted(corpus_dir.glob("*.txt"))
    folder = tmp_path / "dumps"
    folder.mkdir()
    for path in files[:-1]:
        shutil.copy(path, folder / path.name)
    out, cache = tmp_path / "out", tmp_path / "cache"
    build([folder], out, cache_dir=cache)
    shutil.copy(files[-1], folder / files[-1].name)
    report = build([folder], out, cache_dir=cache)
    assert report.mode.startswith("incremental (1 new file, ")
    assert report.papers == 708 and report.duplicates_merged == 37
    full = build([folder], tmp_path / "full")
    for name in ("papers.jsonl", "extractions.jsonl", "graph.json"):
        assert (out / name).read_bytes() == (tmp_path / "full" / name).read_bytes(), name
    assert report.entity_counts == full.entity_counts and report.edges == full.edges
