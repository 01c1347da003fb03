"""Component ``kg_typer``: give an entity type to candidates the lexicon did not type, from context cues.

Cues, strongest first (word lists in ``patterns/cues.json``):
- the name carries ``@`` + a cut-off (``nDCG@10``, ``Recall@k``; not a team "DS@GT") or is followed by
  "score", or follows "in terms of", or follows a reported value ("1.78 FID"; not a version: "Gemini 3.1 Pro")
  -> Metric;
- followed by a dataset head ("X dataset", "X benchmark") -> Dataset;
- an acronym whose long form ends in a dataset/metric/task head word -> that type;
- evaluation context "on X" / "across X" -> Dataset;
- a versioned/sized variant of a known model or dataset takes its type ("CIFAR-10.1", "Llama-3.1-8B"),
  a metric at a cut-off too ("mAP75");
- coordination: untyped names in a list ("on MNIST, CIFAR-10 and SVHN") take the type of a typed member.
Candidates left untyped become Methods when entities are merged.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc

from .acronyms import ACRONYMS
from .common import candidates, is_number, view
from .resources import lexicon_prefix, load_cues

__all__ = ["ContextTyper"]

_ON_BLOCKERS = frozenset(
    "based build built relies rely relying extend extends extending depend depends depending focus focuses focusing conditioned builds building "
    "work works working operate operates operating act acts run runs running rests draw draws drawing "
    "improve improves improving".split()
)
_AT_CUTOFF = re.compile(r"@(?:\d|[kKnN]\b|[kKnN]$)")
_METRIC_CUTOFF = re.compile(r"^[A-Za-z@_]\d+(?:\.\d+)?$")
_LIST_GLUE = frozenset({",", "and", "or", "/", ";", "as", "well", "&", "vs.", "versus"})


class ContextTyper:
    """Type untyped candidates from the words around them (see the module docstring)."""

    def __init__(self, name: str = "kg_typer") -> None:
        self.name = name
        c = load_cues()
        self.dataset_heads = c["dataset_heads"]
        self.metric_after = c["metric_after"]
        self.metric_heads = c["metric_heads"]
        self.task_heads = c["task_heads"]
        self.strong_task_heads = c["task_strong_modifier_heads"]
        self.method_heads = c["method_heads"]
        self.preps = c["dataset_preps"]
        self.metric_context = c["metric_context"]
        self.metric_block_before = c["metric_block_before"]
        self.name_heads = c["name_heads"] - c["dataset_heads"]
        self.dataset_suffixes = tuple(sorted(c["dataset_name_suffixes"]))
        self.subtitle_window = c.numbers.get("subtitle_dataset_window", 8)
        self.ambiguous_metrics = c["ambiguous_metrics"]

    def _long_form_type(self, doc: Doc, cand: dict) -> str | None:
        first = doc[cand["s"]].lower_
        if first in self.dataset_heads and cand["e"] - cand["s"] > 2 and doc[cand["s"] + 1].lower_ in ("of", "for"):
            return "Dataset"  # "Dataset of Parasitoid Wasps ... (DAPWH)", "Benchmark for ..."
        last = doc[cand["e"] - 1].lower_
        last = last.rsplit("-", 1)[-1]
        if last.endswith("s") and last[:-1] in self.dataset_heads:
            last = last[:-1]
        if last in self.dataset_heads:
            return "Dataset"
        if last in self.metric_heads and last not in self.method_heads:
            return "Metric"
        if last in ("index", "distance", "coefficient", "measure", "metric"):
            return "Metric"
        if last in self.strong_task_heads:
            return "Task"
        return None

    def _cue_type(self, doc: Doc, cand: dict) -> str | None:
        s, e = cand["s"], cand["e"]
        text = doc[s:e].text
        if _AT_CUTOFF.search(text):
            return "Metric"  # "nDCG@10", "Recall@k", "mAP@0.5", but not a team name "DS@GT"
        nxt = doc[e].lower_ if e < len(doc) else ""
        prev = doc[s - 1].lower_ if s > 0 else ""
        if nxt in self.metric_after:
            return "Metric"
        if s >= 3 and [t.lower_ for t in doc[s - 3 : s]] == ["in", "terms", "of"]:
            return "Metric"
        if s > 0 and is_number(doc[s - 1].text) and any(ch in doc[s - 1].text for ch in ".%") and not (
            s >= 2 and doc[s - 2].text[:1].isupper() and not doc[s - 2].is_sent_start
        ):
            return "Metric"  # "1.78 FID", but not the version in "Gemini 3.1 Pro"
        if nxt in self.dataset_heads or (nxt in ("data",) and e + 1 < len(doc) and doc[e + 1].lower_ == "set"):
            return "Dataset"
        if self._after_dataset_list_head(doc, s):
            return "Dataset"
        if e + 1 < len(doc) and doc[e + 1].lower_ in self.dataset_heads and not doc[e].is_punct and doc[e].lower_ not in self.dataset_heads:
            return "Dataset"
        if prev in self.preps and cand["src"] in ("shape", "named", "acronym", "caprun", "capword"):
            pp = doc[s - 2].lower_ if s > 1 else ""
            if pp not in _ON_BLOCKERS and nxt not in self.method_heads:
                return "Dataset"
        return None

    def _after_dataset_list_head(self, doc: Doc, s: int) -> bool:
        """True when a dataset head introduces a list the name is in: "benchmarks, including X", "datasets (X, Y)"."""
        sent_start = view(doc).sent(s)[0]
        for j in range(s - 1, max(sent_start, s - 10) - 1, -1):
            low = doc[j].lower_
            if low in (".", ";"):
                return False
            if low in self.dataset_heads and low.endswith(("s", "a")) and j + 1 < s:
                nxt = doc[j + 1].lower_
                if nxt == ",":
                    return j + 2 == s  # "benchmarks, X, Y and Z" but not "benchmarks, with ..., X"
                return nxt in ("including", "such", "like", "(", ":", "namely", "e.g.")
        return False

    def _dataset_name(self, doc: Doc, cand: dict) -> bool:
        """ "SAS-Bench", "NovelHopQA": a benchmark-style suffix; "BASKET: A Large-Scale Video Dataset for ...":
        a title name whose subtitle is headed by a dataset word."""
        text = doc[cand["s"] : cand["e"]].text
        if len(text) > 4 and text.endswith(self.dataset_suffixes) and not text.endswith(tuple(s.lower() for s in self.dataset_suffixes)):
            return True
        if cand["src"] != "title":
            return False
        j = cand["e"]
        if j < len(doc) and doc[j].text == ":":
            for k in range(j + 1, min(len(doc), j + 1 + self.subtitle_window)):
                low = doc[k].lower_
                if low in ("for", "of", "with", "via", "to", "and", ":", "on", "in", "system", "systems", "approach") or low in self.name_heads:
                    return False
                if low in self.dataset_heads or low in ("suite", "testbed"):
                    return True
        return False

    def _near_value(self, doc: Doc, cand: dict, window: int = 6) -> bool:
        """True when a reported value is within `window` tokens of the candidate, or "in terms of" precedes it."""
        v = view(doc)
        s, e = cand["s"], cand["e"]
        if s >= 3 and v.lower[s - 3 : s] == ["in", "terms", "of"]:
            return True
        lo, hi = v.sent(s)
        for i in list(range(max(lo, s - window), s)) + list(range(e, min(hi, e + window))):
            text = v.text[i]
            if any(ch.isdigit() for ch in text) and is_number(text) or text in ("fewer", "less", "half", "lower", "higher", "reduction"):
                return True
        return False

    def _metric_context(self, doc: Doc, cand: dict) -> bool:
        """True when the sentence reports or compares results (a value, "in terms of", "achieves" ...)."""
        v = view(doc)
        start, end = v.sent(cand["s"])
        for text, low in zip(v.text[start:end], v.lower[start:end]):
            if low in self.metric_context:
                return True
            if any(ch.isdigit() for ch in text) and is_number(text) and any(ch in text for ch in ".%x"):
                return True
        return False

    def __call__(self, doc: Doc) -> Doc:
        cands = candidates(doc)
        for cand in cands:
            if cand["type"] != "Metric" or cand["src"] not in ("phrase", "lexicon"):
                continue
            text = doc[cand["s"] : cand["e"]].text
            if cand["src"] == "lexicon" and not (
                text.islower() and (text in self.ambiguous_metrics or text.split()[-1] in self.ambiguous_metrics)
            ):
                continue
            before = doc[cand["s"] - 1].lower_ if cand["s"] > 0 else ""
            if before in self.metric_block_before or text.split()[0].lower() in self.metric_block_before:
                cand["drop"] = True  # "mixed precision", "associative recall", "GPU memory"
            elif not (self._near_value(doc, cand) if cand["src"] == "phrase" else self._metric_context(doc, cand)):
                cand["drop"] = True
        defs = doc.user_data.get(ACRONYMS, [])
        long_texts = {d["long"] for d in defs}
        for cand in cands:
            if cand["type"] is not None or cand["src"] == "phrase":
                continue
            cue = self._cue_type(doc, cand)
            if cue is None and cand["src"] == "acronym" and doc[cand["s"]:cand["e"]].text in long_texts:
                cue = self._long_form_type(doc, cand)
            if cue is None and cand["src"] in ("title", "shape", "named", "caprun") and self._dataset_name(doc, cand):
                cue = "Dataset"
            if cue is None and cand["src"] in ("shape", "named"):
                # a versioned/sized variant of a known model or dataset takes its type: "CIFAR-10.1", "Llama-3.1-8B"
                text = doc[cand["s"] : cand["e"]].text
                hit = lexicon_prefix(text)
                cue = hit[0] if hit is not None and hit[0] in ("Method", "Dataset") else None
                if hit is not None and hit[0] == "Metric" and _METRIC_CUTOFF.match(text[len(text.rstrip("0123456789.")) - 1 :]):
                    cue = "Metric"  # "mAP75", "AP50": a metric at a cut-off
            if cue is None and cand["src"] == "title" and cand["e"] - cand["s"] > 1:
                last = doc[cand["e"] - 1].lower_
                cue = "Task" if last in self.task_heads and last not in self.method_heads else None
            if cue is not None:
                cand["type"] = cue
                cand["cue"] = cand["cue"] or "context"
        self._propagate_lists(doc, cands)
        return doc

    def _propagate_lists(self, doc: Doc, cands: list[dict]) -> None:
        named = sorted((c for c in cands if c["src"] != "phrase"), key=lambda c: (c["s"], -c["e"]))
        chains: list[list[dict]] = []
        for cand in named:
            if chains:
                last = chains[-1][-1]
                between = doc[last["e"] : cand["s"]]
                if cand["s"] >= last["e"] and len(between) <= 3 and len(between) >= 1 and all(
                    t.lower_ in _LIST_GLUE for t in between
                ):
                    chains[-1].append(cand)
                    continue
                if cand["s"] < last["e"]:
                    continue
            chains.append([cand])
        for chain in chains:
            if len(chain) < 2:
                continue
            glue = {t.lower_ for a, b in zip(chain, chain[1:]) for t in doc[a["e"] : b["s"]]}
            if not glue & {"and", "or", "&"} and len(chain) < 3:
                continue
            types = [c["type"] for c in chain if c["type"] in ("Dataset", "Method", "Metric")]
            if not types:
                continue
            best = max(dict.fromkeys(types), key=types.count)  # a tie goes to the first in the list, not to set order
            for c in chain:
                if c["type"] is None:
                    c["type"] = best
                    c["cue"] = c["cue"] or "list"
