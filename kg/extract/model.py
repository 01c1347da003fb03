"""The learned decision's model: a multinomial logistic regression over sparse binary features.

A model directory holds ``model.json`` (format version, classes, feature vocabulary, decision threshold, how it
was trained) and ``weights.npz`` (a float32 matrix, one row per feature and one column per class, and a bias
row). Nothing is unpickled: loading reads JSON and plain arrays (``allow_pickle=False``), so a model directory
from elsewhere cannot run code. Prediction needs numpy only; training (``kg.extract.train``) needs scikit-learn.
"""

from __future__ import annotations

import hashlib
import json
from itertools import chain, repeat
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from kg.errors import InputError

__all__ = ["FORMAT", "CLASSES", "DEFAULT_MODEL_DIR", "Model", "load_model", "save_model"]

FORMAT = "kg-decision/1"
#: class 0 is "not an entity"
CLASSES: tuple[str, ...] = ("O", "Method", "Dataset", "Metric", "Task")
DEFAULT_MODEL_DIR = Path(__file__).parent / "models" / "default"
_META, _WEIGHTS = "model.json", "weights.npz"


@dataclass
class Model:
    """Feature vocabulary, weights (features x classes), bias (classes) and the keep threshold; optionally a
    role head (``role_weights``: one weight per feature, ``role_bias``) giving P(proposed) of a Method/Dataset."""

    vocab: dict[str, int]
    weights: np.ndarray
    bias: np.ndarray
    threshold: float = 0.5
    classes: tuple[str, ...] = CLASSES
    info: dict = field(default_factory=dict)
    ident: str = ""
    role_weights: np.ndarray | None = None
    role_bias: float = 0.0
    _pad: tuple | None = field(default=None, repr=False, compare=False)  # (weights, role weights, both padded)

    def predict(self, feats: list[list[str]]) -> np.ndarray:
        """Class probabilities (rows: candidates, columns: ``classes``) for lists of feature strings."""
        return self.predict_with_role(feats)[0]

    def _padded(self) -> tuple[np.ndarray, np.ndarray | None]:
        """The weights (and role weights) with a zero row appended for unknown features, made once per array."""
        pad = self._pad
        if pad is None or pad[0] is not self.weights or pad[1] is not self.role_weights:
            zero = np.zeros((1, self.weights.shape[1]), dtype=self.weights.dtype)
            role = self.role_weights
            pad = self._pad = (self.weights, role, np.vstack([self.weights, zero]),
                               None if role is None else np.append(role, np.zeros(1, dtype=role.dtype)))
        return pad[2], pad[3]

    def predict_with_role(self, feats: list[list[str]]) -> tuple[np.ndarray, np.ndarray | None]:
        """Class probabilities, and P(proposed) per candidate from the role head (None without one)."""
        n = len(feats)
        # one C-level pass over every feature string: unknown ones read the zero row appended to the weights
        flat = list(chain.from_iterable(feats))
        c = np.fromiter(map(self.vocab.get, flat, repeat(len(self.vocab))), dtype=np.int64, count=len(flat))
        lengths = np.fromiter(map(len, feats), dtype=np.int64, count=n)
        starts = np.cumsum(lengths) - lengths
        filled = lengths > 0  # rows with at least one feature
        weights, role_weights = self._padded()
        scores = np.tile(self.bias.astype(np.float64), (n, 1))
        if len(c):
            # per-row sums of the gathered weight rows (reduceat needs non-empty segments: empty rows are skipped)
            scores[filled] += np.add.reduceat(weights[c].astype(np.float64), starts[filled], axis=0)
        if n:
            scores -= scores.max(axis=1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=1, keepdims=True)
        if self.role_weights is None:
            return scores, None
        logit = np.full(n, self.role_bias, dtype=np.float64)
        if len(c):
            logit[filled] += np.add.reduceat(role_weights[c].astype(np.float64), starts[filled])
        return scores, 1.0 / (1.0 + np.exp(-logit))


def _ident(meta: bytes, weights: bytes) -> str:
    return hashlib.sha256(meta + b"\0" + weights).hexdigest()[:12]


def save_model(model: Model, directory: str | Path) -> Path:
    """Write `model` to `directory` (created if needed) and return it; sets ``model.ident``."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    vocab = sorted(model.vocab, key=model.vocab.__getitem__)
    meta = {
        "format": FORMAT,
        "classes": list(model.classes),
        "threshold": model.threshold,
        "info": model.info,
        "features": vocab,
    }
    meta_bytes = json.dumps(meta, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    tmp = d / (_WEIGHTS + ".tmp.npz")
    arrays = {"weights": model.weights.astype(np.float32), "bias": model.bias.astype(np.float32)}
    if model.role_weights is not None:
        arrays["role_weights"] = model.role_weights.astype(np.float32)
        arrays["role_bias"] = np.asarray([model.role_bias], dtype=np.float32)
    np.savez_compressed(tmp, **arrays)
    tmp.replace(d / _WEIGHTS)
    (d / (_META + ".tmp")).write_bytes(meta_bytes)
    (d / (_META + ".tmp")).replace(d / _META)
    model.ident = _ident(meta_bytes, (d / _WEIGHTS).read_bytes())
    return d


@cache
def load_model(directory: str | Path = DEFAULT_MODEL_DIR) -> Model:
    """Read a model directory written by ``save_model`` (cached per path); InputError when it is not one."""
    d = Path(directory)
    try:
        meta_bytes = (d / _META).read_bytes()
        weight_bytes = (d / _WEIGHTS).read_bytes()
    except OSError as exc:
        raise InputError(f"not a kg model directory (needs {_META} and {_WEIGHTS}): {exc.strerror or exc}",
                         path=str(d)) from exc
    try:
        meta = json.loads(meta_bytes)
        if meta.get("format") != FORMAT:
            raise ValueError(f"format {meta.get('format')!r}, expected {FORMAT!r}")
        import io

        with np.load(io.BytesIO(weight_bytes), allow_pickle=False) as z:
            weights = np.asarray(z["weights"], dtype=np.float32)
            bias = np.asarray(z["bias"], dtype=np.float32)
            role_w = np.asarray(z["role_weights"], dtype=np.float32) if "role_weights" in z.files else None
            role_b = float(z["role_bias"][0]) if "role_bias" in z.files else 0.0
        classes = tuple(meta["classes"])
        features = meta["features"]
        if weights.shape != (len(features), len(classes)) or bias.shape != (len(classes),):
            raise ValueError(f"weights {weights.shape} do not fit {len(features)} features x {len(classes)} classes")
        if role_w is not None and role_w.shape != (len(features),):
            raise ValueError(f"role weights {role_w.shape} do not fit {len(features)} features")
    except (ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise InputError(f"invalid kg model: {exc}", path=str(d)) from exc
    return Model(
        vocab={f: i for i, f in enumerate(features)},
        weights=weights,
        bias=bias,
        threshold=float(meta.get("threshold", 0.5)),
        classes=classes,
        info=meta.get("info", {}),
        ident=_ident(meta_bytes, weight_bytes),
        role_weights=role_w,
        role_bias=role_b,
    )
