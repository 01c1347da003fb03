"""High-recall candidate spans for the learned decision (``kg_decide``).

The rule components propose spans (``kg.cands``) and ``kg_merge`` keeps some of them as entities. Here every
distinct extent the rules proposed is pooled into one record (all sources, type hints, cues), marked with what
the rules decided about it, and joined by boundary variants: the span grown by up to three words to the left or
two to the right, and shrunk by up to two words on the left or one on the right, within the sentence and never
across punctuation or function words. The variants let a learned model pick the right extent among overlapping
candidates ("Visual Attention" vs "Instruction-Aligned Visual Attention"). Phrase candidates (``phrase_spans``)
add the noun-phrase-like spans the rules never propose, where most missed Tasks and Metrics are: the last two or
three words of every run of content words ("object discovery", "Foveated Rendering" in a title), and the words
next to a reported value ("53% computational savings", "average power by up to 53%").
"""

from __future__ import annotations

from bisect import bisect_left

from spacy.attrs import IDX
from spacy.tokens import Doc

from .common import BLOCKED, TITLE_END, candidates, is_number, view
from .merge import ENTITIES
from .resources import not_name_regex

__all__ = ["Candidate", "pooled_candidates", "FUNCTION_WORDS"]

#: English function words (closed-class): a grown span never takes one of these at its edge
FUNCTION_WORDS = frozenset(
    """a an the this that these those our their its his her my your we they it he she i you us them
    of for in on to and or nor but with by from as at via into onto over under than then so such
    is are was were be been being has have had do does did can could may might will would shall should must
    which who whom whose what when where while whereas if not no all any each both either neither some many
    most more less few other another same own very also only just even about across after against along among
    around before behind below beneath beside between beyond during except inside near off outside per since
    through throughout toward towards upon within without yet however thus therefore hence e.g. i.e. et al
    using based new novel proposed existing recent different various several""".split()
)

#: phrase-run candidates: the last 2..N words of every run of content words (up to one more in the title)
PHRASE_SUFFIXES = 3

#: the fields of a pooled candidate (a plain dict, msgpack-serializable like the rule records)
Candidate = dict


def _word(text: str) -> bool:
    """A token that may sit inside a name: letters/digits, optionally joined by - . + or '."""
    return any(c.isalnum() for c in text) and all(c.isalnum() or c in "-.+'_" for c in text)


def _rule_entities(doc: Doc) -> dict[tuple[int, int], dict]:
    out: dict[tuple[int, int], dict] = {}
    for ent in doc.user_data.get(ENTITIES, []):
        for s, e in ent["spans"]:
            out[(s, e)] = ent
    return out


def pooled_candidates(
    doc: Doc, *, variants: bool = True, max_len: int = 10, phrases: int = PHRASE_SUFFIXES
) -> list[Candidate]:
    """One record per distinct candidate extent (rule spans pooled, plus boundary variants and phrase-run
    suffixes), in text order."""
    v = view(doc)
    starts = doc.to_array([IDX]).tolist() if len(doc) else []  # character offset of every token
    title_chars = doc.user_data.get(TITLE_END, 0)
    chars = doc.text  # built on every access: read once
    pooled: dict[tuple[int, int], Candidate] = {}
    for c in candidates(doc):
        ext = (c["s"], c["e"])
        k = pooled.get(ext)
        if k is None:
            k = pooled[ext] = _record(ext, "rule")
        k["srcs"].add(c["src"])
        if c["type"]:
            k["hints"].add(f"{c['src']}:{c['type']}")
        k["canon"] = k["canon"] or c["canon"]
        k["prop"] = k["prop"] or bool(c["prop"])
        if c["group"] is not None and k["group"] is None:
            k["group"] = c["group"]
        if c["cue"]:
            k["cues"].add(str(c["cue"]))
        if c.get("drop"):
            k["dropped"] = True
    if variants:
        for (s, e) in list(pooled):
            if e - s > max_len:
                continue
            lo, hi = v.sent(s)
            for ns, ne, kind in _variants(v.text, v.lower, s, e, lo, hi):
                if (ns, ne) not in pooled and ne - ns <= max_len:
                    pooled[(ns, ne)] = _record((ns, ne), kind)
    if phrases:
        title_end = bisect_left(starts, title_chars)
        for ns, ne, kind in phrase_spans(v.text, v.lower, v.bounds, title_end, phrases):
            if (ns, ne) not in pooled:
                pooled[(ns, ne)] = _record((ns, ne), kind)
    rules = _rule_entities(doc)
    blocked = {tuple(b) for b in doc.user_data.get(BLOCKED, [])}
    reject = not_name_regex()
    out = []
    for ext in sorted(pooled):
        k = pooled[ext]
        ent = rules.get(ext)
        k["rule_type"] = ent["type"] if ent else None
        k["rule_role"] = ent["role"] if ent else None
        k["blocked"] = ext in blocked
        k["text"] = chars[starts[ext[0]] : starts[ext[1] - 1] + len(v.text[ext[1] - 1])]
        k["rejected"] = bool(reject.search(k["text"]))
        k["title"] = starts[ext[0]] < title_chars
        out.append(k)
    return out


def _content(text: str, low: str) -> bool:
    """A word that may sit inside a noun phrase: a name-like word that is not a function word or a number."""
    return low not in FUNCTION_WORDS and _word(text) and not is_number(text)


#: words between a measure and its value ("accuracy of 0.91", "latency by 30%", "AUC = 0.87")
_VALUE_LINKS = frozenset({"of", "by", "=", ":", "to", "at", "is", "was", "reaches", "reaching", "achieves", "up"})
_QUANTITY = frozenset({"%", "x", "×", "times", "points", "pp"})


def _value(text: str, low: str) -> bool:
    return is_number(text) or low in _QUANTITY


def phrase_spans(
    text: list[str], lower: list[str], bounds: list[tuple[int, int]], title_end: int, longest: int
) -> list[tuple[int, int, str]]:
    """Noun-phrase-like candidates without a tagger, for Task and Metric phrases the rules miss.

    English noun phrases end at their head, so every run of content words (between function words,
    punctuation and sentence ends) gives its last 2..`longest` words (one more in the title, where tasks are
    often named in title case). Measures sit next to their values, so the words just after a number ("53%
    computational savings") or just before "of/by/=" and a number ("average power by up to 53%") give their
    first or last 1..`longest` words. Tokens before `title_end` are the title."""
    out: list[tuple[int, int, str]] = []
    n = len(text)
    content = [_content(text[i], lower[i]) for i in range(n)]
    for lo, hi in bounds:
        i = lo
        while i < hi:
            if not content[i]:
                i += 1
                continue
            j = i
            while j < hi and content[j]:
                j += 1
            top = longest + 1 if i < title_end else longest
            for k in range(2, min(top, j - i) + 1):
                out.append((j - k, j, f"run{k}" if j - k == i else f"suf{k}"))
            i = j
    for i in range(n):
        if not _value(text[i], lower[i]):
            continue
        j = i + 1
        while j < n and _value(text[j], lower[j]):
            j += 1
        k = j
        while k < n and k - j < longest and content[k]:
            k += 1
            out.append((j, k, f"num_after{k - j}"))
        b = i
        while b > 0 and lower[b - 1] in _VALUE_LINKS and i - b < 3:
            b -= 1
        if b < i:
            k = b
            while k > 0 and b - k < longest and content[k - 1]:
                k -= 1
                out.append((k, b, f"num_before{b - k}"))
    return out


def _record(ext: tuple[int, int], kind: str) -> Candidate:
    return {
        "s": ext[0], "e": ext[1], "kind": kind, "srcs": set(), "hints": set(), "canon": None, "prop": False,
        "group": None, "cues": set(), "dropped": False,
    }


def _variants(
    text: list[str], lower: list[str], s: int, e: int, lo: int, hi: int
) -> list[tuple[int, int, str]]:
    """Grown and shrunk extents of ``[s, e)`` inside the sentence ``[lo, hi)``."""
    out: list[tuple[int, int, str]] = []
    ns = s
    for k in range(1, 4):  # grow left
        ns -= 1
        if ns < lo or not _word(text[ns]) or lower[ns] in FUNCTION_WORDS:
            break
        out.append((ns, e, f"L+{k}"))
    ne = e
    for k in range(1, 3):  # grow right
        if ne >= hi or not _word(text[ne]) or lower[ne] in FUNCTION_WORDS:
            break
        ne += 1
        out.append((s, ne, f"R+{k}"))
    for k in range(1, 3):  # shrink left
        if e - (s + k) < 1 or lower[s + k] in FUNCTION_WORDS or not _word(text[s + k]):
            break
        out.append((s + k, e, f"L-{k}"))
    if e - s >= 2 and _word(text[e - 2]) and lower[e - 2] not in FUNCTION_WORDS:  # shrink right
        out.append((s, e - 1, "R-1"))
    return out
