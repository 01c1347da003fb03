"""Export the graph as the CSV files ``neo4j-admin database import full`` reads, for bulk loads at scale.

One file per label (``nodes_<Label>.csv``: ``id:ID``, typed property columns, ``:LABEL``) and one per relationship
type (``rels_<TYPE>.csv``: ``:START_ID``, ``:END_ID``, ``:TYPE``, typed property columns). Properties are the
ones `kg push` writes (`kg.stores.properties.flatten`: evidence as parallel arrays), so a bulk import and a
push give the same database. Every non-null value is quoted (quotes doubled); a null is an empty unquoted
field, which the importer leaves out. Array elements are separated by U+001F (the ASCII unit separator),
which no kg text contains, so titles and sentences with ``;`` or ``,`` survive; the import command names it
with ``--array-delimiter=U+001F``. ``neo4j-admin-import.sh`` beside the files holds the exact command.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import networkx as nx

from kg.errors import StoreError
from kg.outputs import atomic_directory, umask_mode
from kg.stores.properties import convert, infer_columns
from kg.stores.rows import graph_rows

__all__ = ["ARRAY_DELIMITER", "write_neo4j_csv", "import_command"]

ARRAY_DELIMITER = "\x1f"
COUNTS = "counts.json"
_CSV_TYPES = {"str": "string", "int": "long", "float": "double", "bool": "boolean"}


def _field(value: Any) -> str:
    """One CSV field: empty for null, else the quoted text (arrays joined by ARRAY_DELIMITER)."""
    if value is None:
        return ""
    if isinstance(value, list):
        text = ARRAY_DELIMITER.join(_scalar_text(v) for v in value)
    else:
        text = _scalar_text(value)
    return '"' + text.replace('"', '""') + '"'


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    if ARRAY_DELIMITER in text:
        raise StoreError(f"value {text[:60]!r} contains U+001F, the array delimiter of the neo4j-admin CSV export")
    return text


def _header(columns: dict[str, tuple[str, bool]]) -> list[str]:
    return [f"{name}:{_CSV_TYPES[kind]}{'[]' if is_list else ''}" for name, (kind, is_list) in columns.items()]


def _write(path: Path, header: list[str], lines: Any) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(header) + "\n")
        for fields in lines:
            fh.write(",".join(fields) + "\n")


def import_command(files: dict[str, list[str]], database: str = "neo4j") -> str:
    """The ``neo4j-admin database import full`` command for the files written (paths as given)."""
    parts = ["neo4j-admin", "database", "import", "full", database, "--overwrite-destination",
             "--array-delimiter=U+001F", "--multiline-fields=true"]
    parts += [f"--nodes={shlex.quote(f)}" for f in files["nodes"]]
    parts += [f"--relationships={shlex.quote(f)}" for f in files["relationships"]]
    return " ".join(parts)


def _write_files(graph: nx.MultiDiGraph, out_dir: Path) -> dict[str, int]:
    rows = graph_rows(graph)
    counts: dict[str, int] = {}
    files: dict[str, list[str]] = {"nodes": [], "relationships": []}
    for label, node_rows in rows.nodes.items():
        columns = infer_columns(node_rows)
        columns.pop("id", None)
        name = f"nodes_{label}.csv"
        _write(out_dir / name, ["id:ID", *_header(columns), ":LABEL"],
               ([_field(r["id"]), *(_field(convert(r["props"].get(c), *columns[c])) for c in columns),
                 _field(label)] for r in node_rows))
        files["nodes"].append(name)
        counts[name] = len(node_rows)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for (rel_type, _, _), rel_rows in rows.rels.items():
        by_type.setdefault(rel_type, []).extend(rel_rows)
    for rel_type, rel_rows in by_type.items():
        columns = infer_columns(rel_rows)
        name = f"rels_{rel_type}.csv"
        _write(out_dir / name, [":START_ID", ":END_ID", ":TYPE", *_header(columns)],
               ([_field(r["s"]), _field(r["t"]), _field(rel_type),
                 *(_field(convert(r["props"].get(c), *columns[c])) for c in columns)] for r in rel_rows))
        files["relationships"].append(name)
        counts[name] = len(rel_rows)
    script = out_dir / "neo4j-admin-import.sh"
    script.write_text("#!/bin/sh\n# Bulk-load these files into an empty Neo4j database (stop the server first).\n"
                      f'cd "$(dirname "$0")" && {import_command(files)} "$@"\n', encoding="utf-8")
    script.chmod(umask_mode(0o777))
    (out_dir / COUNTS).write_text(json.dumps(counts, indent=2) + "\n", encoding="utf-8")
    return counts


def write_neo4j_csv(graph: nx.MultiDiGraph, out_dir: Path) -> dict[str, int]:
    """Write the import files of `graph` into the folder `out_dir`; returns the rows per file.

    Also writes ``neo4j-admin-import.sh`` (the import command, run from `out_dir`) and ``counts.json``. The
    folder is replaced whole, atomically (written beside it, then renamed); an existing folder that is not
    such an export is refused rather than overwritten.
    """
    with atomic_directory(Path(out_dir), marker=COUNTS, what="a neo4j-csv export") as tmp:
        counts = _write_files(graph, tmp)
    return counts
