"""Component ``kg_results`` (learned): which (method, dataset, metric, value) tuples a sentence states.

Every reported value in a sentence that names a Metric ("55.04%", "1.78", "21.68 dB", "2.3x") is paired with
every candidate metric (the sentence's Metrics), method (the sentence's Methods, the paper's proposed Methods
and the Methods of the previous sentence) and dataset (none, the sentence's Datasets, and the paper's when it
names at most three). Each candidate tuple gets sparse features: for each slot the side and token distance to
the value, the words in between and around it, how many values or same-type entities lie in between, its rank
by distance, the method's role and comparison words ("outperforming X", "than X"); for the value its unit,
sign, the words before and after it ("by", "from ... to", "improvement"), parentheses and "respectively"
alignment with the order of the sentence's datasets and metrics. A logistic regression (``fit``) scores the
tuples; each value keeps its best tuple when that reaches the threshold.

Values are written as in the text, with LaTeX cleaned ("63.7\\%" -> "63.7%", "1.6$\\times$" -> "1.6x"). A
value stated as a change ("improves by 3.2%", "+2.05%", "a 39% reduction") is marked ``relative``: it is kept
as a result but is not an absolute score (leaderboards rank only absolute scores).

The model lives next to the entity decision in the model directory (``results.json``: format, threshold,
feature vocabulary; ``results.npz``: float32 weights and bias, read with ``allow_pickle=False``).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
from spacy.tokens import Doc

from kg.errors import InputError, KGError
from kg.gains import is_relative

from .common import CANDS, TITLE_END, VIEW, TokenView, view
from .merge import ENTITIES
from .results import RESULTS

__all__ = [
    "FORMAT", "ResultCandidate", "ResultModel", "LearnedResults", "find_values", "result_candidates",
    "fit_results", "train_results", "results_rows_for", "DEFAULTS", "training_rows", "label_candidates", "save_results_model", "load_results_model", "has_results_model",
]

FORMAT = "kg-results/1"
#: training settings chosen by 5-fold cross-validation on the 1,120 annotated abstracts (see the README)
DEFAULTS = {"C": 1.0, "min_count": 2, "threshold": 0.2}
_META, _WEIGHTS = "results.json", "results.npz"

_NUM = re.compile(r"^(?:[~≈]?[+\-−]?\d[\d,]*(?:\.\d+)?)(?:(?:\\?%)|x|×|X|times|\$\\times\$|\\times)?$")
_RANGE = re.compile(r"^\d+(?:\.\d+)?[-–~]\d+(?:\.\d+)?(?:x|×|%)?$")
_UNITS = frozenset({
    "%", "\\%", "x", "×", "X", "$\\times$", "times", "db", "ms", "s", "sec", "seconds", "pp", "degrees", "°", "m",
    "mm", "cm", "meters", "bpm", "kbps", "fps", "mb", "gb", "j", "μj", "mj", "hz", "percent",
})
_COMPARE = frozenset({"outperforming", "outperforms", "outperform", "than", "over", "surpassing", "surpasses",
                      "beating", "beats", "compared", "versus", "vs.", "vs", "against", "baseline", "baselines"})
#: words that refer back to the paper's own method ("it reaches", "our model achieves")
_PRONOUNS = frozenset({"it", "its", "ours", "proposed"})


@dataclass
class ResultCandidate:
    """A (value, metric) pair of one sentence, with its method and dataset options and their features."""

    metric: int
    value: str
    span: tuple[int, int]
    relative: bool
    feats: list[str]
    methods: list[tuple[int, list[str]]]
    datasets: list[tuple[int | None, list[str]]]


def _clean_value(text: str) -> str:
    return text.replace("$\\times$", "x").replace("\\times", "x").replace("\\%", "%").replace("−", "-")


def find_values(v: TokenView, lo: int, hi: int) -> list[tuple[int, int, str]]:
    """Reported values in tokens ``lo:hi``: (start, end, value as written); a unit token after the number
    ("%", "x", "dB", "ms", "times") belongs to the value. Years and reference-like integers are skipped."""
    out = []
    i = lo
    while i < hi:
        t = v.text[i]
        if (_NUM.match(t) or _RANGE.match(t)) and any(c.isdigit() for c in t):
            end = i + 1
            if end < hi and v.lower[end] in _UNITS and not _has_unit(t):
                end += 1
            if end == i + 1 and re.fullmatch(r"(19|20)\d\d", t):
                i += 1
                continue  # a year
            text = " ".join(v.text[i:end]) if end > i + 1 and v.lower[end - 1] not in ("%", "\\%", "x", "×") \
                else "".join(v.text[i:end])
            out.append((i, end, _clean_value(text)))
            i = end
            continue
        i += 1
    return out


def _has_unit(t: str) -> bool:
    return bool(re.search(r"(%|x|×|X|times\$?)$", t))


def _relative(v: TokenView, s: int, e: int, lo: int, hi: int, value: str) -> bool:
    """``kg.gains.is_relative`` on the words around the value at tokens ``s:e`` of the sentence ``lo:hi``."""
    return is_relative(v.lower[max(lo, s - 12) : s], value, v.lower[e : min(hi, e + 3)])


def _bucket(n: int) -> str:
    return str(n) if n <= 3 else "4-5" if n <= 5 else "6-9" if n <= 9 else "10-16" if n <= 16 else "17+"


def _slot(name: str, v: TokenView, s: int, e: int, vs: int, ve: int, occupied: dict[int, str], type_: str,
          values_at: set[int]) -> list[str]:
    """Features of one entity span (tokens ``s:e``) in slot `name` relative to the value at ``vs:ve``."""
    if e <= vs:
        side, a, b = "L", e, vs
    elif s >= ve:
        side, a, b = "R", ve, s
    else:
        return [f"{name}:overlap"]
    gap = b - a
    f = [f"{name}:side={side}", f"{name}:d={side}{_bucket(gap)}"]
    between = v.lower[a:b]
    if gap <= 8:
        f.extend(f"{name}:btw={w}" for w in set(between))
        if gap <= 2:
            f.append(f"{name}:btwseq={'_'.join(between)}")
            f.append(f"{name}:sq={side}:{'_'.join(between)}")
    nvals = sum(1 for i in range(a, b) if i in values_at)
    f.append(f"{name}:valsbtw={min(nvals, 2)}")
    same = sum(1 for i in range(a, b) if occupied.get(i) == type_ and (i == a or occupied.get(i - 1) != type_))
    f.append(f"{name}:samebtw={min(same, 2)}")
    f.append(f"{name}:pre={v.lower[s - 1] if s > 0 else '^'}")
    f.append(f"{name}:post={v.lower[e] if e < len(v.lower) else '$'}")
    if any(w in _COMPARE for w in between):
        f.append(f"{name}:cmp={side}")
    if any(w in (",", ";") for w in between):
        f.append(f"{name}:comma={side}")
    if "(" in between or ")" in between:
        f.append(f"{name}:paren={side}")
    return f


def result_candidates(doc: Doc) -> list[ResultCandidate]:
    """Candidate tuples of a Doc whose entities are set (see the module docstring), with their features."""
    entities = doc.user_data.get(ENTITIES, [])
    if not entities or not len(doc):
        return []
    v = view(doc)
    title_end = doc.user_data.get(TITLE_END, 0)
    occupied: dict[int, str] = {}
    by_sent: dict[int, list[tuple[int, int, int]]] = {}
    for k, ent in enumerate(entities):
        for s, e in ent["spans"]:
            by_sent.setdefault(v.sent_id[s], []).append((s, e, k))
            for i in range(s, e):
                occupied[i] = ent["type"]
    types = [ent["type"] for ent in entities]
    proposed = [k for k, t in enumerate(types) if t == "Method" and entities[k].get("role") == "proposed"]
    in_title = {k for k, ent in enumerate(entities) for s, _ in ent["spans"] if doc[s].idx < title_end}
    paper_datasets = [k for k, t in enumerate(types) if t == "Dataset"]
    n_methods = sum(1 for t in types if t == "Method")
    paper_methods = [k for k, t in enumerate(types) if t == "Method"] if n_methods <= 6 else []
    out: list[ResultCandidate] = []
    for sid, (lo, hi) in enumerate(v.bounds):
        spans = sorted(by_sent.get(sid, []))
        metrics = [(s, e, k) for s, e, k in spans if types[k] == "Metric"]
        if not metrics:
            continue
        values = [x for x in find_values(v, lo, hi) if not any(s <= x[0] < e for s, e, _ in spans)]
        if not values:
            continue
        values_at = {s for s, _, _ in values}
        words = set(v.lower[lo:hi])
        authors = bool(words & {"we", "our", "ours"})
        respectively = "respectively" in words
        methods = [(s, e, k) for s, e, k in spans if types[k] == "Method"]
        datasets = [(s, e, k) for s, e, k in spans if types[k] == "Dataset"]
        prev = sorted({k for s, e, k in by_sent.get(sid - 1, []) if types[k] == "Method"})
        m_cands = sorted({k for _, _, k in methods} | set(proposed) | set(prev) | set(paper_methods))
        d_out = paper_datasets if len(paper_datasets) <= 5 else []
        pron = bool(words & _PRONOUNS) or "our" in words
        d_cands: list[int | None] = [None, *sorted({k for _, _, k in datasets} | set(d_out))]
        ds_order = list(dict.fromkeys(k for _, _, k in datasets))
        mt_order = list(dict.fromkeys(k for _, _, k in metrics))
        for n_val, (vs, ve, value) in enumerate(values):
            rel = _relative(v, vs, ve, lo, hi, value)
            vf = [
                "bias", f"v:unit={'%' if '%' in value else 'x' if value[-1:] in 'x×' else 'w' if ' ' in value else 'n'}",
                f"v:pre={v.lower[vs - 1] if vs > lo else '^'}", f"v:pre2={'_'.join(v.lower[max(lo, vs - 2):vs])}",
                f"v:post={v.lower[ve] if ve < hi else '$'}", f"v:rel={rel}", f"v:nvals={_bucket(len(values))}",
                f"v:idx={min(n_val, 3)}", f"v:resp={respectively}", f"v:authors={authors}",
                f"v:signed={value[:1] in '+-'}", f"v:int={value.isdigit()}",
            ]
            if ve + 1 < hi and v.lower[ve] == "to" and ve + 1 in values_at:
                vf.append("v:from_to_first")
            if vs - 2 >= lo and v.lower[vs - 1] == "to" and any(i in values_at for i in range(max(lo, vs - 4), vs - 1)):
                vf.append("v:from_to_second")
            if vs > lo and v.lower[vs - 1] == "(":
                vf.append("v:in_paren")
            slot_cache: dict[tuple[str, int | None], list[str]] = {}

            def nearest(cands: list[tuple[int, int, int]], k: int) -> tuple[int, int] | None:
                spans_k = [(s, e) for s, e, kk in cands if kk == k]
                if not spans_k:
                    return None
                return min(spans_k, key=lambda se: min(abs(se[0] - ve), abs(vs - se[1])))

            def rank(cands: list[tuple[int, int, int]], k: int) -> int:
                dist = {}
                for s, e, kk in cands:
                    d = min(abs(s - ve), abs(vs - e))
                    dist[kk] = min(d, dist.get(kk, d))
                order = sorted(dist, key=lambda kk: dist[kk])
                return order.index(k) if k in order else -1

            def slot_feats(name: str, k: int | None, cands: list[tuple[int, int, int]], order: list[int]) -> list[str]:
                key = (name, k)
                if key in slot_cache:
                    return slot_cache[key]
                if k is None:
                    f = [f"{name}:none", f"{name}:none:nsent={min(len(order), 2)}",
                         f"{name}:none:npaper={min(len(paper_datasets), 3)}"]
                else:
                    se = nearest(cands, k)
                    if se is None:
                        f = [f"{name}:outside"]
                    else:
                        f = _slot(name, v, se[0], se[1], vs, ve, occupied, types[k], values_at)
                        r = rank(cands, k)
                        f.append(f"{name}:rank={min(r, 2)}")
                        if respectively and len(values) > 1 and k in order:
                            f.append(f"{name}:respalign={order.index(k) == n_val}")
                    if name == "method":
                        role = entities[k].get("role") or "none"
                        f.append(f"method:role={role}")
                        f.append(f"method:role={role}:{'in' if se else 'out'}")
                        f.append(f"method:role={role}:authors={authors}")
                        f.append(f"method:role={role}:pron={pron}:{'in' if se else 'out'}")
                        f.append(f"method:nment={min(len(entities[k]['spans']), 3)}")
                        if k in in_title:
                            f.append("method:title")
                        if k in prev and se is None:
                            f.append("method:prevsent")
                        if n_methods == 1:
                            f.append("method:only")
                    if name == "dataset" and se is None:
                        f.append(f"dataset:outside:npaper={min(len(paper_datasets), 3)}")
                slot_cache[key] = f
                return f

            if not m_cands:
                continue
            m_opts = [(k, [*slot_feats("method", k, methods, []), f"method:vpre={vf[2][6:]}"]) for k in m_cands]
            d_opts = [(k, slot_feats("dataset", k, datasets, ds_order)) for k in d_cands]
            for mk in mt_order:
                mf = slot_feats("metric", mk, metrics, mt_order)
                out.append(ResultCandidate(mk, value, (vs, ve), rel, [*vf, *mf], m_opts, d_opts))
    return out


HEADS: tuple[str, ...] = ("pair", "method", "dataset")


@dataclass
class ResultModel:
    """Three logistic heads over one feature vocabulary: ``pair`` (is this value a stated result of this
    metric), ``method`` and ``dataset`` (which option fills the slot); plus the keep threshold."""

    vocab: dict[str, int]
    weights: np.ndarray  # features x heads
    bias: np.ndarray  # heads
    threshold: float = 0.5
    info: dict = field(default_factory=dict)
    ident: str = ""

    def predict(self, head: str, feats: Iterable[list[str]]) -> np.ndarray:
        """P(yes) of head `head` for each feature list."""
        h = HEADS.index(head)
        get, w = self.vocab.get, self.weights[:, h]
        logits = [float(self.bias[h]) + sum(float(w[j]) for j in {get(f) for f in fs} if j is not None)
                  for fs in feats]
        return 1.0 / (1.0 + np.exp(-np.asarray(logits, dtype=np.float64)))

    def score(self, cands: list[ResultCandidate]) -> list[tuple[ResultCandidate, int, int | None, float]]:
        """Each candidate with its most probable method and dataset and the product of the three heads."""
        pair = self.predict("pair", (c.feats for c in cands))
        out = []
        for c, p in zip(cands, pair):
            pm = self.predict("method", (f for _, f in c.methods))
            pd = self.predict("dataset", (f for _, f in c.datasets))
            i, j = int(np.argmax(pm)), int(np.argmax(pd))
            out.append((c, c.methods[i][0], c.datasets[j][0], float(p * pm[i] * pd[j])))
        return out


def choose(scored: list[tuple[ResultCandidate, int, int | None, float]], threshold: float,
           ) -> list[tuple[ResultCandidate, int, int | None, float]]:
    """Each value's most probable tuple, kept when it reaches `threshold`, in text order, without repeats."""
    best: dict[tuple[int, int], tuple[ResultCandidate, int, int | None, float]] = {}
    for x in scored:
        if x[0].span not in best or x[3] > best[x[0].span][3]:
            best[x[0].span] = x
    kept, seen = [], set()
    for span in sorted(best):
        c, m, d, p = best[span]
        key = (m, d, c.metric, c.value)
        if p >= threshold and key not in seen:
            seen.add(key)
            kept.append(best[span])
    return kept


class LearnedResults:
    """Set ``doc.user_data["kg.results"]`` from the learned tuple model (see the module docstring)."""

    def __init__(self, name: str = "kg_results", model: str | Path | ResultModel | None = None) -> None:
        self.name = name
        self.model = model if isinstance(model, ResultModel) else load_results_model(Path(model or ""))

    def __call__(self, doc: Doc) -> Doc:
        entities = doc.user_data.get(ENTITIES, [])
        cands = result_candidates(doc)
        results = []
        if cands:
            for c, m, d, p in choose(self.model.score(cands), self.model.threshold):
                results.append({
                    "method": entities[m]["name"],
                    "dataset": entities[d]["name"] if d is not None else None,
                    "metric": entities[c.metric]["name"], "value": c.value, "span": list(c.span),
                    "relative": c.relative, "confidence": round(p, 3),
                })
        doc.user_data[RESULTS] = results
        doc.user_data.pop(VIEW, None)
        doc.user_data.pop(CANDS, None)
        return doc


def training_rows(cands: list[ResultCandidate], labels: list[tuple[int, list[int], list[int]]],
                  ) -> dict[str, tuple[list[list[str]], list[int]]]:
    """Rows of each head: every pair; the method and dataset options of the pairs that are stated results."""
    rows: dict[str, tuple[list[list[str]], list[int]]] = {h: ([], []) for h in HEADS}
    for c, (pl, ml, dl) in zip(cands, labels):
        rows["pair"][0].append(c.feats)
        rows["pair"][1].append(pl)
        if pl and any(ml):
            for (_, f), y in zip(c.methods, ml):
                rows["method"][0].append(f)
                rows["method"][1].append(y)
        if pl and any(dl):
            for (_, f), y in zip(c.datasets, dl):
                rows["dataset"][0].append(f)
                rows["dataset"][1].append(y)
    return rows


def fit_results(rows: dict[str, tuple[list[list[str]], list[int]]], *, C: float = 0.5, min_count: int = 2,
                threshold: float = 0.5, info: dict | None = None) -> ResultModel:
    """Fit the three heads on their rows (``training_rows``; scikit-learn, lbfgs, L2; deterministic)."""
    try:
        from scipy.sparse import csr_matrix
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise KGError("training needs scikit-learn: pip install 'kg[train]'") from exc
    counts: dict[str, int] = {}
    for feats, _ in rows.values():
        for fs in feats:
            for f in set(fs):
                counts[f] = counts.get(f, 0) + 1
    vocab = {f: i for i, f in enumerate(sorted(f for f, n in counts.items() if n >= min_count))}
    weights = np.zeros((len(vocab), len(HEADS)), dtype=np.float32)
    bias = np.zeros(len(HEADS), dtype=np.float32)
    for h, head in enumerate(HEADS):
        feats, y = rows[head]
        if len(set(y)) < 2:
            if head == "pair":
                raise KGError("training the result model needs stated results and other candidate values")
            continue  # no choice seen: every option scores the same
        indptr, indices = [0], []
        for fs in feats:
            indices.extend(sorted({vocab[f] for f in fs if f in vocab}))
            indptr.append(len(indices))
        X = csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(feats), len(vocab)))
        clf = LogisticRegression(C=C, max_iter=500, tol=1e-4)
        clf.fit(X, np.asarray(y))
        weights[:, h] = clf.coef_[0]
        bias[h] = clf.intercept_[0]
    return ResultModel(vocab, weights, bias, threshold, dict(info or {}, C=C, min_count=min_count))


def _entity_forms(doc: Doc, ent: dict) -> set[str]:
    from kg.evaluate import _forms

    return _forms({"name": ent["name"], "mentions": [doc[s:e].text for s, e in ent["spans"]]})


def label_candidates(doc: Doc, cands: list[ResultCandidate], gold: dict) -> list[tuple[int, list[int], list[int]]]:
    """Per candidate pair: 1 when a gold result of the paper has its value and metric (as ``kg eval`` matches
    them), and for each method and dataset option 1 when such a gold result also names it."""
    from kg.evaluate import _result_keys, _value_key

    gkeys = _result_keys(gold.get("results") or [], [e for e in gold.get("entities", []) if e.get("type")])
    entities = doc.user_data.get(ENTITIES, [])
    forms = [_entity_forms(doc, e) for e in entities]
    out = []
    for c in cands:
        vk = _value_key(c.value)
        hits = [g for g in gkeys if g[3] == vk and forms[c.metric] & g[2]]
        ml = [int(any(forms[k] & g[0] for g in hits)) for k, _ in c.methods]
        dl = [int(any((forms[k] & g[1]) if k is not None else not g[1] for g in hits)) for k, _ in c.datasets]
        out.append((int(bool(hits)), ml, dl))
    return out


def _ident(meta: bytes, weights: bytes) -> str:
    return hashlib.sha256(meta + b"\0" + weights).hexdigest()[:12]


def save_results_model(model: ResultModel, directory: str | Path) -> Path:
    """Write `model` as ``results.json`` + ``results.npz`` into `directory` (atomic per file); sets its ident."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    meta = {"format": FORMAT, "threshold": model.threshold, "info": model.info,
            "features": sorted(model.vocab, key=model.vocab.__getitem__)}
    meta_bytes = json.dumps(meta, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    tmp = d / (_WEIGHTS + ".tmp.npz")
    np.savez_compressed(tmp, weights=model.weights.astype(np.float32), bias=model.bias.astype(np.float32))
    tmp.replace(d / _WEIGHTS)
    (d / (_META + ".tmp")).write_bytes(meta_bytes)
    (d / (_META + ".tmp")).replace(d / _META)
    model.ident = _ident(meta_bytes, (d / _WEIGHTS).read_bytes())
    return d


def has_results_model(directory: str | Path) -> bool:
    """True when `directory` holds a result model (older model directories have only the entity decision)."""
    return (Path(directory) / _META).is_file()


@cache
def load_results_model(directory: str | Path) -> ResultModel:
    """Read ``results.json`` + ``results.npz`` from a model directory; InputError when they are not valid."""
    d = Path(directory)
    try:
        meta_bytes, weight_bytes = (d / _META).read_bytes(), (d / _WEIGHTS).read_bytes()
    except OSError as exc:
        raise InputError(f"no result model ({_META}, {_WEIGHTS}): {exc.strerror or exc}", path=str(d)) from exc
    try:
        meta = json.loads(meta_bytes)
        if meta.get("format") != FORMAT:
            raise ValueError(f"format {meta.get('format')!r}, expected {FORMAT!r}")
        with np.load(io.BytesIO(weight_bytes), allow_pickle=False) as z:
            weights = np.asarray(z["weights"], dtype=np.float32)
            bias = np.asarray(z["bias"], dtype=np.float32)
        if weights.shape != (len(meta["features"]), len(HEADS)) or bias.shape != (len(HEADS),):
            raise ValueError(f"weights {weights.shape} do not fit {len(meta['features'])} features x {len(HEADS)} heads")
    except (ValueError, KeyError, TypeError, IndexError, json.JSONDecodeError) as exc:
        raise InputError(f"invalid result model: {exc}", path=str(d)) from exc
    return ResultModel({f: i for i, f in enumerate(meta["features"])}, weights, bias,
                       float(meta.get("threshold", 0.5)), meta.get("info", {}), _ident(meta_bytes, weight_bytes))


def results_rows_for(data: Iterable, gold: Mapping[str, Mapping], decision: object,
                     ) -> dict[str, tuple[list[list[str]], list[int]]]:
    """Training rows of the result heads from featurized papers (``kg.extract.train.Featurized``) whose
    entities the entity decision `decision` (a ``LearnedDecision``) sets, as it will when extracting."""
    rows: dict[str, tuple[list[list[str]], list[int]]] = {h: ([], []) for h in HEADS}
    for d in data:
        g = gold.get(d.id)
        if g is None:
            continue
        doc = d.doc.copy()
        decision.apply(doc, d.cands, d.feats)  # type: ignore[attr-defined]
        cands = result_candidates(doc)
        for h, (f, y) in training_rows(cands, label_candidates(doc, cands, dict(g))).items():
            rows[h][0].extend(f)
            rows[h][1].extend(y)
    return rows


def train_results(papers: Iterable[Mapping], gold: Mapping[str, Mapping], decision_model: object, *,
                  data: list | None = None, **settings: float) -> ResultModel:
    """Train the result model on annotated papers, over the entities `decision_model` (a ``Model``) decides."""
    from .decide import LearnedDecision
    from .train import featurize

    if data is None:
        data = featurize(p for p in papers if str(p["id"]) in gold)
    rows = results_rows_for(data, gold, LearnedDecision(model=decision_model))  # type: ignore[arg-type]
    s = {**DEFAULTS, **settings}
    return fit_results(rows, C=s["C"], min_count=int(s["min_count"]), threshold=s["threshold"],
                       info={"papers": len(data), "pairs": len(rows["pair"][1])})
