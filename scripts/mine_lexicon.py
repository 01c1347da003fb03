#!/usr/bin/env python3
"""Mine candidate lexicon entries from an abstract corpus (gzip JSONL with id/title/abstract).

Output is a JSONL of *candidates with counts* for human review; it is never written into the repository.
Patterns mined:
  - acronym definitions: "Long Form (LF)"                          -> kind "acronym"
  - "<Name> dataset/benchmark/corpus/suite"                         -> kind "dataset"
  - "on/using the <Name>" where Name has caps/digits                -> kind "dataset_ctx"
  - "in terms of <x>" / "<x> score" / "<x>@k"                       -> kind "metric"
  - tokens with capitals and digits ("ResNet-50", "GPT-4o")         -> kind "capdigit"
  - "<x> task(s)" / "task of <x>"                                   -> kind "task"
  - "optimizer/loss/algorithm" heads                                -> kind "method"

Usage: python scripts/mine_lexicon.py [CORPUS] [--out /tmp/mined-{kind}.jsonl] [--min-count 5]
Each output line: {"kind": ..., "name": ..., "count": N, "aliases": {...}} sorted by count.
"""
from __future__ import annotations

import argparse
import collections
import gzip
import json
import re
import sys

DEFAULT_CORPUS = "/work/shared/corpus-large/arxiv-ml-50k.jsonl.gz"

WORD = r"[A-Za-z][A-Za-z0-9'\-]*"
ACRO_RE = re.compile(r"((?:[A-Za-z][A-Za-z0-9\-]*\s+){1,7}?)\(([A-Z][A-Za-z0-9\-]{1,12}s?)\)")
DATASET_RE = re.compile(
    r"\b([A-Z0-9][A-Za-z0-9\-\.]*(?:\s[A-Z0-9][A-Za-z0-9\-\.]*){0,3})\s+(dataset|datasets|benchmark|benchmarks|corpus|suite|challenge)\b"
)
DATASET_CTX_RE = re.compile(r"\b(?:on|using|from)\s+(?:the\s+)?([A-Z][A-Za-z0-9]*(?:[\-\.][A-Za-z0-9]+)*)\b")
METRIC_TERMS_RE = re.compile(r"\bin terms of\s+([A-Za-z0-9@\-]+(?:\s[A-Za-z0-9@\-]+){0,3})")
METRIC_SCORE_RE = re.compile(r"\b([A-Za-z][A-Za-z0-9\-]*)\s+scores?\b")
METRIC_AT_RE = re.compile(r"\b([A-Za-z][A-Za-z\-]*@\d+)\b")
# token = capitalised run of word chars joined by single '-' or '.'; digit check done in code (no nested quantifiers)
CAPDIGIT_RE = re.compile(r"\b([A-Z][A-Za-z0-9]*(?:[\-\.][A-Za-z0-9]+){0,4})\b")
TASK_RE = re.compile(r"\b((?:[a-z][a-z\-]+\s){1,3})(task|tasks)\b")
TASK_OF_RE = re.compile(r"\btasks? (?:of|such as|like|including)\s+([a-z][a-z\-]+(?:\s[a-z][a-z\-]+){0,3})")
STOP = set(
    "a an the of for and or in on with to by from our we this that these those its their novel new proposed "
    "various several multiple different downstream many other such both all each more most".split()
)


def initials_match(words: list[str], acro: str) -> bool:
    """Rough check that the acronym letters are drawn in order from the long form's word initials."""
    letters = [c.lower() for c in acro if c.isalpha()]
    if acro.endswith("s") and len(letters) > 2:
        letters = letters[:-1]
    ws = [w for w in words if w.lower() not in ("of", "and", "the", "for", "to", "a", "in", "with", "on")]
    if not ws or not letters:
        return False
    if ws[0][0].lower() != letters[0]:
        return False
    # every letter must appear in order in the concatenation of the words
    text = "".join(w.lower() for w in ws)
    i = 0
    for ch in letters:
        j = text.find(ch, i)
        if j < 0:
            return False
        i = j + 1
    return True


def clean_phrase(p: str) -> str:
    words = p.strip().split()
    while words and words[0].lower() in STOP:
        words = words[1:]
    while words and words[-1].lower() in STOP:
        words = words[:-1]
    return " ".join(words)


def mine(path: str, limit: int | None = None):
    counters: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    acro_forms: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if limit and n >= limit:
                break
            rec = json.loads(line)
            text = (rec.get("title") or "") + ". " + (rec.get("abstract") or "")
            for m in ACRO_RE.finditer(text):
                acro = m.group(2)
                words = m.group(1).split()
                nletters = sum(c.isalpha() for c in acro)
                for k in range(1, min(len(words), nletters + 3) + 1):
                    cand = words[-k:]
                    if initials_match(cand, acro) and len([w for w in cand if w[0].isalpha()]) >= min(2, nletters):
                        lf = " ".join(cand)
                        counters["acronym"][acro] += 1
                        acro_forms[acro][lf.lower()] += 1
                        break
            for m in DATASET_RE.finditer(text):
                name = m.group(1).strip()
                if name.split()[0].lower() in STOP or len(name) < 2:
                    continue
                counters["dataset"][name] += 1
            for m in DATASET_CTX_RE.finditer(text):
                name = m.group(1)
                if any(c.isdigit() for c in name) or sum(c.isupper() for c in name) >= 2:
                    counters["dataset_ctx"][name] += 1
            for m in METRIC_TERMS_RE.finditer(text):
                p = clean_phrase(m.group(1))
                if p:
                    # keep up to first conjunction
                    p = re.split(r"\s(?:and|or|while|with|compared|than|as)\s|,", p)[0]
                    counters["metric"][p] += 1
            for m in METRIC_SCORE_RE.finditer(text):
                counters["metric_score"][m.group(1) + " score"] += 1
            for m in METRIC_AT_RE.finditer(text):
                counters["metric_at"][m.group(1)] += 1
            for m in CAPDIGIT_RE.finditer(text):
                tok = m.group(1).rstrip(".-")
                if not any(c.isdigit() for c in tok):
                    continue
                if len(tok) >= 3 and not re.fullmatch(r"[A-Z]\d+", tok):
                    counters["capdigit"][tok] += 1
            for m in TASK_RE.finditer(text):
                p = clean_phrase(m.group(1))
                if p and len(p) > 3:
                    counters["task"][p] += 1
            for m in TASK_OF_RE.finditer(text):
                p = clean_phrase(m.group(1))
                if p and len(p) > 3:
                    counters["task_of"][p] += 1
    return counters, acro_forms


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="?", default=DEFAULT_CORPUS)
    ap.add_argument("--out", default="/tmp/mined-{kind}.jsonl", help="output path; {kind} is replaced per kind")
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--limit", type=int, default=None, help="only read the first N records")
    args = ap.parse_args(argv)
    counters, acro_forms = mine(args.corpus, args.limit)
    for kind, ctr in sorted(counters.items()):
        path = args.out.replace("{kind}", kind) if "{kind}" in args.out else args.out + "." + kind
        rows = 0
        with open(path, "w", encoding="utf-8") as out:
            for name, cnt in ctr.most_common():
                if cnt < args.min_count:
                    break
                row = {"kind": kind, "name": name, "count": cnt}
                if kind == "acronym":
                    row["aliases"] = dict(acro_forms[name].most_common(3))
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                rows += 1
        print(f"{kind}: {rows} candidates -> {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
