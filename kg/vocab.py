"""The kg ontology as a typed namespace, and the map from graph node types and relations to its terms.

`ontology/kg.ttl` is the source of truth; `KG` mirrors it term for term (tests/test_ontology.py checks both
ways), and a misspelt term such as ``KG.propose`` raises ``AttributeError`` at once instead of minting a
new IRI. External vocabularies come from rdflib's own typed namespaces (``DCTERMS``, ``SKOS``, ``PROV``, ...).

Examples
--------
>>> str(KG.Paper)
'https://w3id.org/kg-lit/ns#Paper'
>>> RELATION_PROPERTY["EVALUATES_ON"] == KG.evaluatesOn
True
"""

from __future__ import annotations

from rdflib.namespace import DefinedNamespace, Namespace
from rdflib.term import URIRef

__all__ = [
    "KG",
    "NS",
    "DEFAULT_BASE",
    "PREFIXES",
    "NODE_CLASS",
    "NODE_SEGMENT",
    "RELATION_PROPERTY",
    "PROPERTY_RELATION",
    "SCHEMA",
    "FABIO",
]

NS = "https://w3id.org/kg-lit/ns#"
"""The ontology namespace (prefix ``kg``)."""

DEFAULT_BASE = "https://w3id.org/kg-lit/id/"
"""Default base of data IRIs: papers are ``<base>paper/<id>``, methods ``<base>method/<slug>``, ..."""

SCHEMA = Namespace("https://schema.org/")
FABIO = Namespace("http://purl.org/spar/fabio/")


class KG(DefinedNamespace):
    """Every term of ontology/kg.ttl; any other attribute raises AttributeError."""

    _NS = Namespace(NS)
    _fail = True

    # classes
    Paper: URIRef
    Entity: URIRef
    Method: URIRef
    Dataset: URIRef
    Metric: URIRef
    Task: URIRef
    Result: URIRef
    Evidence: URIRef
    Sentence: URIRef
    Statement: URIRef
    LabelStatement: URIRef
    Extractor: URIRef
    # object properties (relations)
    proposes: URIRef
    uses: URIRef
    evaluatesOn: URIRef
    reports: URIRef
    addresses: URIRef
    hasResult: URIRef
    ofMethod: URIRef
    onDataset: URIRef
    measuredBy: URIRef
    variantOf: URIRef
    hasEvidence: URIRef
    inSentence: URIRef
    # datatype properties
    arxivId: URIRef
    authorName: URIRef
    category: URIRef
    sourceLocation: URIRef
    paperCount: URIRef
    mergeRule: URIRef
    formCount: URIRef
    value: URIRef
    confidence: URIRef
    role: URIRef
    extractorVersion: URIRef
    field: URIRef
    start: URIRef
    end: URIRef
    text: URIRef
    sentenceStart: URIRef


PREFIXES: dict[str, str] = {
    "kg": NS,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcterms": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": str(SCHEMA),
}
"""Prefixes bound in Turtle and JSON-LD exports and declared by the example queries."""

NODE_CLASS: dict[str, URIRef] = {
    "Paper": KG.Paper,
    "Method": KG.Method,
    "Dataset": KG.Dataset,
    "Metric": KG.Metric,
    "Task": KG.Task,
    "Result": KG.Result,
}
"""Graph node type (kg.graph.model.NODE_TYPES) -> ontology class."""

NODE_SEGMENT: dict[str, str] = {node_type: node_type.lower() for node_type in NODE_CLASS}
"""Graph node type -> first path segment of its data IRIs (``paper``, ``method``, ...)."""

RELATION_PROPERTY: dict[str, URIRef] = {
    "PROPOSES": KG.proposes,
    "USES": KG.uses,
    "EVALUATES_ON": KG.evaluatesOn,
    "REPORTS": KG.reports,
    "ADDRESSES": KG.addresses,
    "HAS_RESULT": KG.hasResult,
    "OF_METHOD": KG.ofMethod,
    "ON_DATASET": KG.onDataset,
    "MEASURED_BY": KG.measuredBy,
    "VARIANT_OF": KG.variantOf,
}
"""Graph relation (kg.graph.model.RELATIONS) -> ontology object property."""

PROPERTY_RELATION: dict[URIRef, str] = {prop: rel for rel, prop in RELATION_PROPERTY.items()}
"""Inverse of RELATION_PROPERTY."""
