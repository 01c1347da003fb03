"""`kg explain`: which surface forms a built graph merged into an entity, by which rule, from which papers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kg.errors import GraphError
from kg.graph.io import GRAPH_FILE
from kg.graph.resolve import RULES, identity_key

__all__ = ["explain", "EXPLAIN_COLUMNS"]

EXPLAIN_COLUMNS = ["id", "type", "name", "form", "rule", "papers", "examples"]
_ENTITY_TYPES = ("Method", "Dataset", "Metric", "Task")


def _rows(node: dict[str, Any]) -> list[dict[str, Any]]:
    base = {"id": node["id"], "type": node["type"], "name": node["name"]}
    log = node.get("merged") or [{"form": node["name"], "rule": "name", "papers": node.get("paper_count", 0),
                                  "examples": []}]
    return [{**base, "form": entry["form"], "rule": entry["rule"], "rule_text": RULES.get(entry["rule"], ""),
             "papers": entry["papers"], "examples": list(entry["examples"])} for entry in log]


def explain(graph_dir: str | Path, name: str) -> list[dict[str, Any]]:
    """The merge log of every entity of the graph in `graph_dir` that `name` names: its id, its canonical
    name, or any surface form folded alike (case, hyphens, plurals). One row per merged surface form, with the
    rule that merged it, how many papers' entities carried it and the first papers. GraphError when the
    graph is missing or no entity matches."""
    path = Path(graph_dir) / GRAPH_FILE
    try:
        with open(path, encoding="utf-8") as fh:
            nodes = json.load(fh)["nodes"]
    except FileNotFoundError as exc:
        raise GraphError(f"{path}: no graph here; run `kg build PATH --out {path.parent}` first") from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise GraphError(f"{path}: cannot read the graph: {exc}") from exc
    wanted = identity_key(name)
    found = []
    for node in nodes:
        if node.get("type") not in _ENTITY_TYPES:
            continue
        forms = [node.get("name", ""), *node.get("aliases", ())]
        if node.get("id") == name or any(identity_key(form) == wanted for form in forms):
            found.append(node)
    if not found:
        raise GraphError(f"no entity named {name!r} in {graph_dir}; try `kg stats --graph {graph_dir}`")
    found.sort(key=lambda n: (-n.get("paper_count", 0), n["id"]))
    return [row for node in found for row in _rows(node)]
