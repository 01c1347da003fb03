"""Results extraction: (method, dataset, metric, value) tuples.

Results carry canonical entity names, which come from the lexicon ("FID" may be listed as "Fréchet Inception
Distance"), so expectations are written as mentions and mapped to the names the extraction chose.
"""

from __future__ import annotations

from kg.extract import ExtractInput, extract_one


def _run(abstract, title=""):
    x = extract_one(ExtractInput("p", title, abstract))
    names = {m: e.name for e in x.entities for m in e.mentions}
    results = {(r.method, r.dataset, r.metric, r.value) for r in x.results}
    return x, names, results


def test_value_before_metric():
    _, n, res = _run("Our largest model M-VAR-d32 registers 1.78 FID on ImageNet.", "M-VAR: Decoupled Modeling")
    assert (n["M-VAR"], n["ImageNet"], n["FID"], "1.78") in res


def test_metric_of_value():
    _, n, res = _run("We propose ZetaNet. On CIFAR-10, ZetaNet reaches an accuracy of 97.3% with few parameters.")
    assert (n["ZetaNet"], n["CIFAR-10"], n["accuracy"], "97.3%") in res


def test_from_to_and_respectively():
    _, n, res = _run(
        "We introduce KiloGen. On ImageNet, KiloGen improves FID from 18.65 to 1.80. "
        "KiloGen achieves BLEU scores of 41.2 and 38.5 on WMT14 and WMT16 datasets, respectively."
    )
    assert (n["KiloGen"], n["ImageNet"], n["FID"], "1.80") in res
    assert (n["KiloGen"], n["WMT14"], n["BLEU scores"], "41.2") in res
    assert (n["KiloGen"], n["WMT16"], n["BLEU scores"], "38.5") in res


def test_improvement_by_value():
    _, n, res = _run("We propose XTR. XTR advances the state-of-the-art by 2.8 nDCG@10 on BEIR.")
    assert (n["XTR"], n["BEIR"], n["nDCG@10"], "2.8") in res


def test_result_evidence_points_at_value():
    x, _, _ = _run("We propose ZetaNet. ZetaNet reaches 1.78 FID on ImageNet.")
    r = x.results[0]
    assert r.evidence is not None
    assert r.evidence.sentence[r.evidence.start - r.evidence.sentence_start :].startswith("1.78")
