"""Looking up papers of a built graph: by id, or by words of the title."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kg.ingest.normalize import title_key
from kg.outputs import EXTRACTIONS
from kg.records import Paper

__all__ = ["find_papers", "paper_detail", "paper_record"]


def find_papers(papers: Iterable[Paper], query: str | None) -> list[Paper]:
    """All papers when `query` is None; else the paper with that id or exact title, else those whose
    title contains every word of the query."""
    items = list(papers)
    if not query:
        return items
    exact = [p for p in items if p.id == query or p.arxiv_id == query or title_key(p.title) == title_key(query)]
    if exact:
        return exact
    words = title_key(query).split()
    return [p for p in items if all(w in title_key(p.title).split() or w in title_key(p.title) for w in words)]


def paper_record(graph_dir: Path, paper: Paper) -> dict[str, Any]:
    """One paper as one object: its metadata, its sources (``file:line``) and its extracted entities, each
    ``{"type", "name", "role"}`` (role None for metrics and tasks)."""
    record: dict[str, Any] = {"id": paper.id, "title": paper.title, "abstract": paper.abstract}
    for name in ("authors", "date", "url", "arxiv_id", "categories"):
        value = getattr(paper, name)
        record[name] = list(value) if isinstance(value, tuple) else value
    record["sources"] = [f"{source.path}:{source.line}" for source in paper.sources]
    record["entities"] = [{"type": e["type"], "name": e["name"], "role": e.get("role")}
                          for e in _extraction(graph_dir, paper.id).get("entities", [])]
    return record


def _extraction(graph_dir: Path, paper_id: str) -> dict[str, Any]:
    """The stored extraction record of one paper (empty when the build has none)."""
    path = Path(graph_dir) / EXTRACTIONS
    if not path.exists():
        return {}
    needle = json.dumps(paper_id, ensure_ascii=False)
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if needle in line:
                record = json.loads(line)
                if record.get("id") == paper_id:
                    return record
    return {}


def paper_detail(graph_dir: Path, paper: Paper) -> list[dict[str, Any]]:
    """Field/value rows describing one paper for a table: metadata, every source, then its entities."""
    record = paper_record(graph_dir, paper)
    rows: list[dict[str, Any]] = [{"field": k, "value": record[k]} for k in ("id", "title", "abstract")]
    rows += [{"field": k, "value": record[k]} for k in ("authors", "date", "url", "arxiv_id", "categories")
             if record[k]]
    rows += [{"field": "source", "value": source} for source in record["sources"]]
    for entity in record["entities"]:
        role = f" ({entity['role']})" if entity["role"] else ""
        rows.append({"field": entity["type"].lower(), "value": f"{entity['name']}{role}"})
    return rows
