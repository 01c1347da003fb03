"""Score the extractor against gold annotations (the metric of ``../shared/eval/score.py``, reimplemented).

Entity scores are computed exactly as the reference scorer does: a predicted entity matches a gold entity of
the same type when any normalized surface form (name + mentions) equals a normalized gold form; predictions
matching only ``optional`` gold entities are ignored; P, R and F1 are rounded to 3 places per type, and the
Method+Dataset+Metric (MDM) micro figures are recombined from those rounded values, as score.py does.

On top of that we report role accuracy on matched Method/Dataset entities, precision/recall of result
tuples, and per-paper misses and false positives to learn from.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from kg.errors import InputError

__all__ = [
    "TYPES",
    "norm",
    "EvalReport",
    "PaperDiff",
    "load_jsonl",
    "score_entities",
    "score_predictions",
    "evaluate",
    "evaluate_records",
    "format_report",
]

TYPES: tuple[str, ...] = ("Method", "Dataset", "Metric", "Task")
MDM_TYPES: tuple[str, ...] = ("Method", "Dataset", "Metric")


def norm(s: str) -> str:
    """Normalize a surface form exactly like score.py (NFKC, lower, dashes to spaces, plural fold)."""
    s = unicodedata.normalize("NFKC", s).lower()
    s = re.sub(r"[\s\-_‐–—/]+", " ", s).strip()
    s = re.sub(r"[^\w@%. +]", "", s)
    s = re.sub(r"\s+", " ", s).strip()
    if len(s) > 3 and s.endswith("s") and not s.endswith("ss"):
        s = s[:-1]
    return s


def _forms(e: Mapping) -> set[str]:
    fs = {norm(e.get("name", "") or "")} | {norm(m) for m in e.get("mentions", []) or []}
    fs.discard("")
    return fs


@dataclass(frozen=True)
class PaperDiff:
    """What the extractor missed (core gold entities) and got wrong (false positives) in one paper."""

    id: str
    misses: tuple[tuple[str, str], ...]
    false_positives: tuple[tuple[str, str], ...]
    wrong_roles: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class EvalReport:
    """Scores of one evaluation run.

    `typed` maps each type and "ALL" to ``{"P", "R", "F1", "gold", "pred"}`` (as score.py prints them);
    `mdm` holds the Method+Dataset+Metric micro ``{"P", "R", "F1"}``.
    """

    typed: dict[str, dict[str, float]]
    mdm: dict[str, float]
    missing: int
    role_accuracy: float
    role_total: int
    results_precision: float
    results_recall: float
    results_pred: int
    results_gold: int
    papers: tuple[PaperDiff, ...]


def load_jsonl(path: str | Path) -> dict[str, dict]:
    """Read a JSONL file of objects with an ``id`` into ``{id: object}`` (InputError on bad lines)."""
    out: dict[str, dict] = {}
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=str(p)) from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg}", path=str(p), line=number) from exc
        if not isinstance(d, dict) or "id" not in d:
            raise InputError("expected a JSON object with an 'id'", path=str(p), line=number)
        out[str(d["id"])] = d
    return out


def score_entities(gold: Mapping[str, dict], pred: Mapping[str, dict]) -> dict[str, dict[str, float]]:
    """Per-type and overall P/R/F1 exactly as score.py's ``score(gold, pred, typed=True)``."""
    stats: dict[str, dict[str, int]] = {t: defaultdict(int) for t in (*TYPES, "ALL")}
    for pid, g in gold.items():
        p = pred.get(pid, {"entities": []})
        gents = [e for e in g["entities"] if e["type"] in TYPES]
        pents = [e for e in p.get("entities", []) if e.get("type") in TYPES]
        for t in TYPES:
            gt = [e for e in gents if e["type"] == t]
            core = [e for e in gt if e.get("tier", "core") == "core"]
            opt = [e for e in gt if e.get("tier") == "optional"]
            found: set[int] = set()
            for e in (e for e in pents if e["type"] == t):
                f = _forms(e)
                hit = [i for i, c in enumerate(core) if f & _forms(c)]
                if hit:
                    stats[t]["tp_pred"] += 1
                    found.update(hit)
                elif any(f & _forms(o) for o in opt):
                    continue
                else:
                    stats[t]["fp"] += 1
            stats[t]["gold"] += len(core)
            stats[t]["found"] += len(found)
    for t in TYPES:
        for k, v in stats[t].items():
            stats["ALL"][k] += v
    res: dict[str, dict[str, float]] = {}
    for t, s in stats.items():
        P = s["tp_pred"] / max(1, s["tp_pred"] + s["fp"])
        R = s["found"] / max(1, s["gold"])
        F = 2 * P * R / max(1e-9, P + R)
        res[t] = dict(P=round(P, 3), R=round(R, 3), F1=round(F, 3), gold=s["gold"], pred=s["tp_pred"] + s["fp"])
    return res


def _mdm(typed: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """MDM micro figures recombined from the rounded per-type values, as score.py does."""
    mdm = {k: typed[k] for k in MDM_TYPES}
    tp = sum(v["P"] * v["pred"] for v in mdm.values())
    npred = sum(v["pred"] for v in mdm.values())
    rec = sum(v["R"] * v["gold"] for v in mdm.values())
    ngold = sum(v["gold"] for v in mdm.values())
    P = tp / max(1, npred)
    R = rec / max(1, ngold)
    F = 2 * P * R / max(1e-9, P + R)
    return dict(P=P, R=R, F1=F)


def _value_key(v: object) -> str:
    s = unicodedata.normalize("NFKC", str(v)).lower().replace(" ", "").replace("\\", "")
    s = s.replace("×", "x").replace("times", "x").lstrip("~≈")
    return s


def _name_forms(name: str | None, entities: list[dict]) -> set[str]:
    if name is None:
        return set()
    n = norm(name)
    for e in entities:
        f = _forms(e)
        if n in f:
            return f
    return {n}


def _result_keys(results: list[dict], entities: list[dict]) -> list[tuple]:
    return [
        (
            _name_forms(r.get("method"), entities),
            _name_forms(r.get("dataset"), entities),
            _name_forms(r.get("metric"), entities),
            _value_key(r.get("value", "")),
        )
        for r in results
        if r.get("method") and r.get("metric")
    ]


def _results_match(a: tuple, b: tuple) -> bool:
    return bool(a[0] & b[0]) and (a[1] & b[1] or (not a[1] and not b[1])) and bool(a[2] & b[2]) and a[3] == b[3]


def score_predictions(gold: Mapping[str, dict], pred: Mapping[str, dict]) -> EvalReport:
    """Score in-memory predictions (``{id: {"entities": [...], "results": [...]}}``) against gold."""
    typed = score_entities(gold, pred)
    role_ok = role_n = 0
    res_tp_p = res_tp_g = res_pred = res_gold = 0
    diffs: list[PaperDiff] = []
    for pid, g in gold.items():
        p = pred.get(pid, {"entities": [], "results": []})
        gents = [e for e in g["entities"] if e["type"] in TYPES]
        pents = [e for e in p.get("entities", []) if e.get("type") in TYPES]
        misses, fps, wrong = [], [], []
        for t in TYPES:
            core = [e for e in gents if e["type"] == t and e.get("tier", "core") == "core"]
            opt = [e for e in gents if e["type"] == t and e.get("tier") == "optional"]
            pt = [e for e in pents if e["type"] == t]
            for c in core:
                hits = [e for e in pt if _forms(e) & _forms(c)]
                if not hits:
                    misses.append((t, c["name"]))
                elif t in ("Method", "Dataset") and c.get("role"):
                    role_n += 1
                    if hits[0].get("role") == c["role"]:
                        role_ok += 1
                    else:
                        wrong.append((t, c["name"], str(hits[0].get("role"))))
            for e in pt:
                f = _forms(e)
                if not any(f & _forms(c) for c in core) and not any(f & _forms(o) for o in opt):
                    fps.append((t, e.get("name", "")))
        gkeys = _result_keys(g.get("results", []) or [], gents)
        pkeys = _result_keys(p.get("results", []) or [], pents)
        res_gold += len(gkeys)
        res_pred += len(pkeys)
        res_tp_p += sum(1 for a in pkeys if any(_results_match(a, b) for b in gkeys))
        res_tp_g += sum(1 for b in gkeys if any(_results_match(a, b) for a in pkeys))
        diffs.append(PaperDiff(pid, tuple(misses), tuple(fps), tuple(wrong)))
    return EvalReport(
        typed=typed,
        mdm=_mdm(typed),
        missing=sum(1 for k in gold if k not in pred),
        role_accuracy=role_ok / max(1, role_n),
        role_total=role_n,
        results_precision=res_tp_p / max(1, res_pred),
        results_recall=res_tp_g / max(1, res_gold),
        results_pred=res_pred,
        results_gold=res_gold,
        papers=tuple(diffs),
    )


def evaluate_records(
    papers: Iterable, gold: Mapping[str, dict], *, workers: int = 1, model: str | Path | None = None, fast: bool = False
) -> tuple[EvalReport, dict[str, dict]]:
    """Run the extractor on in-memory papers and score it; returns the report and the JSON predictions."""
    from kg.extract import extract, extraction_to_json

    pred = {x.paper_id: extraction_to_json(x) for x in extract(papers, workers=workers, model=model, fast=fast)}
    return score_predictions(gold, pred), pred


def evaluate(
    papers_path: str | Path, gold_path: str | Path, *, workers: int = 1, model: str | Path | None = None,
    fast: bool = False,
) -> EvalReport:
    """Run the extractor (`model`/`fast` as in ``kg.extract.extract``) on a papers JSONL file and score it."""
    from kg.extract import read_extract_input

    papers = list(read_extract_input(papers_path))
    gold = load_jsonl(gold_path)
    report, _ = evaluate_records(papers, gold, workers=workers, model=model, fast=fast)
    return report


def format_report(report: EvalReport, *, details: bool = False) -> str:
    """Human-readable report: score.py's lines, then roles, results and (optionally) per-paper errors."""
    lines = [
        f"{t:8s} P={v['P']:.3f} R={v['R']:.3f} F1={v['F1']:.3f} gold={v['gold']} pred={v['pred']}"
        for t, v in report.typed.items()
    ]
    if report.missing:
        lines.append(f"missing predictions for {report.missing} papers")
    m = report.mdm
    lines.append(f"MDM (Method+Dataset+Metric) micro P={m['P']:.3f} R={m['R']:.3f} F1={m['F1']:.3f}")
    lines.append(f"role accuracy {report.role_accuracy:.3f} on {report.role_total} matched Method/Dataset entities")
    lines.append(
        f"results P={report.results_precision:.3f} R={report.results_recall:.3f} "
        f"(pred={report.results_pred} gold={report.results_gold})"
    )
    if details:
        for d in report.papers:
            if d.misses or d.false_positives or d.wrong_roles:
                lines.append(f"== {d.id}")
                if d.misses:
                    lines.append("  miss: " + "; ".join(f"{t}:{n}" for t, n in d.misses))
                if d.false_positives:
                    lines.append("  fp:   " + "; ".join(f"{t}:{n}" for t, n in d.false_positives))
                if d.wrong_roles:
                    lines.append("  role: " + "; ".join(f"{t}:{n}->{r}" for t, n, r in d.wrong_roles))
    return "\n".join(lines)


def report_rows(report: EvalReport) -> list[dict[str, Any]]:
    """The scores as records: one per type (and ALL), then ``MDM``, each with P, R, F1 (and gold, pred counts)."""
    rows: list[dict[str, Any]] = [{"type": t, **v} for t, v in report.typed.items()]
    rows.append({"type": "MDM", **{k: round(report.mdm[k], 3) for k in ("P", "R", "F1")},
                 "gold": None, "pred": None})
    return rows
