"""Format detection from a file's content (the extension is only a tie-breaker)."""

from __future__ import annotations

import re
from pathlib import Path

from kg.errors import InputError
from kg.ingest.files import read_head
from kg.ingest.jsonl import ABSTRACT_FIELDS, TITLE_FIELDS

__all__ = ["FORMATS", "detect_format", "binary_kind", "check_text"]

FORMATS: tuple[str, ...] = ("trending", "jsonl", "json", "csv", "tsv")

# Signatures (leading bytes) of binary formats people have at hand beside their abstracts; several (a text-only
# PDF, PostScript, RTF) hold no NUL byte in their first kilobytes, so the NUL test alone lets them through.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"%!PS", "a PostScript document"),
    (b"{\\rtf", "an RTF document"),
    (b"PK\x03\x04", "a ZIP archive (or a .docx/.xlsx/.odt/.epub document)"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document (.doc/.xls/.ppt)"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\xfd7zXZ\x00", "an xz-compressed file (kg un-gzips only; decompress it first)"),
    (b"\x28\xb5\x2f\xfd", "a zstd-compressed file (kg un-gzips only; decompress it first)"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "an executable"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"PAR1", "a Parquet file"),
    (b"\x89HDF\r\n\x1a\n", "an HDF5 file"),
    (b"\x93NUMPY", "a NumPy array file"),
)


def binary_kind(head: bytes) -> str | None:
    """What known binary format `head` (a file's first bytes, un-gzipped) starts with, or None.

    >>> binary_kind(b"%PDF-1.4\\n1 0 obj")
    'a PDF document'
    >>> binary_kind(b'{"title": "x"}') is None
    True
    """
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    if re.match(rb"BZh[1-9]1AY&SY", head):
        return "a bzip2-compressed file (kg un-gzips only; decompress it first)"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "a tar archive (extract it first)"
    return None


def check_text(path: Path) -> bytes:
    """The first bytes of `path` (un-gzipped), after checking that it is text: InputError for a known binary
    format (recognised by its signature) or any file with NUL bytes."""
    head = read_head(path)
    kind = binary_kind(head)
    if kind:
        raise InputError(f"binary file ({kind}); kg reads paper listings as text, JSON Lines, JSON or CSV/TSV",
                         path=str(path))
    if b"\x00" in head:
        raise InputError("binary file (contains NUL bytes); expected text, JSON or CSV", path=str(path))
    return head


def detect_format(path: Path) -> str:
    """Return one of FORMATS for `path` by looking at its first bytes (after gunzipping).

    JSON arrays start with ``[``, JSON Lines with ``{``; a first line naming a title and an abstract column
    separated by tabs or commas is TSV/CSV; anything else is read as a listing-page text dump.
    """
    head = check_text(path)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not text:
        raise InputError("empty file", path=str(path))
    if text[0] == "[":
        return "json"
    if text[0] == "{":
        return "jsonl"
    first = text.splitlines()[0].lower() if text.splitlines() else ""
    for delimiter, name in (("\t", "tsv"), (",", "csv")):
        cells = [c.strip().strip('"').strip() for c in first.split(delimiter)]
        if len(cells) > 1 and any(c in TITLE_FIELDS for c in cells) and any(c in ABSTRACT_FIELDS for c in cells):
            return name
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    if suffixes and suffixes[-1] in (".csv", ".tsv"):
        return suffixes[-1][1:]
    return "trending"
