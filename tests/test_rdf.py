"""RDF and file exports: independent parsers agree, round trips are isomorphic, SHACL passes, strings survive."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph
import pyshacl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF, SKOS

from kg.cli import main
from kg.errors import OutputError, StoreError
from kg.stores import export
from kg.stores.rdf import (
    iter_triples,
    node_iri,
    ntriples_line,
    read_graphml,
    read_json,
    read_rdf,
    to_rdflib,
    write_graphml,
    write_json,
    write_ntriples,
    write_rdf,
)
from kg.vocab import DEFAULT_BASE, KG

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "examples" / "corpus"
SHAPES = REPO / "ontology" / "shapes.ttl"
OX_FORMAT = {"nt": pyoxigraph.RdfFormat.N_TRIPLES, "ttl": pyoxigraph.RdfFormat.TURTLE,
             "jsonld": pyoxigraph.RdfFormat.JSON_LD}

# Each of these must come back unchanged from every export format.
HOSTILE = [
    "Quote's \"double\" <script>alert('x')</script> & </data> ]]> <!-- -->",
    "back\\slash \\n \\u0041 \\\" \\\\ ends with a backslash\\",
    "line one\nline two\twith a tab",
    "深度学习：大型语言模型的中文标题",
    "نموذج لغوي كبير للغة العربية",
    "emoji 🚀🧪 and astral 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and ZWJ 👩‍🔬",
    "triple ''' single and \"\"\" double quotes",
    "@prefix x: <http://e/> . _:b0 a \"lit\"^^<http://e/t> .",
]
PAPER = "arxiv-2411.04996"
METHOD = 'method:模型-"q"<x>\\y'


def hostile_graph() -> nx.MultiDiGraph:
    """A small graph whose every string is hostile to some serializer, with consistent evidence offsets."""
    name = HOSTILE[0]
    sentence = f"We propose {name} for {HOSTILE[3]} {HOSTILE[5]} tasks."
    abstract = f"{sentence} {HOSTILE[1]} {HOSTILE[2]} {HOSTILE[4]} {HOSTILE[6]} {HOSTILE[7]}"
    title = " | ".join(HOSTILE)
    start = sentence.index(name)
    evidence = {"field": "abstract", "start": start, "end": start + len(name), "sentence": sentence,
                "sentence_start": 0}
    title_evidence = {"field": "title", "start": 0, "end": len(HOSTILE[0]), "sentence": title, "sentence_start": 0}
    g = nx.MultiDiGraph()
    authors = [HOSTILE[3], HOSTILE[4], 'Zoë "Z" O\'Neil']
    g.add_node(PAPER, type="Paper", title=title, abstract=abstract, authors=authors,
               date="2024-11-07", url='https://arxiv.org/abs/2411.04996?q=<a>&b="c"', arxiv_id="2411.04996",
               categories=["cs.LG", HOSTILE[2]], sources=["/tmp/a b/<x>.txt:3"], extra={"unknown": [1, 2]})
    g.add_node("title-0123456789abcdef", type="Paper", title=HOSTILE[4], abstract=HOSTILE[7], authors=[],
               date=None, url=None, arxiv_id=None, categories=[], sources=[])
    g.add_node(METHOD, type="Method", name=name, aliases=[name, *HOSTILE[1:3]], paper_count=1)
    g.add_node("method:base", type="Method", name=HOSTILE[5], aliases=[HOSTILE[5]], paper_count=0)
    g.add_node("dataset:数据集", type="Dataset", name=HOSTILE[3], aliases=[HOSTILE[3], HOSTILE[4]], paper_count=1)
    g.add_node("metric:f1-%", type="Metric", name=HOSTILE[6], aliases=[HOSTILE[6]], paper_count=1)
    g.add_node("task:qa", type="Task", name=HOSTILE[2], aliases=[HOSTILE[2]], paper_count=1)
    g.add_node(f"result:{PAPER}:0", type="Result", value='1.78"%<', paper=PAPER, confidence=0.5)
    common = {"confidence": 0.99, "extractor_version": "kg-extract/0.1.0 \"β\""}
    g.add_edge(PAPER, METHOD, key="PROPOSES", type="PROPOSES", role="proposed",
               evidence=[evidence, title_evidence, evidence], **common)
    g.add_edge(PAPER, "dataset:数据集", key="EVALUATES_ON", type="EVALUATES_ON", role="used", evidence=[evidence],
               **common)
    g.add_edge(PAPER, "metric:f1-%", key="REPORTS", type="REPORTS", role=None, evidence=[evidence], confidence=1,
               extractor_version="kg-extract/0.1.0")
    g.add_edge(PAPER, "task:qa", key="ADDRESSES", type="ADDRESSES", role=None, evidence=[title_evidence], **common)
    g.add_edge(PAPER, f"result:{PAPER}:0", key="HAS_RESULT", type="HAS_RESULT", evidence=[evidence], **common)
    g.add_edge(f"result:{PAPER}:0", METHOD, key="OF_METHOD", type="OF_METHOD")
    g.add_edge(f"result:{PAPER}:0", "dataset:数据集", key="ON_DATASET", type="ON_DATASET")
    g.add_edge(f"result:{PAPER}:0", "metric:f1-%", key="MEASURED_BY", type="MEASURED_BY")
    g.add_edge(METHOD, "method:base", key="VARIANT_OF", type="VARIANT_OF", evidence=[title_evidence], **common)
    g.add_edge("method:base", "method:base", key="VARIANT_OF", type="VARIANT_OF")  # no evidence: no statement
    return g


def _validate(data: Graph) -> tuple[bool, Graph, str]:
    shapes = Graph().parse(SHAPES, format="turtle")
    conforms, report, text = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True)
    return conforms, report, text


def _violated_shapes(report: Graph) -> set[str]:
    sh = "http://www.w3.org/ns/shacl#"
    return {str(s) for s in report.objects(None, URIRef(sh + "sourceShape"))} | {
        str(m) for m in report.objects(None, URIRef(sh + "resultMessage"))}


def _literals(rdf: Graph) -> set[str]:
    return {str(o) for o in rdf.objects() if isinstance(o, Literal)}


# ------------------------------------------------------------------------------------------------ small graph


@pytest.mark.parametrize("fmt", ["nt", "ttl", "jsonld"])
def test_hostile_strings_survive_rdf_formats(fmt: str, tmp_path: Path) -> None:
    graph = hostile_graph()
    path = tmp_path / f"g.{fmt}"
    count = export(graph, path, fmt)
    expected = to_rdflib(graph)
    assert count == len(expected)
    back = read_rdf(path, fmt)
    assert isomorphic(back, expected)
    paper = node_iri(PAPER, "Paper")
    assert [str(t) for t in back.objects(paper, DCTERMS.title)] == [graph.nodes[PAPER]["title"]]
    assert [str(t) for t in back.objects(paper, DCTERMS.abstract)] == [graph.nodes[PAPER]["abstract"]]
    method = node_iri(METHOD, "Method")
    assert [str(t) for t in back.objects(method, SKOS.prefLabel)] == [HOSTILE[0]]
    assert {str(t) for t in back.objects(method, SKOS.altLabel)} == set(HOSTILE[1:3])
    assert set(HOSTILE) <= _literals(back)
    # the independent parser reads the same triples and the same strings
    ox = list(pyoxigraph.parse(path=str(path), format=OX_FORMAT[fmt]))
    assert len(ox) == count
    assert set(HOSTILE) <= {t.object.value for t in ox if isinstance(t.object, pyoxigraph.Literal)}


def test_hostile_strings_survive_graphml_and_json(tmp_path: Path) -> None:
    graph = hostile_graph()
    write_graphml(graph, tmp_path / "g.graphml")
    write_json(graph, tmp_path / "g.json")
    from_json = read_json(tmp_path / "g.json")
    from_graphml = read_graphml(tmp_path / "g.graphml")
    assert dict(from_json.nodes(data=True)) == dict(graph.nodes(data=True))
    edges = sorted(graph.edges(keys=True, data=True), key=repr)
    assert sorted(from_json.edges(keys=True, data=True), key=repr) == edges

    def without_none(data: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in data.items() if v is not None}

    assert {n: d for n, d in from_graphml.nodes(data=True)} == {n: without_none(d) for n, d in graph.nodes(data=True)}
    assert sorted(from_graphml.edges(keys=True, data=True), key=repr) == sorted(
        ((u, v, k, without_none(d)) for u, v, k, d in graph.edges(keys=True, data=True)), key=repr)


@settings(max_examples=60, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40))
def test_any_text_survives_every_format(text: str) -> None:
    import tempfile

    graph = nx.MultiDiGraph()
    graph.add_node("p", type="Paper", title=text, abstract=text, authors=[text])
    graph.add_node("task:t", type="Task", name=text, aliases=[text], paper_count=1)
    with tempfile.TemporaryDirectory() as folder:
        for fmt in ("nt", "ttl", "jsonld"):
            path = Path(folder) / f"g.{fmt}"
            export(graph, path, fmt)
            titles = [str(t) for t in read_rdf(path, fmt).objects(node_iri("p", "Paper"), DCTERMS.title)]
            ox = [t.object.value for t in pyoxigraph.parse(path=str(path), format=OX_FORMAT[fmt])
                  if t.predicate.value == str(DCTERMS.title)]
            assert titles == ox == [text], fmt
        write_json(graph, Path(folder) / "g.json")
        assert dict(read_json(Path(folder) / "g.json").nodes(data=True)) == dict(graph.nodes(data=True))
        if not re.search("[\x00-\x08\x0b-\x1f\ufffe\uffff]", text):  # what XML 1.0 can hold unchanged
            write_graphml(graph, Path(folder) / "g.graphml")
            assert dict(read_graphml(Path(folder) / "g.graphml").nodes(data=True)) == dict(graph.nodes(data=True))


def test_graphml_refuses_what_xml_cannot_hold(tmp_path: Path) -> None:
    graph = hostile_graph()
    graph.nodes["task:qa"]["name"] = "bell\x07"
    with pytest.raises(OutputError, match="task:qa"):
        write_graphml(graph, tmp_path / "g.graphml")
    assert not list(tmp_path.iterdir())


def test_iris_are_stable_encoded_and_follow_the_base(tmp_path: Path) -> None:
    graph = hostile_graph()
    a = tmp_path / "a.nt"
    write_ntriples(graph, a)
    write_ntriples(hostile_graph(), tmp_path / "b.nt")
    write_ntriples(graph, tmp_path / "c.nt", base="http://example.org/kg#")
    text = a.read_text(encoding="utf-8")
    assert text == (tmp_path / "b.nt").read_text(encoding="utf-8")
    assert text.replace(DEFAULT_BASE, "http://example.org/kg#") == (tmp_path / "c.nt").read_text(encoding="utf-8")
    assert str(node_iri(METHOD, "Method")) == (
        DEFAULT_BASE + "method/%E6%A8%A1%E5%9E%8B-%22q%22%3Cx%3E%5Cy")
    assert str(node_iri("metric:f1-%", "Metric")).endswith("/metric/f1-%25")
    assert str(node_iri(f"result:{PAPER}:0", "Result")) == f"{DEFAULT_BASE}result/{PAPER}:0"
    assert not any(isinstance(t, BNode) for triple in read_rdf(a, "nt") for t in triple)  # no blank nodes


def test_ntriples_escaping_is_canonical_and_parses() -> None:
    s, p = URIRef("http://e/s"), URIRef("http://e/p")
    weird = "a\"b\\c\nd\re\tf\x00g\x1fh\x7fi\bj\fk 中 🚀"
    line = ntriples_line((s, p, Literal(weird)))
    assert line == ('<http://e/s> <http://e/p> "a\\"b\\\\c\\nd\\re\\tf\\u0000g\\u001Fh\\u007Fi\\bj\\fk 中 🚀" .\n')
    assert str(next(Graph().parse(data=line, format="nt").objects())) == weird
    (triple,) = pyoxigraph.parse(line, format=pyoxigraph.RdfFormat.N_TRIPLES)
    assert triple.object.value == weird


def test_qualified_statements_carry_provenance() -> None:
    rdf = to_rdflib(hostile_graph())
    paper, method = node_iri(PAPER, "Paper"), node_iri(METHOD, "Method")
    assert (paper, KG.proposes, method) in rdf
    (statement,) = [s for s in rdf.subjects(RDF.object, method) if (s, RDF.predicate, KG.proposes) in rdf]
    assert (statement, RDF.subject, paper) in rdf
    assert rdf.value(statement, KG.role) == Literal("proposed")
    assert str(rdf.value(statement, KG.confidence)) == "0.99"
    assert len(list(rdf.objects(statement, KG.hasEvidence))) == 2  # the repeated evidence is written once
    evidence = next(rdf.objects(statement, KG.hasEvidence))
    sentence = rdf.value(evidence, KG.inSentence)
    assert rdf.value(sentence, URIRef("http://www.w3.org/ns/prov#wasQuotedFrom")) == paper
    assert not any(rdf.subjects(RDF.subject, node_iri(f"result:{PAPER}:0", "Result")))  # no statement for Result edges


def test_each_sentence_is_one_node_that_evidence_points_at(tmp_path: Path) -> None:
    """A sentence quoted by several facts of a paper is written once; each evidence points at it."""
    graph = hostile_graph()
    path = tmp_path / "g.nt"
    write_ntriples(graph, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(set(lines))  # no triple written twice
    rdf = read_rdf(path, "nt")
    paper = node_iri(PAPER, "Paper")
    sentences = set(rdf.subjects(RDF.type, KG.Sentence))
    quoted = {(str(rdf.value(s, KG.field)), int(rdf.value(s, KG.sentenceStart))): s
              for s in sentences if (s, URIRef("http://www.w3.org/ns/prov#wasQuotedFrom"), paper) in rdf}
    assert set(quoted) == {("abstract", 0), ("title", 0)}  # two sentences, though five edges quote them
    assert quoted["abstract", 0] == URIRef(f"{DEFAULT_BASE}sentence/{PAPER}/abstract/0")
    abstract_evidence = graph.edges[PAPER, METHOD, "PROPOSES"]["evidence"][0]
    assert [str(t) for t in rdf.objects(quoted["abstract", 0], KG.text)] == [abstract_evidence["sentence"]]
    pointing = set(rdf.subjects(KG.inSentence, quoted["abstract", 0]))
    assert len(pointing) == 4  # PROPOSES, EVALUATES_ON, REPORTS and HAS_RESULT each have one evidence there
    for evidence in pointing:
        assert (evidence, RDF.type, KG.Evidence) in rdf
        assert int(rdf.value(evidence, KG.start)) == abstract_evidence["start"]
        assert int(rdf.value(evidence, KG.end)) == abstract_evidence["end"]
    assert len(list(rdf.subjects(RDF.type, KG.Evidence))) == len(set(rdf.subjects(KG.inSentence, None)))
    assert not list(rdf.triples((None, URIRef(f"{KG._NS}sentence"), None)))  # no longer a text per evidence


def test_a_query_reads_the_sentence_of_an_evidence(tmp_path: Path) -> None:
    """SPARQL from a fact to its evidence sentence and offsets, on the independent engine."""
    graph = hostile_graph()
    path = tmp_path / "g.nt"
    write_ntriples(graph, path)
    store = pyoxigraph.Store()
    store.bulk_load(path=str(path), format=pyoxigraph.RdfFormat.N_TRIPLES)
    query = """
        PREFIX kg: <https://w3id.org/kg-lit/ns#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?field ?start ?end ?text ?paper WHERE {
            ?statement rdf:predicate kg:proposes ; kg:hasEvidence ?evidence .
            ?evidence kg:start ?start ; kg:end ?end ; kg:inSentence ?sentence .
            ?sentence kg:text ?text ; kg:field ?field ; prov:wasQuotedFrom ?paper .
        } ORDER BY ?field"""
    rows = [tuple(r[v].value for v in ("field", "start", "end", "text", "paper")) for r in store.query(query)]
    by_field = {e["field"]: e for e in graph.edges[PAPER, METHOD, "PROPOSES"]["evidence"]}
    assert rows == [(f, str(e["start"]), str(e["end"]), e["sentence"], str(node_iri(PAPER, "Paper")))
                    for f, e in sorted(by_field.items())]
    name = graph.nodes[METHOD]["name"]
    abstract = rows[0]
    assert abstract[3][int(abstract[1]):int(abstract[2])] == name  # sentence start 0: offsets index the text


def test_hostile_graph_passes_shacl() -> None:
    conforms, _, text = _validate(to_rdflib(hostile_graph()))
    assert conforms, text


def test_shapes_catch_broken_exports(tmp_path: Path) -> None:
    """A broken export gives violations, so the zero-violation test on the corpus can fail."""
    graph = hostile_graph()
    del graph.nodes[PAPER]["title"]  # every Paper has a title
    graph.nodes["metric:f1-%"]["name"] = None  # every entity has a prefLabel
    graph.remove_edge(f"result:{PAPER}:0", METHOD, key="OF_METHOD")  # every Result has a method
    edge = graph.edges[PAPER, METHOD, "PROPOSES"]
    edge["confidence"] = 1.5  # confidence in [0, 1]
    edge["evidence"] = [dict(edge["evidence"][0], start=30, end=20)]  # 0 <= start < end
    graph.edges[PAPER, "task:qa", "ADDRESSES"]["evidence"] = []  # every statement has evidence
    bad_sentence = dict(graph.edges[PAPER, "dataset:数据集", "EVALUATES_ON"]["evidence"][0])
    bad_sentence["sentence"] = "Not what the abstract says."
    bad_sentence["field"] = "abstract"
    graph.edges[PAPER, "dataset:数据集", "EVALUATES_ON"]["evidence"] = [bad_sentence]
    path = tmp_path / "broken.nt"
    write_ntriples(graph, path)
    # and one more break in the file itself: a statement whose triple is not asserted
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines(keepends=True)
             if not (ln.startswith(f"<{node_iri(PAPER, 'Paper')}> <{KG.reports}>"))]
    path.write_text("".join(lines), encoding="utf-8")
    conforms, report, text = _validate(read_rdf(path, "nt"))
    assert not conforms
    violated = _violated_shapes(report)
    for message in ("the sentence is not the text of the paper's field at sentenceStart",
                    "the span [start, end) does not lie inside the sentence",
                    "the triple this statement qualifies is not asserted"):
        assert message in violated, text
    paths = set(report.objects(None, URIRef("http://www.w3.org/ns/shacl#resultPath")))
    assert {DCTERMS.title, SKOS.prefLabel, KG.ofMethod, KG.confidence, KG.start, KG.hasEvidence} <= paths, text


def test_unknown_relation_or_type_is_an_error_and_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "g.nt"
    path.write_text("previous\n", encoding="utf-8")
    graph = hostile_graph()
    graph.add_edge(PAPER, "task:qa", key="CITES", type="CITES")
    with pytest.raises(StoreError, match="CITES"):
        write_ntriples(graph, path)
    graph = hostile_graph()
    graph.add_node("venue:x", type="Venue")
    with pytest.raises(StoreError, match="Venue"):
        write_rdf(graph, path, "ttl")
    assert path.read_text(encoding="utf-8") == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["g.nt"]  # no temporary files left behind


def test_a_bad_base_is_refused() -> None:
    for base in ("relative/", "http://e.org/no-separator", "http://e.org/a b/", "http://e.org/<x>/"):
        with pytest.raises(OutputError, match="base IRI"):
            next(iter_triples(hostile_graph(), base))


def test_cli_export_every_format(tmp_path: Path) -> None:
    from kg.graph import write_graph

    build = tmp_path / "build"
    build.mkdir()
    write_graph(hostile_graph(), build / "graph.json")
    for fmt in ("ttl", "nt", "jsonld", "graphml", "json"):
        out = tmp_path / f"out.{fmt}"
        assert main(["export", "--graph", str(build), "--format", fmt, "-o", str(out),
                     "--base", "http://example.org/id/"]) == 0
        assert out.stat().st_size > 0
    assert "<http://example.org/id/paper/arxiv-2411.04996>" in (tmp_path / "out.nt").read_text(encoding="utf-8")
    assert main(["export", "--graph", str(tmp_path / "missing"), "--format", "nt", "-o", str(tmp_path / "x")]) == 1


# ------------------------------------------------------------------------------------------------ real corpus


@pytest.fixture(scope="module")
def corpus_exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from kg.graph import read_graph

    root = tmp_path_factory.mktemp("rdf-corpus")
    out = root / "kg-out"
    assert main(["build", str(CORPUS), "--out", str(out), "-q"]) == 0
    graph = read_graph(out / "graph.json")
    counts = {fmt: export(graph, root / f"corpus.{fmt}", fmt) for fmt in ("nt", "ttl", "jsonld")}
    return {"root": root, "graph": graph, "counts": counts,
            "nt": read_rdf(root / "corpus.nt", "nt"), "ttl": read_rdf(root / "corpus.ttl", "ttl")}


@pytest.mark.corpus
@pytest.mark.parametrize("fmt", ["nt", "ttl", "jsonld"])
def test_corpus_export_parses_in_pyoxigraph_with_the_same_triple_count(corpus_exports: dict[str, Any],
                                                                       fmt: str) -> None:
    path = corpus_exports["root"] / f"corpus.{fmt}"
    count = sum(1 for _ in pyoxigraph.parse(path=str(path), format=OX_FORMAT[fmt]))
    assert count == corpus_exports["counts"][fmt] == len(corpus_exports["nt"])
    assert count > 50_000


@pytest.mark.corpus
def test_corpus_exports_round_trip_through_rdflib(corpus_exports: dict[str, Any]) -> None:
    nt, ttl = corpus_exports["nt"], corpus_exports["ttl"]
    assert isomorphic(nt, ttl)
    again = Graph().parse(data=nt.serialize(format="turtle"), format="turtle")
    assert isomorphic(nt, again)
    papers = [n for n, d in corpus_exports["graph"].nodes(data=True) if d["type"] == "Paper"]
    assert len(set(nt.subjects(RDF.type, KG.Paper))) == len(papers)


@pytest.mark.corpus
@pytest.mark.slow
def test_corpus_export_passes_shacl(corpus_exports: dict[str, Any]) -> None:
    conforms, report, text = _validate(corpus_exports["nt"])
    assert conforms, text[:5000]
    assert len(report) and not list(report.subjects(RDF.type, URIRef("http://www.w3.org/ns/shacl#ValidationResult")))
