"""Writing graph.json (and the JSON Lines outputs) in chunks whose byte ranges are remembered.

A build writes each paper's piece of every output (its line in papers.jsonl and extractions.jsonl, its
node, its result nodes and its edges in graph.json) as one chunk and records where the chunk lies. An
incremental build then copies the runs of unchanged chunks byte for byte from the previous output and
writes only the chunks that changed, so its output is identical to a full build's.
"""

from __future__ import annotations

import json
import os
from array import array
from collections.abc import Sequence
from typing import Any, BinaryIO

import numpy as np

__all__ = ["Chunks", "Section", "node_json", "edge_json", "copy_range", "read_range", "GRAPH_HEAD", "GRAPH_MIDDLE",
           "GRAPH_TAIL"]

GRAPH_HEAD = b'{"directed": true, "multigraph": true, "graph": {}, "nodes": ['
GRAPH_MIDDLE = b'], "edges": ['
GRAPH_TAIL = b"]}"


def node_json(node_id: str, attrs: dict[str, Any]) -> str:
    """One node as node-link JSON (keys sorted, UTF-8 kept)."""
    return json.dumps({**attrs, "id": node_id}, ensure_ascii=False, sort_keys=True)


def edge_json(source: str, target: str, key: str, attrs: dict[str, Any]) -> str:
    """One edge as node-link JSON (keys sorted, UTF-8 kept)."""
    return json.dumps({**attrs, "source": source, "target": target, "key": key}, ensure_ascii=False,
                      sort_keys=True)


def read_range(fh: BinaryIO, start: int, length: int) -> bytes:
    """The `length` bytes of `fh` from `start` (one recorded chunk)."""
    fh.seek(start)
    return fh.read(length)


def copy_range(src: BinaryIO, dst: BinaryIO, start: int, length: int) -> None:
    """Append `length` bytes of `src` from `start` to `dst` (in the kernel when the platform can)."""
    dst.flush()
    src_fd, dst_fd = src.fileno(), dst.fileno()
    while length > 0:
        try:
            moved = os.copy_file_range(src_fd, dst_fd, length, start)
        except (AttributeError, OSError):
            src.seek(start)
            while length > 0:
                data = src.read(min(length, 1 << 22))
                if not data:
                    raise OSError(f"{src.name}: shorter than recorded; the previous build is damaged")
                dst.write(data)
                start += len(data)
                length -= len(data)
            return
        if moved == 0:
            raise OSError(f"{src.name}: shorter than recorded; the previous build is damaged")
        start += moved
        length -= moved


class Chunks:
    """Start and length of every paper's chunk in one section of an output, in paper order (compact: single
    chunks collect in machine-int arrays, copied runs arrive as numpy arrays)."""

    def __init__(self) -> None:
        self._pieces: list[tuple[np.ndarray, np.ndarray]] = []
        self._starts = array("q")
        self._lengths = array("q")

    def append(self, start: int, length: int) -> None:
        self._starts.append(start)
        self._lengths.append(length)

    def extend(self, starts: np.ndarray, lengths: np.ndarray) -> None:
        self._flush()
        self._pieces.append((starts.astype(np.int64), lengths.astype(np.int64)))

    def _flush(self) -> None:
        if self._starts:
            self._pieces.append((np.frombuffer(self._starts, dtype=np.int64).copy(),
                                 np.frombuffer(self._lengths, dtype=np.int64).copy()))
            self._starts, self._lengths = array("q"), array("q")

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        self._flush()
        if not self._pieces:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return (np.concatenate([p[0] for p in self._pieces]), np.concatenate([p[1] for p in self._pieces]))


class Section:
    """Output written chunk by chunk into `fh`: JSON Lines (``separator=None``), or the items of a JSON
    array, separated by commas (the first item has none). Chunk ranges are relative to where it began."""

    def __init__(self, fh: BinaryIO, *, separator: bytes | None = b",") -> None:
        self.fh = fh
        self.separator = separator
        self.pos = 0
        self.chunks = Chunks()

    @property
    def empty(self) -> bool:
        return self.pos == 0

    def add(self, items: Sequence[str], *, chunks: Chunks | None = None, record: bool = True) -> None:
        """Write one chunk made of `items` (lines, or array items) and remember its range in `chunks` (default:
        this section's own), unless `record` is false."""
        if self.separator is None:
            data = "".join(item + "\n" for item in items).encode("utf-8")
        else:
            text = ",".join(items)
            data = (("," if items and not self.empty else "") + text).encode("utf-8")
        start = self.pos
        self.fh.write(data)
        self.pos += len(data)
        if record:
            (chunks or self.chunks).append(start, len(data))

    def copy(self, src: BinaryIO, src_base: int, starts: np.ndarray, lengths: np.ndarray, *,
             chunks: Chunks | None = None) -> None:
        """Append the consecutive chunks at `starts` (relative to `src_base` in `src`) verbatim, fixing the
        leading comma of the first when its place in the array changed; record their new ranges."""
        if len(starts) == 0:
            return
        first, end = int(starts[0]), int(starts[-1] + lengths[-1])
        adjust = 0
        if end > first and self.separator is not None:
            src.seek(src_base + first)
            leading = src.read(1) == b","
            if leading and self.empty:
                adjust = -1
            elif not leading and not self.empty:
                adjust = 1
        new_starts = starts - first + self.pos
        new_lengths = lengths.copy()
        at_first = starts == first
        if adjust:
            new_starts[~at_first] += adjust
            new_lengths[at_first & (lengths > 0)] += adjust
        if adjust == 1:
            self.fh.write(b",")
        skip = 1 if adjust == -1 else 0
        copy_range(src, self.fh, src_base + first + skip, end - first - skip)
        self.pos += end - first + adjust
        (chunks or self.chunks).extend(new_starts, new_lengths)
