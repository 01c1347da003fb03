"""Entity extraction for kg: Methods, Datasets, Metrics and Tasks (with roles, evidence and results).

The extractor is a spaCy pipeline (``pipeline.py``) over ``spacy.blank("en")``: rule components propose
candidate spans (word lists and patterns in ``lexicon/*.jsonl`` and ``patterns/``), and a learned decision
(``kg_decide``, a model trained on annotated abstracts and shipped in ``models/default``) picks the entities,
their types and extents. ``fast=True`` keeps the rules' own decision. Nothing is downloaded.

Examples
--------
>>> from kg.extract import extract, extraction_to_json
>>> from kg.extract.io import ExtractInput
>>> [x] = extract([ExtractInput("p1", "MoT: sparse models", "We introduce Mixture-of-Transformers (MoT).")])
>>> [e.name for e in x.entities if e.type == "Method"]
['Mixture-of-Transformers']
"""

from __future__ import annotations

import collections
import itertools
import multiprocessing
from pathlib import Path
from typing import Iterable, Iterator, Protocol

from kg.records import PaperExtraction

from .convert import doc_text, doc_to_extraction, extraction_to_json
from .io import ExtractInput, parse_extract_line, read_extract_input
from .model import DEFAULT_MODEL_DIR, load_model
from .result_model import has_results_model, load_results_model
from .pipeline import build_nlp, get_nlp

__all__ = [
    "EXTRACTOR_VERSION",
    "extractor_version",
    "DEFAULT_MODEL_DIR",
    "PaperLike",
    "ExtractInput",
    "extract",
    "extract_one",
    "extraction_to_json",
    "read_extract_input",
    "parse_extract_line",
    "build_nlp",
    "get_nlp",
]

#: bump when rules, word lists or the decision change what is extracted (the model's identity is appended)
EXTRACTOR_VERSION = "kg-extract/0.3.0"


def _model_arg(model: str | Path | None, fast: bool) -> str | None:
    """The model directory the pipeline loads (None: the rules decide)."""
    if fast:
        return None
    return str(Path(model) if model is not None else DEFAULT_MODEL_DIR)


def extractor_version(model: str | Path | None = None, *, fast: bool = False) -> str:
    """The version recorded with (and caching) each extraction: ``kg-extract/0.3.0+<model id>`` or ``+rules``."""
    m = _model_arg(model, fast)
    if m is None:
        return f"{EXTRACTOR_VERSION}+rules"
    ident = load_model(Path(m)).ident
    if has_results_model(m):
        ident += "." + load_results_model(Path(m)).ident
    return f"{EXTRACTOR_VERSION}+{ident}"


class PaperLike(Protocol):
    """Anything with an id, a title and an abstract (``kg.records.Paper``, ``ExtractInput``...)."""

    id: str
    title: str
    abstract: str


def _fields(p: PaperLike) -> tuple[str, str, str]:
    return str(p.id), p.title or "", p.abstract or ""


def extract(
    papers: Iterable[PaperLike], *, workers: int = 1, batch_size: int = 64, model: str | Path | None = None,
    fast: bool = False,
) -> Iterator[PaperExtraction]:
    """Extract entities and results from each paper, yielding one PaperExtraction per paper in input order.

    Parameters
    ----------
    papers : iterable of objects with ``id``, ``title``, ``abstract``
    workers : number of processes; the output does not depend on it
    batch_size : papers per batch handed to ``nlp.pipe`` (and to each worker process)
    model : a model directory written by ``kg train`` (default: the model shipped in the package)
    fast : keep the rules' decision, without the learned model

    With ``workers > 1`` each worker process runs ``nlp.pipe`` on whole batches and sends back finished
    records. (spaCy's own ``n_process`` ships every Doc back to the parent, whose deserialization costs more
    CPU than the extraction itself.) A paper whose processing fails yields an extraction with no entities
    and a warning; the batch goes on.
    """
    n = max(1, int(workers))
    m = _model_arg(model, fast)
    if n == 1:
        yield from _extract_batch_iter((_fields(p) for p in papers), max(1, int(batch_size)), m)
        return
    get_nlp(m)  # build before forking so that workers inherit it
    yield from _parallel(papers, n, max(1, int(batch_size)), m)


def _extract_batch_iter(
    items: Iterable[tuple[str, str, str]], batch_size: int = 64, model: str | None = None
) -> Iterator[PaperExtraction]:
    nlp = get_nlp(model)
    version = extractor_version(model, fast=model is None)
    texts = ((doc_text(title, abstract), (pid, title, abstract)) for pid, title, abstract in items)
    for doc, (pid, title, abstract) in nlp.pipe(texts, as_tuples=True, batch_size=batch_size):
        yield doc_to_extraction(doc, pid, title, abstract, version)


def _extract_batch(batch: list[tuple[str, str, str]], model: str | None = None) -> list[PaperExtraction]:
    """Worker entry point: one batch of ``(id, title, abstract)`` in, finished records out."""
    return list(_extract_batch_iter(batch, len(batch) or 1, model))


def _parallel(papers: Iterable[PaperLike], workers: int, batch_size: int, model: str | None) -> Iterator[PaperExtraction]:
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    batches = _batched((_fields(p) for p in papers), batch_size)
    with ctx.Pool(workers) as pool:
        # a sliding window of pending batches keeps every worker busy and memory bounded, in input order
        pending: collections.deque = collections.deque()
        for batch in itertools.islice(batches, workers * 3):
            pending.append(pool.apply_async(_extract_batch, (batch, model)))
        while pending:
            done = pending.popleft().get()
            nxt = next(batches, None)
            if nxt is not None:
                pending.append(pool.apply_async(_extract_batch, (nxt, model)))
            yield from done


def _batched(items: Iterator[tuple[str, str, str]], size: int) -> Iterator[list[tuple[str, str, str]]]:
    while True:
        batch = list(itertools.islice(items, size))
        if not batch:
            return
        yield batch


def extract_one(paper: PaperLike, *, model: str | Path | None = None, fast: bool = False) -> PaperExtraction:
    """Extract from a single paper (convenience for tests and interactive use)."""
    return next(extract([paper], model=model, fast=fast))
