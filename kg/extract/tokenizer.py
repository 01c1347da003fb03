"""Tokenizer rules for ML names.

spaCy's English tokenizer splits on hyphens between letters and between digits and strips unit suffixes
after numbers, which breaks names such as ``Mixture-of-Transformers``, ``Llama2-7B-128K`` or ``k-NN``.
We drop those rules so a hyphenated name stays one token, and instead split a short list of hyphen suffixes
(``-based``, ``-like``...) so that ``Transformer-based`` still exposes ``Transformer`` (title case only after
an acronym or a digit: ``LLM-Based`` splits, ``Part-Aware`` stays), and a sentence-final period after a digit
(``ImageNet-1K.``).
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.util import compile_infix_regex, compile_suffix_regex

from .resources import load_tokenizer_settings

__all__ = ["customize_tokenizer"]

_HYPHENS = "-–—"


def _is_hyphen_rule(rule: str) -> bool:
    """True for the default infix rules that split on hyphens (letter-letter or digit-digit)."""
    return "-|–|—" in rule or rule.startswith("(?<=[0-9])[+\\-")


def customize_tokenizer(nlp: Language) -> None:
    """Replace the infix and suffix rules of `nlp`'s tokenizer in place (see the module docstring)."""
    settings = load_tokenizer_settings()
    defaults = nlp.Defaults
    infixes = [r for r in defaults.infixes if not _is_hyphen_rule(r)]
    # keep digit-operator splits other than hyphen ("3+4", "2*3")
    infixes.append(r"(?<=[0-9])[+*](?=[0-9])")
    # split "word--word" (a LaTeX/ASCII dash) but not a single hyphen
    infixes.append(r"--+")
    suffixes = [r for r in defaults.suffixes if "km|km²" not in r]
    # "ImageNet-R." ends a sentence: the period is not part of an initial
    suffixes.append(r"(?<=-[A-Za-z])\.$")
    # "ImageNet-1K." / "ResNet-50." / "GPT-4." end a sentence: a digit or digit+letter before the final period
    suffixes.append(r"(?<=[0-9])\.$")
    suffixes.append(r"(?<=[0-9][A-Za-z])\.$")
    if settings.get("split_percent", True):
        suffixes.append(r"(?<=[0-9])%")
    words = sorted(settings.get("split_hyphen_suffixes", []), key=len, reverse=True)
    if words:
        alt = "|".join(re.escape(w) for w in words)
        suffixes.append(rf"(?<=[A-Za-z0-9])[{_HYPHENS}](?:{alt})$")
        # title case after an acronym or number ("LLM-Based", "AI-Generated") splits too; "Part-Aware" stays
        cap = "|".join(re.escape(w[:1].upper() + w[1:]) for w in words)
        suffixes.append(rf"(?<=[A-Z0-9])[{_HYPHENS}](?:{cap})$")
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    nlp.tokenizer.suffix_search = compile_suffix_regex(suffixes).search
