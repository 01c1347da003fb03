"""Scale features: parallel and distributed extraction give the local result; the cache re-extracts only
what changed; a new extractor version invalidates it."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

import kg.extract
import kg.builder.common
from kg.builder import build

SENTENCES = [
    "We introduce Mixture-of-Transformers (MoT), a sparse multi-modal transformer architecture.",
    "We evaluate on ImageNet and CIFAR-10 and report top-1 accuracy.",
    "Our method improves BLEU by 2.1 points on WMT14 English-German machine translation.",
    "Experiments with BERT and RoBERTa on GLUE show consistent gains in F1.",
    "We propose LoRA-Fast, which reduces latency by 30% compared to LoRA.",
    "The model is trained with Adam and dropout for image classification.",
    "We release a new benchmark, CodeBench, for code generation, measured by pass@1.",
    "Results on MNIST and Fashion-MNIST confirm the gains in test accuracy.",
]


def write_corpus(path: Path, n: int, seed: int = 0, start: int = 0) -> Path:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(start, start + n):
            abstract = " ".join(rng.sample(SENTENCES, 4))
            fh.write(json.dumps({"title": f"Paper number {i}: a study", "abstract": abstract}) + "\n")
    return path


def outputs(folder: Path) -> dict[str, str]:
    return {name: (folder / name).read_text(encoding="utf-8")
            for name in ("papers.jsonl", "extractions.jsonl", "graph.json")}


def test_two_workers_give_the_single_worker_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = write_corpus(tmp_path / "c.jsonl", 60)
    monkeypatch.setattr(kg.builder.common, "SMALL_CORPUS", 0)
    one = build([corpus], tmp_path / "one", workers=1)
    two = build([corpus], tmp_path / "two", workers=2)
    assert (one.workers, two.workers) == (1, 2)
    assert outputs(tmp_path / "one") == outputs(tmp_path / "two")


def test_cache_reextracts_only_new_papers(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    base = write_corpus(tmp_path / "base.jsonl", 100)
    cold = build([base], tmp_path / "out", cache_dir=cache)
    assert (cold.cache_hits, cold.cache_misses) == (0, 100)
    extra = write_corpus(tmp_path / "extra.jsonl", 2, seed=7, start=1000)
    warm = build([base, extra], tmp_path / "elsewhere", cache_dir=cache)
    assert (warm.cache_hits, warm.cache_misses) == (100, 2)
    build([base, extra], tmp_path / "fresh")
    assert outputs(tmp_path / "elsewhere") == outputs(tmp_path / "fresh")


def test_new_extractor_version_invalidates_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    corpus = write_corpus(tmp_path / "c.jsonl", 10)
    build([corpus], tmp_path / "out", cache_dir=cache)
    assert build([corpus], tmp_path / "again", cache_dir=cache).cache_hits == 10
    monkeypatch.setattr(kg.extract, "EXTRACTOR_VERSION", "kg-extract/test-next")
    report = build([corpus], tmp_path / "out", cache_dir=cache)
    assert (report.cache_hits, report.cache_misses) == (0, 10)
    assert report.mode == "full (extractor_version changed)"
    assert json.loads((tmp_path / "out" / "extractions.jsonl").read_text().splitlines()[0]).get(
        "extractor_version") is not None


def test_dask_cluster_gives_the_local_result(tmp_path: Path) -> None:
    import distributed

    corpus = write_corpus(tmp_path / "c.jsonl", 40)
    build([corpus], tmp_path / "local")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        report = build([corpus], tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert report.papers == 40
    assert outputs(tmp_path / "local") == outputs(tmp_path / "dask")


def test_unreachable_scheduler_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kg.distributed
    from kg.errors import ExtractionError

    real = kg.distributed.dask_extractor
    monkeypatch.setattr(kg.distributed, "dask_extractor", lambda address, **options: real(address, timeout=2, **options))
    corpus = write_corpus(tmp_path / "c.jsonl", 3)
    with pytest.raises(ExtractionError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        build([corpus], tmp_path / "x", scheduler="tcp://127.0.0.1:9")
    assert not (tmp_path / "x").exists()


def test_two_builds_can_share_one_cache(tmp_path: Path) -> None:
    """Two writers of one cache file (two builds on the default cache) wait for each other's short
    transactions instead of failing with "database is locked"."""
    import subprocess
    import sys
    import textwrap

    writer = textwrap.dedent(
        """
        import sys, time
        from kg.builder.cache import ExtractionCache
        from kg.records import Paper
        cache = ExtractionCache(sys.argv[1], "test-1")
        for i in range(120):  # 6 s of writing: longer than SQLite's default 5 s wait for a lock
            cache.put(Paper(f"{sys.argv[2]}-{i}", "t", "a"), "{}")
            time.sleep(0.05)
        cache.close()
        """
    )
    procs = [subprocess.Popen([sys.executable, "-c", writer, str(tmp_path), name], stderr=subprocess.PIPE, text=True)
             for name in ("a", "b")]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    import sqlite3

    with sqlite3.connect(tmp_path / "extractions.sqlite") as db:
        assert db.execute("SELECT count(*) FROM extraction").fetchone()[0] == 240
