"""Component ``kg_results``: stated results tying a method, a dataset and a metric to a value.

In each sentence, a Metric mention with a reported value next to it ("1.78 FID", "FID of 1.78",
"improves ... by 2.8 nDCG@10") yields a result. The method is a proposed Method named in the sentence,
else the paper's proposed Method when the authors speak ("our", "we"), else the nearest Method before the
value, or the proposed Method when the value comes before a comparison ("improves to 2.08 FID, outperforming
DiT"); the dataset is the Dataset named in the sentence nearest to the value, else the paper's only Dataset
when it names exactly one (or none). LaTeX-escaped values ("63.7\\%") are cleaned.
"""

from __future__ import annotations

from spacy.tokens import Doc, Span

from .common import CANDS, VIEW, is_number, view
from .merge import ENTITIES

__all__ = ["ResultFinder", "RESULTS"]

RESULTS = "kg.results"
_BEFORE_LINK = frozenset({"faster", "higher", "lower", "better", "fewer", "less", "more", "smaller", "larger", "reduction", "improvement", "improvements", "gain", "gains", "increase", "decrease", "drop", "in", "the", "of", "absolute", "relative", "average", "points", "point", "pp", "their", "its", "our"})
_COMPARE = frozenset({"outperforming", "outperforms", "outperform", "than", "over", "surpassing", "surpasses", "beating", "beats", "compared", "versus", "vs.", "vs"})
_LINK = frozenset({"of", "to", "at", "by", "=", ":", "is", "was", "reaches", "reaching", "achieves", "achieving", "score", "scores", "(", "a", "an", "only", "approximately", "about", "around", "up", "over", "nearly", "roughly", "just"})


class ResultFinder:
    """Find (method, dataset, metric, value) tuples; see the module docstring."""

    def __init__(self, name: str = "kg_results", max_gap: int = 4) -> None:
        self.name = name
        self.max_gap = max_gap

    @staticmethod
    def _value(doc: Doc, i: int) -> tuple[str, int, int] | None:
        tok = doc[i]
        if not is_number(tok.text) or not any(c.isdigit() for c in tok.text):
            return None
        end = i + 1
        if end < len(doc) and doc[end].text in ("%", "x", "×", "times", "X"):
            end += 1
        return doc[i:end].text.replace(" ", "").replace("\\%", "%"), i, end  # LaTeX "63.7\%" -> "63.7%"

    def _find_value(self, doc: Doc, sent: Span, s: int, e: int, occupied: set[int]) -> list[tuple[str, int, int]]:
        """Values reported for the metric at ``doc[s:e]``: "1.78 FID", "5x reduction in the FID",
        "FID of 1.78", "FID from 18.65 to 1.80", "scores of 44.1% and 30.5%", "accuracy on X (up to 5.6%)"."""
        j = s - 1
        hops = 0
        while j >= sent.start and hops <= 4:
            if doc[j].text in ("%", "x", "×", "times"):
                j -= 1
                continue
            v = self._value(doc, j)
            if v:
                return [v]
            if doc[j].lower_ not in _BEFORE_LINK:
                break
            j -= 1
            hops += 1
        j = e
        values: list[tuple[str, int, int]] = []
        while j < sent.end and j - e < self.max_gap + 6:
            tok = doc[j]
            v = self._value(doc, j)
            if v:
                if j + 1 < sent.end and doc[j + 1].lower_ == "to" and j + 2 < sent.end and self._value(doc, j + 2):
                    j += 2
                    continue
                values.append(v)
                j = v[2]
                if j < sent.end and doc[j].lower_ in ("and", ",", "/") and j + 1 < sent.end and self._value(doc, j + 1):
                    j += 1
                    continue
                break
            if tok.text in (",", ".", ";"):
                break
            if tok.lower_ not in _LINK and tok.lower_ not in ("from", "on", "in", "with", "up", "(", ")", "average") and j not in occupied:
                break
            j += 1
        return values

    @staticmethod
    def _compared_after(words: list[str], value_at: int, methods: list[tuple[int, int]], lo: int) -> bool:
        """True when a comparison word ("outperforming", "than", "over") comes between the value (at sentence
        offset `value_at`) and the first Method named after it: those methods are baselines, not the subject."""
        if not methods:
            return False
        first = min(ss - lo for ss, _ in methods)
        return any(w in _COMPARE for w in words[value_at:first])

    def __call__(self, doc: Doc) -> Doc:
        entities = doc.user_data.get(ENTITIES, [])
        spans: list[tuple[int, int, int]] = []  # (start, end, entity index)
        for k, ent in enumerate(entities):
            for s, e in ent["spans"]:
                spans.append((s, e, k))
        spans.sort()
        proposed = [k for k, ent in enumerate(entities) if ent["type"] == "Method" and ent["role"] == "proposed"]
        all_datasets = [k for k, ent in enumerate(entities) if ent["type"] == "Dataset"]
        only_dataset = all_datasets[0] if len(all_datasets) == 1 else None
        results: list[dict] = []
        seen: set[tuple] = set()
        occupied = {i for s, e, _ in spans for i in range(s, e)}
        v = view(doc)
        for s, e, k in spans:
            if entities[k]["type"] != "Metric":
                continue
            lo, hi = v.sent(s)
            sent = doc[lo:hi]
            values = self._find_value(doc, sent, s, e, occupied)
            if not values:
                continue
            in_sent = [(ss, ee, kk) for ss, ee, kk in spans if sent.start <= ss < sent.end]
            methods = [(ss, kk) for ss, ee, kk in in_sent if entities[kk]["type"] == "Method"]
            vs = values[0][1]
            method = next((kk for ss, kk in methods if kk in proposed), None)
            words = v.lower[lo:hi]
            if method is None and proposed and any(w in ("our", "we", "ours") for w in words):
                method = proposed[0]
            if method is None:
                before = [kk for ss, kk in methods if ss < vs]
                method = before[-1] if before else (proposed[0] if proposed and not methods else None)
                if method is None and proposed and not before and self._compared_after(words, vs - lo, methods, lo):
                    method = proposed[0]  # "improves to 2.08 FID, outperforming AiM and VAR": the paper's method
            if method is None:
                continue
            datasets = [(ss, kk) for ss, ee, kk in in_sent if entities[kk]["type"] == "Dataset"]
            respectively = "respectively" in words
            paired: list[int] = []
            for ss, kk in datasets:  # distinct datasets after the first value, in order ("on AC and CL, respectively")
                if ss > vs and kk not in paired:
                    paired.append(kk)
            for n, (value, vs, ve) in enumerate(values):
                if respectively and len(values) > 1 and len(paired) >= len(values):
                    dataset = paired[n]
                elif datasets:
                    dataset = min(datasets, key=lambda d: abs(d[0] - vs))[1]
                else:  # no dataset in the sentence: the paper's only dataset, if it names exactly one
                    dataset = only_dataset
                key = (method, dataset, k, value)
                if key in seen:
                    continue
                seen.add(key)
                results.append(
                    {
                        "method": entities[method]["name"],
                        "dataset": entities[dataset]["name"] if dataset is not None else None,
                        "metric": entities[k]["name"],
                        "value": value,
                        "span": [vs, ve],
                        "confidence": 0.6 if dataset is not None else 0.5,
                    }
                )
        doc.user_data[RESULTS] = results
        doc.user_data.pop(VIEW, None)
        doc.user_data.pop(CANDS, None)  # not needed downstream; keeps worker-to-parent transfers small
        return doc
