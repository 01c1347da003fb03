"""Component ``kg_roles``: flag candidates the paper itself proposes.

A candidate is "proposed" when a naming rule already said so (title "Name:", "called X"), when it follows
"our" (optionally "our proposed/new X"), or when it is the first coined name after a proposing verb whose
subject is the authors ("we propose", "this paper introduces", "in this work, we present"); "the proposed X"
is an adjective, not a proposing verb. Everything else
a paper names is "used". Roles apply to Methods and Datasets only (decided when entities are merged).
"""

from __future__ import annotations

from spacy.tokens import Doc

from .common import author_subject, candidates, view
from .resources import load_cues

__all__ = ["RoleCues"]

#: words that end the clause a proposing verb governs ("we propose X, which outperforms Y")
_CLAUSE_END = frozenset({"which", "that", "than", "outperforms", "outperform", "outperforming", "over", "against", "compared", "versus", "vs.", "unlike", "surpasses", "surpassing", "beats", "improves", "improving", ";"})
#: a proposing verb after these is used as an adjective ("the proposed method", "a designed prompt")
_ADJECTIVAL_BEFORE = frozenset({"the", "a", "an", "this", "these", "those", "our", "its", "their", "newly"})
_OUR_SKIP = frozenset({"proposed", "new", "novel", "own", "final", "resulting", "largest", "best", "model", "method", "approach", "framework", ",", "called", "named", "dubbed"})


class RoleCues:
    """Set ``prop`` on candidates introduced by the authors."""

    def __init__(self, name: str = "kg_roles", window: int = 14) -> None:
        self.name = name
        self.window = window
        c = load_cues()
        self.verbs = c["propose_verbs"]
        self.name_verbs = c["name_verbs"]

    def __call__(self, doc: Doc) -> Doc:
        cands = candidates(doc)
        if not cands:
            return doc
        by_start: dict[int, list[dict]] = {}
        for c in cands:
            by_start.setdefault(c["s"], []).append(c)
        v = view(doc)
        for i, low in enumerate(v.lower):
            if low not in ("our", "ours") and low not in self.verbs and low not in self.name_verbs:
                continue
            tok = doc[i]
            if low in ("our", "ours"):
                j = tok.i + 1
                while j < len(doc) and j - tok.i <= 4:
                    if j in by_start:
                        for c in by_start[j]:
                            if c["src"] != "phrase":
                                c["prop"] = True
                        break
                    if v.lower[j] not in _OUR_SKIP:
                        break
                    j += 1
            if low in self.verbs and i > 0 and v.lower[i - 1] in _ADJECTIVAL_BEFORE:
                continue  # "the proposed methods on ResNet-50": an adjective, not the authors introducing a name
            if low in self.verbs or low in self.name_verbs:
                sent_start, sent_end = v.sent(i)
                if not author_subject(v.lower[sent_start:i]):
                    continue
                first = True
                for j in range(tok.i + 1, min(len(doc), tok.i + self.window, sent_end)):
                    if v.lower[j] in _CLAUSE_END:
                        break
                    for c in by_start.get(j, []):
                        if c["src"] in ("acronym", "named", "shape", "title", "caprun", "capword"):
                            c["prop"] = True  # every new name the authors introduce in this clause
                            first = False
                        elif c["src"] == "phrase" and c["type"] == "Method" and first and j - tok.i <= 5:
                            c["prop"] = True  # "we propose a novel anchor loss"
                            first = False
        return doc
