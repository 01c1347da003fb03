"""Component ``kg_lexicon``: match curated lexicon entries and generic non-entities.

Entries marked ``case_sensitive`` are matched on ORTH, the others on LOWER; every alias maps to the entry's
canonical name and type. Generic phrases ("neural networks", "baselines") are recorded as blocked ranges so
that no other rule can turn them into entities.

Why two paths: most surfaces are one token ("BERT", "CIFAR-10", "accuracy"). Turning each of the ~25k
surfaces into a Doc for a PhraseMatcher dominated the pipeline's load time, so one-token surfaces go into
plain dicts looked up per token, and only multi-token surfaces are tokenized into PhraseMatcher patterns.
Letters-only surfaces are split on spaces without running the tokenizer (the tokenizer splits such text on
spaces only, unless a word is one of its special cases, which then go through the tokenizer).
"""

from __future__ import annotations

import re
from typing import Iterable

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from .common import BLOCKED, add_candidate
from .resources import LexiconEntry, load_generic, load_lexicon

__all__ = ["LexiconMatcher"]

_LETTERS_ONLY = re.compile(r"^[A-Za-z]+(?: [A-Za-z]+)*$")


def _with_plurals(forms: tuple[str, ...]) -> list[str]:
    """The forms plus their plain "+s" plurals ("diffusion model" -> "diffusion models", "GAN" -> "GANs")."""
    out = list(forms)
    for form in forms:
        if form[-1:].isalpha() and not form.endswith("s") and len(form) > 2:
            out.append(form + "s")
    return out


class _Patterns:
    """Surfaces of one matching mode (ORTH or LOWER): one-token surfaces in a dict, longer ones as Docs."""

    def __init__(self, nlp: Language, lower: bool) -> None:
        self.nlp = nlp
        self.lower = lower
        self.single: dict[str, list[str]] = {}
        self.multi: dict[str, list[Doc]] = {}

    def add(self, key: str, form: str) -> None:
        text = form.lower() if self.lower else form
        words = self._words(text)
        if words is None:
            doc = self.nlp.tokenizer(text)
            if len(doc) == 1:
                words = [doc[0].text]
            else:
                self.multi.setdefault(key, []).append(doc)
                return
        if len(words) == 1:
            self.single.setdefault(words[0], []).append(key)
        else:
            spaces = [True] * (len(words) - 1) + [False]
            self.multi.setdefault(key, []).append(Doc(self.nlp.vocab, words=words, spaces=spaces))

    def _words(self, text: str) -> list[str] | None:
        """Tokens of a letters-only surface without running the tokenizer, or None when it must run."""
        if not _LETTERS_ONLY.match(text):
            return None
        words = text.split(" ")
        rules = self.nlp.tokenizer.rules or {}
        return None if any(w in rules for w in words) else words

    def matcher(self) -> PhraseMatcher:
        m = PhraseMatcher(self.nlp.vocab, attr="LOWER" if self.lower else "ORTH")
        for key, docs in self.multi.items():
            m.add(key, docs)
        return m


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
        exact, lower = _Patterns(nlp, lower=False), _Patterns(nlp, lower=True)
        seen: set[tuple[str, str, bool]] = set()
        for entry in entries:
            key = f"{entry.type}\x1f{entry.name}"
            for form in _with_plurals(entry.forms):
                # short forms with capitals ("IS", "mAP", "EM") are only safe when matched exactly
                cased = entry.case_sensitive or (len(form) <= 5 and any(c.isupper() for c in form))
                sig = (key, form if cased else form.lower(), cased)
                if sig in seen:
                    continue
                seen.add(sig)
                (exact if cased else lower).add(key, form)
        self.exact_single, self.lower_single = exact.single, lower.single
        self.exact, self.lower = exact.matcher(), lower.matcher()
        gen = _Patterns(nlp, lower=True)
        for entry in generic:
            for form in _with_plurals(entry.forms):
                gen.add("GENERIC", form)
        self.generic_single = frozenset(gen.single)
        self.generic = gen.matcher()

    @staticmethod
    def _single_hits(words: Iterable[str], table: dict[str, list[str]]) -> list[tuple[str, int]]:
        return [(key, i) for i, w in enumerate(words) if w in table for key in table[w]]

    def __call__(self, doc: Doc) -> Doc:
        strings = doc.vocab.strings
        texts = [t.text for t in doc]
        lowers = [t.lower() for t in texts]
        for matcher, table, words in ((self.exact, self.exact_single, texts), (self.lower, self.lower_single, lowers)):
            for key, i in self._single_hits(words, table):
                type_, canon = key.split("\x1f", 1)
                add_candidate(doc, i, i + 1, "lexicon", type=type_, canon=canon)
            for match_id, start, end in matcher(doc):
                type_, canon = strings[match_id].split("\x1f", 1)
                add_candidate(doc, start, end, "lexicon", type=type_, canon=canon)
        blocked = doc.user_data.setdefault(BLOCKED, [])
        for i, low in enumerate(lowers):
            if low in self.generic_single:
                blocked.append([i, i + 1])
        for _, start, end in self.generic(doc):
            blocked.append([start, end])
        return doc
