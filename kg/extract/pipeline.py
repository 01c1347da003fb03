"""The extractor pipeline: every component factory is registered here, and ``build_nlp`` assembles them.

Pipeline (``spacy.blank("en")`` with ML-name tokenizer rules, no trained model):
``sentencizer`` -> ``kg_fields`` -> ``kg_lexicon`` -> ``kg_acronyms`` -> ``kg_coined`` -> ``kg_phrases``
-> ``kg_refine`` -> ``kg_typer`` -> ``kg_roles`` -> ``kg_merge`` -> ``kg_results``.

Components pass plain data through ``doc.user_data`` (see ``common.py``); ``convert.py`` turns a processed Doc
into records. Each component reads its word lists from ``patterns/cues.json`` and the lexicons.
"""

from __future__ import annotations

from functools import cache

import spacy
from spacy.language import Language

from .acronyms import AcronymLinker
from .coined import CoinedNames
from .common import CANDS, VIEW
from .decide import LearnedDecision
from .fields import FieldBoundary
from .lexicon import LexiconMatcher
from .merge import ENTITIES, EntityMerger
from .phrases import HeadPhrases
from .refine import PhraseRefiner
from .result_model import LearnedResults, has_results_model
from .results import RESULTS, ResultFinder
from .roles import RoleCues
from .tokenizer import customize_tokenizer
from .typer import ContextTyper

__all__ = ["PIPE_NAMES", "build_nlp", "get_nlp"]

ERROR = "kg.error"

PIPE_NAMES: tuple[str, ...] = (
    "sentencizer",
    "kg_fields",
    "kg_lexicon",
    "kg_acronyms",
    "kg_coined",
    "kg_phrases",
    "kg_refine",
    "kg_typer",
    "kg_roles",
    "kg_merge",
    "kg_results",
)


@Language.factory("kg_fields")
def _make_fields(nlp: Language, name: str) -> FieldBoundary:
    return FieldBoundary(name)


@Language.factory("kg_lexicon")
def _make_lexicon(nlp: Language, name: str) -> LexiconMatcher:
    return LexiconMatcher(nlp, name)


@Language.factory("kg_acronyms", default_config={"max_extra_words": 5})
def _make_acronyms(nlp: Language, name: str, max_extra_words: int) -> AcronymLinker:
    return AcronymLinker(name, max_extra_words)


@Language.factory("kg_coined")
def _make_coined(nlp: Language, name: str) -> CoinedNames:
    return CoinedNames(name)


@Language.factory("kg_phrases")
def _make_phrases(nlp: Language, name: str) -> HeadPhrases:
    return HeadPhrases(name)


@Language.factory("kg_refine")
def _make_refine(nlp: Language, name: str) -> PhraseRefiner:
    return PhraseRefiner(name)


@Language.factory("kg_typer")
def _make_typer(nlp: Language, name: str) -> ContextTyper:
    return ContextTyper(name)


@Language.factory("kg_roles", default_config={"window": 14})
def _make_roles(nlp: Language, name: str, window: int) -> RoleCues:
    return RoleCues(name, window)


@Language.factory("kg_merge")
def _make_merge(nlp: Language, name: str) -> EntityMerger:
    return EntityMerger(name)


@Language.factory("kg_decide", default_config={"model": ""})
def _make_decide(nlp: Language, name: str, model: str) -> LearnedDecision:
    return LearnedDecision(name, model or None)


@Language.factory("kg_results", default_config={"max_gap": 4})
def _make_results(nlp: Language, name: str, max_gap: int) -> ResultFinder:
    return ResultFinder(name, max_gap)


@Language.factory("kg_results_learned", default_config={"model": ""})
def _make_learned_results(nlp: Language, name: str, model: str) -> LearnedResults:
    return LearnedResults(name, model)


def _on_error(proc_name: str, proc: object, docs: list, exc: Exception) -> None:
    """Per-doc error handler: note the failure on the docs and let the batch go on."""
    for doc in docs:
        doc.user_data[ERROR] = f"{proc_name}: {type(exc).__name__}: {exc}"
        for key in (VIEW, CANDS, ENTITIES, RESULTS):
            doc.user_data.pop(key, None)


def build_nlp(model: str | None = None) -> Language:
    """Build a fresh extractor pipeline (prefer ``get_nlp``, which caches it per process).

    `model` is a model directory (``kg train``): its learned decision (``kg_decide``) then replaces the rules'
    choice of entities, between ``kg_merge`` and ``kg_results``, and its result model (``results.json``), when it
    has one, replaces the result rules under the same pipe name. None builds the rules alone.
    """
    nlp = spacy.blank("en")
    customize_tokenizer(nlp)
    nlp.max_length = 2_000_000
    for name in PIPE_NAMES:
        if name == "kg_results" and model is not None:
            nlp.add_pipe("kg_decide", config={"model": str(model)})
            if has_results_model(model):
                nlp.add_pipe("kg_results_learned", name=name, config={"model": str(model)})
                continue
        nlp.add_pipe(name)
    nlp.set_error_handler(_on_error)
    return nlp


@cache
def get_nlp(model: str | None = None) -> Language:
    """The extractor pipeline of this process for `model` (a directory, or None for the rules), built once."""
    return build_nlp(model)
