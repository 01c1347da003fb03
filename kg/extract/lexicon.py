"""Component ``kg_lexicon``: match curated lexicon entries and generic non-entities with PhraseMatchers.

Entries marked ``case_sensitive`` are matched on ORTH, the others on LOWER; every alias maps to the entry's
canonical name and type. Generic phrases ("neural networks", "baselines") are recorded as blocked ranges so
that no other rule can turn them into entities.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from .common import BLOCKED, add_candidate
from .resources import LexiconEntry, load_generic, load_lexicon

__all__ = ["LexiconMatcher"]


def _with_plurals(forms: tuple[str, ...]) -> list[str]:
    """The forms plus their plain "+s" plurals ("diffusion model" -> "diffusion models", "GAN" -> "GANs")."""
    out = list(forms)
    for form in forms:
        if form[-1:].isalpha() and not form.endswith("s") and len(form) > 2:
            out.append(form + "s")
    return out


class LexiconMatcher:
    """Add a typed candidate (with its canonical name) for every lexicon match; record generic phrases."""

    def __init__(
        self,
        nlp: Language,
        name: str = "kg_lexicon",
        entries: tuple[LexiconEntry, ...] | None = None,
        generic: tuple[LexiconEntry, ...] | None = None,
    ) -> None:
        self.name = name
        entries = load_lexicon() if entries is None else entries
        generic = load_generic() if generic is None else generic
        self.keys: list[tuple[str, str]] = []  # match id -> (type, canonical name)
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        exact: dict[str, list] = {}
        lower: dict[str, list] = {}
        seen: set[tuple[str, str, bool]] = set()
        tokenizer = nlp.tokenizer
        for entry in entries:
            key = f"{entry.type}\x1f{entry.name}"
            for form in _with_plurals(entry.forms):
                # short forms with capitals ("IS", "mAP", "EM") are only safe when matched exactly
                cased = entry.case_sensitive or (len(form) <= 5 and any(c.isupper() for c in form))
                sig = (key, form if cased else form.lower(), cased)
                if sig in seen:
                    continue
                seen.add(sig)
                target = exact if cased else lower
                target.setdefault(key, []).append(tokenizer(form))
        for key, docs in exact.items():
            self.exact.add(key, docs)
        for key, docs in lower.items():
            self.lower.add(key, docs)
        gen_docs = []
        for entry in generic:
            gen_docs.extend(tokenizer(f) for f in _with_plurals(entry.forms))
        self.generic = PhraseMatcher(nlp.vocab, attr="LOWER")
        if gen_docs:
            self.generic.add("GENERIC", gen_docs)

    def __call__(self, doc: Doc) -> Doc:
        strings = doc.vocab.strings
        for matcher in (self.exact, self.lower):
            for match_id, start, end in matcher(doc):
                type_, canon = strings[match_id].split("\x1f", 1)
                add_candidate(doc, start, end, "lexicon", type=type_, canon=canon)
        blocked = doc.user_data.setdefault(BLOCKED, [])
        for _, start, end in self.generic(doc):
            blocked.append([start, end])
        return doc
