"""Entity resolution across papers: what merges, what stays apart, what becomes a VARIANT_OF link."""

from __future__ import annotations

import random

import pytest

from kg.graph import build_graph, resolve, variant_links
from kg.graph.resolve import is_acronym_of, surface_key, variant_base
from kg.records import Entity, Evidence, Paper, PaperExtraction, Result


def ent(name: str, *mentions: str, type: str = "Method", role: str | None = "used") -> Entity:
    forms = mentions or (name,)
    return Entity(type, name, tuple(forms), None if type in ("Metric", "Task") else role, 0.9,
                  (Evidence("abstract", 0, len(forms[0]), forms[0]),))


def paper_x(pid: str, *entities: Entity, results: tuple[Result, ...] = ()) -> PaperExtraction:
    return PaperExtraction(pid, tuple(entities), results, "test/1")


def ids(extractions: list[PaperExtraction]) -> dict[tuple[str, str], str]:
    res = resolve(extractions)
    return {(x.paper_id, e.name): res.entity_id(e) for x in extractions for e in x.entities}


def test_same_name_in_thirty_papers_is_one_node() -> None:
    xs = [paper_x(f"p{i}", ent("MNIST", type="Dataset")) for i in range(30)]
    res = resolve(xs)
    assert list(res.entities) == ["dataset:mnist"]
    graph = build_graph([Paper(f"p{i}", "t", "a") for i in range(30)], xs)
    assert graph.nodes["dataset:mnist"]["paper_count"] == 30


def test_case_hyphen_and_plural_variants_merge() -> None:
    xs = [
        paper_x("a", ent("Transformer")),
        paper_x("b", ent("Transformers")),
        paper_x("c", ent("transformer")),
        paper_x("d", ent("Mixture-of-Experts")),
        paper_x("e", ent("mixture of experts")),
        paper_x("f", ent("GPT-2")),
        paper_x("g", ent("GPT2")),
    ]
    got = ids(xs)
    assert got[("a", "Transformer")] == got[("b", "Transformers")] == got[("c", "transformer")]
    assert got[("d", "Mixture-of-Experts")] == got[("e", "mixture of experts")]
    assert got[("f", "GPT-2")] == got[("g", "GPT2")]
    res = resolve(xs)
    transformer = res.entities[got[("a", "Transformer")]]
    assert transformer.aliases == ("Transformer", "Transformers", "transformer")
    assert transformer.name == "Transformer"


def test_acronym_and_expansion_merge_across_papers() -> None:
    xs = [
        paper_x("a", ent("Mixture-of-Transformers", "Mixture-of-Transformers", "MoT", role="proposed")),
        paper_x("b", ent("MoT")),
        paper_x("c", ent("mixture of transformers")),
    ]
    got = ids(xs)
    assert got[("a", "Mixture-of-Transformers")] == got[("b", "MoT")] == got[("c", "mixture of transformers")]


def test_an_acronym_with_two_expansions_does_not_merge() -> None:
    xs = [
        paper_x("a", ent("Zebra-of-Quokkas", "Zebra-of-Quokkas", "ZoQ")),
        paper_x("b", ent("Zone of Quietude", "Zone of Quietude", "ZoQ")),
        paper_x("c", ent("ZoQ")),
    ]
    got = ids(xs)
    assert len({got[("a", "Zebra-of-Quokkas")], got[("b", "Zone of Quietude")], got[("c", "ZoQ")]}) == 3


def test_same_name_different_types_stay_apart() -> None:
    got = ids([paper_x("a", ent("ImageNet", type="Dataset")), paper_x("b", ent("ImageNet", type="Method"))])
    assert got[("a", "ImageNet")] != got[("b", "ImageNet")]


def test_variants_link_instead_of_merging() -> None:
    xs = [paper_x("a", ent("ResNet")), paper_x("b", ent("ResNet-50")), paper_x("c", ent("ResNet-101")),
          paper_x("d", ent("Llama2-7B")), paper_x("e", ent("Llama")), paper_x("f", ent("Adam"))]
    res = resolve(xs)
    got = ids(xs)
    assert len({got[("a", "ResNet")], got[("b", "ResNet-50")], got[("c", "ResNet-101")]}) == 3
    links = set(variant_links(res.entities.values()))
    assert (got[("b", "ResNet-50")], got[("a", "ResNet")]) in links
    assert (got[("c", "ResNet-101")], got[("a", "ResNet")]) in links
    assert (got[("d", "Llama2-7B")], got[("e", "Llama")]) in links
    assert not any(got[("f", "Adam")] in pair for pair in links)


def test_resolution_is_deterministic_whatever_the_order() -> None:
    xs = [
        paper_x("a", ent("Mixture-of-Transformers", "Mixture-of-Transformers", "MoT"), ent("BERT")),
        paper_x("b", ent("MoT"), ent("Bidirectional Encoder Representations from Transformers",
                                    "Bidirectional Encoder Representations from Transformers", "BERT")),
        paper_x("c", ent("transformers"), ent("Transformer"), ent("MNIST", type="Dataset")),
    ]
    first = ids(xs)
    for seed in range(5):
        shuffled = xs[:]
        random.Random(seed).shuffle(shuffled)
        assert ids(shuffled) == first


def test_graph_edges_follow_roles_and_keep_evidence() -> None:
    papers = [Paper("p1", "T", "A"), Paper("p2", "T2", "B")]
    xs = [
        paper_x("p1", ent("MoT-Net", role="proposed"), ent("Transformer"), ent("MNIST", type="Dataset"),
                ent("accuracy", type="Metric"), ent("image classification", type="Task"),
                results=(Result("MoT-Net", "MNIST", "accuracy", "99.1%"),)),
        paper_x("p2", ent("Transformers"), ent("transformer"), ent("MNIST", type="Dataset", role="proposed")),
    ]
    graph = build_graph(papers, xs)
    rel = {(u, v): k for u, v, k in graph.edges(keys=True)}
    assert rel[("p1", "method:mot-net")] == "PROPOSES"
    assert rel[("p1", "method:transformer")] == "USES"
    assert rel[("p1", "dataset:mnist")] == "EVALUATES_ON"
    assert rel[("p2", "dataset:mnist")] == "PROPOSES"
    assert rel[("p1", "metric:accuracy")] == "REPORTS"
    assert rel[("p1", "task:image-classification")] == "ADDRESSES"
    assert graph.number_of_edges("p2", "method:transformer") == 1, "two mentions of one entity give one edge"
    assert graph.nodes["method:transformer"]["paper_count"] == 2
    result = "result:p1:0"
    assert {(k, v) for _, v, k in graph.out_edges(result, keys=True)} == {
        ("OF_METHOD", "method:mot-net"), ("ON_DATASET", "dataset:mnist"), ("MEASURED_BY", "metric:accuracy")}
    edge = graph.edges["p1", "method:transformer", "USES"]
    assert edge["evidence"][0] == {"field": "abstract", "start": 0, "end": 11, "sentence": "Transformer",
                                   "sentence_start": 0}
    assert edge["extractor_version"] == "test/1" and edge["confidence"] == 0.9


@pytest.mark.parametrize(("short", "long", "ok"), [
    ("MoT", "Mixture-of-Transformers", True), ("LoRA", "Low-Rank Adaptation", True),
    ("WSD", "Warmup-Stable-Decay", True), ("GAN", "variational autoencoder", False), ("Adam", "Adaptive moment", False),
])
def test_acronym_check(short: str, long: str, ok: bool) -> None:
    assert is_acronym_of(short, long) is ok


def test_variant_base() -> None:
    assert variant_base(surface_key("ResNet-50")) == "resnet"
    assert variant_base(surface_key("BERT-large")) == "bert"
    assert variant_base(surface_key("MNIST")) is None
    assert variant_base(surface_key("Word2Vec")) is None
