"""Stores and exporters of the graph, behind a small lazy registry: nothing heavy is imported until used.

============  ===========================  ==================================================================
name          module                       what it is
============  ===========================  ==================================================================
neo4j         `kg.stores.neo4j`            ``push`` the graph into Neo4j over Bolt; ``run_cypher`` there
embedded      `kg.stores.embedded`         the embedded Cypher default (LadybugDB) inside a build folder
neo4j-csv     `kg.stores.neo4j_csv`        ``write_neo4j_csv``: files for ``neo4j-admin database import``
rdf           `kg.stores.rdf`              RDF of the ontology (ttl, streamed nt, jsonld), GraphML, node-link JSON
sparql        `kg.stores.sparql`           SPARQL 1.1 on Oxigraph (default) or rdflib
============  ===========================  ==================================================================

`kg.stores.cypher.cypher` picks the engine for ``kg cypher``.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["STORES", "DEFAULT_BATCH_SIZE", "get_store", "EXPORTERS", "RDF_FORMATS", "exporter", "export"]

# Rows per transaction of `kg push`; scripts/bench_push.py measures the alternatives (see the README).
DEFAULT_BATCH_SIZE = 10_000

STORES: dict[str, str] = {
    "neo4j": "kg.stores.neo4j",
    "embedded": "kg.stores.embedded",
    "neo4j-csv": "kg.stores.neo4j_csv",
    "rdf": "kg.stores.rdf",
    "sparql": "kg.stores.sparql",
}


def get_store(name: str) -> ModuleType:
    """The module of the store or exporter registered as `name` (imported on first use)."""
    try:
        return import_module(STORES[name])
    except KeyError:
        raise KeyError(f"no store named {name!r}; known: {', '.join(STORES)}") from None


# --- RDF, SPARQL and file exporters (`kg export`) -----------------------------------------------------------

EXPORTERS: dict[str, tuple[str, str]] = {
    "ttl": ("kg.stores.rdf", "write_turtle"),
    "nt": ("kg.stores.rdf", "write_ntriples"),
    "jsonld": ("kg.stores.rdf", "write_jsonld"),
    "graphml": ("kg.stores.rdf", "write_graphml"),
    "json": ("kg.stores.rdf", "write_json"),
    "neo4j-csv": ("kg.stores.neo4j_csv", "write_neo4j_csv"),
}
"""Export format name -> (module, function) of its writer, imported on first use."""

RDF_FORMATS: tuple[str, ...] = ("ttl", "nt", "jsonld")
"""The export formats whose writer takes the ``base`` of data IRIs."""


def exporter(name: str) -> Callable[..., Any]:
    """The writer function registered for export format `name` (its module is imported now)."""
    try:
        module, attr = EXPORTERS[name]
    except KeyError:
        raise KeyError(f"no export format named {name!r}; known: {', '.join(EXPORTERS)}") from None
    return getattr(import_module(module), attr)


def export(graph: Any, path: Path, format: str, *, base: str | None = None) -> Any:
    """Write `graph` to `path` (a folder for ``neo4j-csv``) in export `format`, atomically.

    `base`, for the RDF formats only, is the base of data IRIs (default ``https://w3id.org/kg-lit/id/``).
    """
    write = exporter(format)
    if format in RDF_FORMATS and base is not None:
        return write(graph, Path(path), base=base)
    return write(graph, Path(path))
