"""One node per thing, ids that never move: the identity rules of entity resolution, the merge log, and
id stability as a corpus grows (resolution alone, and full and incremental builds).

The fixtures use invented acronyms ("ZQT", "QZX") that no lexicon knows, next to a few the lexicon
establishes (CLIP, GLUE), so each rule is exercised on its own.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kg.cli import main
from kg.graph import build_graph, resolve
from kg.graph.explain import explain
from kg.graph.resolve import entity_id, identity_key, variant_links
from kg.records import Entity, Evidence, Paper, PaperExtraction
from kg.graph.io import write_graph


def ent(name: str, *mentions: str, type: str = "Method") -> Entity:
    forms = mentions or (name,)
    return Entity(type, name, tuple(forms), None if type in ("Metric", "Task") else "used", 0.9,
                  (Evidence("abstract", 0, len(forms[0]), forms[0]),))


def px(pid: str, *entities: Entity) -> PaperExtraction:
    return PaperExtraction(pid, tuple(entities), (), "test/1")


def node_of(xs: list[PaperExtraction]) -> dict[tuple[str, str], str]:
    res = resolve(xs)
    return {(x.paper_id, e.name): res.entity_id(e) for x in xs for e in x.entities}


def graph_of(xs: list[PaperExtraction]):  # type: ignore[no-untyped-def]
    """The graph of `xs`, each paper's abstract being its first entity's evidence sentence."""
    return build_graph([Paper(x.paper_id, f"Title {x.paper_id}", x.entities[0].evidence[0].sentence) for x in xs], xs)


def defining(n: int, start: int = 0, long: str = "Quantized Zonal Transformer", short: str = "QZT",
             type: str = "Method") -> list[PaperExtraction]:
    return [px(f"def{start + i}", ent(long, long, short, type=type)) for i in range(n)]


# -- duplicates merge ------------------------------------------------------------------------------------------

def test_acronym_defined_in_a_paper_is_one_node_with_its_spelled_out_uses() -> None:
    xs = [*defining(2), px("long", ent("quantized zonal transformers")),
          px("short", ent("QZT", "QZT", "Quantized Zonal Transformer"))]
    got = node_of(xs)
    assert len(set(got.values())) == 1
    assert got[("short", "QZT")] == entity_id("Method", identity_key("Quantized Zonal Transformer"))


def test_acronym_in_the_lexicon_joins_its_expansion_and_its_bare_uses() -> None:
    xs = [px("a", ent("CLIP", "CLIP", "Contrastive Language-Image Pre-training")),
          px("b", ent("Contrastive Language-Image Pretraining")), px("c", ent("CLIP")),
          px("d", ent("GLUE", type="Dataset")), px("e", ent("Glue", type="Dataset")),
          px("f", ent("General Language Understanding Evaluation", type="Dataset"))]
    got = node_of(xs)
    assert got[("a", "CLIP")] == got[("b", "Contrastive Language-Image Pretraining")] == got[("c", "CLIP")]
    assert got[("a", "CLIP")] == "method:clip"
    assert got[("d", "GLUE")] == got[("e", "Glue")] == got[("f", "General Language Understanding Evaluation")]


def test_case_hyphen_spacing_and_plural_variants_are_one_node() -> None:
    xs = [px("a", ent("CIFAR-100", type="Dataset")), px("b", ent("CIFAR100", type="Dataset")),
          px("c", ent("Cifar100", type="Dataset")), px("d", ent("Self-Supervised Pre-Training")),
          px("e", ent("self supervised pretraining")), px("f", ent("LLaMA")), px("g", ent("Llama")),
          px("h", ent("FLOPs", type="Metric")), px("i", ent("FLOPS", "FLOPs", type="Metric"))]
    got = node_of(xs)
    assert got[("a", "CIFAR-100")] == got[("b", "CIFAR100")] == got[("c", "Cifar100")] == "dataset:cifar100"
    assert got[("d", "Self-Supervised Pre-Training")] == got[("e", "self supervised pretraining")]
    assert got[("f", "LLaMA")] == got[("g", "Llama")] == "method:llama"


def test_no_two_nodes_share_a_type_and_name() -> None:
    """Two meanings of one acronym and its bare use are three nodes, with three distinct display names."""
    xs = [*defining(2), *defining(2, 10, "Query Zero Tuning"), px("bare", ent("QZT")),
          *(px(f"q{i}", ent("QZT", "QZT", "Query Zero Tuning")) for i in range(3))]
    graph = graph_of(xs)
    names = [(d["type"], d["name"].casefold()) for _, d in graph.nodes(data=True) if d["type"] == "Method"]
    assert len(names) == 3 and len(set(names)) == 3
    assert graph.nodes["method:qzt"]["name"] == "QZT"


# -- two things, one acronym -----------------------------------------------------------------------------------

def test_two_expansions_of_one_acronym_stay_apart_and_the_bare_use_is_not_guessed() -> None:
    xs = [*defining(3), *defining(2, 10, "Query Zero Tuning"), px("bare", ent("QZT")),
          px("mot", ent("Mixture of Tokens", "Mixture of Tokens", "MoT")), px("mot2", ent("MoT"))]
    got = node_of(xs)
    assert got[("mot", "Mixture of Tokens")] == "method:mixture-of-token"
    assert got[("mot2", "MoT")] == "method:mixture-of-transformer", "the lexicon's MoT"
    assert len({got[("def0", "Quantized Zonal Transformer")], got[("def10", "Query Zero Tuning")],
                got[("bare", "QZT")]}) == 3


def test_a_bare_acronym_the_lexicon_does_not_know_keeps_its_own_node() -> None:
    """However often other papers define it: linking on counts would merge nodes of an earlier build."""
    xs = [*defining(20), px("bare", ent("QZT"))]
    got = node_of(xs)
    assert got[("bare", "QZT")] == "method:qzt" != got[("def0", "Quantized Zonal Transformer")]
    other_type = [px("a", ent("CLIP", type="Dataset")), px("b", ent("CLIP"))]
    assert node_of(other_type)[("a", "CLIP")] == "dataset:clip" != node_of(other_type)[("b", "CLIP")]


def test_a_definition_in_the_paper_wins_over_the_lexicon() -> None:
    xs = [px("a", ent("Cross-Lingual Information Propagation", "Cross-Lingual Information Propagation", "CLIP")),
          px("b", ent("CLIP"))]
    got = node_of(xs)
    assert got[("b", "CLIP")] == "method:clip"
    assert got[("a", "Cross-Lingual Information Propagation")] == "method:cross-lingual-information-propagation"


# -- versions --------------------------------------------------------------------------------------------------

def test_versions_and_variants_are_kept_apart_and_linked() -> None:
    xs = [px("a", ent("Gemini 2.5", "Gemini 2.5", "Gemini", "Gemini 1.5 Pro")), px("b", ent("Gemini 1.5 Pro")),
          px("c", ent("Gemini")), px("d", ent("LLaMA", "LLaMA", "LLaMA-7B")), px("e", ent("LLaMA-7B"))]
    res = resolve(xs)
    got = node_of(xs)
    assert len({got[("a", "Gemini 2.5")], got[("b", "Gemini 1.5 Pro")], got[("c", "Gemini")]}) == 3
    assert got[("d", "LLaMA")] != got[("e", "LLaMA-7B")]
    gemini25 = res.entities[got[("a", "Gemini 2.5")]]
    assert gemini25.aliases == ("Gemini 2.5",), "another version is not an alias"
    assert res.entities[got[("d", "LLaMA")]].aliases == ("LLaMA",)
    links = set(variant_links(res.entities.values()))
    assert (got[("a", "Gemini 2.5")], got[("c", "Gemini")]) in links
    assert (got[("b", "Gemini 1.5 Pro")], got[("c", "Gemini")]) in links
    assert (got[("e", "LLaMA-7B")], got[("d", "LLaMA")]) in links


# -- ids -------------------------------------------------------------------------------------------------------

def test_ids_do_not_depend_on_counts_or_order_and_survive_growth() -> None:
    first = [px("a", ent("Transformers")), px("b", ent("transformer")), px("c", ent("ZQT")),
             px("d", ent("ImageNet", type="Dataset")), px("e", ent("Quick Zebra Xform", "Quick Zebra Xform", "QZX"))]
    before = node_of(first)
    assert before[("a", "Transformers")] == "method:transformer"
    # Many papers with other spellings, a capitalised one-off and a new definition: no id of `first` moves.
    more = [*first, *(px(f"n{i}", ent("IMAGENET", type="Dataset")) for i in range(5)),
            *(px(f"m{i}", ent("Transformer")) for i in range(9)),
            px("z", ent("Zesty Quartz Tuner", "Zesty Quartz Tuner", "ZQT"))]
    after = node_of(more)
    assert {k: after[k] for k in before} == before
    assert node_of(list(reversed(more))) == after


def test_ids_are_readable_and_injective() -> None:
    assert entity_id("Method", "llama3.1") == "method:llama3.1"
    assert entity_id("Method", "mixture of transformer") == "method:mixture-of-transformer"
    odd = {entity_id("Metric", k) for k in ("top1 acc.", "top1 acc", "top1-acc", "東京", "a" * 90)}
    assert len(odd) == 5 and all(" " not in i for i in odd)


# -- merge log -------------------------------------------------------------------------------------------------

def test_merge_log_names_forms_rules_and_papers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    xs = [*defining(4), px("plural", ent("Quantized Zonal Transformers")), px("alone", ent("Adam")),
          px("clip", ent("CLIP")), px("clip2", ent("Contrastive Language-Image Pretraining")),
          px("clip3", ent("CLIP", "CLIP", "Contrastive Language-Image Pre-training"))]
    graph = graph_of(xs)
    node = graph.nodes[entity_id("Method", identity_key("Quantized Zonal Transformer"))]
    log = {(e["form"], e["rule"]): e for e in node["merged"]}
    assert set(log) == {("Quantized Zonal Transformer", "normalized"), ("QZT", "defined"),
                        ("Quantized Zonal Transformers", "normalized")}
    assert log[("QZT", "defined")]["examples"] == ["def0", "def1", "def2"] and log[("QZT", "defined")]["papers"] == 4
    assert log[("Quantized Zonal Transformers", "normalized")]["examples"] == ["plural"]
    clip = {(e["form"], e["rule"]): e["examples"] for e in graph.nodes["method:clip"]["merged"]}
    assert clip == {("CLIP", "normalized"): ["clip", "clip3"],
                    ("Contrastive Language-Image Pretraining", "lexicon"): ["clip2"],
                    ("Contrastive Language-Image Pre-training", "lexicon"): ["clip3"]}
    assert "merged" not in graph.nodes["method:adam"], "one surface form: nothing merged"
    write_graph(graph, tmp_path / "graph.json")
    rows = explain(tmp_path, "qzt")
    assert {(r["form"], r["rule"]) for r in rows} == set(log)
    assert main(["explain", "QZT", "--graph", str(tmp_path), "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert {(r["form"], r["rule"], tuple(r["examples"])) for r in shown} == {
        (f, r, tuple(e["examples"])) for (f, r), e in log.items()}
    assert main(["explain", "no such thing", "--graph", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "no entity named 'no such thing'" in err and err.count("\n") == 1


# -- builds ----------------------------------------------------------------------------------------------------

ABSTRACTS = [
    "We propose Quantized Zonal Transformers (QZT), a sparse architecture. QZT improves accuracy on ImageNet.",
    "Our baseline is QZT trained with Adam on CIFAR-100 for image classification.",
    "We evaluate Gemini 2.5 and Gemini 1.5 Pro against LLaMA on GLUE.",
    "Experiments with Llama and BERT on the Glue benchmark report accuracy.",
]


def _write(path: Path, start: int, n: int) -> Path:
    rows = [{"title": f"Identity study {i}", "abstract": ABSTRACTS[i % len(ABSTRACTS)] + f" Run {i}."}
            for i in range(start, start + n)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def entity_ids(out: Path) -> dict[str, str]:
    """Entity id -> display name in a build's graph."""
    graph = json.loads((out / "graph.json").read_text(encoding="utf-8"))
    return {n["id"]: n["name"] for n in graph["nodes"] if n["type"] in ("Method", "Dataset", "Metric", "Task")}


def edge_targets(out: Path) -> dict[tuple[str, str], str]:
    """(paper title, surface form in its evidence) -> the entity node the paper's edge points to."""
    graph = json.loads((out / "graph.json").read_text(encoding="utf-8"))
    titles = {n["id"]: n["title"] for n in graph["nodes"] if n["type"] == "Paper"}
    return {(titles[e["source"]], ev["sentence"][ev["start"] - ev["sentence_start"]:ev["end"] - ev["sentence_start"]]):
            e["target"] for e in graph["edges"] if e["source"] in titles and e["key"] != "HAS_RESULT"
            for ev in e["evidence"] if ev["field"] == "abstract"}


def test_ids_stay_when_papers_are_added_full_and_incremental(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.jsonl", 0, 8)
    b = _write(tmp_path / "b.jsonl", 8, 8)
    cache = tmp_path / "cache"
    from kg.builder import build

    build([a], tmp_path / "small", cache_dir=cache)
    shutil.copytree(tmp_path / "small", tmp_path / "grown")
    report = build([a, b], tmp_path / "grown", cache_dir=cache)
    assert report.mode.startswith("incremental")
    build([a, b], tmp_path / "full", cache_dir=cache, incremental=False)
    assert (tmp_path / "grown" / "graph.json").read_bytes() == (tmp_path / "full" / "graph.json").read_bytes()
    small, grown = entity_ids(tmp_path / "small"), entity_ids(tmp_path / "grown")
    assert set(small) <= set(grown), sorted(set(small) - set(grown))
    before, after = edge_targets(tmp_path / "small"), edge_targets(tmp_path / "grown")
    assert {k: after[k] for k in before} == before
    assert len({(i.split(":")[0], n.casefold()) for i, n in grown.items()}) == len(grown)
    # The build's entity nodes, merge log included, are the library's (kg.graph.iter_graph) for the same records.
    from kg.codec import paper_from_dict
    from kg.graph.build import iter_graph

    out = tmp_path / "grown"
    records = [json.loads(line) for line in (out / "extractions.jsonl").read_text(encoding="utf-8").splitlines()]
    papers = [paper_from_dict(json.loads(line)) for line in (out / "papers.jsonl").read_text(encoding="utf-8").splitlines()]
    library = {node_id: attrs for kind, (node_id, attrs, *_) in iter_graph(papers, lambda: records)
               if kind == "node" and attrs["type"] in ("Method", "Dataset", "Metric", "Task")}
    built = {n.pop("id"): n for n in json.loads((out / "graph.json").read_text(encoding="utf-8"))["nodes"]
             if n["type"] in ("Method", "Dataset", "Metric", "Task")}
    assert built == library and any("merged" in n for n in built.values())


def _entity_targets(out: Path) -> dict[str, set[str]]:
    """Paper id -> the entity nodes its edges point to."""
    graph = json.loads((out / "graph.json").read_text(encoding="utf-8"))
    papers = {n["id"] for n in graph["nodes"] if n["type"] == "Paper"}
    targets: dict[str, set[str]] = {p: set() for p in papers}
    for e in graph["edges"]:
        if e["source"] in papers and e["key"] != "HAS_RESULT":
            targets[e["source"]].add(e["target"])
    return targets


def test_sample_corpus_has_one_node_per_name_and_keeps_every_id_when_a_dump_is_added(corpus_dir: Path,
                                                                                      tmp_path: Path) -> None:
    from kg.builder import build

    files = sorted(corpus_dir.glob("*.txt"))
    folder = tmp_path / "dumps"
    folder.mkdir()
    for path in files[:-1]:
        shutil.copy(path, folder / path.name)
    out, cache = tmp_path / "out", tmp_path / "cache"
    build([folder], out, cache_dir=cache)
    shutil.copytree(out, tmp_path / "four")
    shutil.copy(files[-1], folder / files[-1].name)
    assert build([folder], out, cache_dir=cache).mode.startswith("incremental")
    build([folder], tmp_path / "full", cache_dir=cache, incremental=False)
    assert (out / "graph.json").read_bytes() == (tmp_path / "full" / "graph.json").read_bytes()
    four, five = entity_ids(tmp_path / "four"), entity_ids(out)
    for ids in (four, five):
        names = [(i.split(":")[0], n) for i, n in ids.items()]
        assert len(set(names)) == len(names), "two nodes share a type and name"
    assert set(four) <= set(five), sorted(set(four) - set(five))
    before, after = _entity_targets(tmp_path / "four"), _entity_targets(out)
    assert {p: after[p] for p in before} == before, "a paper's entities moved"
    graph = json.loads((out / "graph.json").read_text(encoding="utf-8"))
    nodes = {n["id"]: n for n in graph["nodes"]}
    for node_id in ("dataset:cifar100", "dataset:glue", "method:llama", "dataset:cub200-2011"):
        assert node_id in nodes, node_id
    assert sum(1 for n in nodes.values() if n["type"] == "Dataset" and n["name"] == "CIFAR-100") == 1


def test_rdf_export_gives_each_merged_label_its_rule_and_papers() -> None:
    import pyshacl
    from rdflib import Graph, Literal
    from rdflib.namespace import PROV, RDF, SKOS

    from kg.stores.rdf import node_iri, to_rdflib
    from kg.vocab import KG

    xs = [*defining(2), px("plural", ent("Quantized Zonal Transformers")), px("clip", ent("CLIP")),
          px("clip2", ent("Contrastive Language-Image Pretraining")), px("clip3", ent("CLIP"))]
    data = to_rdflib(graph_of(xs))
    clip = node_iri("method:clip", "Method")
    assert (clip, SKOS.altLabel, Literal("Contrastive Language-Image Pretraining")) in data
    statements = {s for s in data.subjects(RDF.type, KG.LabelStatement) if (s, RDF.subject, clip) in data}
    assert len(statements) == 1
    (statement,) = statements
    assert data.value(statement, KG.mergeRule) == Literal("lexicon")
    assert data.value(statement, RDF.object) == Literal("Contrastive Language-Image Pretraining")
    assert set(data.objects(statement, PROV.wasDerivedFrom)) == {node_iri("clip2", "Paper")}
    qzt = node_iri(entity_id("Method", identity_key("Quantized Zonal Transformer")), "Method")
    rules = {(str(data.value(s, RDF.object)), str(data.value(s, KG.mergeRule)), int(data.value(s, KG.formCount)))
             for s in data.subjects(RDF.type, KG.LabelStatement) if (s, RDF.subject, qzt) in data}
    assert ("QZT", "defined", 2) in rules and ("Quantized Zonal Transformers", "normalized", 1) in rules
    shapes = Graph().parse(Path(__file__).resolve().parents[1] / "ontology" / "shapes.ttl", format="turtle")
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True)
    assert conforms, text
    data.remove((qzt, SKOS.altLabel, Literal("QZT")))
    conforms, _, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True)
    assert not conforms, "a label statement whose label is not asserted is caught"
