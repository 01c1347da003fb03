"""Node types and relation names of the graph (kept in step with the ontology)."""

from __future__ import annotations

__all__ = ["NODE_TYPES", "RELATIONS", "EDGE_FOR_ROLE", "relation_for"]

NODE_TYPES: tuple[str, ...] = ("Paper", "Method", "Dataset", "Metric", "Task", "Result")

RELATIONS: tuple[str, ...] = (
    "PROPOSES",
    "USES",
    "EVALUATES_ON",
    "REPORTS",
    "ADDRESSES",
    "HAS_RESULT",
    "OF_METHOD",
    "ON_DATASET",
    "MEASURED_BY",
    "VARIANT_OF",
)

# (entity type, role) -> relation from the Paper to the entity.
EDGE_FOR_ROLE: dict[tuple[str, str | None], str] = {
    ("Method", "proposed"): "PROPOSES",
    ("Method", "used"): "USES",
    ("Dataset", "proposed"): "PROPOSES",
    ("Dataset", "used"): "EVALUATES_ON",
    ("Metric", None): "REPORTS",
    ("Task", None): "ADDRESSES",
}


def relation_for(entity_type: str, role: str | None) -> str:
    """The Paper -> entity relation for an entity of `entity_type` playing `role` in the paper."""
    if entity_type in ("Metric", "Task"):
        role = None
    elif role not in ("proposed", "used"):
        role = "used"
    return EDGE_FOR_ROLE[(entity_type, role)]
