"""Component ``kg_decide``: the learned decision over candidates (keep or drop, type, extent).

Runs after ``kg_merge`` (whose rule entities become features) and replaces its entities: every pooled
candidate (``candidates.py``) is scored by the model (``model.py``) over its features (``features.py``); a
candidate is kept when its best entity class beats the model's threshold, overlaps are resolved in favour of
the most probable extent, and the kept spans are joined into entities by ``EntityMerger.assemble``, which
takes each entity's type from the summed probabilities of its mentions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from spacy.tokens import Doc

from .candidates import Candidate, pooled_candidates
from .features import doc_features
from .merge import ENTITIES, EntityMerger
from .model import DEFAULT_MODEL_DIR, Model, load_model

__all__ = ["LearnedDecision", "decide"]


def decide(
    cands: list[Candidate], probs: np.ndarray, classes: tuple[str, ...], threshold: float,
    role: np.ndarray | None = None,
) -> list[dict]:
    """Kept, non-overlapping candidates as merge records (with ``lprobs`` and ``lprop``), in text order, never one
    the not-a-name patterns reject; the acronym definition (or acronym) of a kept candidate is kept with it, as a
    mention of the same entity."""
    if not cands:
        return []
    best = probs[:, 1:].max(axis=1)
    order = sorted(range(len(cands)), key=lambda i: (-float(best[i]), -(cands[i]["e"] - cands[i]["s"]), cands[i]["s"]))
    taken: set[int] = set()
    kept: list[dict] = []
    for i in order:
        if best[i] < threshold:
            break
        c = cands[i]
        if c["rejected"] or any(t in taken for t in range(c["s"], c["e"])):
            continue  # a surface the not-a-name patterns match (arXiv id, URL, GPU) is never an entity
        taken.update(range(c["s"], c["e"]))
        lprobs = {classes[k]: float(probs[i, k]) for k in range(1, len(classes))}
        type_ = max(lprobs, key=lambda t: lprobs[t])
        srcs = set(c["srcs"]) or {"variant"}
        kept.append({
            "s": c["s"], "e": c["e"], "type": type_, "canon": c["canon"], "src": sorted(srcs)[0],
            "prio": 0, "prop": c["prop"], "group": c["group"], "cue": min(c["cues"]) if c["cues"] else None,
            "srcs": srcs, "lprobs": lprobs, "lprop": None if role is None else float(role[i]),
        })
    # an acronym and its definition are one entity: a kept short or long form brings the other along
    groups = {k["group"]: k for k in kept if k["group"] is not None}
    for i in order:
        c = cands[i]
        k = groups.get(c["group"]) if c["group"] is not None and c["kind"] == "rule" else None
        if k is None or c["rejected"] or c["blocked"] or c["dropped"] or any(t in taken for t in range(c["s"], c["e"])):
            continue
        taken.update(range(c["s"], c["e"]))
        kept.append({**k, "s": c["s"], "e": c["e"], "canon": c["canon"] or k["canon"]})
    kept.sort(key=lambda k: k["s"])
    return kept


class LearnedDecision:
    """Re-decide the entities of a Doc from its candidates with a trained model."""

    def __init__(self, name: str = "kg_decide", model: str | Path | Model | None = None) -> None:
        self.name = name
        self.model = model if isinstance(model, Model) else load_model(Path(model) if model else DEFAULT_MODEL_DIR)
        self.merger = EntityMerger()

    def __call__(self, doc: Doc) -> Doc:
        cands = pooled_candidates(doc)
        self.apply(doc, cands, doc_features(doc, cands))
        return doc

    def apply(self, doc: Doc, cands: list[Candidate], feats: list[list[str]]) -> None:
        """Score precomputed candidates and features, and set the Doc's entities."""
        m = self.model
        probs, role = m.predict_with_role(feats)
        kept = decide(cands, probs, m.classes, m.threshold, role)
        kept = self.merger.split_slashes(doc, kept)
        doc.user_data[ENTITIES] = self.merger.assemble(doc, kept, learned=True)
