"""Component ``kg_merge``: resolve overlapping candidates and merge mentions into one entity per thing.

1. Candidates inside a generic phrase ("neural networks") are dropped, and so is any acronym group whose
   long form is generic ("Large Language Model (LLM)").
2. Overlaps are resolved greedily by rule precedence (``common.PRIORITY``), then length; candidates with
   the same extent pool their information (type, canonical name, proposed flag, acronym group).
3. Mentions join one entity when they share an acronym group, a lexicon canonical name, or a folded form
   (case, hyphens, spaces, plural "s"), or when one is a sized/versioned variant of another
   ("M-VAR-d32" of "M-VAR", "GPT-J-6B" of "GPT-J").
The result is a list of plain entity dicts in ``doc.user_data["kg.entities"]``.
"""

from __future__ import annotations

import re
import unicodedata

from spacy.tokens import Doc

from .acronyms import ACRONYMS
from .common import BLOCKED, candidates, in_title
from .resources import load_cues

__all__ = ["EntityMerger", "fold", "ENTITIES"]

ENTITIES = "kg.entities"

_BASE_CONF = {"caprun": 0.55, "capword": 0.4, "lexicon": 0.85, "acronym": 0.8, "named": 0.8, "title": 0.75, "shape": 0.55, "phrase": 0.45}
_VARIANT_TAIL = re.compile(r"^[-_ ]?(?:[A-Za-z]{0,3}\d[\w.]*)(?:-[\w.]+)*$")


def fold(text: str) -> str:
    """Key under which surface variants collapse: NFKC, lower case, no spaces/hyphens, singular."""
    s = unicodedata.normalize("NFKC", text).lower()
    s = re.sub(r"[\s\-_‐–—/]+", "", s)
    s = re.sub(r"[^\w@%.+]", "", s)
    if len(s) > 3 and s.endswith("s") and not s.endswith("ss"):
        s = s[:-1]
    return s


class _Union:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


class EntityMerger:
    """Turn candidates into entities (see the module docstring)."""

    def __init__(self, name: str = "kg_merge") -> None:
        self.name = name
        self.stop = load_cues()["shape_stop"]
        self.name_heads = load_cues()["name_heads"]

    def _resolve(self, doc: Doc) -> list[dict]:
        cands = candidates(doc)
        blocked = {tuple(b) for b in doc.user_data.get(BLOCKED, [])}
        blocked_tokens = set()
        for s, e in blocked:
            blocked_tokens.update(range(s, e))
        bad_groups = {c["group"] for c in cands if c["group"] is not None and (c["s"], c["e"]) in blocked}
        kept: list[dict] = []
        by_extent: dict[tuple[int, int], dict] = {}
        taken: set[int] = set()
        order = sorted(cands, key=lambda c: (-c["prio"], -(c["e"] - c["s"]), c["s"]))
        for c in order:
            if c.get("drop"):
                continue
            ext = (c["s"], c["e"])
            if c["group"] is not None and c["group"] in bad_groups:
                continue
            if ext in blocked or (c["src"] in ("phrase", "shape") and set(range(*ext)) <= blocked_tokens):
                continue
            if ext in by_extent:
                k = by_extent[ext]
                k["type"] = k["type"] or c["type"]
                k["canon"] = k["canon"] or c["canon"]
                k["prop"] = k["prop"] or c["prop"]
                k["group"] = k["group"] if k["group"] is not None else c["group"]
                k["srcs"].add(c["src"])
                continue
            if any(i in taken for i in range(*ext)):
                continue
            k = dict(c, srcs={c["src"]})
            by_extent[ext] = k
            kept.append(k)
            taken.update(range(*ext))
        kept.sort(key=lambda c: c["s"])
        return kept

    def __call__(self, doc: Doc) -> Doc:
        kept = self._resolve(doc)
        n = len(kept)
        uf = _Union(n)
        first_by: dict[tuple[str, object], int] = {}
        texts = [doc[c["s"] : c["e"]].text for c in kept]
        for i, c in enumerate(kept):
            keys = [("fold", fold(texts[i]))]
            if c["group"] is not None:
                keys.append(("group", c["group"]))
            if c["canon"]:
                keys.append(("canon", c["type"], c["canon"]))
            for key in keys:
                if key in first_by:
                    uf.join(first_by[key], i)
                else:
                    first_by[key] = i
        # sized/versioned variants: "M-VAR-d32" -> "M-VAR"
        bases = {texts[i]: i for i, c in enumerate(kept) if c["src"] != "phrase"}
        for i, t in enumerate(texts):
            if kept[i]["src"] in ("phrase",) or kept[i]["canon"]:
                continue
            for cut in [m.start() for m in re.finditer(r"[-_]", t)]:
                base, tail = t[:cut], t[cut:]
                if base in bases and bases[base] != i and _VARIANT_TAIL.match(tail):
                    uf.join(bases[base], i)
                    break
        groups: dict[int, list[int]] = {}
        for i in range(n):
            groups.setdefault(uf.find(i), []).append(i)
        entities = [self._entity(doc, [kept[i] for i in idx], [texts[i] for i in idx]) for idx in groups.values()]
        doc.user_data[ENTITIES] = [e for e in entities if e is not None]
        return doc

    def _entity(self, doc: Doc, members: list[dict], texts: list[str]) -> dict | None:
        long_forms = {d["long"] for d in doc.user_data.get(ACRONYMS, [])}
        if any(t in long_forms for t in texts):
            # the paper defines this acronym itself: a lexicon hit on the bare short form ("TVR") names
            # something else, so its type and canonical name do not apply
            for c, t in zip(members, texts):
                if "lexicon" in c["srcs"] and t not in long_forms and c["e"] - c["s"] == 1 and t.isupper():
                    c["srcs"] = c["srcs"] - {"lexicon"} or {"acronym"}
                    c["canon"] = None
                    c["type"] = None if c["src"] == "lexicon" or c["cue"] is None else c["type"]
        type_ = None
        for src in ("lexicon", "acronym", "named", "title", "caprun", "shape", "phrase", "capword"):
            for c in members:
                if c["type"] and src in c["srcs"] and (src != "acronym" or c["cue"] != "list"):
                    type_ = c["type"]
                    break
            if type_:
                break
        if type_ is None:
            type_ = next((c["type"] for c in members if c["type"]), "Method")
        srcs = set().union(*(c["srcs"] for c in members))
        if type_ == "Task" and "lexicon" in srcs and any(c["prop"] for c in members) and srcs & {"acronym", "title", "named"}:
            type_ = "Method"  # the authors introduce it by name: their method, whatever a lexicon says
        if srcs <= {"capword", "caprun"} and not any(c["type"] for c in members) and not any(c["prop"] for c in members):
            # a Title-Case run is a name only when context types it or its head word names a kind of method
            heads = {doc[c["e"] - 1].lower_ for c in members if c["src"] == "caprun"}
            if not heads & self.name_heads:
                return None
        if (
            srcs == {"phrase"}
            and type_ == "Task"
            and len(members) == 1
            and not members[0]["cue"]
            and not in_title(doc, doc[members[0]["s"]])
        ):
            return None  # a lone common-noun phrase with no task cue is too often not a task
        if srcs == {"shape"} and all(t in self.stop for t in texts):
            return None
        canon = next((c["canon"] for c in members if c["canon"]), None)
        if canon is None:
            longs = [t for t in texts if t in long_forms]
            counts: dict[str, int] = {}
            for t in texts:
                counts[t] = counts.get(t, 0) + 1
            canon = max(longs, key=len) if longs else min(counts, key=lambda t: (-counts[t], texts.index(t)))
        mentions: list[str] = []
        for t in texts:
            if t not in mentions:
                mentions.append(t)
        conf = max(_BASE_CONF.get(s, 0.4) for s in srcs)
        conf += 0.05 * (len(srcs) - 1) + 0.03 * min(3, len(texts) - 1)
        if any(c["cue"] for c in members):
            conf += 0.05
        role = None
        if type_ in ("Method", "Dataset"):
            role = "proposed" if any(c["prop"] for c in members) else "used"
        return {
            "type": type_,
            "name": canon,
            "mentions": mentions,
            "role": role,
            "confidence": round(min(0.99, conf), 3),
            "spans": [[c["s"], c["e"]] for c in members],
            "srcs": sorted(srcs),
        }
