"""Build one networkx MultiDiGraph from papers and their extractions, after entity resolution."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict

import networkx as nx

from kg.graph.model import relation_for
from kg.graph.resolve import resolve, variant_links
from kg.records import Paper, PaperExtraction

__all__ = ["build_graph"]


def _paper_attrs(paper: Paper) -> dict[str, object]:
    return {
        "type": "Paper",
        "title": paper.title,
        "abstract": paper.abstract,
        "authors": list(paper.authors),
        "date": paper.date,
        "url": paper.url,
        "arxiv_id": paper.arxiv_id,
        "categories": list(paper.categories),
        "sources": [f"{s.path}:{s.line}" for s in paper.sources],
    }


def build_graph(papers: Iterable[Paper], extractions: Sequence[PaperExtraction]) -> nx.MultiDiGraph:
    """Return the graph: Paper, Method, Dataset, Metric, Task and Result nodes and their edges.

    One edge per (paper, entity): its relation follows the role (PROPOSES wins over USES/EVALUATES_ON when a
    paper both names and proposes a thing), and it carries every evidence span, the highest confidence and
    the extractor version. Entities carry their canonical name, all aliases and their paper count.
    """
    graph = nx.MultiDiGraph()
    for paper in papers:
        graph.add_node(paper.id, **_paper_attrs(paper))
    resolution = resolve(extractions)
    for entity in resolution.entities.values():
        graph.add_node(entity.id, type=entity.type, name=entity.name, aliases=list(entity.aliases),
                       paper_count=len(entity.papers))
    for variant, base in variant_links(resolution.entities.values()):
        graph.add_edge(variant, base, key="VARIANT_OF", type="VARIANT_OF")

    for extraction in extractions:
        pid = extraction.paper_id
        merged: dict[str, dict[str, object]] = {}
        for entity in extraction.entities:
            node = resolution.entity_id(pid, entity.type, entity.name)
            if node is None:
                continue
            slot = merged.setdefault(node, {"type": entity.type, "roles": set(), "confidence": 0.0, "evidence": []})
            slot["roles"].add(entity.role)  # type: ignore[union-attr]
            slot["confidence"] = max(slot["confidence"], entity.confidence)  # type: ignore[type-var]
            for ev in entity.evidence:
                data = asdict(ev)
                if data not in slot["evidence"]:  # type: ignore[operator]
                    slot["evidence"].append(data)  # type: ignore[union-attr]
        for node, slot in merged.items():
            roles = slot["roles"]
            role = None if slot["type"] in ("Metric", "Task") else ("proposed" if "proposed" in roles else "used")  # type: ignore[operator]
            relation = relation_for(str(slot["type"]), role)
            evidence = sorted(slot["evidence"], key=lambda e: (e["field"] != "title", e["start"], e["end"]))  # type: ignore[arg-type, index]
            graph.add_edge(pid, node, key=relation, type=relation, role=role, confidence=slot["confidence"],
                           extractor_version=extraction.extractor_version, evidence=evidence)
        for index, result in enumerate(extraction.results):
            rid = f"result:{pid}:{index}"
            graph.add_node(rid, type="Result", value=result.value, paper=pid, confidence=result.confidence)
            graph.add_edge(pid, rid, key="HAS_RESULT", type="HAS_RESULT", role=None, confidence=result.confidence,
                           extractor_version=extraction.extractor_version,
                           evidence=[asdict(result.evidence)] if result.evidence else [])
            for relation, etype, name in (
                ("OF_METHOD", "Method", result.method),
                ("ON_DATASET", "Dataset", result.dataset),
                ("MEASURED_BY", "Metric", result.metric),
            ):
                target = resolution.entity_id(pid, etype, name) if name else None
                if target:
                    graph.add_edge(rid, target, key=relation, type=relation)
    return graph
