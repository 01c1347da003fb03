"""Tokenizer rules: ML names stay one token."""

from __future__ import annotations

import pytest
import spacy

from kg.extract.tokenizer import customize_tokenizer


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("en")
    customize_tokenizer(nlp)
    return nlp


@pytest.mark.parametrize(
    "name",
    ["CIFAR-10", "nDCG@10", "GPT-3.5", "Llama2-7B-128K", "ResNet-50", "k-NN", "Mixture-of-Transformers", "M-VAR-d32", "BEiT-3"],
)
def test_ml_names_are_one_token(nlp, name):
    doc = nlp(f"We compare {name} with others.")
    assert name in [t.text for t in doc]


def test_punctuation_and_suffixes_still_split(nlp):
    texts = [t.text for t in nlp("Mixture-of-Transformers (MoT) uses 55.8% of FLOPs; ImageNet-R. Transformer-based models")]
    assert texts[:4] == ["Mixture-of-Transformers", "(", "MoT", ")"]
    assert "%" in texts and "55.8" in texts
    assert "ImageNet-R" in texts and "." in texts
    assert "Transformer" in texts and "-based" in texts


def test_slash_between_names_splits(nlp):
    assert [t.text for t in nlp("LlamaGen/VAR")] == ["LlamaGen", "/", "VAR"]
