"""5-fold cross-validation of the learned result tuples on the 1,120 annotated abstracts in data/train.

Each fold trains the entity decision and the result model on the other folds' papers (the result model over
the entities that fold's decision finds there) and scores the held-out papers' tuples as ``kg eval`` does.
The floors are the shipped settings' pooled figures (see the README's extraction section) minus a small margin;
the issue's target (precision >= 0.85 at recall >= 0.60) is not reached: about half of the gold tuples name a
method, dataset or metric that the entity decision does not find.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.crossval import cross_validate

DATA = Path(__file__).resolve().parents[1] / "data" / "train"

#: pooled 5-fold CV (seed 0) of the shipped settings: results P 0.367, R 0.208, role accuracy 0.947
FLOORS = {"P": 0.352, "R": 0.175, "role": 0.93}
#: the result rules on the learned entities, same folds (before the result model)
RULES = {"P": 0.32, "R": 0.18}


def _load() -> tuple[list[dict], dict[str, dict]]:
    papers, gold = [], {}
    for batch in sorted((DATA / "batches").glob("*.jsonl")):
        papers += [json.loads(line) for line in batch.read_text(encoding="utf-8").splitlines() if line.strip()]
        for line in (DATA / "gold" / batch.name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                g = json.loads(line)
                gold[g["id"]] = g
    return papers, gold


@pytest.mark.slow
def test_five_fold_cv_result_tuples() -> None:
    papers, gold = _load()
    assert sum(len(g.get("results") or []) for g in gold.values()) == 530
    r = cross_validate(papers, gold, folds=5, seed=0).report
    assert r.results_gold == 530
    got = {"P": r.results_precision, "R": r.results_recall, "role": r.role_accuracy}
    low = {k: round(v, 3) for k, v in got.items() if v < FLOORS[k]}
    assert not low, f"below the CV floors {FLOORS}: {low}"
    assert got["P"] > RULES["P"] and got["R"] > RULES["R"]
