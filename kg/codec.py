"""JSON-ready dicts for the pipeline's records, and back, without loss (build outputs and the cache)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from kg.records import Entity, Evidence, Paper, PaperExtraction, Result, Source

__all__ = ["paper_to_dict", "paper_from_dict", "extraction_to_record", "extraction_from_record"]


def paper_to_dict(paper: Paper) -> dict[str, Any]:
    """A Paper as a JSON-ready dict (sources as ``{"path", "line"}`` objects)."""
    data = asdict(paper)
    data["authors"] = list(paper.authors)
    data["categories"] = list(paper.categories)
    return data


def paper_from_dict(data: dict[str, Any]) -> Paper:
    """Inverse of `paper_to_dict`."""
    return Paper(
        **{
            **data,
            "authors": tuple(data.get("authors") or ()),
            "categories": tuple(data.get("categories") or ()),
            "sources": tuple(Source(s["path"], s["line"]) for s in data.get("sources") or ()),
        }
    )


def _evidence(data: dict[str, Any]) -> Evidence:
    return Evidence(data["field"], data["start"], data["end"], data["sentence"], data.get("sentence_start", 0))


def extraction_to_record(x: PaperExtraction) -> dict[str, Any]:
    """The `kg extract` JSON form (id, entities with evidence, results) plus what the graph needs on top:
    extractor version, warnings, each evidence's sentence offset, and each result's confidence and evidence."""
    return {
        "id": x.paper_id,
        "extractor_version": x.extractor_version,
        "entities": [
            {
                "type": e.type,
                "name": e.name,
                "mentions": list(e.mentions),
                "role": e.role,
                "confidence": e.confidence,
                "evidence": [asdict(v) for v in e.evidence],
            }
            for e in x.entities
        ],
        "results": [
            {
                "method": r.method,
                "dataset": r.dataset,
                "metric": r.metric,
                "value": r.value,
                "confidence": r.confidence,
                "evidence": asdict(r.evidence) if r.evidence else None,
            }
            for r in x.results
        ],
        "warnings": list(x.warnings),
    }


def extraction_from_record(data: dict[str, Any]) -> PaperExtraction:
    """Inverse of `extraction_to_record`."""
    return PaperExtraction(
        paper_id=data["id"],
        entities=tuple(
            Entity(e["type"], e["name"], tuple(e["mentions"]), e.get("role"), float(e["confidence"]),
                   tuple(_evidence(v) for v in e["evidence"]))
            for e in data.get("entities", ())
        ),
        results=tuple(
            Result(r["method"], r.get("dataset"), r["metric"], r["value"],
                   _evidence(r["evidence"]) if r.get("evidence") else None, float(r.get("confidence", 0.5)))
            for r in data.get("results", ())
        ),
        extractor_version=data.get("extractor_version", ""),
        warnings=tuple(data.get("warnings", ())),
    )
