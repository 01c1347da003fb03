"""Looking up papers of a built graph: by id, or by words of the title."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import Any

from kg.ingest.normalize import title_key
from kg.outputs import EXTRACTIONS
from kg.records import Paper

__all__ = ["find_papers", "paper_detail", "paper_record"]


def find_papers(papers: Iterable[Paper], query: str | None, *, limit: int = 0) -> list[Paper]:
    """All papers when `query` is None; else the paper with that id or exact title, else those whose
    title contains every word of the query. At most `limit` of them (0: all).

    Streamed: memory holds the matches only, and those without their abstracts (`paper_record` reads a
    paper's abstract again), so listing a million-paper build stays in bounded memory; a single exact
    match keeps its abstract.
    """
    if not query:
        return [_light(paper) for paper in islice(papers, limit or None)]
    words = title_key(query).split()
    key = title_key(query)
    exact: list[Paper] = []
    matches: list[Paper] = []
    for paper in papers:
        if paper.id == query or paper.arxiv_id == query or title_key(paper.title) == key:
            _add(exact, paper)
        elif not exact and (limit == 0 or len(matches) < limit):
            title = title_key(paper.title)
            if all(w in title.split() or w in title for w in words):
                _add(matches, paper)
    found = exact or matches
    return found[:limit] if limit else found


def _add(found: list[Paper], paper: Paper) -> None:
    """Append `paper`; only a lone match keeps its abstract."""
    found.append(_light(paper) if found else paper)
    if len(found) == 2:
        found[0] = _light(found[0])


def _light(paper: Paper) -> Paper:
    """`paper` without its abstract (what listings need; kept small in memory)."""
    return replace(paper, abstract="", abstract_raw=None) if paper.abstract or paper.abstract_raw else paper


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
