"""kg.evaluate: scores agree with the reference scorer; figures on the shared dev set meet the floors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kg.evaluate import evaluate, evaluate_records, format_report, load_jsonl, norm, score_predictions
from kg.extract import read_extract_input

EVAL_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "eval"

GOLD = {
    "p1": {
        "id": "p1",
        "entities": [
            {"type": "Method", "name": "Mixture-of-Transformers", "mentions": ["Mixture-of-Transformers", "MoT"], "tier": "core", "role": "proposed"},
            {"type": "Method", "name": "Transformer", "mentions": ["Transformer"], "tier": "core", "role": "used"},
            {"type": "Method", "name": "diffusion models", "mentions": ["diffusion models"], "tier": "optional", "role": "used"},
            {"type": "Dataset", "name": "ImageNet", "mentions": ["ImageNet"], "tier": "core", "role": "used"},
            {"type": "Metric", "name": "FID", "mentions": ["FID"], "tier": "core"},
            {"type": "Task", "name": "image generation", "mentions": ["image generation"], "tier": "core"},
        ],
        "results": [{"method": "Mixture-of-Transformers", "dataset": "ImageNet", "metric": "FID", "value": "1.78"}],
    },
    "p2": {"id": "p2", "entities": [{"type": "Dataset", "name": "CIFAR-10", "mentions": ["CIFAR-10"], "tier": "core", "role": "used"}], "results": []},
}

PRED = {
    "p1": {
        "id": "p1",
        "entities": [
            {"type": "Method", "name": "MoT", "mentions": ["MoT"], "role": "proposed"},
            {"type": "Method", "name": "Diffusion Model", "mentions": ["Diffusion Model"], "role": "used"},
            {"type": "Method", "name": "dropout", "mentions": ["dropout"], "role": "used"},
            {"type": "Dataset", "name": "ImageNet", "mentions": ["ImageNet"], "role": "proposed"},
            {"type": "Task", "name": "FID", "mentions": ["FID"]},
        ],
        "results": [{"method": "MoT", "dataset": "ImageNet", "metric": "FID", "value": "1.78"}],
    }
}


def test_norm_matches_reference_rules():
    assert norm("Mixture-of-Transformers") == "mixture of transformer"
    assert norm("  Fashion_MNIST ") == "fashion mnist"
    assert norm("loss") == "loss" and norm("GANs") == "gan"
    assert norm("nDCG@10") == "ndcg@10"


def test_score_predictions_by_hand():
    r = score_predictions(GOLD, PRED)
    # Method: MoT hit, Diffusion Model only optional (dropped), dropout FP -> P=1/2, R=1/2
    assert r.typed["Method"] == {"P": 0.5, "R": 0.5, "F1": 0.5, "gold": 2, "pred": 2}
    assert r.typed["Dataset"]["P"] == 1.0 and r.typed["Dataset"]["R"] == 0.5
    assert r.typed["Metric"]["R"] == 0.0 and r.typed["Task"]["P"] == 0.0
    assert r.missing == 1
    assert r.role_total == 2 and r.role_accuracy == 0.5
    assert r.results_precision == 1.0 and r.results_recall == 1.0
    p1 = next(d for d in r.papers if d.id == "p1")
    assert ("Method", "dropout") in p1.false_positives
    assert ("Metric", "FID") in p1.misses
    text = format_report(r, details=True)
    assert "MDM (Method+Dataset+Metric) micro" in text and "== p1" in text


def _reference_scores(tmp_path: Path, gold_path: Path, pred: dict) -> dict:
    pred_path = tmp_path / "pred.jsonl"
    pred_path.write_text("".join(json.dumps(v) + "\n" for v in pred.values()), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, str(EVAL_DIR / "score.py"), str(gold_path), "--pred", str(pred_path), "--json"],
        capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout)


def test_hand_example_agrees_with_reference(tmp_path):
    if not (EVAL_DIR / "score.py").exists():
        pytest.skip("../shared/eval is not available")
    gold_path = tmp_path / "gold.jsonl"
    gold_path.write_text("".join(json.dumps(v) + "\n" for v in GOLD.values()), encoding="utf-8")
    ref = _reference_scores(tmp_path, gold_path, PRED)
    ours = score_predictions(GOLD, PRED)
    assert ours.typed == ref["typed"]
    assert ours.mdm == ref["MDM"]
    assert ours.missing == ref["missing"]


@pytest.fixture(scope="module")
def dev_run():
    if not (EVAL_DIR / "dev_papers.jsonl").exists():
        pytest.skip("../shared/eval is not available")
    papers = list(read_extract_input(EVAL_DIR / "dev_papers.jsonl"))
    gold = load_jsonl(EVAL_DIR / "dev_gold.jsonl")
    return gold, evaluate_records(papers, gold)


@pytest.mark.slow
def test_dev_scores_equal_reference_scorer(dev_run, tmp_path):
    gold, (report, pred) = dev_run
    ref = _reference_scores(tmp_path, EVAL_DIR / "dev_gold.jsonl", pred)
    assert report.typed == ref["typed"]
    assert report.mdm == ref["MDM"]


@pytest.mark.slow
def test_dev_quality_floors(dev_run):
    _, (report, _) = dev_run
    t = report.typed
    # The shipped model scores MDM 0.816, Method 0.810, Dataset 0.905, Metric 0.741, Task 0.651 here (README);
    # it was chosen by cross-validation, not on these 60 papers, so the floors guard against regressions only.
    assert report.mdm["F1"] >= 0.80, format_report(report)
    for typ in ("Method", "Dataset"):
        assert t[typ]["F1"] >= 0.78, format_report(report)
    assert t["Metric"]["F1"] >= 0.72, format_report(report)
    assert t["Task"]["F1"] >= 0.63, format_report(report)


def test_evaluate_from_files(tmp_path):
    papers = tmp_path / "papers.jsonl"
    papers.write_text(json.dumps({"id": "p2", "title": "CNNs", "abstract": "We train on CIFAR-10."}) + "\n", "utf-8")
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(GOLD["p2"]) + "\n", "utf-8")
    r = evaluate(papers, gold)
    assert r.typed["Dataset"]["R"] == 1.0
