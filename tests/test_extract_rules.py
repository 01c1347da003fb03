"""Coined names, typing by context and role cues."""

from __future__ import annotations

from kg.extract import ExtractInput, extract_one


def _ents(title, abstract):
    x = extract_one(ExtractInput("p", title, abstract), fast=True)  # these tests pin the rules' own decision
    return {m: e for e in x.entities for m in e.mentions}


def test_title_name_is_proposed_method():
    ents = _ents("Zorblax: Decoupled Modeling for Something", "We evaluate Zorblax on several tasks.")
    assert ents["Zorblax"].type == "Method" and ents["Zorblax"].role == "proposed"


def test_naming_cues():
    ents = _ents("", "We term this new framework Q-FLUX. It relies on a module dubbed KappaNet.")
    assert ents["Q-FLUX"].role == "proposed"
    assert "KappaNet" in ents


def test_propose_cue_with_appositive():
    ents = _ents("", "We present Trellisformer, a sparse attention model for long documents.")
    assert ents["Trellisformer"].role == "proposed" and ents["Trellisformer"].type == "Method"


def test_dataset_cues():
    ents = _ents("", "We evaluate on the QuuxQA benchmark and report results on ZedSet, FooBench and BarCorp.")
    assert ents["QuuxQA"].type == "Dataset"
    for name in ("ZedSet", "FooBench", "BarCorp"):
        assert ents[name].type == "Dataset", name
        assert ents[name].role == "used"


def test_metric_cues():
    ents = _ents("", "Our model improves nDCG@10 by 2.8 points and is better in terms of BLORP score.")
    assert ents["nDCG@10"].type == "Metric"


def test_used_method_from_shape():
    ents = _ents("", "Unlike prior work built on GraphSAGE, we use simple message passing.")
    assert ents["GraphSAGE"].type == "Method" and ents["GraphSAGE"].role == "used"


def test_task_phrases():
    ents = _ents("Efficient Link Prediction", "We study link prediction and node classification on citation graphs.")
    assert ents["link prediction"].type == "Task"
    assert ents["node classification"].type == "Task"


def test_variants_merge():
    ents = _ents("", "We train M-VAR and our largest model M-VAR-d32 reaches good results.")
    assert ents["M-VAR"] is ents["M-VAR-d32"]


def test_generic_phrases_are_not_entities():
    ents = _ents("", "Deep learning with neural networks and large language models beats baselines.")
    for generic in ("Deep learning", "neural networks", "large language models", "baselines"):
        assert generic not in ents


def test_specialized_method_over_lexicon_method():
    ents = _ents("", "We use windowed causal attention, a Transformer decoder and the CTC loss, not the investigate diffusion models.")
    assert ents["windowed causal attention"].type == "Method"
    assert ents["Transformer decoder"].type == "Method"
    assert "CTC loss" in ents
    assert "investigate diffusion models" not in ents


def test_sentence_initial_task_is_lower_cased():
    from kg.extract import extract_one as _one

    x = _one(ExtractInput("p", "", "Whole-body biometric recognition is hard. We study whole-body biometric recognition."))
    assert "whole-body biometric recognition" in {e.name for e in x.entities if e.type == "Task"}
