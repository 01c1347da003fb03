"""Results extraction: (method, dataset, metric, value) tuples.

Results carry canonical entity names, which come from the lexicon ("FID" may be listed as "Fréchet Inception
Distance"), so expectations are written as mentions and mapped to the names the extraction chose.
"""

from __future__ import annotations

from kg.extract import ExtractInput, extract_one


def _run(abstract, title=""):
    x = extract_one(ExtractInput("p", title, abstract), fast=True)  # the result rules, on the rules' entities
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


def test_percent_metric_on_dataset():
    _, n, res = _run("We propose ZetaNet. Our model achieves 85.2% top-1 accuracy on ImageNet.")
    assert (n["ZetaNet"], n["ImageNet"], n["top-1 accuracy"], "85.2%") in res


def test_metric_of_value_on_dataset_with_resolution():
    _, n, res = _run("We present KiloGen, a diffusion transformer. KiloGen attains an FID of 1.78 on ImageNet 256x256.")
    assert any(r[0] == n["KiloGen"] and r[2] == n["FID"] and r[3] == "1.78" and r[1] for r in res)


def test_improves_by_value_metric():
    _, n, res = _run("We introduce XTR. Our method improves the retrieval baseline by 2.8 nDCG@10 on BEIR.")
    assert (n["XTR"], n["BEIR"], n["nDCG@10"], "2.8") in res


def test_reaching_value_metric():
    _, n, res = _run("We propose Trax, a translation model. Trax is trained on WMT14, reaching 43.2 BLEU.")
    assert (n["Trax"], n["WMT14"], n["BLEU"], "43.2") in res


def test_acronym_metric_then_from_to():
    _, n, res = _run(
        "We propose KiloGen. On ImageNet, KiloGen improves Frechet inception distance (FID) from 18.65 to 1.80."
    )
    assert (n["KiloGen"], n["ImageNet"], n["FID"], "1.80") in res


def test_value_before_comparison_uses_proposed_method():
    _, n, res = _run(
        "We propose FlexGen. FlexGen improves to 2.08 FID on ImageNet, outperforming DiT and LDM by 0.19 FID."
    )
    assert (n["FlexGen"], n["ImageNet"], n["FID"], "2.08") in res


def test_adjectival_proposed_does_not_make_backbones_proposed():
    x, _, _ = _run("We propose HAWQ. We run an extensive evaluation of the proposed methods on ResNet-50 and BERT.")
    roles = {e.name: e.role for e in x.entities}
    assert roles["ResNet-50"] == "used"


def test_value_before_possessive_metric():
    _, n, res = _run("We propose Polyhistor. Polyhistor matches the state of the art while using only ~10% of their trainable parameters.")
    assert any(r[0] == n["Polyhistor"] and r[3] == "~10%" for r in res)


def test_value_then_baselines_credits_proposed_method():
    _, n, res = _run(
        "We propose FlexGen. On ImageNet, the performance further improves to 2.08 FID, outperforming DiT and LDM."
    )
    assert (n["FlexGen"], n["ImageNet"], n["FID"], "2.08") in res


def test_single_dataset_paper_fills_missing_dataset():
    _, n, res = _run("We propose FlexGen and train it on ImageNet. The model reaches 2.08 FID with 13 steps.")
    assert (n["FlexGen"], n["ImageNet"], n["FID"], "2.08") in res
