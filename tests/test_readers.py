"""Every reader yields the same Paper record; formats are detected from content and can be forced."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.ingest import detect_format, expand_paths, read_entries, read_papers
from kg.records import Paper, Skipped

ABSTRACT = (
    "We introduce Mixture-of-Transformers (MoT), a sparse multi-modal transformer architecture. "
    "MoT matches the dense baseline using 55.8% of the FLOPs on ImageNet."
)
ARXIV_RECORD = {
    "id": "2411.04996",
    "submitter": "Someone",
    "authors": "Weixin Liang, Lili Yu and Luke Zettlemoyer",
    "title": "Mixture-of-Transformers: A Sparse and Scalable Architecture\n  for Multi-Modal Foundation Models",
    "abstract": "  " + ABSTRACT + "\n",
    "categories": "cs.CL cs.LG",
    "update_date": "2024-11-08",
    "versions": [{"version": "v1", "created": "Thu, 7 Nov 2024 18:59:06 GMT"}],
}


def papers_of(items: list[Paper | Skipped]) -> list[Paper]:
    return [p for p in items if isinstance(p, Paper)]


def test_trending_with_blank_lines(fixtures: Path) -> None:
    items = list(read_entries([fixtures / "trending_blank.txt"]))
    papers = papers_of(items)
    assert [p.title for p in papers] == [
        "Mixture-of-Transformers: A Sparse and Scalable Architecture for Multi-Modal Foundation Models",
        "Were RNNs All We Needed?",
    ]
    assert papers[0].sources[0].line == 11
    assert "55.8% of the FLOPs" in papers[0].abstract and "2.31\u00d7 speedup" in papers[0].abstract
    assert papers[0].abstract_raw is not None and "55.8\\%" in papers[0].abstract_raw
    assert not [s for s in items if isinstance(s, Skipped)]


def test_trending_glued_subscribe_and_no_blank_lines(fixtures: Path) -> None:
    papers = papers_of(list(read_entries([fixtures / "trending_glued.txt"])))
    assert [p.title for p in papers] == [
        "Center Loss Regularization for Continual Learning",
        "When to Pre-Train Graph Neural Networks? From Data Generation Perspective!",
        "Were RNNs All We Needed?",
    ]
    assert papers[1].abstract.startswith("In recent years")
    assert "run\u2014each on 256\u00d7256" in papers[1].abstract


def test_trending_title_without_abstract_does_not_shift_pairs(tmp_path: Path, fixtures: Path) -> None:
    lines = (fixtures / "trending_glued.txt").read_text().splitlines()
    lines.insert(4, "An Orphan Title With No Abstract")
    path = tmp_path / "orphan.txt"
    path.write_text("\n".join(lines) + "\n")
    items = list(read_entries([path]))
    skipped = [s for s in items if isinstance(s, Skipped)]
    assert [(s.source.line, s.reason) for s in skipped] == [(5, "title with no abstract after it")]
    assert [p.title for p in papers_of(items)][1].startswith("When to Pre-Train")


def test_jsonl_arxiv_snapshot_schema(tmp_path: Path) -> None:
    path = tmp_path / "arxiv.jsonl"
    path.write_text(json.dumps(ARXIV_RECORD) + "\n\n" + json.dumps({"title": "Second", "abstract": ABSTRACT}) + "\n")
    first, second = papers_of(list(read_entries([path])))
    assert first.id == "arxiv-2411.04996" and first.arxiv_id == "2411.04996"
    assert first.title == "Mixture-of-Transformers: A Sparse and Scalable Architecture for Multi-Modal Foundation Models"
    assert first.authors == ("Weixin Liang", "Lili Yu", "Luke Zettlemoyer")
    assert first.categories == ("cs.CL", "cs.LG")
    assert first.date == "2024-11-08"
    assert first.url == "https://arxiv.org/abs/2411.04996"
    assert first.abstract == ABSTRACT
    assert second.id.startswith("title-") and second.sources[0].line == 3


def test_json_array(tmp_path: Path) -> None:
    path = tmp_path / "papers.json"
    path.write_text(json.dumps([ARXIV_RECORD, {"title": "Second", "summary": ABSTRACT}], indent=2))
    papers = papers_of(list(read_entries([path])))
    assert [p.title[:6] for p in papers] == ["Mixtur", "Second"]
    assert papers[1].sources[0].line > papers[0].sources[0].line > 1


@pytest.mark.parametrize(("name", "delimiter"), [("papers.csv", ","), ("papers.tsv", "\t")])
def test_csv_and_tsv(tmp_path: Path, name: str, delimiter: str) -> None:
    path = tmp_path / name
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(["ID", "Title", "Abstract", "authors"])
        writer.writerow(["2411.04996", "Mixture-of-Transformers", "Multi-line\nabstract, with a comma. " + ABSTRACT, "A, B"])
        writer.writerow(["", "Second paper", ABSTRACT, ""])
    papers = papers_of(list(read_entries([path])))
    assert [p.title for p in papers] == ["Mixture-of-Transformers", "Second paper"]
    assert papers[0].arxiv_id == "2411.04996" and papers[0].abstract.startswith("Multi-line abstract, with a comma.")
    assert [p.sources[0].line for p in papers] == [2, 4]


def test_gzip_is_detected_from_content(tmp_path: Path) -> None:
    path = tmp_path / "papers.data"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps(ARXIV_RECORD) + "\n")
    assert detect_format(path) == "jsonl"
    assert papers_of(list(read_entries([path])))[0].arxiv_id == "2411.04996"


def test_detection_ignores_misleading_extension(tmp_path: Path, fixtures: Path) -> None:
    path = tmp_path / "really_jsonl.txt"
    path.write_text(json.dumps(ARXIV_RECORD) + "\n")
    assert detect_format(path) == "jsonl"
    assert detect_format(fixtures / "trending_blank.txt") == "trending"


def test_forced_format(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_text("Title,Abstract\nA title," + ABSTRACT.replace(",", "") + "\n")
    assert detect_format(path) == "csv"
    forced = list(read_entries([path], format="trending"))
    assert not papers_of(forced) or papers_of(forced)[0].title != "A title"


def test_folders_and_globs_expand(tmp_path: Path, fixtures: Path) -> None:
    sub = tmp_path / "nested"
    sub.mkdir()
    (sub / "a.txt").write_text((fixtures / "trending_blank.txt").read_text())
    (tmp_path / "README.md").write_text("# not papers\n")
    (tmp_path / ".hidden.txt").write_text("hidden\n")
    assert [p.name for p in expand_paths([tmp_path])] == ["a.txt"]
    assert [p.name for p in expand_paths([str(tmp_path / "**" / "*.txt")])] == ["a.txt"]
    assert [p.name for p in expand_paths([tmp_path / "README.md"])] == ["README.md"]
    with pytest.raises(InputError, match="no file matches"):
        expand_paths([str(tmp_path / "*.csv")])


def test_dedupe_merges_sources_and_keeps_first_text(tmp_path: Path, fixtures: Path) -> None:
    a = tmp_path / "a.txt"
    b = tmp_path / "b.txt"
    a.write_text((fixtures / "trending_blank.txt").read_text())
    b.write_text((fixtures / "trending_glued.txt").read_text())
    corpus = read_papers([a, b])
    assert corpus.entries == 5 and len(corpus.papers) == 4 and corpus.duplicates_merged == 1
    rnn = [p for p in corpus.papers if p.title.startswith("Were RNNs")][0]
    assert [(Path(s.path).name, s.line) for s in rnn.sources] == [("a.txt", 15), ("b.txt", 7)]


def test_dedupe_by_arxiv_id_across_formats(tmp_path: Path) -> None:
    a = tmp_path / "a.jsonl"
    a.write_text(json.dumps(ARXIV_RECORD) + "\n")
    b = tmp_path / "b.jsonl"
    b.write_text(json.dumps({**ARXIV_RECORD, "title": "A renamed v2 title", "id": "2411.04996v2"}) + "\n")
    corpus = read_papers([a, b])
    assert len(corpus.papers) == 1 and len(corpus.papers[0].sources) == 2


def test_ids_are_stable_and_independent_of_order_and_location(tmp_path: Path, fixtures: Path) -> None:
    first = {p.title: p.id for p in read_papers([fixtures]).papers}
    copy = tmp_path / "elsewhere"
    copy.mkdir()
    for f in sorted(fixtures.glob("*.txt"), reverse=True):
        (copy / ("z_" + f.name)).write_text(f.read_text().upper().replace("SUBSCRIBE", "Subscribe"))
    again = read_papers([copy])
    assert {p.id for p in again.papers} == set(first.values())
    assert first["Were RNNs All We Needed?"] == "title-" + __import__("hashlib").sha256(
        b"were rnns all we needed").hexdigest()[:16]


def test_a_paper_without_a_date_gets_the_month_of_its_arxiv_id(tmp_path: Path) -> None:
    records = [{k: v for k, v in ARXIV_RECORD.items() if k not in ("update_date", "versions")},
               {"id": "hep-th/9901001", "title": "Old style", "abstract": ABSTRACT},
               {"title": "No id", "abstract": ABSTRACT}]
    path = tmp_path / "a.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert [p.date for p in papers_of(list(read_entries([path])))] == ["2024-11", "1999-01", None]
