"""Leaderboards: the stated results of a graph grouped by dataset and metric, ranked where the metric says how.

Whether higher or lower is better is recorded beside the metric lexicon (``kg/extract/lexicon/
metric_direction.jsonl``, one ``{"name", "better"}`` per line); a metric outside it gets a direction from the
words of its name ("error", "loss", "latency" lower; "accuracy", "F1", "BLEU" higher) or none. Values stay as
written ("81.2%", "3.6x", "+2.0%"); only rows whose value is an absolute number in the board's most common
unit are ranked, so a gain ("+2.0%", or "3.2%" in "improves accuracy by 3.2%": ``kg.gains``, read from the
evidence sentence around the value) or a ratio ("3.6x") is never ranked against a score.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import networkx as nx

from kg.gains import is_relative, words
from kg.graph.resolve import surface_key

__all__ = ["Row", "Board", "metric_direction", "parse_value", "Leaderboards", "DIRECTION_FILE"]

DIRECTION_FILE = "metric_direction.jsonl"
_NUMBER = re.compile(r"^\s*(?P<approx>[~≈<>≤≥]\s*)?(?P<sign>[+\-−])?\s*(?P<num>\d+(?:[.,]\d+)?|\.\d+)\s*"
                     r"(?P<unit>%|percent|x|×|times|pp|points?)?\s*$", re.IGNORECASE)
_LOWER_WORDS = re.compile(r"\b(error|errors|loss|distance|divergence|latency|perplexity|time|regret|rmse|mse|mae|"
                          r"wer|cer|fid|lpips|eer|drift|cost|memory|flops?)\b", re.IGNORECASE)
_HIGHER_WORDS = re.compile(r"\b(accuracy|acc|f1|bleu|rouge|precision|recall|auc|auroc|map|iou|miou|psnr|ssim|"
                           r"success rate|win rate|ndcg|mrr|hits|pass@\d+|exact match)\b", re.IGNORECASE)


@lru_cache(maxsize=1)
def _directions() -> dict[str, str]:
    # Through "kg", not "kg.extract": importing the extractor (spaCy) to read one table would take seconds.
    text = resources.files("kg").joinpath("extract", "lexicon", DIRECTION_FILE).read_text(encoding="utf-8")
    table: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip():
            entry = json.loads(line)
            table[surface_key(entry["name"])] = entry["better"]
    return table


def metric_direction(name: str, aliases: tuple[str, ...] | list[str] = ()) -> str | None:
    """``"higher"`` or ``"lower"`` (which is better) for a metric named `name`, or None when unknown.

    >>> metric_direction("Top-1 Accuracy"), metric_direction("word error rate"), metric_direction("FLOPs")
    ('higher', 'lower', 'lower')
    >>> metric_direction("homophily ratio") is None
    True
    """
    table = _directions()
    for text in (name, *aliases):
        found = table.get(surface_key(str(text)))
        if found:
            return found
    if _LOWER_WORDS.search(name):
        return "lower"
    if _HIGHER_WORDS.search(name):
        return "higher"
    return None


def parse_value(value: str) -> tuple[float, str] | None:
    """(number, kind) of a value as written, or None when it is not one number; kind is the unit, with a
    leading ``+`` when the value is a signed gain.

    >>> parse_value("81.2%"), parse_value("3.6x"), parse_value("+2.0%"), parse_value("0.78"), parse_value("a")
    ((81.2, '%'), (3.6, 'x'), (2.0, '+%'), (0.78, ''), None)
    """
    match = _NUMBER.match(str(value))
    if not match:
        return None
    number = float(match["num"].replace(",", "."))
    unit = (match["unit"] or "").lower()
    unit = {"×": "x", "times": "x", "percent": "%", "point": "pp", "points": "pp"}.get(unit, unit)
    sign = match["sign"]
    if sign in ("-", "−"):
        number = -number
    return number, ("+" if sign else "") + unit


@dataclass
class Row:
    """One stated result: its node, value as written, method, paper, sentence, and whether it is the paper's own."""

    result: str
    value: str
    method: str | None
    dataset: str | None
    metric: str | None
    paper: str | None
    sentence: str
    own: bool
    rank: int | None = None
    relative: bool = False


def _kind(row: Row) -> tuple[float, str] | None:
    """``parse_value`` of the row's value, its kind marked as a gain (``+``) when the sentence states a change."""
    p = parse_value(row.value)
    if p and row.relative and not p[1].startswith("+"):
        return p[0], "+" + p[1]
    return p


def _relative(value: str, evidence: dict) -> bool:
    """Whether the evidence sentence states the value at its offsets as a change (``kg.gains.is_relative``)."""
    sentence = str(evidence.get("sentence") or "")
    try:
        start = int(evidence["start"]) - int(evidence["sentence_start"])
        end = int(evidence["end"]) - int(evidence["sentence_start"])
    except (KeyError, TypeError, ValueError):
        return False
    if not 0 <= start <= end <= len(sentence):
        return False
    after = sentence[end:]
    if after[:1] in ("%", "x", "×"):
        after = after[1:]
    return is_relative(words(sentence[:start]), value, words(after))


@dataclass
class Board:
    """The rows of one (dataset, metric) pair, ranked when the metric's direction is known."""

    dataset: str | None
    metric: str | None
    direction: str | None
    rows: list[Row] = field(default_factory=list)

    def rank(self) -> None:
        """Order the rows best first and number those in the board's main unit; the rest follow unranked."""
        parsed = {id(r): _kind(r) for r in self.rows}
        kinds = Counter(p[1] for p in parsed.values() if p)
        absolute = [k for k in kinds if not k.startswith("+")]
        main = max(absolute or kinds, key=lambda k: (kinds[k], k == "%", k)) if kinds else None
        sign = -1.0 if self.direction == "higher" else 1.0

        def key(row: Row) -> tuple[int, float, str]:
            p = parsed[id(row)]
            if self.direction and p and p[1] == main:
                return 0, sign * p[0], row.result
            return 1, 0.0, row.result

        self.rows.sort(key=key)
        position = 0
        for row in self.rows:
            p = parsed[id(row)]
            if self.direction and p and p[1] == main:
                position += 1
                row.rank = position
            else:
                row.rank = None


class Leaderboards:
    """Every Result node of a graph as a Row, indexed by dataset, method and metric."""

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        self.graph = graph
        self.rows: dict[str, Row] = {}
        proposes = {(u, v) for u, v, k in graph.edges(keys=True) if k == "PROPOSES"}
        for node, data in graph.nodes(data=True):
            if data.get("type") != "Result":
                continue
            ends = {str(k): str(t) for _, t, k in graph.out_edges(node, keys=True)}
            paper = data.get("paper") if isinstance(data.get("paper"), str) and data.get("paper") in graph else None
            sentence, relative = "", False
            for _, _, k, d in graph.in_edges(node, keys=True, data=True):
                for ev in d.get("evidence") or ():
                    if isinstance(ev, dict) and ev.get("sentence"):
                        sentence = str(ev["sentence"])
                        relative = _relative(str(data.get("value", "")), ev)
                        break
                if sentence:
                    break
            method = ends.get("OF_METHOD")
            self.rows[str(node)] = Row(str(node), str(data.get("value", "")), method, ends.get("ON_DATASET"),
                                       ends.get("MEASURED_BY"), paper, sentence,
                                       own=bool(paper and method and (paper, method) in proposes),
                                       relative=relative)
        self.by_dataset: dict[str, list[Row]] = defaultdict(list)
        self.by_method: dict[str, list[Row]] = defaultdict(list)
        self.by_metric: dict[str, list[Row]] = defaultdict(list)
        self.by_paper: dict[str, list[Row]] = defaultdict(list)
        for row in self.rows.values():
            for index, key in ((self.by_dataset, row.dataset), (self.by_method, row.method),
                               (self.by_metric, row.metric), (self.by_paper, row.paper)):
                if key:
                    index[key].append(row)

    def direction(self, metric: str | None) -> str | None:
        """Which way the metric node `metric` is better, or None."""
        if not metric or metric not in self.graph:
            return None
        data: dict[str, Any] = self.graph.nodes[metric]
        return metric_direction(str(data.get("name") or metric), tuple(data.get("aliases") or ()))

    def boards(self, rows: list[Row]) -> list[Board]:
        """`rows` grouped into one ranked Board per (dataset, metric), the boards with most rows first."""
        groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
        for row in rows:
            groups[(row.dataset or "", row.metric or "")].append(row)
        boards = []
        for (dataset, metric), members in groups.items():
            board = Board(dataset or None, metric or None, self.direction(metric or None), list(members))
            board.rank()
            boards.append(board)
        boards.sort(key=lambda b: (-len(b.rows), b.dataset or "\uffff", b.metric or "\uffff"))
        return boards
