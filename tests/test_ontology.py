"""ontology/kg.ttl and kg/vocab.py stay in step; every term is documented; the graph model maps onto it."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from kg.graph.model import NODE_TYPES, RELATIONS
from kg.vocab import KG, NODE_CLASS, NS, RELATION_PROPERTY, SCHEMA

ONTOLOGY = Path(__file__).resolve().parents[1] / "ontology"


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY / "kg.ttl", format="turtle")


def _kg_terms(graph: Graph) -> set[URIRef]:
    return {t for triple in graph for t in triple if isinstance(t, URIRef) and str(t).startswith(NS)}


def _defined(graph: Graph) -> set[URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    return {s for kind in kinds for s in graph.subjects(RDF.type, kind) if str(s).startswith(NS)}


def test_module_and_turtle_define_the_same_terms(ontology: Graph) -> None:
    module_terms = {KG[name] for name in KG.__annotations__}
    assert _defined(ontology) == module_terms
    assert _kg_terms(ontology) == module_terms  # nothing in the file refers to an undefined kg: term


def test_every_term_has_a_label_and_a_comment(ontology: Graph) -> None:
    for term in _defined(ontology):
        labels = list(ontology.objects(term, RDFS.label))
        comments = list(ontology.objects(term, RDFS.comment))
        assert len(labels) == 1 and isinstance(labels[0], Literal) and str(labels[0]).strip(), term
        assert len(comments) == 1 and isinstance(comments[0], Literal) and len(str(comments[0])) > 20, term


def test_every_node_type_and_relation_maps_to_a_defined_term(ontology: Graph) -> None:
    assert set(NODE_CLASS) == set(NODE_TYPES)
    assert set(RELATION_PROPERTY) == set(RELATIONS)
    for node_type in NODE_TYPES:
        assert (NODE_CLASS[node_type], RDF.type, OWL.Class) in ontology, node_type
    for relation in RELATIONS:
        assert (RELATION_PROPERTY[relation], RDF.type, OWL.ObjectProperty) in ontology, relation


def test_a_misspelt_term_fails_at_once() -> None:
    with pytest.raises(AttributeError):
        KG.propose  # noqa: B018 - the attribute access is the test
    assert KG.proposes == URIRef(NS + "proposes")


def test_alignments_to_established_vocabularies(ontology: Graph) -> None:
    assert (KG.Paper, RDFS.subClassOf, SCHEMA.ScholarlyArticle) in ontology
    assert (KG.Paper, RDFS.subClassOf, URIRef("http://purl.org/spar/fabio/Expression")) in ontology
    assert (KG.Entity, RDFS.subClassOf, SKOS.Concept) in ontology
    assert (KG.Evidence, RDFS.subClassOf, URIRef("http://www.w3.org/ns/prov#Entity")) in ontology
    assert (KG.Extractor, RDFS.subClassOf, URIRef("http://www.w3.org/ns/prov#SoftwareAgent")) in ontology
    assert (KG.arxivId, RDFS.subPropertyOf, DCTERMS.identifier) in ontology


def test_ontology_and_shapes_parse_in_an_independent_parser(ontology: Graph) -> None:
    for name in ("kg.ttl", "shapes.ttl"):
        triples = list(pyoxigraph.parse(path=str(ONTOLOGY / name), format=pyoxigraph.RdfFormat.TURTLE))
        assert triples
    assert len(list(pyoxigraph.parse(path=str(ONTOLOGY / "kg.ttl"), format=pyoxigraph.RdfFormat.TURTLE))) == len(
        ontology
    )


def test_shapes_refer_only_to_defined_terms(ontology: Graph) -> None:
    shapes = Graph().parse(ONTOLOGY / "shapes.ttl", format="turtle")
    used = _kg_terms(shapes)
    assert used, "the shapes use kg: terms"
    assert used <= _defined(ontology)
    targets = set(shapes.objects(None, URIRef("http://www.w3.org/ns/shacl#targetClass")))
    assert {KG.Paper, KG.Method, KG.Dataset, KG.Metric, KG.Task, KG.Result, KG.Evidence, KG.Statement} <= targets
