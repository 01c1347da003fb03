"""Component ``kg_coined``: coined names found by their shape or by the words around them.

- shape: ``BERT``, ``DiT``, ``LlamaGen``, ``ResNet-50``, ``GPT-J-6B`` (see ``common.is_name_shape``),
  extended by a version token (``MobileVLM v2``, ``ImageNet 256x256``); title-case adjectives
  ("Retinex-Guided", the "Dual" of "Dual-guided") are not names on their own;
- versioned models: a known Method + version (+ variant words): ``Gemini 3.1 Pro``, ``Claude 3.5 Sonnet``;
- title: "Name: subtitle" makes ``Name`` a proposed entity (not a gerund clause: "Evaluating X: ...");
- naming cues: "called/dubbed/named/term X" and "we propose/introduce/present X" (X capitalized or coined),
  also "we introduce X, a ...".
Cue words come from ``patterns/cues.json``.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc, Token

from .common import TITLE_END, add_candidate, candidates, author_subject, in_title, is_capitalized_word, is_name_shape, view
from .resources import load_cues, load_tokenizer_settings

__all__ = ["CoinedNames"]

_VERSION = re.compile(r"^(?:v\d+(?:\.\d+)*|\d{2,5}|\d+(?:x|×|times)\d+)$")
_VERSION_NUM = re.compile(r"^\d{1,2}(?:\.\d{1,2})?$")
#: a proposing verb after these is an adjective ("the proposed methods on ResNet-50"), not a naming cue
_ADJECTIVAL_BEFORE = frozenset({"the", "a", "an", "these", "those", "its", "their", "newly"})
_QUOTES = {'"', "'", "“", "”", "‘", "’", "`", "``", "''"}


class CoinedNames:
    """Add candidates for name-shaped tokens, title names and names introduced by naming cues."""

    def __init__(self, name: str = "kg_coined") -> None:
        self.name = name
        cues = load_cues()
        self.stop = cues["shape_stop"]
        self.name_verbs = cues["name_verbs"]
        self.propose_verbs = cues["propose_verbs"]
        self.modifier_stop = cues["modifier_stop"]
        self.dataset_heads = cues["dataset_heads"]
        self.method_heads = cues["method_heads"] - cues["generic_method_heads"]
        self._shape_cache: dict[str, bool] = {}
        self.max_title = cues.numbers.get("title_name_max_tokens", 4)
        self.variant_words = cues["model_variant_words"]
        self.adjective_tails = frozenset(load_tokenizer_settings().get("split_hyphen_suffixes", []))

    def _shape(self, text: str) -> bool:
        hit = self._shape_cache.get(text)
        if hit is None:
            hit = self._shape_cache[text] = is_name_shape(text, self.stop) and not self._adjective(text)
            if len(self._shape_cache) > 200_000:
                self._shape_cache.clear()
        return hit

    @staticmethod
    def _capital_next(doc: Doc, i: int) -> bool:
        return i + 1 < len(doc) and doc[i + 1].text[:1].isupper() and not view(doc).sent_start[i + 1]

    def _before_split_suffix(self, doc: Doc, i: int) -> bool:
        """True when token `i` is followed by a hyphen suffix the tokenizer split off ("Dual" + "-guided")."""
        return i + 1 < len(doc) and doc[i + 1].text[:1] == "-" and doc[i + 1].lower_[1:] in self.adjective_tails

    def _adjective(self, text: str) -> bool:
        """ "Retinex-Guided", "Part-Aware": ends in a hyphen suffix the tokenizer splits off lower-case words."""
        return "-" in text and text.rsplit("-", 1)[-1].lower() in self.adjective_tails

    def _namelike(self, tok: Token) -> bool:
        if self._adjective(tok.text) and not self._capital_next(tok.doc, tok.i):
            return False  # "Retinex-Guided" alone; "Momentum-Guided Consistent Geometry" is a name
        if self._before_split_suffix(tok.doc, tok.i) and not self._shape(tok.text):
            return False  # "Dual" of "Dual-guided": the first half of an adjective
        return self._shape(tok.text) or (
            is_capitalized_word(tok.text) and tok.text not in self.stop and not tok.is_stop
        )

    def _run(self, doc: Doc, i: int, limit: int = 5) -> int:
        """End of the run of name-like tokens starting at `i` (at most `limit` tokens)."""
        j = i
        while j < len(doc) and j - i < limit and not doc[j].is_space and (
            self._namelike(doc[j]) or (j > i and _VERSION.match(doc[j].text))
            or (j > i and doc[j].lower_ in ("of", "with") and j + 1 < len(doc) and doc[j + 1].text[:1].isupper() and self._namelike(doc[j + 1]) and j + 1 - i < limit)
        ):
            j += 1
        while j > i and doc[j - 1].lower_ in ("of", "with"):
            j -= 1
        return j

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        v = view(doc)
        # shape
        for i, text in enumerate(v.text):
            if self._shape(text):
                tok = doc[i]
                end = tok.i + 1
                nxt = v.text[end] if end < n else ""
                # a version or resolution ("v2", "256x256") or a long number ("Atari 2600"), not "BERT 12"
                if _VERSION.match(nxt) and (not nxt.isdigit() or len(nxt) >= 3):
                    end += 1
                add_candidate(doc, tok.i, end, "shape")
        self._versioned_names(doc)
        self._capitalized_runs(doc)
        # title "Name: subtitle"
        for tok in doc:
            if not in_title(doc, tok):
                break
            if tok.text == ":" and 0 < tok.i <= self.max_title:
                span = doc[0 : tok.i]
                coined = len(span) == 1 or any(self._shape(t.text) for t in span)
                rest = doc.text[doc.user_data.get(TITLE_END, 0) :].lower()
                gerund = len(span) > 1 and span[0].lower_.endswith("ing")  # "Evaluating YOLO Architectures: ..."
                if (
                    not gerund
                    and any(c.isupper() for c in span.text)
                    and all(not t.is_punct or t.text == "-" for t in span)
                    and (coined or span.text.lower() in rest)
                ):
                    add_candidate(doc, 0, tok.i, "title", prop=True)
                break
        # naming cues
        for i, low in enumerate(v.lower):
            if low not in self.name_verbs and low not in self.propose_verbs:
                continue
            tok = doc[i]
            if low in self.name_verbs:
                if low == "named" and tok.i + 1 < n and doc[tok.i + 1].lower_ in ("entity", "entities"):
                    continue
                sent_start = v.sent(i)[0]
                self._after_cue(doc, tok.i + 1, skip=6, prop=author_subject(v.lower[sent_start:i]), cue="named")
            elif low in self.propose_verbs and tok.i > 0 and v.lower[i - 1] not in _ADJECTIVAL_BEFORE:
                self._after_cue(doc, tok.i + 1, skip=3, prop=True, cue="propose")
        return doc

    def _versioned_names(self, doc: Doc) -> None:
        """ "Gemini 3.1 Pro", "Claude 3.5 Sonnet", "Qwen 2.5": a known Method name, a version number (with a
        dot, or followed by a variant word) and optional capitalized variant words form one model name."""
        v = view(doc)
        n = len(doc)
        for c in list(candidates(doc)):
            e = c["e"]
            if c["src"] != "lexicon" or c["type"] != "Method" or e + 1 > n or not _VERSION_NUM.match(v.text[e] if e < n else ""):
                continue
            if v.sent_id[e] != v.sent_id[c["s"]]:
                continue
            j = e + 1
            while j < n and v.text[j][:1].isupper() and v.lower[j] in self.variant_words:
                j += 1
            if j == e + 1 and "." not in v.text[e]:
                continue  # "BERT 12" is not a version, "Llama 3.1" is
            if j < n and v.text[j] in ("%", "x", "×"):
                continue
            add_candidate(doc, c["s"], j, "shape", type="Method", prio=5)

    def _capitalized_runs(self, doc: Doc) -> None:
        """Mid-sentence Title-Case runs in the abstract ("Gradient Origin Networks", "Universal Dependencies").

        A run of two words or more becomes a ``caprun`` candidate (a Method unless context says otherwise);
        a single capitalized word becomes a ``capword`` candidate that survives only if a context cue types
        it ("the Digits and PACS datasets"). "Mizar corpus": a capitalized word before a dataset head word
        is a Dataset including the head.
        """
        n = len(doc)
        v = view(doc)
        title_end = doc.user_data.get(TITLE_END, 0)
        i = 0
        while i < n:
            text = v.text[i]
            if v.sent_start[i] or not is_capitalized_word(text) or text in self.stop or self._before_split_suffix(doc, i) or (
                self._adjective(text) and not self._capital_next(doc, i)
            ):
                i += 1
                continue
            tok = doc[i]
            if tok.idx < title_end:
                i += 1
                continue
            j = i + 1
            while j < n and (
                (is_capitalized_word(v.text[j]) or self._shape(v.text[j]))
                and not v.sent_start[j]
                or v.lower[j] in ("of", "with") and j + 1 < n and is_capitalized_word(v.text[j + 1])
            ):
                j += 1
            if j - i >= 2 and j < n and v.lower[j] in self.method_heads and v.text[j].islower():
                j += 1  # "Approximate Nearest Neighbors search"
            if j - i >= 2:
                last = doc[j - 1].lower_
                add_candidate(doc, i, j, "caprun", type="Dataset" if last in self.dataset_heads else None)
            elif j < n and doc[j].lower_ in self.dataset_heads and doc[j].lower_ not in ("dataset", "datasets", "benchmarks"):
                add_candidate(doc, i, j + 1, "caprun", type="Dataset")
            elif not self._shape(text):
                add_candidate(doc, i, j, "capword")
            i = j

    def _after_cue(self, doc: Doc, i: int, skip: int, prop: bool, cue: str) -> None:
        n = len(doc)
        j = i
        while j < n and j - i <= skip:
            tok = doc[j]
            if tok.text in _QUOTES:
                j += 1
                continue
            if tok.is_punct or tok.is_space or view(doc).sent_start[j] and j > i:
                return
            if self._namelike(tok):
                end = self._run(doc, j)
                if end > j:
                    add_candidate(doc, j, end, "named", prop=prop, cue=cue)
                return
            if tok.text[:1].isupper() and not self._namelike(tok):
                return
            j += 1
