"""Shared helpers of the rule components: candidate records kept on the Doc, and token shape tests.

Components talk to each other through plain, msgpack-serializable data in ``doc.user_data`` so that docs
processed in worker processes (``nlp.pipe(n_process=N)``) come back with everything intact:

- ``kg.cands``: list of candidate dicts ``{s, e, type, canon, src, prio, prop, group, cue}`` where ``s``/``e``
  are token offsets, ``type`` an entity type or None (decided later), ``canon`` a canonical name from a
  lexicon, ``src`` the rule that found it, ``prio`` its precedence in overlap resolution, ``prop`` whether
  a "proposed" cue fired on it, ``group`` an acronym-link id.
- ``kg.blocked``: token ranges of generic phrases that must not become entities.
- ``kg.title_end``: character offset where the title ends (the abstract starts after ``FIELD_SEP``).
"""

from __future__ import annotations

import re
from typing import Any

from spacy.tokens import Doc, Span, Token

__all__ = [
    "FIELD_SEP",
    "CANDS",
    "BLOCKED",
    "TITLE_END",
    "add_candidate",
    "candidates",
    "is_name_shape",
    "is_capitalized_word",
    "is_number",
    "in_title",
]

FIELD_SEP = "\n\n"
CANDS = "kg.cands"
BLOCKED = "kg.blocked"
TITLE_END = "kg.title_end"

#: precedence of each source when candidate spans overlap (higher wins)
PRIORITY: dict[str, int] = {
    "acronym": 6, "named": 6, "title": 5, "lexicon": 4, "caprun": 3, "shape": 3, "phrase": 2, "capword": 1,
}

_NUMBER = re.compile(r"^[~≈<>]?[+-]?\d+(?:[.,]\d+)*(?:\\?%|x|×|times|X)?$")
_HAS_DIGIT = re.compile(r"\d")
_LETTERS = re.compile(r"[A-Za-z]")


def add_candidate(doc: Doc, start: int, end: int, src: str, **info: Any) -> dict:
    """Record a candidate entity span ``doc[start:end]`` found by rule `src` and return its record."""
    cand = {
        "s": start,
        "e": end,
        "type": info.get("type"),
        "canon": info.get("canon"),
        "src": src,
        "prio": info.get("prio", PRIORITY.get(src, 1)),
        "prop": bool(info.get("prop", False)),
        "group": info.get("group"),
        "cue": info.get("cue"),
    }
    doc.user_data.setdefault(CANDS, []).append(cand)
    return cand


def candidates(doc: Doc) -> list[dict]:
    """The candidate records found so far (a live list)."""
    return doc.user_data.setdefault(CANDS, [])


def in_title(doc: Doc, token_or_span: Token | Span) -> bool:
    """True when the token/span lies in the title part of the doc."""
    idx = token_or_span.idx if isinstance(token_or_span, Token) else token_or_span.start_char
    return idx < doc.user_data.get(TITLE_END, 0)


def is_number(text: str) -> bool:
    """True for a reported value: ``1.78``, ``44.1%``, ``4.80x``, ``1.28times``, ``~10``."""
    return bool(_NUMBER.match(text))


def is_capitalized_word(text: str) -> bool:
    """True for ``Polyhistor``-like words: a capital then lower case (capitals only after hyphens)."""
    if len(text) < 2 or not text[0].isupper() or not text[1:].replace("-", "").isalpha():
        return False
    return all(c.islower() or c == "-" or (c.isupper() and text[k] == "-") for k, c in enumerate(text[1:]))


def is_name_shape(text: str, stop: frozenset[str]) -> bool:
    """True when a token looks like a coined name on its own: ``BERT``, ``DiT``, ``LlamaGen``, ``ResNet-50``.

    A name has an upper-case letter that does not start a hyphen-separated part (``LlamaGen``, ``M-VAR``,
    ``nDCG``), or is all capitals with two letters or more (``MNIST``), or mixes capitals and digits
    (``GPT-3``). Title-cased words (``Decoupled``, ``High-Quality``) and listed stop tokens are not names.
    """
    if text in stop or len(text) < 2 or len(_LETTERS.findall(text)) < 2:
        return False
    if not text[0].isalnum() or not text[-1].isalnum() and text[-1] not in "+":
        return False
    if any(ch in text for ch in "\\{}$=<>|()[]") or "://" in text or text.lower().startswith("www."):
        return False
    if re.search(r"\+\w", text):  # "OPT+epsilon", "a+b"; "GSM++" is fine
        return False
    parts = text.split("-")
    if len(parts) > 1 and all(p in stop or p.islower() or not p for p in parts):
        return False  # "human-AI", "non-LLM": only generic capitals
    letters = [c for c in text if c.isalpha()]
    if text[0].isdigit() and len(letters) < 3:
        return False  # sizes and ranges: "7B-13B", "3D"
    if all(c.isupper() for c in letters):
        # all caps (digits allowed): MNIST, GPT-3, VAR; exclude plain sizes like "7B", "128K"
        return sum(1 for c in letters) >= 2 or not _HAS_DIGIT.search(text)
    for part in re.split(r"[-_/]", text):
        if any(c.isupper() for c in part[1:]):
            return True
    # a lower-case start with capitals later was handled above; Title-case plus digits: "Llama2", "Qwen2.5"
    return bool(_HAS_DIGIT.search(text)) and text[0].isupper() and not text[:1].isdigit()


VIEW = "kg.view"

_AUTHOR_WORDS = frozenset({"we", "our", "us", "resulting", "proposed", "here"})
_AUTHOR_NOUNS = frozenset({"paper", "work", "study", "article", "letter", "report", "thesis"})


def author_subject(lowers: list[str]) -> bool:
    """True when the words (lower case) contain an author cue: "we", "our", "this paper", "the resulting"."""
    for k, w in enumerate(lowers):
        if w in _AUTHOR_WORDS:
            return True
        if w == "this" and k + 1 < len(lowers) and lowers[k + 1] in _AUTHOR_NOUNS:
            return True
    return False


class TokenView:
    """Plain per-token arrays of one Doc (text, lower case, sentence bounds), built once per Doc.

    Iterating a spaCy Doc creates a Token object per step; the rule components look at every token several
    times, so they share these lists instead (kept in ``doc.user_data`` until ``kg_results`` drops them).
    """

    __slots__ = ("text", "lower", "sent_id", "bounds", "sent_start")

    def __init__(self, doc: Doc) -> None:
        self.text: list[str] = [t.text for t in doc]
        self.lower: list[str] = [s.lower() for s in self.text]
        self.bounds: list[tuple[int, int]] = [(s.start, s.end) for s in doc.sents] if len(doc) else []
        self.sent_id: list[int] = [0] * len(doc)
        self.sent_start: list[bool] = [False] * len(doc)
        for k, (s, e) in enumerate(self.bounds):
            self.sent_start[s] = True
            for i in range(s, e):
                self.sent_id[i] = k

    def sent(self, i: int) -> tuple[int, int]:
        """(start, end) token offsets of the sentence holding token `i`."""
        return self.bounds[self.sent_id[i]]


def view(doc: Doc) -> TokenView:
    """The shared TokenView of `doc` (built on first use, after sentence boundaries are final)."""
    v = doc.user_data.get(VIEW)
    if not isinstance(v, TokenView):
        v = TokenView(doc)
        doc.user_data[VIEW] = v
    return v
