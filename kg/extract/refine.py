"""Component ``kg_refine``: more specific Task and Method phrases than the head-word and lexicon rules find.

Runs after ``kg_phrases`` and adds candidates (word lists in ``patterns/cues.json``):
- specialized tasks: a lexicon task with modifiers that make it more specific wins over the lexicon match
  ("continual domain adaptation", "few-shot meta learning", "image information retrieval");
- specialized methods: "windowed causal attention" over "causal attention", "Transformer decoder" over
  "Transformer", "CTC loss";
- title tasks: heads too vague in prose, anchored by a preposition and the end of the title clause
  ("Deep Sequence Models for Premise Selection");
- listed tasks: members of a list a task noun introduces ("downstream tasks including image in-painting,
  out-painting, and editing").
Why: a curated lexicon names the common task/method, while papers name the specific one; the gold standard
and the graph want the specific name, and these patterns are general English, not keyed to any paper.
"""

from __future__ import annotations

from spacy.tokens import Doc, Token

from .common import add_candidate, candidates, in_title, view
from .resources import Cues, load_cues

__all__ = ["Adjectival", "PhraseRefiner"]


class Adjectival:
    """Test for a lower-case modifier with an adjective ending that can specialize a method name."""

    def __init__(self, c: Cues) -> None:
        self.stop = c["modifier_stop"]
        self.adjective_suffixes = tuple(sorted(c["adjective_suffixes"]))
        self.participle_openers = c["participle_openers"]
        self.verbs = c["propose_verbs"] | c["name_verbs"] | c["dataset_verbs_before_on"]

    def __call__(self, tok: Token) -> bool:
        """A lower-case content word with an adjective ending ("windowed", "generative", "dynamic")."""
        low = tok.lower_
        if low.endswith("ed") and "-" not in low:
            # a participle only after a determiner/preposition: "the windowed ...", not "has received ..."
            prev = tok.doc[tok.i - 1].lower_ if tok.i > 0 else ""
            if prev not in self.participle_openers:
                return False
        return (
            tok.text.islower() and tok.text[0].isalpha() and low.replace("-", "").isalpha() and not tok.is_stop and low not in self.stop
            and low not in self.verbs and low.endswith(self.adjective_suffixes)
        )



class PhraseRefiner:
    """Add specialized, title and listed Task/Method candidates (see the module docstring)."""

    def __init__(self, name: str = "kg_refine") -> None:
        self.name = name
        c = load_cues()
        self.stop = c["modifier_stop"]
        self.bare_task = c["bare_task_heads"]
        self.task_mod_stop = c["task_modifier_stop"]
        self.max_mods = c.numbers.get("noun_phrase_max_modifiers", 3)
        self.specializers = c["task_specializers"]
        self.specializer_prefixes = c["task_specializer_prefixes"]
        self.method_spec_heads = c["method_specialize_heads"]
        self.method_after_heads = c["method_after_heads"]
        self.list_nouns = c["task_list_nouns"]
        self.list_openers = c["task_list_openers"]
        self.list_glue = c["task_list_glue"]
        self.nominal_suffixes = tuple(sorted(c["task_nominal_suffixes"]))
        self.title_heads = c["title_task_heads"]
        self.title_preps = c["title_task_preps"]
        self.title_clause_end = c["title_clause_end"]
        self.adjectival = Adjectival(c)

    def __call__(self, doc: Doc) -> Doc:
        self._title_tasks(doc)
        self._specialized_tasks(doc)
        self._specialized_methods(doc)
        self._listed_tasks(doc)
        return doc

    def _title_end_after(self, doc: Doc, i: int) -> bool:
        """True when token `i` ends the title or the title clause ("... for Premise Selection", "...: ...")."""
        j = i + 1
        return j >= len(doc) or doc[j].is_space or not in_title(doc, doc[j]) or doc[j].lower_ in self.title_clause_end

    def _title_tasks(self, doc: Doc) -> None:
        """Title tasks with heads that are too vague in prose: "Deep Sequence Models for Premise Selection",
        "Few-shot learning for automated content analysis" (a prep before, the clause ending after)."""
        v = view(doc)
        for i, low in enumerate(v.lower):
            if not in_title(doc, doc[i]):
                break
            if low not in self.title_heads or not self._title_end_after(doc, i):
                continue
            # anchored by the preposition, so the modifiers only need to be content words
            start = i
            while start > 0 and i - start < self.max_mods and v.lower[start - 1] not in self.title_preps:
                t = doc[start - 1]
                if t.is_stop or t.is_punct or not t.text.replace("-", "").isalpha() or t.lower_ in self.task_mod_stop:
                    break
                start -= 1
            if start == i or start == 0 or v.lower[start - 1] not in self.title_preps:
                continue
            add_candidate(doc, start, i + 1, "phrase", type="Task", cue="context")

    def _item_is_task(self, doc: Doc, s: int, e: int) -> bool:
        """A list member is a task: lower-case content words ending in a nominal suffix ("image expansion",
        "in/out-painting"), or a bare task head alone ("segmentation")."""
        if e - s > self.max_mods + 1:
            return False
        for t in doc[s:e]:
            if t.text == "/" or t.i + 1 < e and doc[t.i + 1].text == "/":
                continue  # "in/out-painting": a slash alternative
            if t.is_stop or not t.text.replace("-", "").replace("/", "").isalpha() or not t.text.islower():
                return False
        last = doc[e - 1].lower_.rsplit("-", 1)[-1]
        if e - s == 1 or doc[s:e].text.count("/") and " " not in doc[s:e].text:  # one word: a bare task head, or a compound such as "out-painting"
            one = doc[s:e].text.lower()
            return last in self.bare_task or one in self.bare_task or "-" in one and last.endswith(self.nominal_suffixes)
        return last.endswith(self.nominal_suffixes) and last not in self.stop

    def _listed_tasks(self, doc: Doc) -> None:
        """ "downstream tasks including image in-painting, out-painting, and editing": the members of a list that
        a task noun introduces ("tasks such as", "problems like", "tasks (e.g., ...)") are Tasks."""
        v = view(doc)
        n = len(doc)
        for i, low in enumerate(v.lower):
            if low not in self.list_nouns:
                continue
            j, opened = i + 1, False
            while j < n and j - i <= 4 and (v.lower[j] in self.list_openers or v.lower[j] in self.list_glue):
                opened = opened or v.lower[j] in self.list_openers
                j += 1
            if not opened:
                continue
            hi = v.sent(i)[1]
            while j < hi:
                k = j
                while k < hi and v.lower[k] not in (",", "and", "or", ")", ";", ".", "etc", "etc."):
                    k += 1
                if k == j or not self._item_is_task(doc, j, k):
                    break
                add_candidate(doc, j, k, "phrase", type="Task", cue="context")
                while k < hi and v.lower[k] in (",", "and", "or"):
                    k += 1
                if k < hi and v.lower[k] in (")", ";", ".", "etc", "etc."):
                    break
                j = k

    def _specialized_methods(self, doc: Doc) -> None:
        """ "windowed causal attention" over the lexicon's "causal attention", "Transformer decoder" over
        "Transformer": a lexicon Method with extra lower-case modifiers before it, or a lower-case head noun right
        after it (``method_specialize_heads``), names a more specific method."""
        cands = candidates(doc)
        lex_tokens = {i for c in cands if c["src"] == "lexicon" for i in range(c["s"], c["e"])}
        v = view(doc)
        n = len(doc)
        for c in [c for c in cands if c["src"] == "lexicon" and c["type"] == "Method"]:
            s, e = c["s"], c["e"]
            if v.lower[e - 1] in self.method_spec_heads:
                lo = v.sent(s)[0]
                while s > lo and c["s"] - s < 2 and s - 1 not in lex_tokens and self.adjectival(doc[s - 1]):
                    s -= 1
            named = any(ch.isupper() for ch in doc[c["s"] : c["e"]].text)  # "Transformer decoder", not "probing loss"
            if named and e < n and v.text[e].islower() and v.lower[e] in self.method_after_heads and e not in lex_tokens:
                e += 1
            if (s, e) != (c["s"], c["e"]):
                add_candidate(doc, s, e, "phrase", type="Method", cue="context", prio=5)

    def _specialized_tasks(self, doc: Doc) -> None:
        """ "continual domain adaptation" over the lexicon's "domain adaptation": walk back from each lexicon
        Task over modifiers that specialize it (``task_specializers``, or hyphenated words with a
        ``task_specializer_prefixes`` start: "few-shot", "class-conditional"; never another entity) and add the
        longer phrase, which outranks the lexicon match."""
        cands = candidates(doc)
        lex_tokens = {i for c in cands if c["src"] == "lexicon" for i in range(c["s"], c["e"])}
        v = view(doc)
        for c in [c for c in cands if c["src"] == "lexicon" and c["type"] == "Task"]:
            k, lo = c["s"], v.sent(c["s"])[0]
            title = in_title(doc, doc[k])
            while k > lo and c["s"] - k < self.max_mods:
                t = doc[k - 1]
                low = t.lower_
                hyphened = "-" in low.strip("-") and low.split("-", 1)[0] in self.specializer_prefixes
                if k - 1 in lex_tokens or not (low in self.specializers or hyphened):
                    break
                if not title and t.text[:1].isupper() and not v.sent_start[k - 1] and not low[:1].isdigit():
                    break  # a capitalized word mid-sentence belongs to a name
                k -= 1
            if k < c["s"]:
                add_candidate(doc, k, c["e"], "phrase", type="Task", cue="context", prio=5)
