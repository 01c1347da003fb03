"""Bad input: a clear message naming the file and line; recoverable problems counted, the rest still read."""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.ingest import read_entries, read_papers
from kg.records import Paper, Skipped

GOOD = {"title": "A good paper", "abstract": "We propose a method. It works well on MNIST."}


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def skipped(items: list[Paper | Skipped]) -> list[tuple[str, int, str]]:
    return [(Path(s.source.path).name, s.source.line, s.reason) for s in items if isinstance(s, Skipped)]


def good_count(items: list[Paper | Skipped]) -> int:
    return sum(isinstance(i, Paper) for i in items)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.jsonl: no such file or folder"):
        list(read_entries([tmp_path / "nope.jsonl"]))


def test_binary_file_is_skipped_and_others_still_read(tmp_path: Path) -> None:
    (tmp_path / "blob.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    write_jsonl(tmp_path / "ok.jsonl", [GOOD])
    items = list(read_entries([tmp_path]))
    assert good_count(items) == 1
    [(name, line, reason)] = skipped(items)
    assert name == "blob.txt" and "binary file" in reason
    with pytest.raises(InputError, match=r"blob\.txt: binary file"):
        list(read_entries([tmp_path], strict=True))


def test_corrupt_gzip_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl.gz"
    data = gzip.compress((json.dumps(GOOD) + "\n").encode() * 50)
    path.write_bytes(data[: len(data) // 2])
    items = list(read_entries([path]))
    assert skipped(items) and "cannot read file" in skipped(items)[-1][2]


def test_invalid_utf8_costs_only_its_line(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        (json.dumps(GOOD) + "\n").encode() + b'{"title": "caf\xe9", "abstract": "x"}\n' + (json.dumps(GOOD) + "\n").encode()
    )
    items = list(read_entries([path]))
    assert good_count(items) == 2
    assert skipped(items) == [("mixed.jsonl", 2, "invalid UTF-8 at byte 15 of the line")]


def test_invalid_utf8_in_a_listing_dump_skips_that_entry(tmp_path: Path, fixtures: Path) -> None:
    raw = (fixtures / "trending_glued.txt").read_bytes().replace(b"In recent years", b"In r\xffcent years")
    path = tmp_path / "dump.txt"
    path.write_bytes(raw)
    items = list(read_entries([path]))
    assert good_count(items) == 2
    assert skipped(items) == [("dump.txt", 5, "abstract on line 6: invalid UTF-8 at byte 5 of the line")]


def test_malformed_json_line(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [GOOD, '{"title": "broken", "abstract": ', GOOD, "[1, 2]"])
    items = list(read_entries([path]))
    assert good_count(items) == 2
    assert [(line, reason.split(":")[0]) for _, line, reason in skipped(items)] == [
        (2, "malformed JSON"), (4, "expected a JSON object, found list")
    ]
    with pytest.raises(InputError, match=r"p\.jsonl:2: malformed JSON"):
        list(read_entries([path], strict=True))


def test_malformed_json_array(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('[\n  {"title": "a", "abstract": "b"},\n  {"title": }\n]\n')
    items = list(read_entries([path]))
    assert good_count(items) == 1
    assert skipped(items)[0][:2] == ("p.json", 3) and "malformed JSON" in skipped(items)[0][2]


def test_csv_without_title_column(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("name_of_thing,abstract\nx,y\n")
    items = list(read_entries([path], format="csv"))
    assert skipped(items) == [("p.csv", 1, skipped(items)[0][2])]
    assert "no title column" in skipped(items)[0][2]
    with pytest.raises(InputError, match=r"p\.csv:1: no title column"):
        list(read_entries([path], format="csv", strict=True))


def test_empty_abstract(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [GOOD, {"title": "No abstract", "abstract": "   "}, {"title": "None"}])
    items = list(read_entries([path]))
    assert skipped(items) == [("p.jsonl", 2, "empty abstract"), ("p.jsonl", 3, "empty abstract")]


def test_one_megabyte_abstract_is_skipped_quickly(tmp_path: Path) -> None:
    huge = ("word " * 200_000)[:1_000_000]
    path = write_jsonl(tmp_path / "p.jsonl", [{"title": "Huge", "abstract": huge}, GOOD])
    started = time.perf_counter()
    items = list(read_entries([path]))
    assert time.perf_counter() - started < 10
    assert good_count(items) == 1
    [(name, line, reason)] = skipped(items)
    assert (name, line) == ("p.jsonl", 1) and "characters (limit 100,000)" in reason
    assert good_count(list(read_entries([path], max_abstract_chars=2_000_000))) == 2


def test_skips_are_counted_in_the_corpus(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [GOOD, "{", {"title": "t", "abstract": ""}])
    corpus = read_papers([path])
    assert len(corpus.papers) == 1 and len(corpus.skipped) == 2
