"""Turn a processed Doc back into records: field-relative offsets, evidence sentences, JSON output.

The Doc text is ``title' + FIELD_SEP + abstract`` where ``title'`` is the title with newlines replaced by
spaces (same length), so a Doc character offset maps to exactly one field offset and every mention is
sliced from the field text as given (``text[start:end] == mention``).
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from spacy.tokens import Doc

from kg.codec import extraction_to_record
from kg.records import Entity, Evidence, PaperExtraction, Result

from .common import FIELD_SEP
from .merge import ENTITIES
from .pipeline import ERROR
from .results import RESULTS

__all__ = ["doc_text", "doc_to_extraction", "extraction_to_json"]


def doc_text(title: str, abstract: str) -> str:
    """The text the pipeline sees for one paper (see the module docstring)."""
    return title.replace("\n", " ") + FIELD_SEP + abstract


def _sentences(doc: Doc) -> tuple[list[int], list[tuple[int, int]]]:
    """Token starts of the sentences of `doc` and their character ranges (for bisecting)."""
    starts, chars = [], []
    for sent in doc.sents:
        starts.append(sent.start)
        chars.append((sent.start_char, sent.end_char))
    return starts, chars


def _evidence(
    doc: Doc, s: int, e: int, title: str, abstract: str, sents: tuple[list[int], list[tuple[int, int]]]
) -> tuple[Evidence, str]:
    start = doc[s].idx
    end = doc[e - 1].idx + len(doc[e - 1].text)
    s0, s1 = sents[1][bisect_right(sents[0], s) - 1]
    if start < len(title):
        field, text, base = "title", title, 0
    else:
        field, text, base = "abstract", abstract, len(title) + len(FIELD_SEP)
    lo, hi = max(0, s0 - base), min(len(text), s1 - base)
    raw = text[lo:hi]
    stripped = raw.lstrip()
    lo += len(raw) - len(stripped)
    sentence = stripped.rstrip()
    ev = Evidence(field=field, start=start - base, end=end - base, sentence=sentence, sentence_start=lo)
    return ev, text[start - base : end - base]


def doc_to_extraction(doc: Doc, paper_id: str, title: str, abstract: str, version: str) -> PaperExtraction:
    """Build the PaperExtraction of one paper from its processed Doc."""
    warnings: tuple[str, ...] = ()
    if ERROR in doc.user_data:
        warnings = (f"extraction failed: {doc.user_data[ERROR]}",)
    entities: list[tuple[int, Entity]] = []
    sents = _sentences(doc) if len(doc) else ([0], [(0, 0)])
    for ent in doc.user_data.get(ENTITIES, []):
        evs: list[Evidence] = []
        mentions: list[str] = []
        for s, e in sorted(ent["spans"]):
            ev, mention = _evidence(doc, s, e, title, abstract, sents)
            evs.append(ev)
            if mention not in mentions:
                mentions.append(mention)
        if not evs:
            continue
        first = min(s for s, _ in ent["spans"])
        entities.append(
            (
                first,
                Entity(
                    type=ent["type"],
                    name=ent["name"].replace("\n", " "),
                    mentions=tuple(mentions),
                    role=ent["role"],
                    confidence=float(ent["confidence"]),
                    evidence=tuple(evs),
                ),
            )
        )
    entities.sort(key=lambda x: x[0])
    results = []
    for r in doc.user_data.get(RESULTS, []):
        ev, _ = _evidence(doc, r["span"][0], r["span"][1], title, abstract, sents)
        results.append(Result(r["method"], r["dataset"], r["metric"], r["value"], ev, float(r["confidence"])))
    return PaperExtraction(
        paper_id=paper_id,
        entities=tuple(e for _, e in entities),
        results=tuple(results),
        extractor_version=version,
        warnings=warnings,
    )


def extraction_to_json(x: PaperExtraction) -> dict[str, Any]:
    """The JSON form written by ``kg extract``: id, entities (with evidence) and results.

    It is the build's record (`kg.codec.extraction_to_record`) without what only the graph needs.
    """
    record = extraction_to_record(x)
    for entity in record["entities"]:
        for evidence in entity["evidence"]:
            del evidence["sentence_start"]
    for result in record["results"]:
        del result["confidence"], result["evidence"]
    return {"id": record["id"], "entities": record["entities"], "results": record["results"]}
