"""Training of the learned decision from annotated papers (``kg train``).

Every paper goes through the rule pipeline up to ``kg_merge``; its pooled candidates are labelled from the gold
annotations (a candidate whose text or canonical name matches a ``core`` gold entity, as the scorer normalizes
forms, takes that entity's type; one matching only an ``optional`` entity is left out of training; the rest are
"O"), and a multinomial logistic regression (scikit-learn, lbfgs, L2; deterministic) is fitted over the binary
features seen at least ``min_count`` times. scikit-learn is needed only here (``pip install kg[train]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc

from kg.errors import KGError
from kg.evaluate import norm

from .candidates import Candidate, pooled_candidates
from .convert import doc_text
from .features import doc_features
from .model import CLASSES, Model

__all__ = ["Featurized", "featurize", "labels", "fit", "train", "DEFAULTS"]

#: training settings chosen by 5-fold cross-validation on the 1,120 annotated abstracts (see the README)
DEFAULTS = {"C": 0.5, "min_count": 2, "threshold": 0.4}


@dataclass
class Featurized:
    """One paper after the rules: its Doc (up to ``kg_merge``), pooled candidates and their features."""

    id: str
    title: str
    abstract: str
    doc: Doc
    cands: list[Candidate]
    feats: list[list[str]]


def featurize(papers: Iterable[Mapping], nlp: Language | None = None) -> list[Featurized]:
    """Run the rules (all components before ``kg_results``) over papers ``{id, title, abstract}``."""
    from .pipeline import build_nlp

    nlp = nlp or build_nlp(model=None)
    steps = [(n, p) for n, p in nlp.pipeline if n not in ("kg_results", "kg_decide")]
    out = []
    for p in papers:
        title, abstract = p.get("title") or "", p.get("abstract") or ""
        doc = nlp.make_doc(doc_text(title, abstract))
        for _, proc in steps:
            doc = proc(doc)
        cands = pooled_candidates(doc)
        out.append(Featurized(str(p["id"]), title, abstract, doc, cands, doc_features(doc, cands)))
    return out


def _forms(e: Mapping) -> set[str]:
    fs = {norm(e.get("name", "") or "")} | {norm(m) for m in e.get("mentions", []) or []}
    fs.discard("")
    return fs


def labels(cands: list[Candidate], gold: Mapping) -> list[int | None]:
    """Class index of each candidate under the gold entities of its paper (None: matches only optional ones)."""
    return [lab for lab, _ in labels_and_roles(cands, gold)]


def labels_and_roles(cands: list[Candidate], gold: Mapping) -> list[tuple[int | None, int | None]]:
    """(class index, role) of each candidate: role 1 "proposed", 0 "used", None when gold gives none."""
    core: list[tuple[set[str], int, int | None]] = []
    optional: set[str] = set()
    for e in gold.get("entities", []):
        if e.get("type") not in CLASSES[1:]:
            continue
        if e.get("tier", "core") == "core":
            role = {"proposed": 1, "used": 0}.get(e.get("role") or "")
            core.append((_forms(e), CLASSES.index(e["type"]), role))
        else:
            optional |= _forms(e)
    out: list[tuple[int | None, int | None]] = []
    for c in cands:
        fs = {norm(c["text"])} | ({norm(c["canon"])} if c["canon"] else set())
        fs.discard("")
        hit = next(((k, r) for f, k, r in core if f & fs), None)
        if hit is None:
            out.append((None, None) if fs & optional else (0, None))
        else:
            out.append(hit)
    return out


def fit(
    feats: list[list[str]], y: list[int], *, C: float = DEFAULTS["C"], min_count: int = DEFAULTS["min_count"],
    threshold: float = DEFAULTS["threshold"], info: dict | None = None, roles: list[int | None] | None = None,
) -> Model:
    """Fit the logistic regression on feature lists and class indices (deterministic); with `roles` (1 proposed,
    0 used, None unknown, per row) also the role head, on the rows that have one."""
    try:
        from scipy.sparse import csr_matrix
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise KGError("training needs scikit-learn: pip install 'kg[train]'") from exc
    counts: dict[str, int] = {}
    for fs in feats:
        for f in set(fs):
            counts[f] = counts.get(f, 0) + 1
    vocab_list = sorted(f for f, n in counts.items() if n >= min_count)
    vocab = {f: i for i, f in enumerate(vocab_list)}
    indptr, indices = [0], []
    for fs in feats:
        row = sorted({vocab[f] for f in fs if f in vocab})
        indices.extend(row)
        indptr.append(len(indices))
    X = csr_matrix((np.ones(len(indices), dtype=np.float64), indices, indptr), shape=(len(feats), len(vocab)))
    present = sorted(set(y))
    if len(present) < 2:
        raise KGError("training needs candidates of at least two classes (entities and non-entities)")
    clf = LogisticRegression(C=C, max_iter=300, tol=1e-4)
    clf.fit(X, np.asarray(y))
    weights = np.zeros((len(vocab), len(CLASSES)), dtype=np.float32)
    bias = np.full(len(CLASSES), -30.0, dtype=np.float32)  # classes never seen in training are never predicted
    coef = clf.coef_ if len(present) > 2 else np.vstack([-clf.coef_[0] / 2, clf.coef_[0] / 2])
    icpt = clf.intercept_ if len(present) > 2 else np.array([-clf.intercept_[0] / 2, clf.intercept_[0] / 2])
    for k, cls in enumerate(clf.classes_):
        weights[:, cls] = coef[k]
        bias[cls] = icpt[k]
    model = Model(vocab=vocab, weights=weights, bias=bias, threshold=threshold, info=dict(info or {}))
    keep = [i for i, r in enumerate(roles or []) if r is not None]
    if keep and len({roles[i] for i in keep}) == 2:  # type: ignore[index]
        role_clf = LogisticRegression(C=C, max_iter=300, tol=1e-4)
        role_clf.fit(X[keep], np.asarray([roles[i] for i in keep]))  # type: ignore[index]
        model.role_weights = role_clf.coef_[0].astype(np.float32)
        model.role_bias = float(role_clf.intercept_[0])
    return model


def training_rows(
    data: list[Featurized], gold: Mapping[str, Mapping]
) -> tuple[list[list[str]], list[int], list[int | None]]:
    """Feature lists, labels and roles of every labelled candidate of the papers that have gold annotations."""
    X: list[list[str]] = []
    y: list[int] = []
    roles: list[int | None] = []
    for d in data:
        g = gold.get(d.id)
        if g is None:
            continue
        for fs, (lab, role) in zip(d.feats, labels_and_roles(d.cands, g)):
            if lab is not None:
                X.append(fs)
                y.append(lab)
                roles.append(role)
    return X, y, roles


def train(
    papers: Iterable[Mapping], gold: Mapping[str, Mapping], *, C: float = DEFAULTS["C"],
    min_count: int = DEFAULTS["min_count"], threshold: float = DEFAULTS["threshold"],
) -> Model:
    """Train a decision model on papers and their gold annotations (papers without gold are skipped)."""
    data = featurize(p for p in papers if str(p["id"]) in gold)
    if not data:
        raise KGError("no paper has gold annotations: the ids of --papers and --gold do not meet")
    X, y, roles = training_rows(data, gold)
    info = {"papers": len(data), "candidates": len(y), "C": C, "min_count": min_count}
    return fit(X, y, C=C, min_count=min_count, threshold=threshold, info=info, roles=roles)
