"""Graph attributes -> store properties: the one flattening every store and exporter shares.

Neo4j properties (and Ladybug columns) hold scalars and homogeneous lists of scalars, never maps. So that
Neo4j, the embedded engine and the neo4j-admin CSV files hold the same values, every store goes through
`flatten`:

- ``None`` values and empty lists are left out (Neo4j does not store nulls, and neither Neo4j nor the
  neo4j-admin CSV format can tell an empty list's element type; so all three stores agree: no property);
- str, int, float and bool values are kept as they are;
- a list of scalars is kept as a list (ints and floats together become floats; any other mix becomes strings);
- a list of maps becomes parallel arrays, one per key: ``evidence=[{field, start, end, sentence,
  sentence_start}, ...]`` becomes ``evidence_field[]``, ``evidence_start[]``, ``evidence_end[]``,
  ``evidence_sentence[]``, ``evidence_sentence_start[]``, where index i of every array describes evidence i
  (a key missing from some maps makes that array strings, with "" where it was missing);
- a map becomes one property per key (``name_key``);
- anything else (nested lists, dates) becomes its JSON text or ``str``.

Property names are reduced to ``[A-Za-z0-9_]`` so they can be written unquoted in Cypher on both engines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Union

__all__ = ["Scalar", "Value", "flatten", "property_name", "kind_of", "infer_columns", "convert",
           "SKIPPED_ATTRIBUTES", "merge_columns"]

Scalar = Union[str, int, float, bool]
Value = Union[Scalar, list[Scalar]]

# Attributes that are structure, not properties: the node label / relationship type, and the networkx key.
SKIPPED_ATTRIBUTES = frozenset({"type", "key"})

_NAME_BAD = re.compile(r"[^A-Za-z0-9_]")


@lru_cache(maxsize=4096)
def property_name(name: str) -> str:
    """A property name safe to write unquoted in Cypher: other characters become ``_``; never starts with a digit.

    >>> property_name("paper-count")
    'paper_count'
    """
    clean = _NAME_BAD.sub("_", str(name)) or "_"
    return f"_{clean}" if clean[0].isdigit() else clean


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (list, dict, tuple)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _scalar(value: Any) -> Scalar:
    return value if _is_scalar(value) else _text(value)


def kind_of(value: Scalar) -> str:
    """The element kind of a scalar: ``bool``, ``int``, ``float`` or ``str`` (bool before int: bool is an int)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    return "str"


_SCALAR_TYPES = (str, int, float, bool)


def _homogeneous(items: list[Any]) -> list[Scalar]:
    """A list of scalars all of one kind, as Neo4j requires."""
    if items:
        first = type(items[0])
        if first in _SCALAR_TYPES and all(type(v) is first for v in items):
            return list(items)  # the common case, checked fast: a push flattens millions of these
    values = [_scalar(v) for v in items]
    kinds = {kind_of(v) for v in values}
    if len(kinds) <= 1:
        return values
    if kinds == {"int", "float"}:
        return [float(v) for v in values]
    return [_text(v) if not isinstance(v, bool) else str(v).lower() for v in values]


def _flatten_maps(name: str, items: list[Mapping[str, Any]], out: dict[str, Value]) -> None:
    keys: list[str] = list(items[0])
    if any(len(item) != len(keys) or any(key not in item for key in keys) for item in items[1:]):
        for item in items:
            keys.extend(key for key in item if key not in keys)
    for key in keys:
        column = [item.get(key) for item in items]
        if any(v is None for v in column):
            out[property_name(f"{name}_{key}")] = ["" if v is None else _text(v) for v in column]
        else:
            out[property_name(f"{name}_{key}")] = _homogeneous(column)


def flatten(attrs: Mapping[str, Any]) -> dict[str, Value]:
    """The properties of a node or relationship with attributes `attrs` (see the module docstring).

    >>> flatten({"type": "USES", "confidence": 0.9, "role": None,
    ...          "evidence": [{"field": "title", "start": 0}, {"field": "abstract", "start": 7}]})
    {'confidence': 0.9, 'evidence_field': ['title', 'abstract'], 'evidence_start': [0, 7]}
    """
    out: dict[str, Value] = {}
    for name, value in attrs.items():
        if name in SKIPPED_ATTRIBUTES or value is None:
            continue
        if _is_scalar(value):
            out[property_name(name)] = value
        elif isinstance(value, (list, tuple)):
            items = [v for v in value if v is not None]
            if not items:
                continue
            if all(isinstance(v, Mapping) for v in items):
                _flatten_maps(name, items, out)
            else:
                out[property_name(name)] = _homogeneous(items)
        elif isinstance(value, Mapping):
            for key, inner in value.items():
                if inner is not None:
                    out[property_name(f"{name}_{key}")] = _scalar(inner)
        else:
            out[property_name(name)] = _text(value)
    return out


def infer_columns(rows: list[dict[str, Any]]) -> dict[str, tuple[str, bool]]:
    """Column name -> (element kind, is list) over the ``props`` of `rows`, in first-seen order.

    For stores with a schema (Ladybug tables, neo4j-admin CSV headers): ints and floats together make a
    float column, any other mix a text column (lists and scalars mixed too).
    """
    columns: dict[str, tuple[str | None, bool]] = {}
    for row in rows:
        merge_columns(columns, row["props"])
    return {name: (kind or "str", is_list) for name, (kind, is_list) in columns.items()}


def merge_columns(columns: dict[str, tuple[str | None, bool]], props: Mapping[str, Value]) -> None:
    """Widen `columns` (name -> (kind or None, is list)) to hold `props` too, as `infer_columns` does row by row;
    a store that streams its rows calls this once per row, then reads a kind of None as ``str``. `props` are
    as `flatten` makes them: a list's items are all of one kind, so its first item tells it."""
    for name, value in props.items():
        is_list = isinstance(value, list)
        kinds = {kind_of(value[0])} if is_list and value else {kind_of(value)}  # type: ignore[index,arg-type]
        old_kind, old_list = columns.get(name, (None, is_list))
        if old_list == is_list and old_kind in kinds:
            continue  # the common case: nothing to widen
        if old_list != is_list:
            columns[name] = ("str", False)  # scalars here, lists there: keep both as text
            continue
        for kind in kinds:
            if old_kind is None or old_kind == kind:
                old_kind = kind
            elif {old_kind, kind} == {"int", "float"}:
                old_kind = "float"
            else:
                old_kind = "str"
        columns[name] = (old_kind, old_list)


def convert(value: Value | None, kind: str, is_list: bool) -> Any:
    """`value` as the column type (kind, is_list) declares; None stays None."""
    if value is None:
        return None
    if is_list != isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    if is_list:
        return [convert(v, kind, False) for v in value]  # type: ignore[union-attr]
    if kind == "float" and not isinstance(value, bool):
        return float(value)
    if kind == "str" and not isinstance(value, str):
        return json.dumps(value)
    return value
