"""The learned result tuples: values, candidates and labels, a reproducible training run, save/load, the default
model on plain sentences, and relative gains kept off leaderboard ranks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.errors import InputError
from kg.extract import ExtractInput, extract_one, extractor_version
from kg.extract.common import view
from kg.extract.convert import doc_text
from kg.extract.decide import LearnedDecision
from kg.extract.model import DEFAULT_MODEL_DIR, load_model
from kg.extract.pipeline import build_nlp
from kg.extract.result_model import (
    LearnedResults, find_values, has_results_model, label_candidates, load_results_model, result_candidates,
    save_results_model, train_results,
)
from kg.gains import is_relative, words
from kg.views.leaderboard import Board, Row, _relative

PAPERS = [
    ("r1", "AlphaNet: Sparse Nets", "We propose AlphaNet. AlphaNet achieves 91.2% accuracy on CIFAR-10, "
     "while ResNet-50 reaches 88.1%."),
    ("r2", "BetaGen: Fast Diffusion", "We introduce BetaGen, a diffusion model. On ImageNet, BetaGen attains an FID "
     "of 2.31 in 2019 experiments."),
    ("r3", "GammaSeg for segmentation", "We present GammaSeg. GammaSeg reaches 47.5 mIoU on ADE20K and improves "
     "mIoU by 2.1 over SegFormer."),
    ("r4", "DeltaQA: Retrieval QA", "We propose DeltaQA. DeltaQA obtains an exact match of 61.3 on Natural "
     "Questions, compared with 55.0 for DPR."),
    ("r5", "EpsNet: Tiny Detector", "We introduce EpsNet. EpsNet achieves 38.2 mAP on COCO with 3.1M parameters."),
    ("r6", "ZetaMT: Translation", "We present ZetaMT. ZetaMT scores 29.4 BLEU on WMT14, 1.2 BLEU above the "
     "Transformer."),
]
_RESULTS = {
    "r1": [("AlphaNet", "CIFAR-10", "accuracy", "91.2%"), ("ResNet-50", "CIFAR-10", "accuracy", "88.1%")],
    "r2": [("BetaGen", "ImageNet", "FID", "2.31")],
    "r3": [("GammaSeg", "ADE20K", "mIoU", "47.5"), ("GammaSeg", "ADE20K", "mIoU", "2.1")],
    "r4": [("DeltaQA", "Natural Questions", "exact match", "61.3")],
    "r5": [("EpsNet", "COCO", "mAP", "38.2")],
    "r6": [("ZetaMT", "WMT14", "BLEU", "29.4")],
}
_TYPES = {"CIFAR-10": "Dataset", "ImageNet": "Dataset", "ADE20K": "Dataset", "Natural Questions": "Dataset",
          "COCO": "Dataset", "WMT14": "Dataset", "accuracy": "Metric", "FID": "Metric", "mIoU": "Metric",
          "exact match": "Metric", "mAP": "Metric", "BLEU": "Metric"}


def _data() -> tuple[list[dict], dict[str, dict]]:
    papers = [{"id": i, "title": t, "abstract": a} for i, t, a in PAPERS]
    gold = {}
    for pid, rows in _RESULTS.items():
        names = {n for r in rows for n in (r[0], r[1], r[2])}
        ents = [{"type": _TYPES.get(n, "Method"), "name": n, "mentions": [n], "tier": "core"} for n in sorted(names)]
        gold[pid] = {"id": pid, "entities": ents,
                     "results": [dict(zip(("method", "dataset", "metric", "value"), r)) for r in rows]}
    return papers, gold


def _doc(title: str, abstract: str):
    nlp = build_nlp(model=None)
    doc = nlp.make_doc(doc_text(title, abstract))
    for name, proc in nlp.pipeline:
        if name != "kg_results":
            doc = proc(doc)
    return doc


def test_values_keep_units_clean_latex_and_skip_years() -> None:
    doc = _doc("T", "It reaches 21.68 dB, 63.7\\% and 1.6$\\times$ faster runs in 2019 with 580 ms, 12,000 tokens, 1.28times.")
    v = view(doc)
    found = [x[2] for lo, hi in v.bounds for x in find_values(v, lo, hi)]
    assert found == ["21.68 dB", "63.7%", "1.6x", "580 ms", "12,000", "1.28times"]


def test_relative_gains() -> None:
    assert is_relative(words("GammaSeg improves mIoU by"), "2.1", words("over SegFormer"))
    assert is_relative([], "+2.05%", [])
    assert is_relative(words("a"), "39%", words("reduction in MSE"))
    assert is_relative(words("scores"), "1.2", words("points higher than the Transformer"))
    assert is_relative(words("with only a"), "1%", words("mAP drop"))
    assert is_relative(words("representing improvements of"), "3.10%", words(", 8.40%"))
    assert not is_relative(words("GammaSeg reaches"), "47.5", words("mIoU on ADE20K"))
    assert not is_relative(words("evaluated by"), "3", words("annotators"))  # "by" without a changing verb


def test_candidates_and_labels_follow_the_scorer() -> None:
    papers, gold = _data()
    title, abstract = PAPERS[0][1], PAPERS[0][2]
    doc = _doc(title, abstract)
    LearnedDecision(model=load_model(DEFAULT_MODEL_DIR))(doc)
    cands = result_candidates(doc)
    values = {c.value for c in cands}
    assert {"91.2%", "88.1%"} <= values
    labels = label_candidates(doc, cands, gold["r1"])
    assert any(pl for pl, _, _ in labels)
    for c, (pl, ml, dl) in zip(cands, labels):
        assert len(ml) == len(c.methods) and len(dl) == len(c.datasets)
        if c.value == "91.2%" and pl:
            assert any(ml) and any(dl)


def test_training_is_reproducible_and_save_load_round_trips(tmp_path: Path) -> None:
    papers, gold = _data()
    decision = load_model(DEFAULT_MODEL_DIR)
    a = train_results(papers, gold, decision)
    b = train_results(papers, gold, decision)
    assert a.vocab == b.vocab and np.array_equal(a.weights, b.weights) and np.array_equal(a.bias, b.bias)
    save_results_model(a, tmp_path)
    save_results_model(b, tmp_path / "again")
    assert (tmp_path / "results.npz").read_bytes() == (tmp_path / "again" / "results.npz").read_bytes()
    assert has_results_model(tmp_path) and not has_results_model(tmp_path / "missing")
    loaded = load_results_model(tmp_path)
    assert loaded.ident == a.ident and loaded.vocab == a.vocab
    doc = _doc(PAPERS[4][1], PAPERS[4][2])
    LearnedDecision(model=decision)(doc)
    one = LearnedResults(model=a)(doc.copy()).user_data["kg.results"]
    two = LearnedResults(model=loaded)(doc.copy()).user_data["kg.results"]
    assert one == two


def test_bad_result_model_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no result model"):
        load_results_model(tmp_path)
    (tmp_path / "results.json").write_text(json.dumps({"format": "other"}))
    (tmp_path / "results.npz").write_bytes(b"not numpy")
    with pytest.raises(InputError, match="invalid result model"):
        load_results_model(tmp_path / ".")


def test_default_model_finds_absolute_and_relative_results() -> None:
    x = extract_one(ExtractInput("p", "ZetaNet: Small Fast Nets",
                                 "We propose ZetaNet. On CIFAR-10, ZetaNet reaches an accuracy of 97.3% with few "
                                 "parameters."))
    assert any(r.method == "ZetaNet" and r.dataset == "CIFAR-10" and r.value == "97.3%" for r in x.results)
    assert x.extractor_version == extractor_version() and "." in extractor_version().split("+")[1]
    assert has_results_model(DEFAULT_MODEL_DIR)


def test_cli_train_writes_the_result_model(tmp_path: Path) -> None:
    papers, gold = _data()
    p, g = tmp_path / "p.jsonl", tmp_path / "g.jsonl"
    p.write_text("".join(json.dumps(x) + "\n" for x in papers))
    g.write_text("".join(json.dumps(x) + "\n" for x in gold.values()))
    r = CliRunner().invoke(cli, ["train", "--papers", str(p), "--gold", str(g), "-o", str(tmp_path / "m")])
    assert r.exit_code == 0, r.output
    assert "result model" in r.output and has_results_model(tmp_path / "m")


def test_leaderboard_ranks_scores_not_gains() -> None:
    sentence = "GammaSeg reaches 47.5% mIoU and improves mIoU by 2.1% over SegFormer."
    gain_at = sentence.index("2.1%")
    ev = {"sentence": sentence, "sentence_start": 10, "start": 10 + gain_at, "end": 10 + gain_at + 4}
    assert _relative("2.1%", ev)
    score_at = sentence.index("47.5%")
    assert not _relative("47.5%", dict(ev, start=10 + score_at, end=10 + score_at + 5))
    board = Board("d", "m", "higher", [
        Row("r1", "2.1%", "a", "d", "m", "p1", sentence, True, relative=True),
        Row("r2", "47.5%", "a", "d", "m", "p1", sentence, True),
        Row("r3", "45.0%", "b", "d", "m", "p2", "", False),
    ])
    board.rank()
    assert [(r.result, r.rank) for r in board.rows] == [("r2", 1), ("r3", 2), ("r1", None)]
