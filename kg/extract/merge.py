"""Component ``kg_merge``: resolve overlapping candidates and merge mentions into one entity per thing.

1. Candidates inside a generic phrase ("neural networks") are dropped, and so is any acronym group whose
   long form is generic ("Large Language Model (LLM)"), and any non-lexicon candidate matching
   ``not_name_patterns`` (arXiv ids, URLs, GPUs/TPUs, LaTeX, model-size words; see ``patterns/cues.json``).
   "CIFAR-10/100" and "ResNet18/50" name two things each and are split into two candidates.
2. Overlaps are resolved greedily by rule precedence (``common.PRIORITY``), then length; candidates with
   the same extent pool their information (type, canonical name, proposed flag, acronym group).
3. Mentions join one entity when they share an acronym group, a lexicon canonical name, or a folded form
   (case, hyphens, spaces, plural "s"), or when one is a sized/versioned variant of another
   ("M-VAR-d32" of "M-VAR", "GPT-J-6B" of "GPT-J").
Task names that are common nouns are lower-cased when they come from a title or a sentence start.
The result is a list of plain entity dicts in ``doc.user_data["kg.entities"]``.
"""

from __future__ import annotations

import re
import unicodedata

from spacy.tokens import Doc

from .acronyms import ACRONYMS
from .common import BLOCKED, candidates, in_title
from .resources import lexicon_lookup, lexicon_prefix, load_cues, not_name_regex

__all__ = ["EntityMerger", "fold", "lower_title_case", "ENTITIES"]

ENTITIES = "kg.entities"

_BASE_CONF = {"caprun": 0.55, "capword": 0.4, "lexicon": 0.85, "acronym": 0.8, "named": 0.8, "title": 0.75, "shape": 0.55, "phrase": 0.45}
#: "CIFAR-10/100", "ResNet18/50": a name ending in a number, a slash and a second number ("ViT-B/16" is not)
_SLASH_PAIR = re.compile(r"^([A-Za-z][\w.-]*?[A-Za-z-])(\d+)/(\d+)$")
_VARIANT_TAIL = re.compile(r"^[-_ ]?(?:[A-Za-z]{0,3}\d[\w.]*)(?:-[\w.]+)*$")


def fold(text: str) -> str:
    """Key under which surface variants collapse: NFKC, lower case, no spaces/hyphens, singular."""
    s = unicodedata.normalize("NFKC", text).lower()
    s = re.sub(r"[\s\-_‐–—/]+", "", s)
    s = re.sub(r"[^\w@%.+]", "", s)
    if len(s) > 3 and s.endswith("s") and not s.endswith("ss"):
        s = s[:-1]
    return s


def lower_title_case(name: str) -> str:
    """Lower-case the Title-Case words of a common-noun name, keeping acronyms and mixed case:
    "Multi-Object Tracking" -> "multi-object tracking", "3D Object Detection" -> "3D object detection"."""
    words = []
    for word in name.split(" "):
        parts = [p.lower() if len(p) > 1 and p[0].isupper() and p[1:].islower() else p for p in word.split("-")]
        words.append("-".join(parts))
    return " ".join(words)


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
        cues = load_cues()
        self.stop = cues["shape_stop"]
        self.name_heads = cues["name_heads"]
        self.reject = not_name_regex()

    def _rejected(self, doc: Doc, c: dict) -> bool:
        """True for a non-lexicon candidate that is never an entity (URL, arXiv id, GPU, LaTeX, size word)."""
        return "lexicon" != c["src"] and bool(self.reject.search(doc[c["s"] : c["e"]].text))

    def _resolve(self, doc: Doc) -> list[dict]:
        cands = candidates(doc)
        blocked = {tuple(b) for b in doc.user_data.get(BLOCKED, [])}
        blocked_tokens = {i for s, e in blocked for i in range(s, e)}
        bad_groups = {c["group"] for c in cands if c["group"] is not None and (c["s"], c["e"]) in blocked}
        # the short form of a generic long form ("remote sensing (RS)") is generic too, whatever rule found it
        bad_extents = {(c["s"], c["e"]) for c in cands if c["group"] in bad_groups and c["src"] == "acronym"}
        kept: list[dict] = []
        by_extent: dict[tuple[int, int], dict] = {}
        taken: set[int] = set()
        order = sorted(cands, key=lambda c: (-c["prio"], -(c["e"] - c["s"]), c["s"]))
        for c in order:
            if c.get("drop") or self._rejected(doc, c):
                continue
            ext = (c["s"], c["e"])
            if c["group"] is not None and c["group"] in bad_groups or ext in bad_extents and c["src"] != "lexicon":
                continue
            quantity = c["cue"] == "quantity"  # "~10% of the trainable parameters": a counted quantity, not prose
            # a phrase made only of generic words is generic ("image encoder", "LLM inference"); a metric phrase,
            # which already needed a reported value nearby, only when inside ONE generic phrase ("OOD robustness")
            if c["src"] in ("phrase", "shape") and c["type"] == "Metric":
                inside = any(bs <= ext[0] and ext[1] <= be for bs, be in blocked)
            else:
                inside = c["src"] in ("phrase", "shape") and set(range(*ext)) <= blocked_tokens
            if not quantity and (ext in blocked or inside):
                continue
            if ext in by_extent:
                k = by_extent[ext]
                k["type"] = k["type"] or c["type"]
                k["canon"] = k["canon"] or c["canon"]
                k["prop"] = k["prop"] or c["prop"]
                k["group"] = k["group"] if k["group"] is not None else c["group"]
                k["cue"] = k["cue"] or c["cue"]
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

    @staticmethod
    def split_slashes(doc: Doc, kept: list[dict]) -> list[dict]:
        """ "CIFAR-10/100" names two things: replace such a one-token candidate by two candidates on the same
        token, named "CIFAR-10" and "CIFAR-100" (lexicon canonical names and types where known)."""
        out: list[dict] = []
        for c in kept:
            m = _SLASH_PAIR.match(doc[c["s"] : c["e"]].text) if c["e"] - c["s"] == 1 else None
            if m is None:
                out.append(c)
                continue
            stem = m.group(1)
            for num in (m.group(2), m.group(3)):
                name = stem + num
                hit = lexicon_lookup(name) or lexicon_lookup(stem.rstrip("-_ ") + num)
                typed = hit or lexicon_prefix(name)
                type_ = typed[0] if typed is not None and typed[0] != "Task" else c["type"]
                # named as written ("ResNet18", "CIFAR-100"); folding joins it with other spellings in the paper
                out.append(dict(c, canon=name, type=type_, split=True))
        return out

    def __call__(self, doc: Doc) -> Doc:
        doc.user_data[ENTITIES] = self.assemble(doc, self.split_slashes(doc, self._resolve(doc)))
        return doc

    def assemble(self, doc: Doc, kept: list[dict], *, learned: bool = False) -> list[dict]:
        """Join non-overlapping candidates `kept` into entities (step 3 of the module docstring).

        With ``learned`` the candidates carry a learned decision (``lprobs``: type -> probability): the
        entity's type is the one with the highest summed probability over its mentions, and the rule filters
        of ``_entity`` (Title-Case runs without a name head, lone phrases without a cue) do not apply.
        """
        n = len(kept)
        uf = _Union(n)
        first_by: dict[tuple[str, object], int] = {}
        texts = [doc[c["s"] : c["e"]].text for c in kept]
        for i, c in enumerate(kept):
            keys = [("fold", fold(c["canon"] if c.get("split") else texts[i]))]
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
        entities = [
            self._entity(doc, [kept[i] for i in idx], [texts[i] for i in idx], learned) for idx in groups.values()
        ]
        return [e for e in entities if e is not None]

    @staticmethod
    def _task_name(doc: Doc, members: list[dict], texts: list[str], name: str) -> str:
        """Common-noun task names in lower case: "Fake News Detection" (a title) -> "fake news detection",
        "Whole-body biometric recognition" (a sentence start) -> "whole-body biometric recognition"."""
        if all(w[:1].isupper() or not w[:1].isalpha() for w in name.split()):
            return lower_title_case(name)
        first = name.split(" ", 1)
        at_start = any(t == name and doc[c["s"]].is_sent_start for c, t in zip(members, texts))
        if at_start and len(first) == 2 and lower_title_case(first[0]) != first[0]:
            return lower_title_case(first[0]) + " " + first[1]
        return name

    def _entity(self, doc: Doc, members: list[dict], texts: list[str], learned: bool = False) -> dict | None:
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
        if learned:
            return self._learned_entity(doc, members, texts, srcs, long_forms)
        if type_ == "Task" and "lexicon" in srcs and any(c["prop"] for c in members if c["src"] in ("title", "named")):
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
        return self._finish(doc, members, texts, srcs, long_forms, type_)

    def _learned_entity(
        self, doc: Doc, members: list[dict], texts: list[str], srcs: set[str], long_forms: set[str]
    ) -> dict:
        totals: dict[str, float] = {}
        for c in members:
            for t, p in c["lprobs"].items():
                totals[t] = totals.get(t, 0.0) + p
        type_ = max(sorted(totals), key=lambda t: totals[t])
        ent = self._finish(doc, members, texts, srcs, long_forms, type_)
        ent["confidence"] = round(min(0.99, max(c["lprobs"].get(type_, 0.0) for c in members)), 3)
        roles = [c["lprop"] for c in members if c.get("lprop") is not None]
        if ent["role"] is not None and roles:
            ent["role"] = "proposed" if max(roles) >= 0.5 else "used"
        return ent

    def _finish(
        self, doc: Doc, members: list[dict], texts: list[str], srcs: set[str], long_forms: set[str], type_: str
    ) -> dict:
        canon = next((c["canon"] for c in members if c["canon"]), None)
        if canon is None:
            longs = [t for t in texts if t in long_forms]
            counts: dict[str, int] = {}
            for t in texts:
                counts[t] = counts.get(t, 0) + 1
            canon = max(longs, key=len) if longs else min(counts, key=lambda t: (-counts[t], texts.index(t)))
            if type_ == "Task":  # also a defined long form: "Retrieval-Augmented Generation (RAG)"
                canon = self._task_name(doc, members, texts, canon)
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
