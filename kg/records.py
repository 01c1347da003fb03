"""Typed records that flow one way through the pipeline: files -> papers -> extractions -> graph.

All records are frozen dataclasses so a stage can never change what an earlier stage produced.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "ENTITY_TYPES",
    "ROLES",
    "Source",
    "Paper",
    "Skipped",
    "Evidence",
    "Entity",
    "Result",
    "PaperExtraction",
]

ENTITY_TYPES: tuple[str, ...] = ("Method", "Dataset", "Metric", "Task")
ROLES: tuple[str, ...] = ("proposed", "used")


@dataclass(frozen=True, order=True)
class Source:
    """Where a paper was read: a file path and the 1-based line its entry starts on."""

    path: str
    line: int


@dataclass(frozen=True)
class Paper:
    """One paper, normalized; `title_raw`/`abstract_raw` keep the text exactly as read.

    `id` is stable across runs and machines: ``arXiv:<id>`` when the arXiv id is known, otherwise
    ``t-<hash of the normalized title>``. `sources` lists every file/line the paper was seen at.
    """

    id: str
    title: str
    abstract: str
    authors: tuple[str, ...] = ()
    date: str | None = None
    url: str | None = None
    arxiv_id: str | None = None
    categories: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    title_raw: str | None = None
    abstract_raw: str | None = None


@dataclass(frozen=True)
class Skipped:
    """An input entry that was not turned into a Paper, and why (reported in the build summary)."""

    source: Source
    reason: str


@dataclass(frozen=True)
class Evidence:
    """Where a mention was found: the field, character offsets into that field's text, and the sentence.

    `start`/`end` index the field text the extractor was given (``text[start:end] == mention``);
    `sentence_start` is the offset of `sentence` in the same field.
    """

    field: str
    start: int
    end: int
    sentence: str
    sentence_start: int = 0


@dataclass(frozen=True)
class Entity:
    """A Method, Dataset, Metric or Task named by one paper, with every surface form and its evidence.

    `role` is ``"proposed"`` or ``"used"`` for Methods and Datasets, ``None`` for Metrics and Tasks.
    """

    type: str
    name: str
    mentions: tuple[str, ...]
    role: str | None
    confidence: float
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Result:
    """A stated result tying a method, an optional dataset and a metric to a value, as written."""

    method: str
    dataset: str | None
    metric: str
    value: str
    evidence: Evidence | None = None
    confidence: float = 0.5


@dataclass(frozen=True)
class PaperExtraction:
    """Everything the extractor found in one paper, tagged with the extractor version that found it."""

    paper_id: str
    entities: tuple[Entity, ...] = ()
    results: tuple[Result, ...] = ()
    extractor_version: str = ""
    warnings: tuple[str, ...] = field(default=())
