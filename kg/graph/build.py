"""Build one networkx MultiDiGraph from papers and their extractions."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict

import networkx as nx

from kg.graph.model import relation_for
from kg.records import Entity, Paper, PaperExtraction

__all__ = ["build_graph", "entity_key"]

_KEY_DROP = re.compile(r"[^\w@%.+]+")


def entity_key(entity_type: str, name: str) -> str:
    """Node id of an entity: its type and a casefolded, punctuation-folded, singular form of its name.

    >>> entity_key("Method", "Transformers") == entity_key("Method", "transformer")
    True
    """
    text = unicodedata.normalize("NFKC", name).casefold()
    text = _KEY_DROP.sub("-", text).strip("-")
    if len(text) > 3 and text.endswith("s") and not text.endswith("ss"):
        text = text[:-1]
    return f"{entity_type.lower()}:{text}"


def _evidence_dicts(entity: Entity) -> list[dict[str, object]]:
    return [asdict(ev) for ev in entity.evidence]


def build_graph(papers: Iterable[Paper], extractions: Iterable[PaperExtraction]) -> nx.MultiDiGraph:
    """Return the graph: Paper and entity nodes, Paper->entity edges with evidence, and Result nodes.

    Entities from different papers with the same key become one node that lists every alias seen and
    the number of papers mentioning it.
    """
    graph = nx.MultiDiGraph()
    for paper in papers:
        graph.add_node(
            paper.id,
            type="Paper",
            title=paper.title,
            abstract=paper.abstract,
            authors=list(paper.authors),
            date=paper.date,
            url=paper.url,
            arxiv_id=paper.arxiv_id,
            categories=list(paper.categories),
            sources=[f"{s.path}:{s.line}" for s in paper.sources],
        )
    for extraction in extractions:
        pid = extraction.paper_id
        names: dict[str, str] = {}
        for entity in extraction.entities:
            key = entity_key(entity.type, entity.name)
            names[entity.name] = key
            if key not in graph:
                graph.add_node(key, type=entity.type, name=entity.name, aliases=[], paper_count=0, papers=[])
            node = graph.nodes[key]
            for alias in (entity.name, *entity.mentions):
                if alias not in node["aliases"]:
                    node["aliases"].append(alias)
            if pid not in node["papers"]:
                node["papers"].append(pid)
                node["paper_count"] += 1
            relation = relation_for(entity.type, entity.role)
            graph.add_edge(
                pid,
                key,
                key=relation,
                type=relation,
                role=entity.role,
                confidence=entity.confidence,
                extractor_version=extraction.extractor_version,
                evidence=_evidence_dicts(entity),
            )
        for index, result in enumerate(extraction.results):
            rid = f"result:{pid}:{index}"
            graph.add_node(rid, type="Result", value=result.value, paper=pid, confidence=result.confidence)
            graph.add_edge(pid, rid, key="HAS_RESULT", type="HAS_RESULT",
                           evidence=[asdict(result.evidence)] if result.evidence else [],
                           extractor_version=extraction.extractor_version, confidence=result.confidence)
            for relation, etype, name in (
                ("OF_METHOD", "Method", result.method),
                ("ON_DATASET", "Dataset", result.dataset),
                ("MEASURED_BY", "Metric", result.metric),
            ):
                if name:
                    target = names.get(name) or entity_key(etype, name)
                    if target in graph:
                        graph.add_edge(rid, target, key=relation, type=relation)
    return graph
