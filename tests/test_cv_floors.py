"""5-fold cross-validation of the learned extractor on the 1,120 annotated abstracts in data/train.

One cross-validation run (each fold trains the entity decision and, over the entities it finds, the result
model on the other folds' papers) feeds both tests. The floors are what the shipped settings achieve (see the
README's extraction section) minus a small margin, so a change that makes extraction worse on unseen papers
fails here. The issue's targets (MDM >= 0.82, each of Method/Dataset/Metric >= 0.78, Task >= 0.70, result tuples
P >= 0.85 at R >= 0.60) are not reached yet: about half of the gold tuples name a method, dataset or metric the
entity decision does not find.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.crossval import CVResult, cross_validate

DATA = Path(__file__).resolve().parents[1] / "data" / "train"

#: pooled 5-fold CV (seed 0) of the shipped training settings (MDM 0.795, Method 0.807, Dataset 0.825, Metric 0.722,
#: Task 0.661), minus about 0.01
FLOORS = {"MDM": 0.786, "Method": 0.798, "Dataset": 0.815, "Metric": 0.716, "Task": 0.650}
RULES = {"MDM": 0.695}
#: the same run's result tuples (P 0.369, R 0.191) and role accuracy (0.949), minus 0.015 (role: 0.93)
RESULT_FLOORS = {"P": 0.354, "R": 0.176, "role": 0.93}
#: the result rules on the learned entities, same folds (before the result model)
RESULT_RULES = {"P": 0.32, "R": 0.18}


def _load() -> tuple[list[dict], dict[str, dict]]:
    papers, gold = [], {}
    for batch in sorted((DATA / "batches").glob("*.jsonl")):
        papers += [json.loads(line) for line in batch.read_text(encoding="utf-8").splitlines() if line.strip()]
        for line in (DATA / "gold" / batch.name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                g = json.loads(line)
                gold[g["id"]] = g
    return papers, gold


@pytest.fixture(scope="module")
def cv() -> CVResult:
    papers, gold = _load()
    assert len(gold) == 1120
    assert sum(len(g.get("results") or []) for g in gold.values()) == 530
    return cross_validate(papers, gold, folds=5, seed=0)


@pytest.mark.slow
def test_five_fold_cv_floors(cv: CVResult) -> None:
    r = cv.report
    got = {"MDM": r.mdm["F1"], **{t: r.typed[t]["F1"] for t in ("Method", "Dataset", "Metric", "Task")}}
    low = {k: round(v, 3) for k, v in got.items() if v < FLOORS[k]}
    assert not low, f"below the CV floors {FLOORS}: {low}"
    assert got["MDM"] > RULES["MDM"] + 0.04  # clearly above the rules' own decision on the same folds


@pytest.mark.slow
def test_five_fold_cv_result_tuples(cv: CVResult) -> None:
    r = cv.report
    assert r.results_gold == 530
    got = {"P": r.results_precision, "R": r.results_recall, "role": r.role_accuracy}
    low = {k: round(v, 3) for k, v in got.items() if v < RESULT_FLOORS[k]}
    assert not low, f"below the CV floors {RESULT_FLOORS}: {low}"
    assert got["P"] > RESULT_RULES["P"] and got["R"] > RESULT_RULES["R"]
