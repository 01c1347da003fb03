"""The learned decision: candidates and features, a reproducible training run, model save/load, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.crossval import cross_validate, fold_ids
from kg.errors import InputError
from kg.evaluate import load_jsonl
from kg.extract import EXTRACTOR_VERSION, ExtractInput, extract, extraction_to_json, extractor_version
from kg.extract.candidates import pooled_candidates
from kg.extract.convert import doc_text
from kg.extract.features import doc_features, shape
from kg.extract.model import Model, load_model, save_model
from kg.extract.pipeline import build_nlp
from kg.extract.train import featurize, labels, train

DATA = Path(__file__).parent / "data"
PAPERS = DATA / "learn_papers.jsonl"
GOLD = DATA / "learn_gold.jsonl"


def _papers() -> list[dict]:
    return list(load_jsonl(PAPERS).values())


def _rules_doc(title: str, abstract: str):
    nlp = build_nlp(model=None)
    doc = nlp.make_doc(doc_text(title, abstract))
    for name, proc in nlp.pipeline:
        if name != "kg_results":
            doc = proc(doc)
    return doc


def test_shape() -> None:
    assert shape("ResNet-50") == "XxXx-d"
    assert shape("BLEU") == "X"
    assert shape("image") == "x"


def test_candidates_pool_rule_spans_and_add_boundary_variants() -> None:
    doc = _rules_doc("A title", "We evaluate ResNet-50 on the ImageNet benchmark with top-1 accuracy.")
    cands = pooled_candidates(doc)
    by_text = {c["text"]: c for c in cands}
    assert by_text["ImageNet"]["kind"] == "rule" and by_text["ImageNet"]["rule_type"] == "Dataset"
    assert "lexicon" in by_text["ImageNet"]["srcs"]
    # a grown variant that stops before the function word "the"
    assert "ImageNet benchmark" in by_text and by_text["ImageNet benchmark"]["kind"].startswith("R+")
    assert not any(c["text"].startswith("the ") for c in cands)
    assert [c["s"] for c in cands] == sorted(c["s"] for c in cands)


def test_features_see_rules_lexicon_shape_and_context() -> None:
    doc = _rules_doc("A title", "We evaluate ResNet-50 on the ImageNet benchmark with top-1 accuracy.")
    cands = pooled_candidates(doc)
    feats = dict(zip((c["text"] for c in cands), doc_features(doc, cands)))
    f = set(feats["ImageNet"])
    assert {"rule=Dataset", "lex=Dataset", "p1=the", "n1=benchmark", "shape=XxXx", "case=title"} <= f
    assert "src=lexicon" in f and "title" not in f
    assert "digit" in feats["ResNet-50"] and "hyphen" in feats["ResNet-50"]


def test_phrase_runs_and_measures_next_to_values_become_candidates() -> None:
    doc = _rules_doc(
        "Foveated Rendering for Head Displays",
        "Our system reduces average power by up to 53% and achieves 22.7% end-to-end acceleration on object discovery.",
    )
    by_text = {c["text"]: c for c in pooled_candidates(doc)}
    # the last words of a run of content words, up to one more word in the title
    assert by_text["Foveated Rendering"]["kind"] == "run2"
    assert by_text["end-to-end acceleration"]["kind"] in ("num_after2", "suf2", "run2")
    assert "object discovery" in by_text
    # a measure just before "by up to <number>" and just after a value
    assert "average power" in by_text
    assert "power" in by_text and by_text["power"]["kind"].startswith("num_before")
    # no candidate starts or ends with a function word, and single words of plain runs are not added
    assert not any(c["text"].split()[0].lower() in ("by", "on", "and") for c in by_text.values())
    assert "discovery" not in by_text


def test_phrase_statistics_give_task_and_measure_features() -> None:
    from kg.extract.features import surface_features
    from kg.extract.resources import phrase_stats

    stats = phrase_stats()
    occ, task, _, metric = stats["accuracy"]
    assert metric > task and occ >= metric
    assert stats["image classification"][1] > 0
    feats = set(surface_features("image classification", ("image", "classification")))
    assert any(f.startswith("ps_task=") for f in feats) and any(f.startswith("psh_task=") for f in feats)
    assert "ps=unseen" in surface_features("Zyxwv", ("Zyxwv",))


def test_labels_follow_the_scorer_forms_and_skip_optional() -> None:
    doc = _rules_doc("A title", "We evaluate ResNet-50 on the ImageNet benchmark with top-1 accuracy.")
    cands = pooled_candidates(doc)
    gold = {"entities": [
        {"type": "Dataset", "name": "ImageNet", "mentions": ["ImageNet"], "tier": "core"},
        {"type": "Method", "name": "ResNet-50", "mentions": ["ResNet-50"], "tier": "optional"},
    ]}
    lab = dict(zip((c["text"] for c in cands), labels(cands, gold)))
    assert lab["ImageNet"] == 2  # CLASSES.index("Dataset")
    assert lab["ResNet-50"] is None
    assert lab["ImageNet benchmark"] == 0


def test_training_is_reproducible_and_save_load_round_trips(tmp_path: Path) -> None:
    gold = load_jsonl(GOLD)
    a = train(_papers(), gold)
    b = train(list(reversed(_papers())), gold)
    assert a.vocab == b.vocab
    assert np.array_equal(a.weights, b.weights) and np.array_equal(a.bias, b.bias)
    save_model(a, tmp_path / "m1")
    save_model(b, tmp_path / "m2")
    assert (tmp_path / "m1" / "weights.npz").read_bytes() == (tmp_path / "m2" / "weights.npz").read_bytes()
    loaded = load_model(tmp_path / "m1")
    assert loaded.ident == a.ident == b.ident and len(loaded.ident) == 12
    assert loaded.role_weights is not None and np.array_equal(loaded.role_weights, a.role_weights)
    data = featurize(_papers()[:3])
    for d in data:
        assert np.allclose(loaded.predict(d.feats), a.predict(d.feats), atol=1e-6)


def test_trained_model_learns_the_fixture(tmp_path: Path) -> None:
    model_dir = save_model(train(_papers(), load_jsonl(GOLD)), tmp_path / "m")
    out = {x.paper_id: extraction_to_json(x)
           for x in extract([ExtractInput(p["id"], p["title"], p["abstract"]) for p in _papers()], model=model_dir)}
    names = {(e["type"], e["name"]) for e in out["t1"]["entities"]}
    assert ("Method", "FlowNetX") in names and ("Dataset", "Sintel") in names


def test_bad_model_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a kg model directory"):
        load_model(tmp_path)
    (tmp_path / "model.json").write_text(json.dumps({"format": "other"}))
    np.savez(tmp_path / "weights.npz", weights=np.zeros((1, 5)), bias=np.zeros(5))
    with pytest.raises(InputError, match="format"):
        load_model(tmp_path)


def test_version_names_the_model_and_differs_from_the_rules() -> None:
    default = extractor_version()
    assert default.startswith(EXTRACTOR_VERSION + "+") and default != extractor_version(fast=True)
    assert extractor_version(fast=True) == EXTRACTOR_VERSION + "+rules"
    [x] = extract([ExtractInput("p", "T", "We use BERT on GLUE.")])
    assert x.extractor_version == default


def test_default_model_output_is_identical_with_one_and_two_workers() -> None:
    papers = [ExtractInput(p["id"], p["title"], p["abstract"]) for p in _papers()]
    one = [extraction_to_json(x) for x in extract(papers, workers=1)]
    two = [extraction_to_json(x) for x in extract(papers, workers=2, batch_size=3)]
    assert one == two


def test_fold_ids_are_seeded_and_partition() -> None:
    ids = [f"p{i}" for i in range(11)]
    folds = fold_ids(ids, 3, seed=0)
    assert sorted(sum(folds, [])) == sorted(ids) and fold_ids(reversed(ids), 3, seed=0) == folds
    assert fold_ids(ids, 3, seed=1) != folds


def test_cross_validation_scores_every_paper_once() -> None:
    result = cross_validate(_papers(), load_jsonl(GOLD), folds=2, seed=0)
    assert len(result.per_fold) == 2 and set(result.predictions) == set(load_jsonl(GOLD))
    rules = cross_validate(_papers(), load_jsonl(GOLD), folds=2, learned=False)
    assert rules.report.typed["ALL"]["gold"] == result.report.typed["ALL"]["gold"] > 0


def test_cli_train_extract_and_eval_folds(tmp_path: Path) -> None:
    runner = CliRunner()
    model_dir = tmp_path / "model"
    r = runner.invoke(cli, ["train", "--papers", str(PAPERS), "--gold", str(GOLD), "-o", str(model_dir)])
    assert r.exit_code == 0, r.output
    assert "10 papers" in r.output and (model_dir / "weights.npz").exists()
    out = tmp_path / "x.jsonl"
    r = runner.invoke(cli, ["extract", str(PAPERS), "--model", str(model_dir), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert len(out.read_text().splitlines()) == 10
    r = runner.invoke(cli, ["eval", "--papers", str(PAPERS), "--gold", str(GOLD), "--folds", "2", "--no-details"])
    assert r.exit_code == 0, r.output
    assert "fold 1: MDM" in r.output and "2-fold cross-validation (seed 0), pooled:" in r.output
    r = runner.invoke(cli, ["eval", "--papers", str(PAPERS), "--gold", str(GOLD), "--model", str(model_dir),
                            "--no-details"])
    assert r.exit_code == 0 and "MDM (Method+Dataset+Metric)" in r.output
    r = runner.invoke(cli, ["eval", "--papers", str(PAPERS), "--gold", str(GOLD), "--model", str(tmp_path)])
    assert isinstance(r.exception, InputError) and "not a kg model directory" in str(r.exception)


def test_model_predicts_nothing_without_features() -> None:
    m = Model(vocab={"bias": 0}, weights=np.zeros((1, 5), dtype=np.float32), bias=np.zeros(5, dtype=np.float32))
    assert m.predict([]).shape == (0, 5)
    assert np.allclose(m.predict([["unknown"]]).sum(axis=1), 1.0)


def test_word_clusters_load_and_cover_common_words() -> None:
    from kg.extract.resources import word_clusters

    levels, table = word_clusters()
    assert list(levels) == sorted(levels) and len(levels) >= 2
    for w in ("accuracy", "classification", "dataset", "the", "<num>"):
        ids = table[w]
        assert len(ids) == len(levels) and all(0 <= i < k for i, k in zip(ids, levels))
    # measures share a cluster more often than a measure and a function word do
    assert table["precision"][0] == table["recall"][0] or table["precision"][1] == table["recall"][1]


def test_cluster_features_of_span_and_context() -> None:
    from kg.extract.features import cluster_features
    from kg.extract.resources import word_clusters

    levels, table = word_clusters()
    doc = _rules_doc("A title", "We evaluate ResNet-50 on the ImageNet benchmark with top-1 accuracy.")
    cands = pooled_candidates(doc)
    feats = dict(zip((c["text"] for c in cands), doc_features(doc, cands)))
    f = set(feats["ImageNet"])
    assert f"c{levels[0]}_p1={table['the'][0]}" in f and f"c{levels[0]}_n1={table['benchmark'][0]}" in f
    # a word without a cluster gives one "unknown" feature per slot; a bag counts each cluster once
    the = f"c{levels[0]}_wr={table['the'][0]}"
    cl = [table["the"], None, table["the"], table["the"], table["the"]]
    assert cluster_features(cl, 1, 2, levels, {"first": (0,), "wr": (0,)}) == ["c_first=?", the]
    assert cluster_features(cl, 0, 1, levels, {"wr": (0,)}) == [the]


def test_word_cluster_script_is_deterministic(tmp_path: Path) -> None:
    pytest.importorskip("floret")
    import importlib.util

    spec = importlib.util.spec_from_file_location("twc", Path(__file__).parents[1] / "scripts" / "train_word_clusters.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    words = ["model", "network", "dataset", "benchmark", "accuracy", "score", "task", "learning"]
    corpus = tmp_path / "c.jsonl"
    rows = [{"id": str(i), "title": f"A {words[i % 8]} for {words[(i * 3) % 8]}",
             "abstract": f"We train a {words[i % 8]} on the {words[(i + 2) % 8]} and report {words[(i + 4) % 8]} of 9.5."}
            for i in range(300)]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    runs = [mod.build(corpus, {"0", "1"}, levels=[2, 4], min_count=3, dim=8, epoch=2, seed=0) for _ in range(2)]
    assert runs[0] == runs[1]
    assert runs[0]["info"]["papers"] == 298 and "<num>" in runs[0]["words"] and "dataset" in runs[0]["words"]
    assert all(len(ids) == 2 and ids[0] < 2 and ids[1] < 4 for ids in runs[0]["words"].values())
