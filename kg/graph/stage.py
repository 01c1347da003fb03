"""The graph stage of a build: resolve the entity signatures, then write graph.json paper by paper.

Each paper's node, result nodes and edges form one chunk per section of graph.json (see
`kg.graph.writer`). A full build generates every chunk; an incremental build copies the chunks of papers
whose paper, extraction and resolved entity ids did not change from the previous graph.json and generates
the rest, so both write the same bytes.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kg.codec import paper_from_dict
from kg.graph.build import (
    MERGE_EXAMPLES,
    entity_node_records,
    merge_log,
    paper_node_record,
    paper_records,
    signatures_of,
    variant_edge_records,
)
from kg.graph.io import GRAPH_FILE
from kg.graph.resolve import Resolution, Signature, resolve_signatures
from kg.graph.writer import GRAPH_HEAD, GRAPH_MIDDLE, GRAPH_TAIL, Chunks, Section, edge_json, node_json, read_range

__all__ = ["SignatureTable", "GraphWritten", "PreviousGraph", "segments", "paper_counts", "write_graph_stage",
           "table_from_records", "first_papers", "build_merge_log", "PAPER_SECTIONS"]

#: The sections of graph.json written one chunk per paper.
PAPER_SECTIONS = ("paper_nodes", "result_nodes", "paper_edges")


@dataclass
class SignatureTable:
    """Every distinct entity signature of a corpus with how many times it occurs (the input of resolution)."""

    signatures: list[Signature] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    index: dict[Signature, int] = field(default_factory=dict)

    @classmethod
    def of(cls, signatures: list[Signature], counts: Iterable[int]) -> SignatureTable:
        return cls(signatures, list(counts), {s: i for i, s in enumerate(signatures)})

    def add(self, signatures: Iterable[Signature]) -> list[int]:
        """Count one more occurrence of each of `signatures`; returns their indices."""
        ids = []
        for sig in signatures:
            i = self.index.get(sig)
            if i is None:
                i = self.index[sig] = len(self.signatures)
                self.signatures.append(sig)
                self.counts.append(0)
            self.counts[i] += 1
            ids.append(i)
        return ids

    def remove(self, ids: Iterable[int]) -> None:
        """Count one occurrence fewer of each signature index in `ids`."""
        for i in ids:
            self.counts[i] -= 1

    def resolve(self) -> Resolution:
        """Resolve the signatures that occur (count above zero)."""
        return resolve_signatures({s: c for s, c in zip(self.signatures, self.counts) if c > 0})


def segments(src: np.ndarray, regenerate: np.ndarray) -> Iterator[tuple[int, int, bool]]:
    """(start, end, copy) over positions: maximal runs whose chunks can be copied from consecutive positions
    of the previous build (copy True), and single positions to generate anew (copy False)."""
    copyable = ~regenerate & (src >= 0)
    run_start = -1
    positions = len(src)
    breaks = np.ones(positions + 1, dtype=bool)
    if positions > 1:
        breaks[1:positions] = ~(copyable[1:] & copyable[:-1] & (src[1:] == src[:-1] + 1))
    for start in np.flatnonzero(breaks[:positions]).tolist():
        if run_start >= 0:
            yield run_start, start, True
            run_start = -1
        if copyable[start]:
            run_start = start
        else:
            yield start, start + 1, False
    if run_start >= 0:
        yield run_start, positions, True


def paper_counts(resolution: Resolution, table: SignatureTable, ptr: np.ndarray, ids: np.ndarray, *,
                 block: int = 100_000) -> dict[str, int]:
    """How many papers name each entity, from every paper's signature indices (``ids[ptr[p]:ptr[p+1]]``),
    `block` papers at a time so the temporary arrays stay small whatever the corpus."""
    names = sorted(resolution.entities)
    if not names or len(ids) == 0:
        return {}
    number = {name: i for i, name in enumerate(names)}
    node_of = np.array([number.get(resolution.assignment.get(s, ""), -1) for s in table.signatures], dtype=np.int64)
    counts = np.zeros(len(names), dtype=np.int64)
    for first in range(0, len(ptr) - 1, block):
        last = min(first + block, len(ptr) - 1)
        lo, hi = int(ptr[first]), int(ptr[last])
        papers = np.repeat(np.arange(first, last, dtype=np.int64), np.diff(ptr[first:last + 1]))
        pairs = np.sort(papers * len(names) + node_of[ids[lo:hi]])  # sorting beats np.unique's hashing here
        if len(pairs):
            pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
            counts += np.bincount(pairs % len(names), minlength=len(names))
    return {name: int(c) for name, c in zip(names, counts)}


def first_papers(table: SignatureTable, ptr: np.ndarray, ids: np.ndarray, *, limit: int = MERGE_EXAMPLES,
                 only: np.ndarray | None = None) -> dict[Signature, list[int]]:
    """The positions of the first `limit` papers naming each signature that occurs (of the signature indices
    `only`, when given)."""
    if only is not None:
        keep = np.isin(ids, only)
        ids, where = ids[keep], np.flatnonzero(keep)
        ptr = np.searchsorted(where, ptr)  # paper p's kept entries now lie at [ptr[p], ptr[p + 1])
    if len(ids) == 0:
        return {}
    order = np.argsort(ids, kind="stable")
    ordered = ids[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    out: dict[Signature, list[int]] = {table.signatures[i]: [] for i in ordered[starts].tolist()}
    for k in range(limit):
        at = starts + k
        at = at[at < len(ordered)]
        at = at[ordered[at] == ordered[at - k]]
        positions = np.searchsorted(ptr, order[at], side="right") - 1
        for i, p in zip(ordered[at].tolist(), positions.tolist()):
            out[table.signatures[i]].append(p)
    return out


def build_merge_log(resolution: Resolution, table: SignatureTable, ptr: np.ndarray, ids: np.ndarray,
                    papers_file: Path, paper_ranges: tuple[np.ndarray, np.ndarray]) -> dict[str, list[dict[str, Any]]]:
    """The merge log (`kg.graph.build.merge_log`) of a build, its example papers read from papers.jsonl."""
    counts = {s: c for s, c in zip(table.signatures, table.counts) if c > 0}
    forms: dict[str, set[str]] = {}
    for sig in counts:
        forms.setdefault(resolution.assignment[sig], set()).update(f for f, _ in resolution.forms.get(sig, ()))
    merged = {node for node, surfaces in forms.items() if len(surfaces) > 1}
    only = np.array([i for i, (s, c) in enumerate(zip(table.signatures, table.counts))
                     if c > 0 and resolution.assignment[s] in merged], dtype=np.int64)
    with open(papers_file, "rb") as fh:
        def paper_id(position: int) -> str:
            line = read_range(fh, int(paper_ranges[0][position]), int(paper_ranges[1][position]))
            return str(json.loads(line)["id"])

        return merge_log(resolution, counts, first_papers(table, ptr, ids, only=only), paper_id)


@dataclass
class GraphWritten:
    """What the graph stage wrote: chunk ranges per paper section, section starts, and counts."""

    starts: dict[str, np.ndarray]
    lengths: dict[str, np.ndarray]
    bases: dict[str, int]
    edges: np.ndarray
    results: np.ndarray
    edge_total: int
    node_types: dict[str, int]


@dataclass
class PreviousGraph:
    """The previous build's graph.json and where its per-paper chunks lie."""

    path: Path
    bases: dict[str, int]
    starts: dict[str, np.ndarray]
    lengths: dict[str, np.ndarray]
    edges: np.ndarray
    results: np.ndarray


def write_graph_stage(
    tmp: Path,
    papers_file: Path,
    paper_ranges: tuple[np.ndarray, np.ndarray],
    extractions_file: Path,
    extraction_ranges: tuple[np.ndarray, np.ndarray],
    resolution: Resolution,
    counts: dict[str, int],
    merges: dict[str, list[dict[str, Any]]] | None = None,
    *,
    src: np.ndarray | None = None,
    regenerate_nodes: np.ndarray | None = None,
    regenerate_edges: np.ndarray | None = None,
    previous: PreviousGraph | None = None,
) -> GraphWritten:
    """Write ``tmp/graph.json``: papers, entities and results as nodes, then VARIANT_OF and paper edges.

    Without `previous` every chunk is generated from papers.jsonl and extractions.jsonl (at the given byte
    ranges). With it, positions whose `src` is a paper of the previous build and that are not marked for
    regeneration are copied from its graph.json (nodes and results unless `regenerate_nodes`, edges unless
    `regenerate_edges`). The file is written front to back in three passes over the papers (paper nodes,
    result nodes, edges); generated edges wait in a spool file between the second pass and the third.
    """
    n = len(paper_ranges[0])
    if previous is None or src is None:
        src = np.full(n, -1, dtype=np.int64)
        regenerate_nodes = regenerate_edges = np.ones(n, dtype=bool)
    assert regenerate_nodes is not None and regenerate_edges is not None
    chunks = {name: Chunks() for name in PAPER_SECTIONS}
    edges = np.zeros(n, dtype=np.int64)
    results = np.zeros(n, dtype=np.int64)
    node_types: dict[str, int] = {}
    old = open(previous.path, "rb") if previous else None
    bases: dict[str, int] = {}

    def copy_run(section: Section, name: str, start: int, end: int) -> None:
        assert previous is not None and old is not None
        a, b = int(src[start]), int(src[end - 1]) + 1
        section.copy(old, previous.bases[name], previous.starts[name][a:b], previous.lengths[name][a:b],
                     chunks=chunks[name])

    try:
        with open(tmp / GRAPH_FILE, "wb") as fh, open(papers_file, "rb") as papers, \
                open(extractions_file, "rb") as extractions, tempfile.TemporaryFile(dir=tmp) as spool:
            fh.write(GRAPH_HEAD)
            bases["paper_nodes"] = bases["result_nodes"] = fh.tell()
            nodes = Section(fh)
            for start, end, copy in segments(src, regenerate_nodes):
                if copy:
                    copy_run(nodes, "paper_nodes", start, end)
                    continue
                paper = paper_from_dict(json.loads(read_range(papers, int(paper_ranges[0][start]),
                                                         int(paper_ranges[1][start]))))
                nodes.add([node_json(*paper_node_record(paper))], chunks=chunks["paper_nodes"])
            for node in entity_node_records(resolution, counts, merges):
                nodes.add([node_json(*node)], record=False)
                node_types[node[1]["type"]] = node_types.get(node[1]["type"], 0) + 1
            spooled = np.zeros((n, 2), dtype=np.int64)  # where each generated paper's edges wait in the spool
            for start, end, copy in segments(src, regenerate_edges):
                if copy:
                    copy_run(nodes, "result_nodes", start, end)
                    results[start:end] = previous.results[src[start]:src[end - 1] + 1]  # type: ignore[union-attr]
                    edges[start:end] = previous.edges[src[start]:src[end - 1] + 1]  # type: ignore[union-attr]
                    continue
                record = json.loads(read_range(extractions, int(extraction_ranges[0][start]),
                                          int(extraction_ranges[1][start])))
                result_nodes, paper_edges = paper_records(record, resolution)
                if regenerate_nodes[start]:
                    nodes.add([node_json(*node) for node in result_nodes], chunks=chunks["result_nodes"])
                else:
                    copy_run(nodes, "result_nodes", start, start + 1)
                data = ",".join(edge_json(*edge) for edge in paper_edges).encode("utf-8")
                spooled[start] = (spool.tell(), len(data))
                spool.write(data)
                edges[start] = len(paper_edges)
                results[start] = len(result_nodes)
            fh.write(GRAPH_MIDDLE)
            bases["paper_edges"] = fh.tell()
            links = Section(fh)
            variants = 0
            for edge in variant_edge_records(resolution):
                links.add([edge_json(*edge)], record=False)
                variants += 1
            spool.flush()
            for start, end, copy in segments(src, regenerate_edges):
                if copy:
                    copy_run(links, "paper_edges", start, end)
                    continue
                text = read_range(spool, int(spooled[start, 0]), int(spooled[start, 1])).decode("utf-8")
                links.add([text] if text else [], chunks=chunks["paper_edges"])
            fh.write(GRAPH_TAIL)
    finally:
        if old:
            old.close()
    node_types["Paper"] = n
    node_types["Result"] = int(results.sum())
    arrays = {name: chunks[name].arrays() for name in PAPER_SECTIONS}
    return GraphWritten(
        starts={name: arrays[name][0] for name in PAPER_SECTIONS},
        lengths={name: arrays[name][1] for name in PAPER_SECTIONS},
        bases=bases, edges=edges, results=results,
        edge_total=variants + int(edges.sum()), node_types=node_types,
    )


def table_from_records(records: Iterable[dict[str, Any]], table: SignatureTable) -> tuple[np.ndarray, np.ndarray]:
    """Count the signatures of every extraction record into `table`; returns each paper's indices (CSR)."""
    from array import array

    ptr = array("q", [0])
    ids = array("q")
    for record in records:
        ids.extend(table.add(signatures_of(record)))
        ptr.append(len(ids))
    return np.frombuffer(ptr, dtype=np.int64).copy(), np.frombuffer(ids, dtype=np.int64).copy()
