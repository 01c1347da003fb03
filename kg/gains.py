"""Is a stated value a change ("improves by 3.2%", "a 39% reduction", "+2.05%") rather than a score?

One test for the extractor (which marks such results ``relative``) and the leaderboards (which rank only
absolute scores), on plain lower-case words so that neither needs the other's machinery.
"""

from __future__ import annotations

import re
from typing import Sequence

__all__ = ["is_relative", "words"]

#: a change word right after the value: "39% reduction", "2x faster", "3.1 points higher"
CHANGE_AFTER = frozenset({
    "improvement", "improvements", "gain", "gains", "increase", "reduction", "decrease", "drop", "higher", "lower",
    "better", "faster", "fewer", "less", "more", "speedup", "boost", "relative", "absolute", "smaller", "larger",
})
#: verbs that make "by <value>" a change: "improves accuracy by 3.2%", "reducing FLOPs by 40%"
CHANGE_VERBS = frozenset({
    "improves", "improving", "improved", "improve", "outperforms", "outperforming", "outperform", "surpasses",
    "surpassing", "boosts", "boosting", "boost", "reduces", "reducing", "reduced", "reduce", "increases",
    "increasing", "increased", "lowers", "lowering", "exceeds", "exceeding", "decreasing", "decreases", "cuts",
    "cutting", "advances", "beats", "beating", "enhances", "enhancing", "gains",
})
_UNIT_WORDS = frozenset({"points", "point", "pp", "percentage", "%", "x", "×", "db"})
#: change nouns before "of" or "by" and the value: "improvements of 3.10%", "a gain of 2.1 points"
_CHANGE_NOUNS = frozenset({"improvement", "improvements", "gain", "gains", "increase", "increases", "reduction",
                           "reductions", "decrease", "boost", "drop", "margin"})
#: words after which the next word is not a metric name between value and change word
_NOT_METRIC = frozenset({"and", "or", ",", ";", "on", "in", "with", "of", "for", "at", "to", "(", ")", "than"})
_WORD = re.compile(r"[\w.@%×+\-]+|[^\w\s]")


def words(text: str) -> list[str]:
    """Lower-case words and punctuation of `text`, as ``is_relative`` reads them."""
    return _WORD.findall(text.lower())


def is_relative(before: Sequence[str], value: str, after: Sequence[str]) -> bool:
    """True when `value` (as written) with the words `before` it and `after` it in its sentence (lower case,
    in text order) states a change: signed; followed by a change word (after a unit word or a metric name: "3
    points higher", "1% mAP drop"); after a change noun and "of" ("improvements of 3.1%"); or after "by" with a
    changing verb earlier in the sentence.

    >>> is_relative(["improves", "accuracy", "by"], "3.2%", ["on", "x"]), is_relative([], "+2.05%", [])
    (True, True)
    >>> is_relative(["reaches"], "85.2%", ["accuracy"]), is_relative(["a"], "39%", ["reduction", "in", "mse"])
    (False, True)
    >>> is_relative(["only", "a"], "1%", ["map", "drop"]), is_relative(["reaches"], "85.2%", ["accuracy", "on"])
    (True, False)
    """
    if value[:1] in "+-−" and len(value) > 1:
        return True
    rest = list(after[:3])
    while rest and rest[0] in _UNIT_WORDS:
        rest.pop(0)
    if rest and rest[0] in CHANGE_AFTER:
        return True
    if len(rest) > 1 and rest[1] in CHANGE_AFTER and (rest[0] in ("in", "of") or rest[0] not in _NOT_METRIC):
        return True  # "39% in reduction", "1% mAP drop", "2.8 nDCG@10 improvement"
    if len(before) > 1 and before[-1] in ("of", "by") and before[-2] in _CHANGE_NOUNS:
        return True
    last = before[-3:]
    if "by" in last[-2:]:
        return any(w in CHANGE_VERBS for w in before[-12:])
    return False
