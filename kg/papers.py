"""Looking up papers of a built graph: by id, or by words of the title."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kg.ingest.normalize import title_key
from kg.outputs import EXTRACTIONS
from kg.records import Paper

__all__ = ["find_papers", "paper_detail"]


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


def paper_detail(graph_dir: Path, paper: Paper) -> list[dict[str, Any]]:
    """Field/value rows describing one paper: its metadata, every source, and its extracted entities."""
    rows: list[dict[str, Any]] = [
        {"field": "id", "value": paper.id},
        {"field": "title", "value": paper.title},
        {"field": "abstract", "value": paper.abstract},
    ]
    for name in ("authors", "date", "url", "arxiv_id", "categories"):
        value = getattr(paper, name)
        if value:
            rows.append({"field": name, "value": list(value) if isinstance(value, tuple) else value})
    for source in paper.sources:
        rows.append({"field": "source", "value": f"{source.path}:{source.line}"})
    path = Path(graph_dir) / EXTRACTIONS
    if path.exists():
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                record = json.loads(line)
                if record.get("id") == paper.id:
                    for ent in record.get("entities", []):
                        role = f" ({ent['role']})" if ent.get("role") else ""
                        rows.append({"field": ent["type"].lower(), "value": f"{ent['name']}{role}"})
                    break
    return rows
