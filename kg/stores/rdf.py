"""The graph as RDF (ontology/kg.ttl), and plain file exports: N-Triples, Turtle, JSON-LD, GraphML, JSON.

`iter_triples` turns the networkx graph into a stream of rdflib terms, one node or edge at a time, so
`write_ntriples` never holds more than one node's triples (it escapes N-Triples itself). Turtle and
JSON-LD need rdflib's serializers, which work on an in-memory graph (`to_rdflib`).

IRIs are stable across runs and machines: ``<base>paper/<paper id>``, ``<base>method/<slug>``,
``<base>result/<paper id>:<n>`` (node ids with the type prefix dropped, anything outside
``A-Za-z0-9-._~:`` percent-encoded), ``<base>sentence/<paper id>/<field>/<sentence start>``,
``<base>statement/<hash>`` and ``<base>evidence/<hash>`` (SHA-256 of their content),
``<base>agent/<extractor version>``. There are no blank nodes.

Every Paper -> entity and HAS_RESULT edge is asserted directly (``paper kg:proposes method``) and also as a
qualified `kg:Statement` (``rdf:subject``/``rdf:predicate``/``rdf:object``) that carries its confidence,
role, extractor (``prov:wasAttributedTo``) and `kg:Evidence` nodes (start, end, ``kg:inSentence``). Each
sentence that evidence lies in is one `kg:Sentence` node per paper (text, field, sentence start,
``prov:wasQuotedFrom`` the paper), written once however many evidence spans point at it: a paper's edges
come together in a build's graph, so the writers remember only the current paper's sentences.

Every writer writes to a temporary file beside its target and renames it into place, so a failed export
leaves the previous file as it was.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import networkx as nx
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from kg.errors import OutputError, StoreError
from kg.outputs import atomic_path
from kg.vocab import DEFAULT_BASE, KG, NODE_CLASS, NODE_SEGMENT, PREFIXES, RELATION_PROPERTY, SCHEMA

__all__ = [
    "RDF_VERSION",
    "Triple",
    "check_base",
    "node_iri",
    "iter_triples",
    "to_rdflib",
    "ntriples_term",
    "ntriples_line",
    "generate_ntriples",
    "write_ntriples",
    "write_ntriples_stream",
    "stream_ntriples",
    "write_rdf",
    "write_turtle",
    "write_jsonld",
    "read_rdf",
    "generate_graphml",
    "write_graphml",
    "read_graphml",
    "write_json",
    "read_json",
]

RDF_VERSION = "3"
"""Bumped whenever the graph -> RDF mapping changes (invalidates SPARQL caches)."""

Triple = tuple[URIRef, URIRef, URIRef | Literal]

_SAFE = "-._~:"
_BASE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]*[/#]$")
_HASH_LEN = 32


# ------------------------------------------------------------------------------------------------ IRIs


def check_base(base: str) -> str:
    """Return `base` if it is an absolute IRI ending in ``/`` or ``#`` that is safe in N-Triples.

    Raises
    ------
    OutputError
        If `base` is relative, contains spaces or ``<>"{}|^`\\``, or does not end in ``/`` or ``#``.
    """
    if not isinstance(base, str) or not _BASE_RE.match(base):
        raise OutputError(
            f"base IRI {base!r} is not usable: give an absolute IRI ending in '/' or '#' "
            f"with no spaces or <>\"{{}}|^`\\ (for example {DEFAULT_BASE})"
        )
    return base


def _segment(text: str) -> str:
    encoded = quote(text, safe=_SAFE)
    if encoded in (".", ".."):  # dot segments would be removed by IRI normalization
        encoded = encoded.replace(".", "%2E")
    return encoded


_short_segment = lru_cache(maxsize=1 << 10)(_segment)
"""`_segment` for the few distinct texts that recur on every edge (fields, extractor versions)."""


def node_iri(node_id: str, node_type: str, base: str = DEFAULT_BASE) -> URIRef:
    """The IRI of a graph node: base, the type's segment, then the id without its ``type:`` prefix.

    >>> str(node_iri("method:mixture-of-transformer", "Method"))
    'https://w3id.org/kg-lit/id/method/mixture-of-transformer'
    >>> str(node_iri("result:arxiv-2411.04996:0", "Result", "http://example.org/"))
    'http://example.org/result/arxiv-2411.04996:0'
    """
    return URIRef(_node_iri_text(node_id, node_type, base))


@lru_cache(maxsize=1 << 16)
def _node_iri_text(node_id: Any, node_type: str, base: str) -> str:
    segment = NODE_SEGMENT[node_type]
    rest = str(node_id)
    if rest.startswith(segment + ":"):
        rest = rest[len(segment) + 1:]
    return f"{base}{segment}/{_segment(rest)}"


def _digest(*parts: object) -> str:
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:_HASH_LEN]


# ------------------------------------------------------------------------------------------------ literals


_XSD_INTEGER = str(XSD.integer)
_XSD_DECIMAL = str(XSD.decimal)


def _decimal_text(value: Any) -> str | None:
    """The canonical xsd:decimal lexical form of `value` (one that every serializer keeps as is), or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        return None
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    text = format(number.normalize(), "f")
    return text if "." in text else text + ".0"


def _int_value(value: Any) -> int | None:
    """`value` if it is an int (not a bool), else None."""
    return None if isinstance(value, bool) or not isinstance(value, int) else value


def _date(value: str) -> tuple[str, URIRef | None]:
    """`value` and its datatype: xsd:date, xsd:gYearMonth or xsd:gYear when it is one, else None (a string)."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            _dt.date.fromisoformat(value)
            return value, XSD.date
        except ValueError:
            pass
    elif re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        return value, XSD.gYearMonth
    elif re.fullmatch(r"\d{4}", value):
        return value, XSD.gYear
    return value, None


def _strings(values: Any) -> list[str]:
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, Iterable):
        return []
    return list(dict.fromkeys(str(v) for v in values if v is not None))


# ------------------------------------------------------------------------------------------------ triples
#
# One mapping, two term kinds: `_Terms` makes rdflib terms (Turtle, JSON-LD, SPARQL on rdflib) and `_Text`
# makes N-Triples text directly (`kg export --format nt`, the Oxigraph store), so streaming a large build does
# not pay for an rdflib object per term.


_TERM: dict[str, URIRef] = {
    "DCTERMS.title": DCTERMS.title,
    "DCTERMS.abstract": DCTERMS.abstract,
    "KG.arxivId": KG.arxivId,
    "KG.authorName": KG.authorName,
    "KG.category": KG.category,
    "KG.sourceLocation": KG.sourceLocation,
    "KG.start": KG.start,
    "KG.end": KG.end,
    "KG.sentenceStart": KG.sentenceStart,
    "DCTERMS.identifier": DCTERMS.identifier,
    "DCTERMS.issued": DCTERMS.issued,
    "KG.Evidence": KG.Evidence,
    "KG.Sentence": KG.Sentence,
    "KG.inSentence": KG.inSentence,
    "KG.text": KG.text,
    "KG.Extractor": KG.Extractor,
    "KG.LabelStatement": KG.LabelStatement,
    "KG.mergeRule": KG.mergeRule,
    "KG.formCount": KG.formCount,
    "PROV.wasDerivedFrom": PROV.wasDerivedFrom,
    "KG.Statement": KG.Statement,
    "KG.confidence": KG.confidence,
    "KG.extractorVersion": KG.extractorVersion,
    "KG.field": KG.field,
    "KG.hasEvidence": KG.hasEvidence,
    "KG.paperCount": KG.paperCount,
    "KG.role": KG.role,
    "KG.value": KG.value,
    "PROV.wasAttributedTo": PROV.wasAttributedTo,
    "PROV.wasQuotedFrom": PROV.wasQuotedFrom,
    "RDF.object": RDF.object,
    "RDF.predicate": RDF.predicate,
    "RDF.subject": RDF.subject,
    "RDF.type": RDF.type,
    "RDFS.label": RDFS.label,
    "SCHEMA.url": SCHEMA.url,
    "SKOS.altLabel": SKOS.altLabel,
    "SKOS.prefLabel": SKOS.prefLabel,
}
"""The constant terms of the mapping, looked up once (a namespace attribute lookup is slow)."""


class _Terms:
    """rdflib terms for the mapping functions below."""

    C = _TERM

    @staticmethod
    def integer(number: int) -> Any:
        return Literal(str(number), datatype=XSD.integer)

    @staticmethod
    def decimal(text: str) -> Any:
        return Literal(text, datatype=XSD.decimal)

    @staticmethod
    def iri(text: str) -> Any:
        return URIRef(text)

    @staticmethod
    def term(term: URIRef) -> Any:
        return term

    @staticmethod
    def literal(text: str) -> Any:
        return Literal(text)

    @staticmethod
    def typed(text: str, datatype: URIRef | None) -> Any:
        return Literal(text, datatype=datatype)


class _Text:
    """N-Triples text (canonical escaping, as `ntriples_term` writes it) for the mapping functions below."""

    C = {name: f"<{term}>" for name, term in _TERM.items()}

    @staticmethod
    def integer(number: int) -> str:
        return f'"{number}"^^<{_XSD_INTEGER}>'

    @staticmethod
    def decimal(text: str) -> str:
        return f'"{text}"^^<{_XSD_DECIMAL}>'

    def __init__(self) -> None:
        self._terms: dict[URIRef, str] = {}

    @staticmethod
    def iri(text: str) -> str:
        return f"<{text}>"

    def term(self, term: URIRef) -> str:
        text = self._terms.get(term)
        if text is None:
            text = self._terms[term] = f"<{term}>"
        return text

    @staticmethod
    def literal(text: str) -> str:
        return '"' + (text.translate(_ESCAPES) if _NEEDS_ESCAPE(text) else text) + '"'

    @staticmethod
    def typed(text: str, datatype: URIRef | None) -> str:
        quoted = '"' + (text.translate(_ESCAPES) if _NEEDS_ESCAPE(text) else text) + '"'
        return quoted if datatype is None else f"{quoted}^^<{datatype}>"


def _node_triples(node_id: str, data: Mapping[str, Any], iri: Any, t: Any, base: str) -> Iterator[tuple[Any, Any, Any]]:
    C = t.C
    node_type = data["type"]
    yield iri, C["RDF.type"], t.term(NODE_CLASS[node_type])
    yield iri, C["DCTERMS.identifier"], t.literal(str(node_id))
    if node_type == "Paper":
        for key, prop in (("title", "DCTERMS.title"), ("abstract", "DCTERMS.abstract"), ("arxiv_id", "KG.arxivId")):
            if data.get(key) is not None:
                yield iri, C[prop], t.literal(str(data[key]))
        if data.get("date"):
            yield iri, C["DCTERMS.issued"], t.typed(*_date(str(data["date"])))
        if data.get("url"):
            yield iri, C["SCHEMA.url"], t.typed(str(data["url"]), XSD.anyURI)
        for key, prop in (("authors", "KG.authorName"), ("categories", "KG.category"), ("sources", "KG.sourceLocation")):
            for text in _strings(data.get(key)):
                yield iri, C[prop], t.literal(text)
    elif node_type == "Result":
        if data.get("value") is not None:
            yield iri, C["KG.value"], t.literal(str(data["value"]))
        confidence = _decimal_text(data.get("confidence"))
        if confidence is not None:
            yield iri, C["KG.confidence"], t.decimal(confidence)
    else:
        name = data.get("name")
        if name is not None:
            yield iri, C["SKOS.prefLabel"], t.literal(str(name))
        for alias in _strings(data.get("aliases")):
            if alias != name:
                yield iri, C["SKOS.altLabel"], t.literal(alias)
        count = _int_value(data.get("paper_count"))
        if count is not None:
            yield iri, C["KG.paperCount"], t.integer(count)
        yield from _label_statements(node_id, data, iri, t, base)


_MERGE_RULES = ("normalized", "defined", "lexicon", "alias")


def _label_statements(node_id: str, data: Mapping[str, Any], iri: Any, t: Any, base: str
                      ) -> Iterator[tuple[Any, Any, Any]]:
    """The merge log of an entity: one `kg:LabelStatement` per surface form other than its name that
    resolution merged into it, with the rule, how many papers' entities carried it and its first papers."""
    C = t.C
    name = data.get("name")
    aliases = set(_strings(data.get("aliases")))
    for entry in data.get("merged") or ():
        if not isinstance(entry, Mapping) or entry.get("form") in (None, name):
            continue
        form, rule, papers = str(entry["form"]), str(entry.get("rule")), _int_value(entry.get("papers"))
        examples = _strings(entry.get("examples"))
        if rule not in _MERGE_RULES or papers is None or not examples:
            continue
        statement = t.iri(f"{base}statement/{_digest(node_id, 'altLabel', form, rule)}")
        if form not in aliases:
            aliases.add(form)
            yield iri, C["SKOS.altLabel"], t.literal(form)
        yield statement, C["RDF.type"], C["KG.LabelStatement"]
        yield statement, C["RDF.subject"], iri
        yield statement, C["RDF.predicate"], C["SKOS.altLabel"]
        yield statement, C["RDF.object"], t.literal(form)
        yield statement, C["KG.mergeRule"], t.literal(rule)
        yield statement, C["KG.formCount"], t.integer(papers)
        for paper in examples:
            yield statement, C["PROV.wasDerivedFrom"], t.iri(_node_iri_text(paper, "Paper", base))


class _State:
    """What the mapping remembers while it streams edges: extractors written, and the current paper's sentences."""

    __slots__ = ("agents", "paper", "sentences")

    def __init__(self) -> None:
        self.agents: set[str] = set()
        self.paper: Any = None
        self.sentences: dict[str, set[Any]] = {}

    def sentence(self, paper: Any, iri: str, text: Any) -> tuple[bool, bool]:
        """Whether sentence `iri` of `paper` is new, and whether `text` is new for it (forgetting earlier papers').

        A second text for one sentence (evidence that disagrees with itself) is written too, so that the
        SHACL shapes report it rather than the export drop it.
        """
        if paper != self.paper:
            self.paper = paper
            self.sentences.clear()
        texts = self.sentences.get(iri)
        if texts is None:
            self.sentences[iri] = {text}
            return True, True
        if text in texts:
            return False, False
        texts.add(text)
        return False, True


@lru_cache(maxsize=1 << 12)
def _sentence_prefix(paper_id: Any, base: str) -> str:
    """``<base>sentence/<paper id>/``: the start of the IRIs of a paper's sentences."""
    return f"{base}sentence/{_node_iri_text(paper_id, 'Paper', base)[len(base) + len('paper/'):]}/"


def _sentence_iri(paper_id: Any, field: Any, start: int | None, text: Any, base: str) -> str:
    """``<base>sentence/<paper id>/<field>/<start>``; a hash of all four when the paper or start is unknown."""
    if paper_id is not None and start is not None and isinstance(field, str):
        return f"{_sentence_prefix(paper_id, base)}{_short_segment(field)}/{start}"
    return f"{base}sentence/{_digest(paper_id, field, start, text)}"


def _evidence_triples(statement: Any, statement_digest: str, evidence: Any, paper_id: Any, paper: Any, base: str,
                      seen: set[str], state: _State, t: Any) -> Iterator[tuple[Any, Any, Any]]:
    C = t.C
    if not isinstance(evidence, Mapping):
        return
    field, sentence = evidence.get("field"), evidence.get("sentence")
    start, end = _int_value(evidence.get("start")), _int_value(evidence.get("end"))
    sentence_start = _int_value(evidence.get("sentence_start"))
    digest = _digest(statement_digest, field, start, end, sentence_start)
    if digest in seen:
        return
    seen.add(digest)
    iri = t.iri(f"{base}evidence/{digest}")
    yield statement, C["KG.hasEvidence"], iri
    yield iri, C["RDF.type"], C["KG.Evidence"]
    if start is not None:
        yield iri, C["KG.start"], t.integer(start)
    if end is not None:
        yield iri, C["KG.end"], t.integer(end)
    if field is None and sentence is None and sentence_start is None:
        return
    sentence_text = _sentence_iri(paper_id, field, sentence_start, sentence, base)
    sentence_iri = t.iri(sentence_text)
    yield iri, C["KG.inSentence"], sentence_iri
    new_node, new_text = state.sentence(paper_id, sentence_text, sentence)
    if new_text and sentence is not None:
        yield sentence_iri, C["KG.text"], t.literal(str(sentence))
    if not new_node:
        return
    yield sentence_iri, C["RDF.type"], C["KG.Sentence"]
    if field is not None:
        yield sentence_iri, C["KG.field"], t.literal(str(field))
    if sentence_start is not None:
        yield sentence_iri, C["KG.sentenceStart"], t.integer(sentence_start)
    if paper is not None:
        yield sentence_iri, C["PROV.wasQuotedFrom"], paper


def _statement_triples(u: str, v: str, relation: str, data: Mapping[str, Any], subject: Any, prop: Any, obj: Any,
                       from_paper: bool, base: str, state: _State, t: Any) -> Iterator[tuple[Any, Any, Any]]:
    C = t.C
    digest = _digest(u, relation, v)
    iri = t.iri(f"{base}statement/{digest}")
    yield iri, C["RDF.type"], C["KG.Statement"]
    yield iri, C["RDF.subject"], subject
    yield iri, C["RDF.predicate"], prop
    yield iri, C["RDF.object"], obj
    confidence = _decimal_text(data.get("confidence"))
    if confidence is not None:
        yield iri, C["KG.confidence"], t.decimal(confidence)
    if data.get("role") is not None:
        yield iri, C["KG.role"], t.literal(str(data["role"]))
    version = data.get("extractor_version")
    if version is not None:
        version = str(version)
        agent = t.iri(f"{base}agent/{_short_segment(version)}")
        yield iri, C["KG.extractorVersion"], t.literal(version)
        yield iri, C["PROV.wasAttributedTo"], agent
        if version not in state.agents:
            state.agents.add(version)
            yield agent, C["RDF.type"], C["KG.Extractor"]
            yield agent, C["RDFS.label"], t.literal(version)
    seen: set[str] = set()
    paper_id, paper = (u, subject) if from_paper else (None, None)
    for evidence in data.get("evidence") or ():
        yield from _evidence_triples(iri, digest, evidence, paper_id, paper, base, seen, state, t)


def _check_node_type(node_id: Any, node_type: Any) -> None:
    if node_type not in NODE_CLASS:
        raise StoreError(f"node {node_id!r} has type {node_type!r}, which the ontology does not define "
                         f"({', '.join(NODE_CLASS)}); add it to ontology/kg.ttl and kg/vocab.py")


def _relation_property(u: Any, v: Any, relation: Any) -> URIRef:
    prop = RELATION_PROPERTY.get(relation)
    if prop is None:
        raise StoreError(f"edge {u!r} -> {v!r} has relation {relation!r}, which the ontology does not define; "
                         "add it to ontology/kg.ttl and kg/vocab.py")
    return prop


def _node_iris(graph: nx.MultiDiGraph, base: str) -> dict[Any, URIRef]:
    iris: dict[Any, URIRef] = {}
    owners: dict[URIRef, Any] = {}
    for node_id, data in graph.nodes(data=True):
        node_type = data.get("type")
        _check_node_type(node_id, node_type)
        iri = node_iri(node_id, node_type, base)
        if iri in owners:
            raise StoreError(f"nodes {owners[iri]!r} and {node_id!r} would share the IRI {iri}")
        owners[iri] = node_id
        iris[node_id] = iri
    return iris


def _edge_triples(u: Any, v: Any, relation: Any, data: Mapping[str, Any], subject: Any, obj: Any, from_paper: bool,
                  base: str, state: _State, t: Any) -> Iterator[tuple[Any, Any, Any]]:
    prop = t.term(_relation_property(u, v, relation))
    yield subject, prop, obj
    if from_paper or data.get("evidence"):
        yield from _statement_triples(u, v, relation, data, subject, prop, obj, from_paper, base, state, t)


def iter_triples(graph: nx.MultiDiGraph, base: str = DEFAULT_BASE) -> Iterator[Triple]:
    """Yield the RDF triples of `graph`, node by node then edge by edge, with no duplicates.

    Parameters
    ----------
    graph
        A graph as returned by `kg.graph.read_graph`; attributes the mapping does not know are ignored.
    base
        Base of data IRIs (see `check_base`).

    Raises
    ------
    StoreError
        If a node type or relation has no term in the ontology.
    """
    base = check_base(base)
    iris = _node_iris(graph, base)
    terms = _Terms()
    for node_id, data in graph.nodes(data=True):
        yield from _node_triples(node_id, data, iris[node_id], terms, base)
    state = _State()
    for u, v, key, data in graph.edges(keys=True, data=True):
        from_paper = graph.nodes[u].get("type") == "Paper"
        yield from _edge_triples(u, v, data.get("type") or key, data, iris[u], iris[v], from_paper, base, state,
                                 terms)


def stream_ntriples(graph_file: Path, base: str = DEFAULT_BASE) -> Iterator[str]:
    """Yield the N-Triples of the graph.json at `graph_file` in blocks of lines, reading it item by item.

    The same triples as `generate_ntriples` of the loaded graph, in memory bounded by one node or edge (plus
    the ids of nodes whose id does not tell their type; none in a build's graph).
    """
    from kg.graph.stream import NodeTypes, iter_edges, iter_nodes

    base = check_base(base)
    text = _Text()
    types = NodeTypes()
    block: list[str] = []
    for data in iter_nodes(graph_file):
        node_id = data.get("id")
        node_type = data.get("type")
        _check_node_type(node_id, node_type)
        types.add(str(node_id), node_type)
        iri = text.iri(_node_iri_text(node_id, node_type, base))
        block.extend(f"{s} {p} {o} .\n" for s, p, o in _node_triples(node_id, data, iri, text, base))
        if len(block) >= 4096:
            yield "".join(block)
            block.clear()
    state = _State()
    for data in iter_edges(graph_file):
        u, v = data.get("source"), data.get("target")
        u_type, v_type = types[str(u)], types[str(v)]
        subject = text.iri(_node_iri_text(u, u_type, base))
        obj = text.iri(_node_iri_text(v, v_type, base))
        block.extend(f"{s} {p} {o} .\n" for s, p, o in _edge_triples(
            u, v, data.get("type") or data.get("key"), data, subject, obj, u_type == "Paper", base, state, text))
        if len(block) >= 4096:
            yield "".join(block)
            block.clear()
    if block:
        yield "".join(block)


def to_rdflib(graph: nx.MultiDiGraph, base: str = DEFAULT_BASE) -> Graph:
    """The triples of `graph` in an in-memory rdflib Graph with the kg prefixes bound."""
    rdf = Graph(bind_namespaces="core")
    for prefix, namespace in PREFIXES.items():
        rdf.bind(prefix, namespace, override=True)
    base = check_base(base)
    for prefix in ("paper", "method", "dataset", "metric", "task", "result"):
        rdf.bind(prefix, f"{base}{prefix}/")
    for triple in iter_triples(graph, base):
        rdf.add(triple)
    return rdf


# ------------------------------------------------------------------------------------------------ N-Triples

_ESCAPES = {i: f"\\u{i:04X}" for i in [*range(0x20), 0x7F]}
_ESCAPES.update({0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"})
_NEEDS_ESCAPE = re.compile('[\x00-\x1f\x7f"\\\\]').search


def ntriples_term(term: URIRef | Literal) -> str:
    """One IRI or literal in N-Triples syntax (also valid SPARQL), with canonical escaping."""
    if isinstance(term, Literal):
        text = '"' + str(term).translate(_ESCAPES) + '"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is not None and term.datatype != XSD.string:
            return f"{text}^^<{term.datatype}>"
        return text
    if isinstance(term, URIRef):
        return f"<{term}>"
    raise StoreError(f"cannot write {term!r} in N-Triples: kg exports have no blank nodes")


def ntriples_line(triple: Triple) -> str:
    r"""One triple as an N-Triples line (canonical escaping, ending in a newline).

    >>> ntriples_line((URIRef("http://e/s"), URIRef("http://e/p"), Literal('a "b"\n')))
    '<http://e/s> <http://e/p> "a \\"b\\"\\n" .\n'
    """
    s, p, o = triple
    return f"{ntriples_term(s)} {ntriples_term(p)} {ntriples_term(o)} .\n"


def generate_ntriples(graph: nx.MultiDiGraph, base: str = DEFAULT_BASE) -> Iterator[str]:
    """Yield `graph` as N-Triples lines, streaming (see `iter_triples`)."""
    for triple in iter_triples(graph, base):
        yield ntriples_line(triple)


def write_ntriples(graph: nx.MultiDiGraph, path: Path, base: str = DEFAULT_BASE, *, header: str | None = None) -> int:
    """Write `graph` as N-Triples to `path`, streaming and atomically; returns the number of triples.

    `header`, if given, is written first as a ``#`` comment line.
    """
    count = 0
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        if header is not None:
            fh.write("# " + header.replace("\n", " ") + "\n")
        for line in generate_ntriples(graph, base):
            fh.write(line)
            count += 1
    return count


def write_ntriples_stream(graph_file: Path, path: Path, base: str = DEFAULT_BASE, *, header: str | None = None) -> int:
    """Write the graph.json at `graph_file` as N-Triples to `path`, streaming item by item and atomically (memory
    bounded whatever the graph's size; see `stream_ntriples`); returns the number of triples."""
    count = 0
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as fh:
        if header is not None:
            fh.write("# " + header.replace("\n", " ") + "\n")
        for block in stream_ntriples(graph_file, base):
            fh.write(block)
            count += block.count("\n")
    return count


# ------------------------------------------------------------------------------------------------ Turtle, JSON-LD

_RDFLIB_FORMATS = {"ttl": "turtle", "turtle": "turtle", "jsonld": "json-ld", "json-ld": "json-ld", "nt": "nt",
                   "xml": "xml"}


def write_rdf(graph: nx.MultiDiGraph, path: Path, format: str = "ttl", base: str = DEFAULT_BASE) -> int:
    """Write `graph` in an rdflib format (``ttl``, ``jsonld``) to `path` atomically; returns the triple count.

    This builds the whole RDF graph in memory (rdflib's serializers need it); use `write_ntriples` for
    graphs too large for that.
    """
    try:
        rdf_format = _RDFLIB_FORMATS[format]
    except KeyError:
        raise OutputError(f"unknown RDF format {format!r}; choose ttl, nt or jsonld") from None
    if rdf_format == "nt":
        return write_ntriples(graph, path, base)
    rdf = to_rdflib(graph, base)
    options: dict[str, Any] = {}
    if rdf_format == "json-ld":
        options = {"context": dict(PREFIXES), "auto_compact": True}
    with atomic_path(path) as tmp:
        rdf.serialize(destination=str(tmp), format=rdf_format, encoding="utf-8", **options)
    return len(rdf)


def write_turtle(graph: nx.MultiDiGraph, path: Path, base: str = DEFAULT_BASE) -> int:
    """Write `graph` as Turtle (see `write_rdf`)."""
    return write_rdf(graph, path, "ttl", base)


def write_jsonld(graph: nx.MultiDiGraph, path: Path, base: str = DEFAULT_BASE) -> int:
    """Write `graph` as JSON-LD, compacted with the kg prefixes (see `write_rdf`)."""
    return write_rdf(graph, path, "jsonld", base)


def read_rdf(path: Path, format: str | None = None) -> Graph:
    """Parse an RDF export back into an rdflib Graph (format from the suffix when not given)."""
    path = Path(path)
    name = format or {".ttl": "ttl", ".nt": "nt", ".jsonld": "jsonld", ".json": "jsonld"}.get(path.suffix, "ttl")
    return Graph().parse(str(path), format=_RDFLIB_FORMATS.get(name, name))


# ------------------------------------------------------------------------------------------------ GraphML, JSON

_SCALARS = (str, int, float, bool)
_JSON_NODE_KEYS = "kg_json_node_attributes"
_JSON_EDGE_KEYS = "kg_json_edge_attributes"


def _json_keys(rows: Iterable[Mapping[str, Any]]) -> set[str]:
    return {k for row in rows for k, v in row.items() if v is not None and not isinstance(v, _SCALARS)}


# Characters XML 1.0 cannot hold at all (a carriage return it can hold, but parsers turn it into a newline).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _flat(data: Mapping[str, Any], json_keys: set[str], where: str = "") -> dict[str, Any]:
    flat = {str(k): json.dumps(v, ensure_ascii=False) if k in json_keys else v
            for k, v in data.items() if v is not None}
    for key, value in flat.items():
        if isinstance(value, str) and _NOT_XML.search(value):
            raise OutputError(f"{where}attribute {key!r} holds a control character that GraphML (XML 1.0) cannot "
                              "represent; export json or nt instead")
    return flat


def _graphml_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    node_keys = _json_keys(d for _, d in graph.nodes(data=True))
    edge_keys = _json_keys(d for *_, d in graph.edges(keys=True, data=True))
    flat = nx.MultiDiGraph()
    flat.graph.update(_flat(graph.graph, _json_keys([graph.graph])))
    flat.graph[_JSON_NODE_KEYS] = " ".join(sorted(node_keys))
    flat.graph[_JSON_EDGE_KEYS] = " ".join(sorted(edge_keys))
    for node, data in graph.nodes(data=True):
        flat.add_node(str(node), **_flat(data, node_keys, f"node {node!r}: "))
    for u, v, key, data in graph.edges(keys=True, data=True):
        flat.add_edge(str(u), str(v), key=str(key), **_flat(data, edge_keys, f"edge {u!r} -> {v!r}: "))
    return flat


def generate_graphml(graph: nx.MultiDiGraph) -> Iterator[str]:
    """Yield `graph` as GraphML text; list and map attributes are written as JSON strings.

    The names of those attributes are kept in the graph attributes ``kg_json_node_attributes`` and
    ``kg_json_edge_attributes`` so that `read_graphml` restores them.
    """
    yield from nx.generate_graphml(_graphml_graph(graph))


def write_graphml(graph: nx.MultiDiGraph, path: Path) -> None:
    """Write `graph` as GraphML (UTF-8) to `path` atomically; see `generate_graphml`."""
    flat = _graphml_graph(graph)
    with atomic_path(path) as tmp:
        nx.write_graphml(flat, tmp, encoding="utf-8")


def read_graphml(path: Path) -> nx.MultiDiGraph:
    """Read a GraphML file written by `write_graphml`, decoding its JSON attributes."""
    flat = nx.read_graphml(Path(path), force_multigraph=True)
    graph = nx.MultiDiGraph()
    node_keys = set(flat.graph.pop(_JSON_NODE_KEYS, "").split())
    edge_keys = set(flat.graph.pop(_JSON_EDGE_KEYS, "").split())
    graph.graph.update(flat.graph)
    for node, data in flat.nodes(data=True):
        graph.add_node(node, **{k: json.loads(v) if k in node_keys else v for k, v in data.items()})
    for u, v, key, data in flat.edges(keys=True, data=True):
        graph.add_edge(u, v, key=key, **{k: json.loads(v) if k in edge_keys else v for k, v in data.items()})
    return graph


def write_json(graph: nx.MultiDiGraph, path: Path) -> None:
    """Write `graph` as networkx node-link JSON (the format of graph.json) to `path` atomically."""
    data = nx.node_link_data(graph, edges="edges")
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, sort_keys=True)


def read_json(path: Path) -> nx.MultiDiGraph:
    """Read a node-link JSON file written by `write_json` (or a build's graph.json)."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    return nx.node_link_graph(data, directed=True, multigraph=True, edges="edges")
