"""Lexicon loading: case-sensitive entries match ORTH, others LOWER; aliases map to the canonical name."""

from __future__ import annotations

import json

import pytest
import spacy

from kg.errors import ExtractionError
from kg.extract.lexicon import LexiconMatcher
from kg.extract.resources import load_generic, load_lexicon
from kg.extract.tokenizer import customize_tokenizer


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture()
def lexdir(tmp_path):
    _write(tmp_path / "dataset.jsonl", [{"name": "CIFAR-10", "aliases": ["CIFAR10"], "case_sensitive": True}])
    _write(tmp_path / "method.jsonl", [{"name": "variational autoencoder", "aliases": ["VAE"], "case_sensitive": False}])
    _write(tmp_path / "metric.jsonl", [{"name": "accuracy", "aliases": [], "case_sensitive": False}])
    _write(tmp_path / "generic.jsonl", [{"name": "neural networks", "aliases": ["deep nets"]}])
    return tmp_path


def test_load_lexicon_types_and_forms(lexdir):
    entries = load_lexicon(lexdir)
    by_name = {e.name: e for e in entries}
    assert by_name["CIFAR-10"].type == "Dataset" and by_name["CIFAR-10"].case_sensitive
    assert by_name["CIFAR-10"].forms == ("CIFAR-10", "CIFAR10")
    assert by_name["variational autoencoder"].type == "Method"
    assert [e.name for e in load_generic(lexdir)] == ["neural networks"]


def test_missing_files_are_fine(tmp_path):
    assert load_lexicon(tmp_path) == ()


def test_broken_file_raises(tmp_path):
    (tmp_path / "task.jsonl").write_text('{"name": "x"}\nnot json\n', encoding="utf-8")
    with pytest.raises(ExtractionError, match="task.jsonl:2"):
        load_lexicon(tmp_path)


def test_matcher_case_rules_and_aliases(lexdir):
    nlp = spacy.blank("en")
    customize_tokenizer(nlp)
    matcher = LexiconMatcher(nlp, entries=load_lexicon(lexdir), generic=load_generic(lexdir))
    doc = matcher(nlp("A Variational Autoencoder (VAE) on cifar-10 and CIFAR10 beats deep nets in accuracy."))
    found = {(doc[c["s"] : c["e"]].text, c["canon"]) for c in doc.user_data["kg.cands"]}
    assert ("Variational Autoencoder", "variational autoencoder") in found
    assert ("VAE", "variational autoencoder") in found
    assert ("CIFAR10", "CIFAR-10") in found
    assert not any(text == "cifar-10" for text, _ in found)  # case-sensitive entry
    assert doc.user_data["kg.blocked"]


def test_packaged_lexicon_loads():
    # whatever the curated files hold right now, they must parse
    assert isinstance(load_lexicon(), tuple)
