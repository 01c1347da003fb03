"""Text normalization: NFC, whitespace, and only the unambiguous LaTeX repairs."""

from __future__ import annotations

import pytest

from kg.ingest.normalize import normalize_text, title_key


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a 2.31times speedup", "a 2.31\u00d7 speedup"),
        ("ImageNet 256times256 images", "ImageNet 256\u00d7256 images"),
        ("64{times}64 crops", "64\u00d764 crops"),
        ("up to 5.18\\times$ latency", "up to 5.18\u00d7 latency"),
        ("each runx2014each one", "each run\u2014each one"),
        ("only 55.8\\% of the FLOPs", "only 55.8% of the FLOPs"),
        ("(sim50\\%)", "(~50%)"),
        ("{\\it model size} and {\\em finite}", "model size and finite"),
        ("\\textbf{D}irect Preference", "Direct Preference"),
        ('na\\"{\\i}ve ensembling', "na\u00efve ensembling"),
        ("the temperature {\\tau} controls", "the temperature \u03c4 controls"),
        ("Polyak-\\L ojasiewicz", "Polyak-\u0141ojasiewicz"),
        ("  many\t spaces\n\nand lines ", "many spaces and lines"),
        ("e\u0301t\u00e9", "\u00e9t\u00e9"),
        ("bell\x07 and\x00nul", "bell and nul"),
    ],
)
def test_repairs(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    "text",
    ["sometimes the timesteps vary", "approximately 3 times faster", "R^{mtimes n}", "x1500 steps", "simulation"],
)
def test_ambiguous_text_is_left_alone(text: str) -> None:
    assert normalize_text(text) == text


def test_title_key_folds_case_punctuation_and_space() -> None:
    assert title_key("Mixture-of-Transformers: A  Sparse") == title_key("mixture of transformers   a sparse")
    assert title_key("GPT-4") != title_key("GPT-3")
