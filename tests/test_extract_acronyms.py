"""Acronym definitions link a short form and its long form into one entity."""

from __future__ import annotations

from kg.extract import ExtractInput, extract_one
from kg.extract.acronyms import schwartz_hearst


def _entity(x, mention):
    return next(e for e in x.entities if mention in e.mentions)


def test_schwartz_hearst_basic():
    assert schwartz_hearst("MoT", "we introduce Mixture-of-Transformers") == "Mixture-of-Transformers"
    assert schwartz_hearst("LIR", "we introduce the Layer Index Rescaling") == "Layer Index Rescaling"
    assert schwartz_hearst("XYZ", "nothing here matches") is None


def test_long_and_short_form_are_one_entity():
    # the rules' decision: the learned role head calls this one-sentence paper's method "used" (see the README)
    x = extract_one(ExtractInput("p", "", "We introduce Mixture-of-Transformers (MoT), a sparse architecture. MoT is fast."),
                    fast=True)
    e = _entity(x, "MoT")
    assert e.type == "Method"
    assert e.name == "Mixture-of-Transformers"
    assert set(e.mentions) == {"Mixture-of-Transformers", "MoT"}
    assert e.role == "proposed"
    assert len(e.evidence) == 3


def test_plural_short_form_and_multiword_long_form():
    x = extract_one(
        ExtractInput("p", "", "We propose Scalable Neural Network Kernels (SNNKs). SNNK layers replace feedforward layers.")
    )
    e = _entity(x, "SNNKs")
    assert "Scalable Neural Network Kernels" in e.mentions


def test_reverse_definition():
    x = extract_one(ExtractInput("p", "", "We study LINE (Large-scale Information Network Embedding) on graphs."))
    e = _entity(x, "LINE")
    assert "Large-scale Information Network Embedding" in e.mentions


def test_generic_long_form_is_not_an_entity():
    x = extract_one(ExtractInput("p", "", "Large Language Models (LLMs) are popular. LLMs are big."))
    assert not any("LLMs" in e.mentions for e in x.entities)


def test_metric_acronym_typed_by_long_form_head():
    x = extract_one(ExtractInput("p", "", "We report the Variability Collapse Index (VCI) for each layer."))
    assert _entity(x, "VCI").type == "Metric"
