"""K-fold cross-validation of the extractor by paper (``kg eval --folds K``).

Papers are shuffled with a fixed seed and dealt into K folds. For each fold a decision model is trained on the
other folds' papers and run on the fold's papers; the predictions of all folds are pooled and scored once,
exactly as ``kg eval`` scores (so the figures are comparable with score.py). With ``learned=False`` nothing is
trained and the figures are those of the rules (the same on every fold split). Each fold's result model is
trained on the same training papers, over the entities that fold's decision finds on them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterable, Mapping

from kg.evaluate import EvalReport, score_predictions

__all__ = ["fold_ids", "CVResult", "cross_validate"]


def fold_ids(ids: Iterable[str], folds: int, seed: int = 0) -> list[list[str]]:
    """Deal paper ids into `folds` folds after a seeded shuffle (sorted first, so input order does not matter)."""
    order = sorted(set(ids))
    random.Random(seed).shuffle(order)
    return [order[k::folds] for k in range(folds)]


@dataclass(frozen=True)
class CVResult:
    """The pooled report over all folds, and one report per fold."""

    report: EvalReport
    per_fold: tuple[EvalReport, ...]
    predictions: dict[str, dict]


def cross_validate(
    papers: Iterable[Mapping], gold: Mapping[str, Mapping], *, folds: int = 5, seed: int = 0,
    learned: bool = True, data: list | None = None, learn_roles: bool = True, learn_results: bool = True,
    **train_args: float,
) -> CVResult:
    """Cross-validate the extractor on annotated papers ``{id, title, abstract}`` (see the module docstring).

    With `learn_results` (and gold result tuples) each fold also trains the result model
    (``kg.extract.result_model``) over the entities its decision finds on the training papers; otherwise the
    result rules run. `data` may hold the papers already featurized (``kg.extract.train.featurize``), to try several training
    settings without running the rules again; `train_args` go to ``kg.extract.train.fit``.
    """
    from kg.errors import InputError
    from kg.extract.convert import doc_to_extraction, extraction_to_json
    from kg.extract.decide import LearnedDecision
    from kg.extract.pipeline import build_nlp
    from kg.extract.result_model import DEFAULTS as RESULT_DEFAULTS
    from kg.extract.result_model import LearnedResults, fit_results, results_rows_for
    from kg.extract.train import featurize, fit, training_rows

    if folds < 2:
        raise InputError(f"--folds must be at least 2, not {folds}")
    nlp = build_nlp(model=None)
    if data is None:
        data = featurize([p for p in papers if str(p["id"]) in gold], nlp)
    by_id = {d.id: d for d in data}
    if len(by_id) < folds:
        raise InputError(f"{len(by_id)} annotated papers cannot be split into {folds} folds")
    results = nlp.get_pipe("kg_results")
    preds: dict[str, dict] = {}
    reports = []
    for held in fold_ids(by_id, folds, seed):
        held_set = set(held)
        fold_pred: dict[str, dict] = {}
        decider = None
        fold_results = results
        if learned:
            train_data = [d for d in data if d.id not in held_set]
            X, y, roles = training_rows(train_data, gold)
            decider = LearnedDecision(model=fit(X, y, roles=roles if learn_roles else None, **train_args))
            if learn_results and any(gold[d.id].get("results") for d in train_data):
                rows = results_rows_for(train_data, gold, decider)
                s = RESULT_DEFAULTS
                fold_results = LearnedResults(model=fit_results(
                    rows, C=s["C"], min_count=int(s["min_count"]), threshold=s["threshold"]))
        for pid in held:
            d = by_id[pid]
            doc = d.doc.copy() if hasattr(d.doc, "copy") else d.doc
            if decider is not None:
                decider.apply(doc, d.cands, d.feats)
            doc = fold_results(doc)
            fold_pred[pid] = extraction_to_json(doc_to_extraction(doc, pid, d.title, d.abstract, "cv"))
        reports.append(score_predictions({k: gold[k] for k in held}, fold_pred))
        preds.update(fold_pred)
    return CVResult(score_predictions({k: gold[k] for k in by_id}, preds), tuple(reports), preds)
