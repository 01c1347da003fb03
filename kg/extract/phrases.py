"""Component ``kg_phrases``: lower-case noun phrases named by their head word.

Many tasks and methods are common-noun phrases ("link prediction", "center loss", "memory replay"). Without
a tagger we find them from a list of head words (``task_heads``, ``method_heads``, ``metric_heads`` in
``patterns/cues.json``) plus up to ``noun_phrase_max_modifiers`` modifier words to the left, stopping at
function words, generic adjectives and verbs (``modifier_stop``). The type is decided from the head and,
when a head fits both Task and Method ("regression", "search"), from the words around the phrase.
"""

from __future__ import annotations

from spacy.tokens import Doc, Token

from .common import add_candidate, in_title, is_number, view
from .refine import Adjectival
from .resources import load_cues

__all__ = ["HeadPhrases"]


class HeadPhrases:
    """Add Task/Method/Metric candidates for modifier+head phrases."""

    def __init__(self, name: str = "kg_phrases") -> None:
        self.name = name
        c = load_cues()
        self.task_heads = c["task_heads"]
        self.method_heads = c["method_heads"]
        self.metric_heads = c["metric_heads"]
        self.weak_task = c["weak_task_heads"]
        self.bare_task = c["bare_task_heads"]
        self.generic_method = c["generic_method_heads"]
        self.stop = c["modifier_stop"]
        self.task_mod_stop = c["task_modifier_stop"]
        self.method_before = c["method_context_before"]
        self.task_before = c["task_context_before"]
        self.task_after = c["task_context_after"]
        self.task_cue_before = c["task_cue_before"]
        self.default_method = c["both_heads_default_method"]
        self.param_words = c["param_words"]
        self.param_modifiers = c["param_modifiers"]
        self.param_cues = c["param_quantity_cues"]
        self.param_canon = c.text.get("param_canonical", "number of parameters")
        self.max_mods = c.numbers.get("noun_phrase_max_modifiers", 3)
        self.suffix_ok = c["modifier_suffix_ok"]
        self.suffix_bad = tuple(c["modifier_suffix_bad"])
        self.compound_heads = c["task_strong_modifier_heads"]
        self.bad_tails = c["bad_modifier_tails"]
        self.adjectival = Adjectival(c)
        self.name_heads = c["name_heads"] | c["method_heads"]

    def _head_of(self, low: str) -> str:
        if low in self.task_heads or low in self.method_heads or low in self.metric_heads:
            return low
        if "-" in low:
            tail = low.rsplit("-", 1)[1]
            if tail in self.compound_heads or tail in self.method_heads and tail not in self.generic_method:
                return tail
        return ""

    def _modifier_ok(self, tok: Token, title: bool) -> bool:
        text = tok.text
        if tok.is_space or tok.is_punct or tok.like_num or is_number(text) or tok.lower_ in self.stop:
            return False
        if not any(c.isalpha() for c in text) or any(c in text for c in "()[]{}=$\\/:@") or text[0] in "-_.":
            return False
        low = tok.lower_
        tail = low.rsplit("-", 1)[-1]
        if tail != low and tail in self.bad_tails:
            return False  # "Parameter-Efficient", "Training-Free": how, not what
        if low not in self.suffix_ok and tail not in self.suffix_ok and low.endswith(self.suffix_bad) and not low.endswith(("ss", "us", "is", "ics")):
            if not (low.endswith("s") and (tok.is_upper or low[:-1] in self.suffix_ok)):
                return False
        if not title and text[:1].isupper() and not view(tok.doc).sent_start[tok.i] and text[1:].islower():
            return False  # a capitalized word mid-sentence belongs to a name, handled elsewhere
        return True

    def _type(self, doc: Doc, start: int, end: int, head: str, n_mods: int, compound: bool) -> str | None:
        is_task = head in self.task_heads
        is_method = head in self.method_heads
        before = doc[start - 1].lower_ if start > 0 else ""
        after = doc[end].lower_ if end < len(doc) else ""
        if n_mods == 0 and not compound and head not in self.bare_task:
            return None
        if is_task and is_method:
            if after in self.task_after or before in self.task_before and head not in self.default_method:
                return "Task"
            if before in self.method_before or head in self.default_method:
                return "Method"
            return "Task"
        if is_task:
            if n_mods == 0 and not compound and head not in self.bare_task:
                return None
            if head in self.weak_task and n_mods == 0 and not compound:
                return None
            return "Task"
        if is_method:
            if n_mods == 0 and not compound:
                return None
            if head in self.generic_method and n_mods < 1:
                return None
            return "Method"
        if head in self.metric_heads and (n_mods or compound):
            return "Metric"
        return None

    def _parameter_counts(self, doc: Doc) -> None:
        """ "fewer parameters", "half the trainable parameters", "number of parameters": parameter count as a
        Metric (only when a quantity or comparison word is close, so "the parameters of the model" is not)."""
        v = view(doc)
        for i, low in enumerate(v.lower):
            if low not in self.param_words:
                continue
            start = i
            if i > 0 and v.lower[i - 1] in self.param_modifiers:
                start = i - 1
            lo = max(v.sent(i)[0], start - 3)
            window = v.lower[lo:start]
            if not any(w in self.param_cues or w.endswith(("%", "x")) and w[:1].isdigit() for w in window):
                continue
            if start >= 2 and v.lower[start - 2 : start] == ["number", "of"]:
                start -= 2
            add_candidate(doc, start, i + 1, "phrase", type="Metric", canon=self.param_canon, cue="quantity")

    def _start(self, doc: Doc, i: int, title: bool) -> int:
        """Start of the modifier run before the head token `i` (within its sentence, at most max_mods)."""
        start = i
        sent_start = view(doc).sent(i)[0]
        while start > sent_start and i - start < self.max_mods and self._modifier_ok(doc[start - 1], title):
            start -= 1
        return start

    def __call__(self, doc: Doc) -> Doc:
        self._parameter_counts(doc)
        v = view(doc)
        for i, low in enumerate(v.lower):
            head = self._head_of(low)
            if not head:
                continue
            tok = doc[i]
            compound = head != low
            title = in_title(doc, tok)
            if title and head in self.weak_task and i + 1 < len(doc) and v.text[i + 1][:1].isupper() and v.lower[i + 1] in self.name_heads:
                continue  # "Multi-View Reasoning Distillation": the head modifies a method name
            start = self._start(doc, i, title)
            # drop leading modifiers that cannot begin a task name ("learning", "data" ...)
            while start < tok.i and doc[start].lower_ in self.task_mod_stop and head in self.task_heads:
                start += 1
            n_mods = tok.i - start
            type_ = self._type(doc, start, tok.i + 1, head, n_mods, compound)
            if type_ is None:
                continue
            if type_ == "Method" and n_mods and start > v.sent(i)[0] and self.adjectival(doc[start - 1]):
                start -= 1  # "windowed causal attention": a participle/adjective the task-oriented stop list drops
            before = doc[start - 1].lower_ if start > 0 else ""
            after = doc[tok.i + 1].lower_ if tok.i + 1 < len(doc) else ""
            ctx = after in self.task_after or before in self.task_cue_before
            add_candidate(doc, start, tok.i + 1, "phrase", type=type_, cue="context" if ctx else None)
        return doc
