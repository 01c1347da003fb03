"""Incremental builds: extending the previous build gives byte for byte what a full build of the same inputs
gives, re-extracts only new papers, re-links old papers whose entities resolve differently, and falls back
to a full build (saying why) whenever the previous build cannot be extended."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import kg.extract
from kg.cli import main
from kg.builder import build
from kg.builder.state import STATE_DIR

OUTPUTS = ("papers.jsonl", "extractions.jsonl", "graph.json")
SENTENCES = [
    "We introduce Mixture-of-Transformers (MoT), a sparse multi-modal transformer architecture.",
    "We evaluate on ImageNet and CIFAR-10 and report top-1 accuracy.",
    "Our method improves BLEU by 2.1 points on WMT14 English-German machine translation.",
    "Experiments with BERT and RoBERTa on GLUE show consistent gains in F1.",
    "The model is trained with Adam and dropout for image classification.",
    "Results on MNIST and Fashion-MNIST confirm the gains in test accuracy.",
]


def write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def papers(start: int, n: int) -> list[dict]:
    return [{"title": f"Study number {i} of sparse models",
             "abstract": " ".join(SENTENCES[1 + (i + k) % (len(SENTENCES) - 1)] for k in range(3))}
            for i in range(start, start + n)]


def same_as_full(out: Path, inputs: list[Path], tmp_path: Path) -> None:
    """`out` holds exactly what a full build of `inputs` (without cache or previous build) writes."""
    full = tmp_path / "full-reference"
    shutil.rmtree(full, ignore_errors=True)
    report = build(inputs, full)
    assert report.mode == "full (no cache)"
    for name in OUTPUTS:
        assert (out / name).read_bytes() == (full / name).read_bytes(), name
    ours, theirs = (json.loads((d / "manifest.json").read_text()) for d in (out, full))
    for key in ("files", "entries", "papers", "duplicates_merged", "papers_merged", "skipped", "entity_counts",
                "edges", "results", "extraction_warnings"):
        assert ours[key] == theirs[key], key


@pytest.fixture()
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def test_added_file_extracts_only_its_papers_and_matches_a_full_build(tmp_path: Path, cache: Path) -> None:
    base = write(tmp_path / "a.jsonl", papers(0, 30))
    out = tmp_path / "out"
    assert build([base], out, cache_dir=cache).mode == "full (no previous build)"
    extra = write(tmp_path / "b.jsonl", papers(100, 3))
    report = build([base, extra], out, cache_dir=cache)
    assert report.mode.startswith("incremental (1 new file, 3 papers new or changed")
    assert (report.cache_hits, report.cache_misses) == (0, 3)
    assert report.papers == 33 and report.papers_reused == 30
    same_as_full(out, [base, extra], tmp_path)


def test_rebuild_without_changes_copies_everything(tmp_path: Path, cache: Path) -> None:
    base = write(tmp_path / "a.jsonl", papers(0, 12))
    out = tmp_path / "out"
    build([base], out, cache_dir=cache)
    before = {name: (out / name).read_bytes() for name in OUTPUTS}
    report = build([base], out, cache_dir=cache)
    assert report.mode == "incremental (0 new files, 0 papers new or changed, 0 re-linked)"
    assert report.papers_reused == 12 and report.cache_misses == 0
    assert before == {name: (out / name).read_bytes() for name in OUTPUTS}


def test_new_file_sorting_first_is_spliced_in_its_place(tmp_path: Path, cache: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write(corpus / "m.jsonl", papers(0, 10))
    write(corpus / "z.jsonl", papers(10, 10))
    out = tmp_path / "out"
    build([corpus], out, cache_dir=cache)
    write(corpus / "a.jsonl", papers(50, 4))
    write(corpus / "n.jsonl", papers(60, 2))
    report = build([corpus], out, cache_dir=cache)
    assert report.mode.startswith("incremental (2 new files, 6 papers new or changed")
    same_as_full(out, [corpus], tmp_path)
    write(corpus / "zz.jsonl", papers(70, 1))  # a second round builds on the state the first one left
    assert build([corpus], out, cache_dir=cache).mode.startswith("incremental (1 new file, 1 papers")
    same_as_full(out, [corpus], tmp_path)


def test_duplicates_in_a_new_file_update_the_old_paper(tmp_path: Path, cache: Path) -> None:
    base = write(tmp_path / "a.jsonl", papers(0, 8))
    out = tmp_path / "out"
    build([base], out, cache_dir=cache)
    again = papers(2, 2)  # the same two papers, now with an arXiv id and authors: ids and sources change
    again[0].update({"id": "2401.00002", "authors": ["A. Author"]})
    again[1].update({"authors": ["B. Author"]})
    extra = write(tmp_path / "b.jsonl", again + papers(40, 1))
    report = build([base, extra], out, cache_dir=cache)
    assert report.mode.startswith("incremental (1 new file, 3 papers new or changed")
    assert report.merged_count == 2 and report.papers == 9
    same_as_full(out, [base, extra], tmp_path)
    merged = [json.loads(line) for line in (out / "papers.jsonl").read_text().splitlines()][2]
    assert merged["arxiv_id"] == "2401.00002" and len(merged["sources"]) == 2


def test_new_papers_never_move_the_entities_of_old_papers(tmp_path: Path, cache: Path) -> None:
    old = [{"title": f"Old study {i}", "abstract": "We train QZR, a sparse model, on ImageNet and report accuracy."}
           for i in range(4)]
    base = write(tmp_path / "a.jsonl", old + papers(0, 6))
    out = tmp_path / "out"
    build([base], out, cache_dir=cache)
    before = (out / "graph.json").read_bytes()
    assert b'"id": "method:qzr"' in before
    # New papers spell QZR out, more often than the old ones name it bare: the bare uses keep their node and
    # id (a bare acronym joins an expansion only through the lexicon), so no old paper is re-linked.
    new = "We introduce Quantized Zonal Routing (QZR), a sparse multi-modal transformer architecture."
    extra = write(tmp_path / "b.jsonl", [{"title": f"New study {i}", "abstract": new} for i in range(5)])
    report = build([base, extra], out, cache_dir=cache)
    assert report.mode == "incremental (1 new file, 5 papers new or changed, 0 re-linked)"
    same_as_full(out, [base, extra], tmp_path)
    graph = json.loads((out / "graph.json").read_text())
    counts = {n["id"]: n.get("paper_count") for n in graph["nodes"]}
    assert counts["method:qzr"] == 4 and counts["method:quantized-zonal-routing"] == 5


@pytest.mark.parametrize("change, reason", [
    ("edit", "full ({base} changed)"),
    ("drop", "full ({extra} is no longer an input)"),
    ("reorder", "full (the inputs are in a different order)"),
    ("version", "full (extractor_version changed)"),
    ("limit", "full (max_abstract_chars changed)"),
    ("state", "full (the previous build left no usable state: .kg-state/index.npz does not match its checksum "
              "(changed or damaged))"),
    ("edited", "full (the previous outputs were changed after it was built (graph.json))"),
    ("repeat", "full ({first} repeats a paper of a later input)"),
])
def test_what_cannot_be_extended_is_built_in_full(tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch,
                                                   change: str, reason: str) -> None:
    base = write(tmp_path / "a.jsonl", papers(0, 10))
    extra = write(tmp_path / "b.jsonl", papers(20, 5))
    out = tmp_path / "out"
    build([base, extra], out, cache_dir=cache)
    inputs, limit = [base, extra], 100_000
    first = tmp_path / "0.jsonl"
    if change == "edit":
        write(base, papers(0, 9) + papers(90, 1))
    elif change == "drop":
        inputs = [base]
    elif change == "reorder":
        inputs = [extra, base]
    elif change == "version":
        monkeypatch.setattr(kg.extract, "EXTRACTOR_VERSION", "kg-extract/test-next")
    elif change == "limit":
        limit = 10_000
    elif change == "state":
        (out / STATE_DIR / "index.npz").write_bytes(b"not numpy")
    elif change == "edited":
        with open(out / "graph.json", "a", encoding="utf-8") as fh:
            fh.write(" ")
    elif change == "repeat":
        inputs = [write(first, papers(22, 1)), base, extra]
    report = build(inputs, out, cache_dir=cache, max_abstract_chars=limit)
    assert report.mode == reason.format(base=base, extra=extra, first=first)
    if change != "version":
        same_as_full(out, inputs, tmp_path)


def test_skipped_entries_of_old_and_new_files_are_reported(tmp_path: Path, cache: Path) -> None:
    base = tmp_path / "a.jsonl"
    base.write_text(json.dumps(papers(0, 1)[0]) + "\n{broken\n" + json.dumps(papers(1, 1)[0]) + "\n")
    out = tmp_path / "out"
    build([base], out, cache_dir=cache)
    extra = tmp_path / "b.jsonl"
    extra.write_text('{"abstract": "no title here"}\n' + json.dumps(papers(5, 1)[0]) + "\n")
    report = build([base, extra], out, cache_dir=cache)
    assert report.mode.startswith("incremental")
    assert [(s.source.path, s.source.line) for s in report.skipped] == [(str(base), 2), (str(extra), 1)]
    same_as_full(out, [base, extra], tmp_path)


def test_no_cache_builds_in_full_and_the_summary_says_how(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    base = write(tmp_path / "a.jsonl", papers(0, 5))
    out = tmp_path / "out"
    assert main(["build", str(base), "--out", str(out)]) == 0
    assert main(["build", str(base), "--out", str(out), "--no-cache"]) == 0
    assert "full (no cache)" in capsys.readouterr().out
    assert main(["build", str(base), "--out", str(out), "--full"]) == 0
    assert "build             full (asked for)" in capsys.readouterr().out
    write(tmp_path / "b.jsonl", papers(9, 1))
    assert main(["build", str(base), str(tmp_path / "b.jsonl"), "--out", str(out)]) == 0
    assert "incremental (1 new file, 1 papers new or changed, 0 re-linked)" in capsys.readouterr().out


def test_paper_counts_count_each_paper_once_across_blocks() -> None:
    from collections import Counter

    from kg.graph.stage import SignatureTable, paper_counts, table_from_records

    def entity(name: str, mention: str) -> dict:
        return {"type": "Method", "name": name, "mentions": [mention]}

    records = [{"entities": [entity("Transformer", "Transformer"), entity("Transformers", "transformers")]},
               {"entities": []},
               {"entities": [entity("BERT", "BERT")]},
               {"entities": [entity("Transformer", "Transformer"), entity("BERT", "BERT")]}]
    table = SignatureTable()
    ptr, ids = table_from_records(records, table)
    resolution = table.resolve()
    expected = Counter(n for r in records for n in {resolution.assignment[(e["type"], e["name"], tuple(e["mentions"]))]
                                                    for e in r["entities"]})
    assert expected == Counter({"method:transformer": 2, "method:bert": 2})
    for block in (1, 2, 3, 100):
        assert paper_counts(resolution, table, ptr, ids, block=block) == expected


def test_extraction_failure_during_an_incremental_build_keeps_the_previous_build(
        tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kg.builder.common
    from kg.errors import ExtractionError

    base = write(tmp_path / "a.jsonl", papers(0, 10))
    out = tmp_path / "out"
    build([base], out, cache_dir=cache)
    before = {name: (out / name).read_bytes() for name in OUTPUTS}

    def broken(workers: int, **options):  # type: ignore[no-untyped-def]
        def run(items):  # type: ignore[no-untyped-def]
            raise ExtractionError("the extractor broke")
            yield  # a generator, like the real extractor

        return run

    monkeypatch.setattr(kg.builder.common, "local_extractor", broken)
    with pytest.raises(ExtractionError, match="the extractor broke"):
        build([base, write(tmp_path / "b.jsonl", papers(50, 2))], out, cache_dir=cache)
    assert before == {name: (out / name).read_bytes() for name in OUTPUTS}
    assert not list(tmp_path.glob(".out.tmp-*"))
