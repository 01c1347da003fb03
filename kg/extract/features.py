"""Features of a candidate span for the learned decision: what the rules know, the span's shape, its context.

Each candidate becomes a list of feature strings (a sparse binary vector): the rule sources and type hints,
the rules' own decision, lexicon hits, cue phrases, acronym links, casing and shape, word suffixes
(-Net, -Bench, -Former), the words inside and around the span (two each side), title and sentence position,
and how often the same form recurs in the paper. Nothing here names an annotated entity: the weights of these
features are what training learns.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc

from .acronyms import ACRONYMS
from .candidates import Candidate
from .common import TITLE_END, view
from .merge import fold
from .resources import lexicon_lookup, lexicon_prefix

__all__ = ["shape", "candidate_features", "doc_features"]

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
    folds = []
    for c in cands:
        f = fold(c["text"])
        folds.append(f)
        counts[f] = counts.get(f, 0) + 1
    # how many rule candidates cover each token (a span inside another rule span is "overlapped")
    covering: dict[int, int] = {}
    for c in cands:
        if c["kind"] == "rule":
            for i in range(c["s"], c["e"]):
                covering[i] = covering.get(i, 0) + 1
    return [
        candidate_features(v.text, v.lower, n, c, counts[f], colon, longs, shorts, covering)
        for c, f in zip(cands, folds)
    ]


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
) -> list[str]:
    """Feature strings of one candidate (see the module docstring)."""
    s, e = c["s"], c["e"]
    words = text[s:e]
    lows = lower[s:e]
    span = c["text"]
    feats = ["bias", f"kind={c['kind']}", f"ntok={min(e - s, 6)}", f"nchar={_bucket(len(span), (2, 3, 5, 8, 14, 25))}"]
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
    hit = lexicon_lookup(span)
    if hit is not None:
        feats.append(f"lex={hit[0]}")
    else:
        pre = lexicon_prefix(span)
        if pre is not None:
            feats.append(f"lexpre={pre[0]}")
        last_hit = lexicon_lookup(words[-1]) if e - s > 1 else None
        if last_hit is not None:
            feats.append(f"lexlast={last_hit[0]}")
    if colon is not None and e <= colon:
        feats.append("title_name" if e == colon else "before_colon")
    feats.append(f"count={_bucket(count, (1, 2, 4))}")
    feats.append(f"shape={shape(span)}")
    feats.append(f"whole={span.lower()}")
    feats.append(f"first={lows[0]}")
    feats.append(f"last={lows[-1]}")
    last = lows[-1]
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
    p1 = lower[s - 1] if s > 0 else "<s>"
    p2 = lower[s - 2] if s > 1 else "<s>"
    n1 = lower[e] if e < n else "</s>"
    n2 = lower[e + 1] if e + 1 < n else "</s>"
    feats += [f"p1={p1}", f"p2={p2}", f"n1={n1}", f"n2={n2}", f"p2p1={p2}_{p1}", f"n1n2={n1}_{n2}"]
    feats.append(f"p1_last={p1}_{last}")
    feats.append(f"rule_last={rule}_{last}")
    feats.append(f"kind_rule={c['kind']}_{rule}")
    feats.append(f"rule_shape={rule}_{shape(span)}")
    if any(covering.get(i, 0) > 1 for i in range(s, e)):
        feats.append("overlapped")
    return feats
