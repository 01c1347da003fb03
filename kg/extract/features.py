"""Features of a candidate span for the learned decision: what the rules know, the span's shape, its context.

Each candidate becomes a list of feature strings (a sparse binary vector): the rule sources and type hints,
the rules' own decision, lexicon hits, cue phrases, acronym links, casing and shape, word suffixes
(-Net, -Bench, -Former), the words inside and around the span (two each side by position, three more each side
as a bag; numbers collapsed to one symbol), title and sentence position, whether the sentence reports a number,
how often the same form recurs in the paper and whether the rules took it as an entity elsewhere in it, and how
often corpus-large uses the phrase and its head word in task-like and measure-like contexts
(``scripts/mine_phrase_stats.py``), and the word clusters (``scripts/train_word_clusters.py``: k-means over
word vectors trained on corpus-large) of the span's words and of the words around it. Nothing here names an
annotated entity: the weights of these features are what training learns.
"""

from __future__ import annotations

import re
from functools import lru_cache

from spacy.tokens import Doc

from .acronyms import ACRONYMS
from .candidates import Candidate
from .common import TITLE_END, is_number, view
from .merge import fold
from .resources import lexicon_lookup, lexicon_prefix, phrase_stats, word_clusters

__all__ = ["shape", "candidate_features", "cluster_features", "doc_features", "surface_features", "CLUSTER_SLOTS"]

_UPPER = re.compile(r"[A-Z]+")
_LOWER = re.compile(r"[a-z]+")
_DIGIT = re.compile(r"[0-9]+")


def shape(text: str) -> str:
    """Collapsed character shape: "ResNet-50" -> "XxXx-d", "BLEU" -> "X", "image" -> "x"."""
    s = _DIGIT.sub("d", _LOWER.sub("x", _UPPER.sub("X", text)))
    return s[:12]


def _bucket(n: int, edges: tuple[int, ...]) -> str:
    for edge in edges:
        if n <= edge:
            return str(edge)
    return f">{edges[-1]}"


def doc_features(doc: Doc, cands: list[Candidate]) -> list[list[str]]:
    """The feature strings of every candidate of one processed Doc (same order as `cands`)."""
    v = view(doc)
    n = len(v.text)
    title_end = doc.user_data.get(TITLE_END, 0)
    colon = next((i for i, t in enumerate(v.text) if t == ":" and doc[i].idx < title_end), None)
    longs = {d["long"] for d in doc.user_data.get(ACRONYMS, [])}
    shorts = {d["short"] for d in doc.user_data.get(ACRONYMS, [])}
    counts: dict[str, int] = {}
    ruled: dict[str, str] = {}
    folds = []
    for c in cands:
        f = fold(c["text"])
        folds.append(f)
        counts[f] = counts.get(f, 0) + 1
        if c["rule_type"]:
            ruled.setdefault(f, c["rule_type"])
    # how many rule candidates cover each token (a span inside another rule span is "overlapped")
    covering: dict[int, int] = {}
    for c in cands:
        if c["kind"] == "rule":
            for i in range(c["s"], c["e"]):
                covering[i] = covering.get(i, 0) + 1
    ctx = [_context_word(w) for w in v.lower]
    levels, table = word_clusters()
    cl = [table.get(w) for w in ctx]
    numbered = {v.sent_id[i] for i, w in enumerate(ctx) if w == "<num>"}
    out = []
    for c, f in zip(cands, folds):
        fs = candidate_features(v.text, v.lower, n, c, counts[f], colon, longs, shorts, covering, ctx)
        s, e = c["s"], c["e"]
        fs += [f"wl={ctx[i]}" for i in range(max(0, s - 5), s - 2)]  # the words a little further out
        fs += [f"wr={ctx[i]}" for i in range(e + 2, min(n, e + 5))]
        fs += cluster_features(cl, s, e, levels)
        if v.sent_id[s] in numbered:
            fs.append("sent_value")  # the sentence reports a number
        same = ruled.get(f)
        if same and not c["rule_type"]:
            fs.append(f"same_rule={same}")  # the same form is a rule entity elsewhere in the paper
        out.append(fs)
    return out


#: the cluster features of a candidate: slot -> indices of the granularities used (chosen by 5-fold CV)
CLUSTER_SLOTS: dict[str, tuple[int, ...]] = {
    "first": (0, 1, 2), "last": (0, 1, 2), "p1": (0, 1, 2), "n1": (0, 1, 2), "p2": (0, 1), "n2": (0, 1),
    "wl": (0, 1), "wr": (0, 1),
}


#: where each slot reads: token offsets (lo, hi) as (side, offset) pairs, side 0 the span's start s, 1 its end e
_SLOT_RANGES: dict[str, tuple[int, int, int, int]] = {
    "first": (0, 0, 0, 1), "last": (1, -1, 1, 0), "p1": (0, -1, 0, 0), "n1": (1, 0, 1, 1), "p2": (0, -2, 0, -1),
    "n2": (1, 1, 1, 2), "mid": (0, 1, 1, -1), "wl": (0, -5, 0, -2), "wr": (1, 2, 1, 5),
}
#: (slot, granularities, a word's cluster ids, levels) -> its feature strings, formatted once (bounded: cleared
#: when full, about 15 MB)
_SLOT_STRINGS: dict[tuple, tuple[str, ...]] = {}
_SLOT_STRINGS_MAX = 50_000


def cluster_features(
    cl: list[tuple[int, ...] | None], s: int, e: int, levels: tuple[int, ...],
    slots: dict[str, tuple[int, ...]] | None = None,
) -> list[str]:
    """Word-cluster features of the span [s, e) given each token's cluster ids (None: a word not clustered):
    its first and last words, one and two words each side, and a bag of the next three words further out."""
    slots = CLUSTER_SLOTS if slots is None else slots
    n = len(cl)
    ends = (s, e)
    out: list[str] = []
    for slot, used in slots.items():
        side_lo, lo, side_hi, hi = _SLOT_RANGES[slot]
        for i in range(max(ends[side_lo] + lo, 0), min(ends[side_hi] + hi, n)):
            ids = cl[i]
            key = (slot, used, ids, levels)
            strings = _SLOT_STRINGS.get(key)
            if strings is None:
                if len(_SLOT_STRINGS) >= _SLOT_STRINGS_MAX:
                    _SLOT_STRINGS.clear()
                strings = (f"c_{slot}=?",) if ids is None else tuple(f"c{levels[k]}_{slot}={ids[k]}" for k in used)
                _SLOT_STRINGS[key] = strings
            out += strings
    return list(dict.fromkeys(out))  # a bag counts a cluster once, as training sees it


def _context_word(low: str) -> str:
    """A context word as a feature: numbers collapse to one symbol, so "of 0.91" and "of 12.5" are alike."""
    return "<num>" if is_number(low) else low


@lru_cache(maxsize=1 << 16)
def surface_features(span: str, words: tuple[str, ...]) -> tuple[str, ...]:
    """The features of a span's own text (shape, words, suffixes, lexicon hits), cached by surface."""
    lows = [w.lower() for w in words]
    feats = [f"ntok={min(len(words), 6)}", f"nchar={_bucket(len(span), (2, 3, 5, 8, 14, 25))}"]
    hit = lexicon_lookup(span)
    if hit is not None:
        feats.append(f"lex={hit[0]}")
    else:
        pre = lexicon_prefix(span)
        if pre is not None:
            feats.append(f"lexpre={pre[0]}")
        last_hit = lexicon_lookup(words[-1]) if len(words) > 1 else None
        if last_hit is not None:
            feats.append(f"lexlast={last_hit[0]}")
    feats.append(f"shape={shape(span)}")
    feats.append(f"whole={span.lower()}")
    feats.append(f"first={lows[0]}")
    last = lows[-1]
    feats.append(f"last={last}")
    feats.append(f"suf3={last[-3:]}")
    feats.append(f"suf4={last[-4:]}")
    feats.append(f"wshape_last={shape(words[-1])}")
    feats.append(f"wshape_first={shape(words[0])}")
    for w in lows[1:-1]:
        feats.append(f"mid={w}")
    caps = [w[:1].isupper() for w in words]
    feats.append("case=" + ("allcap" if all(w.isupper() for w in words) else "title" if all(caps) else
                            "lower" if not any(caps) else "mixed"))
    if any(ch.isdigit() for ch in span):
        feats.append("digit")
    if "-" in span:
        feats.append("hyphen")
    feats += _stats_features("ps", " ".join(lows))
    if len(lows) > 1:
        feats += _stats_features("psh", last)
    return tuple(feats)


_STATS_FIELDS = ("task", "for", "metric")


def _stats_features(prefix: str, phrase: str) -> list[str]:
    """How often corpus-large uses `phrase` in task-like, "for"-, and measure-like contexts (bucketed counts
    and rates; ``scripts/mine_phrase_stats.py``)."""
    row = phrase_stats().get(phrase)
    if row is None:
        return [f"{prefix}=unseen"]
    occ = max(row[0], 1)
    out = [f"{prefix}_occ={_bucket(occ, (2, 9, 99))}"]
    for name, hits in zip(_STATS_FIELDS, row[1:]):
        if hits:
            out.append(f"{prefix}_{name}={_bucket(hits, (2, 9, 99))}")
            out.append(f"{prefix}_{name}_r={_bucket(int(100 * hits / occ), (1, 4, 14, 39))}")
    return out


def candidate_features(
    text: list[str],
    lower: list[str],
    n: int,
    c: Candidate,
    count: int,
    colon: int | None,
    longs: set[str],
    shorts: set[str],
    covering: dict[int, int],
    ctx: list[str] | None = None,
) -> list[str]:
    """Feature strings of one candidate (see the module docstring)."""
    s, e = c["s"], c["e"]
    span = c["text"]
    ctx = ctx if ctx is not None else [_context_word(w) for w in lower]
    kind = c["kind"]
    feats = ["bias", f"kind={kind}"]
    feats += surface_features(span, tuple(text[s:e]))
    srcs = sorted(c["srcs"])
    feats += [f"src={x}" for x in srcs]
    feats.append("srcs=" + "+".join(srcs))
    feats += [f"hint={h}" for h in sorted(c["hints"])]
    feats += [f"cue={x}" for x in sorted(c["cues"])]
    rule = c["rule_type"] or "none"
    feats.append(f"rule={rule}")
    if c["rule_role"]:
        feats.append(f"rrole={c['rule_role']}")
    for flag in ("prop", "dropped", "blocked", "rejected", "title"):
        if c[flag]:
            feats.append(flag)
    if c["group"] is not None:
        feats.append("acro_group")
    if span in longs:
        feats.append("acro_long")
    if span in shorts:
        feats.append("acro_short")
    if c["canon"]:
        feats.append("canon")
    if colon is not None and e <= colon:
        feats.append("title_name" if e == colon else "before_colon")
    feats.append(f"count={_bucket(count, (1, 2, 4))}")
    last = lower[e - 1]
    p1 = ctx[s - 1] if s > 0 else "<s>"
    p2 = ctx[s - 2] if s > 1 else "<s>"
    n1 = ctx[e] if e < n else "</s>"
    n2 = ctx[e + 1] if e + 1 < n else "</s>"
    feats += [f"p1={p1}", f"p2={p2}", f"n1={n1}", f"n2={n2}", f"p2p1={p2}_{p1}", f"n1n2={n1}_{n2}"]
    feats.append(f"p1_last={p1}_{last}")
    feats.append(f"rule_last={rule}_{last}")
    feats.append(f"kind_rule={kind}_{rule}")
    feats.append(f"rule_shape={rule}_{shape(span)}")
    if any(covering.get(i, 0) > 1 for i in range(s, e)):
        feats.append("overlapped")
    return feats
