"""Component ``kg_acronyms``: acronym definitions, linking a short form and its long form into one entity.

Finds "Long Form (SF)" with the Schwartz-Hearst algorithm (Schwartz & Hearst, PSB 2003): the letters of
the short form must appear, in order, in the words before the parenthesis, the first one at a word start.
Also accepts the reverse "SF (Long Form)". Every later use of either form in the paper joins the same
group, so "Mixture-of-Transformers (MoT) ... MoT" becomes one entity with both mentions.
"""

from __future__ import annotations

from spacy.tokens import Doc

from .common import add_candidate, view

__all__ = ["AcronymLinker", "schwartz_hearst"]

ACRONYMS = "kg.acronyms"

#: a long form never starts with one of these
_FUNCTION_WORDS = frozenset(
    "a an the this that these those our their its we they it of for in on to and or with by from as at via is are".split()
)


def schwartz_hearst(short: str, long: str) -> str | None:
    """Return the shortest suffix of `long` whose letters cover `short` (Schwartz-Hearst), or None.

    >>> schwartz_hearst("MoT", "we introduce Mixture-of-Transformers")
    'Mixture-of-Transformers'
    """
    s_idx, l_idx = len(short) - 1, len(long) - 1
    while s_idx >= 0:
        c = short[s_idx].lower()
        if not c.isalnum():
            s_idx -= 1
            continue
        while (l_idx >= 0 and long[l_idx].lower() != c) or (
            s_idx == 0 and l_idx > 0 and long[l_idx - 1].isalnum()
        ):
            l_idx -= 1
        if l_idx < 0:
            return None
        l_idx -= 1
        s_idx -= 1
    start = max(long.rfind(" ", 0, l_idx + 1), long.rfind("\n", 0, l_idx + 1)) + 1
    return long[start:]


def _short_ok(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return (
        2 <= len(text) <= 14
        and text[0].isalnum()
        and len(letters) >= 2
        and any(c.isupper() for c in letters)
        and " " not in text
    )


class AcronymLinker:
    """Add linked candidates for each acronym definition and for every later use of its forms."""

    def __init__(self, name: str = "kg_acronyms", max_extra_words: int = 5) -> None:
        self.name = name
        self.max_extra_words = max_extra_words
        self.stop = _FUNCTION_WORDS

    def _long_span(self, doc: Doc, short: str, end: int) -> tuple[int, int] | None:
        """Token range of the long form ending at token `end` (exclusive) for `short`, or None."""
        n_letters = sum(1 for c in short if c.isalnum())
        window = min(n_letters + self.max_extra_words, 2 * n_letters)
        start = end
        sent_start = view(doc).sent(end - 1)[0] if end > 0 else 0
        while start > max(sent_start, end - window) and doc[start - 1].text not in "()[];:,." and not doc[start - 1].is_space:
            start -= 1
        if start >= end:
            return None
        base = doc[start].idx
        text = doc[start:end].text  # (Doc.text joins every token: never slice it in a loop)
        found = schwartz_hearst(short, text)
        if found is None and short.endswith("s") and len(short) > 2:
            found = schwartz_hearst(short[:-1], text)
        if not found:
            return None
        char = base + len(text) - len(found)
        for i in range(start, end):
            if doc[i].idx == char:
                if doc[i].lower_ in self.stop:
                    return None
                return i, end
        return None

    def __call__(self, doc: Doc) -> Doc:
        groups: dict[str, int] = {}
        longs: dict[tuple[str, ...], int] = {}
        defs: list[dict] = []
        v = view(doc)
        for i, text in enumerate(v.text):
            if text != "(" or i + 2 >= len(doc):
                continue
            tok = doc[i]
            inner = doc[tok.i + 1]
            close = doc[tok.i + 2]
            if close.text in (")", ";", ",") and _short_ok(inner.text):
                span = self._long_span(doc, inner.text, tok.i)
                if span and span[1] - span[0] >= 1 and doc[span[0]:span[1]].text != inner.text:
                    g = groups.setdefault(inner.text, len(defs))
                    if g == len(defs):
                        defs.append({"group": g, "short": inner.text, "long": doc[span[0]:span[1]].text})
                    longs.setdefault(tuple(t.lower_ for t in doc[span[0]:span[1]]), g)
                    continue
            # reverse form: "SF (Long Form)"
            prev = doc[tok.i - 1] if tok.i > 0 else None
            j = tok.i + 1
            while j < len(doc) and j - tok.i <= 10 and doc[j].text not in (")", "("):
                j += 1
            if prev is None or j >= len(doc) or doc[j].text != ")" or j - tok.i < 3 or not _short_ok(prev.text):
                continue
            inner_text = doc[tok.i + 1 : j].text
            found = schwartz_hearst(prev.text, inner_text)
            if found == inner_text and inner_text[0].lower() == prev.text[0].lower():
                g = groups.setdefault(prev.text, len(defs))
                if g == len(defs):
                    defs.append({"group": g, "short": prev.text, "long": inner_text})
                longs.setdefault(tuple(t.lower_ for t in doc[tok.i + 1 : j]), g)
        if not defs:
            return doc
        doc.user_data[ACRONYMS] = defs
        for i, text in enumerate(v.text):
            g = groups.get(text)
            if g is None and text.endswith("s"):
                g = groups.get(text[:-1])
            if g is not None:
                add_candidate(doc, i, i + 1, "acronym", group=g)
        lowers = v.lower
        for form, g in longs.items():
            n = len(form)
            first = form[0]
            for i, low in enumerate(lowers):
                if low == first and tuple(lowers[i : i + n]) == form:
                    add_candidate(doc, i, i + n, "acronym", group=g)
                elif n >= 1 and low == first and tuple(lowers[i : i + n - 1]) == form[:-1] and lowers[i + n - 1 : i + n] == [form[-1] + "s"]:
                    add_candidate(doc, i, i + n, "acronym", group=g)
        return doc
