"""Reading graph.json item by item, without loading it: what the stores, exports and summaries of a large build use.

graph.json is node-link JSON: ``{"directed": ..., "nodes": [...], "edges": [...]}``. A build writes the nodes
first; `kg.graph.io.write_graph` (networkx, keys sorted) writes the edges first. `iter_nodes` and `iter_edges`
read either, decoding one item at a time from a buffered window of the file, so memory stays at one window
whatever the size of the graph.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from kg.errors import GraphError
from kg.graph.model import NODE_TYPES

__all__ = ["iter_nodes", "iter_edges", "iter_graph", "type_from_id", "NodeTypes"]

_WINDOW = 1 << 22
_DECODER = json.JSONDecoder()
_WS = " \t\r\n"


class _Reader:
    """A text window over a UTF-8 file that grows when a value does not fit in it."""

    def __init__(self, fh: BinaryIO, path: Path) -> None:
        self.fh = fh
        self.path = path
        self.buf = ""
        self.pos = 0
        self.eof = False
        self._pending = b""

    def _more(self) -> bool:
        if self.eof:
            return False
        data = self.fh.read(_WINDOW)
        if not data:
            self.eof = True
            if self._pending:
                raise GraphError(f"{self.path}: not UTF-8 at its end")
            return False
        data = self._pending + data
        try:
            text = data.decode("utf-8")
            self._pending = b""
        except UnicodeDecodeError as exc:
            if exc.start < len(data) - 4:
                raise GraphError(f"{self.path}: not UTF-8 near byte {exc.start}") from exc
            text, self._pending = data[:exc.start].decode("utf-8"), data[exc.start:]
        self.buf = self.buf[self.pos:] + text
        self.pos = 0
        return True

    def peek(self) -> str:
        """The next character that is not white space ("" at the end of the file)."""
        while True:
            buf, pos = self.buf, self.pos
            while pos < len(buf) and buf[pos] in _WS:
                pos += 1
            self.pos = pos
            if pos < len(buf):
                return buf[pos]
            if not self._more():
                return ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise GraphError(f"{self.path}: not a node-link graph (expected {char!r})")
        self.pos += 1

    def skip(self) -> None:
        """Pass over the next JSON value; an array (the other half of the graph) item by item."""
        if self.peek() == "[":
            _skip_array(self)
        else:
            self.value()

    def value(self) -> Any:
        """Decode the next JSON value."""
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self._more():
                    continue
                raise GraphError(f"{self.path}: cannot read the graph: {exc.msg}") from exc
            # a number at the end of the window may be cut short: read on before trusting it
            if end == len(self.buf) and not isinstance(value, (dict, list, str)) and self._more():
                continue
            self.pos = end
            return value


def _skip_array(reader: _Reader) -> None:
    """Pass over the array at the reader's position one item at a time (memory: one item, not the array)."""
    reader.expect("[")
    if reader.peek() != "]":
        while True:
            reader.value()
            if reader.peek() != ",":
                break
            reader.pos += 1
    reader.expect("]")


def _items(path: Path, wanted: str) -> Iterator[dict[str, Any]]:
    """The items of the top-level array `wanted` ("nodes" or "edges") of node-link file `path`."""
    for _, item in _sections(path, (wanted,)):
        yield item


def _sections(path: Path, wanted: tuple[str, ...]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(array name, item) for the items of the top-level arrays `wanted`, in file order; stops after the last
    wanted array and passes over the others item by item."""
    left = set(wanted)
    try:
        fh = open(path, "rb")
    except FileNotFoundError as exc:
        raise GraphError(f"{path}: no graph here; run `kg build PATH --out {path.parent}` first") from exc
    except OSError as exc:
        raise GraphError(f"{path}: cannot read the graph: {exc.strerror or exc}") from exc
    with fh:
        reader = _Reader(fh, path)
        reader.expect("{")
        while reader.peek() != "}":
            key = reader.value()
            reader.expect(":")
            if key not in left:
                reader.skip()
            else:
                reader.expect("[")
                if reader.peek() != "]":
                    while True:
                        item = reader.value()
                        if not isinstance(item, dict):
                            raise GraphError(f"{path}: an item of {key!r} is not an object")
                        yield key, item
                        if reader.peek() != ",":
                            break
                        reader.pos += 1
                reader.expect("]")
                left.discard(key)
                if not left:
                    return
            if reader.peek() == ",":
                reader.pos += 1
        return


def iter_nodes(path: Path) -> Iterator[dict[str, Any]]:
    """Every node of graph.json at `path` as its dict (``id``, ``type`` and attributes), in file order."""
    return _items(Path(path), "nodes")


def iter_edges(path: Path) -> Iterator[dict[str, Any]]:
    """Every edge of graph.json at `path` as its dict (``source``, ``target``, ``key``, attributes)."""
    return _items(Path(path), "edges")


def iter_graph(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """("nodes", node) and ("edges", edge) for every item of graph.json at `path`, in one pass in file order."""
    return _sections(Path(path), ("nodes", "edges"))


_PREFIX_TYPE = {label.lower(): label for label in NODE_TYPES if label != "Paper"}


def type_from_id(node_id: str) -> str:
    """The node type a build gives ids like `node_id`: ``method:...`` is a Method, an id with no type prefix a Paper."""
    head, sep, _ = node_id.partition(":")
    return _PREFIX_TYPE.get(head, "Paper") if sep else "Paper"


class NodeTypes:
    """Node id -> type for edge ends, without a dict of every node: ids follow `type_from_id`, and only the
    nodes that do not (none in a build's graph) are remembered."""

    def __init__(self) -> None:
        self.exceptions: dict[str, str] = {}

    def add(self, node_id: str, node_type: str) -> None:
        if type_from_id(node_id) != node_type:
            self.exceptions[node_id] = node_type

    def __getitem__(self, node_id: str) -> str:
        return self.exceptions.get(node_id) or type_from_id(node_id)
