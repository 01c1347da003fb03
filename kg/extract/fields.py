"""Component ``kg_fields``: mark where the title ends and force a sentence break between title and abstract.

The extractor runs one Doc per paper whose text is ``title + FIELD_SEP + abstract`` (see ``pipeline.py``);
character offsets are mapped back to each field afterwards. The title never carries ``FIELD_SEP`` (its
newlines are replaced one-for-one by spaces), so the first ``FIELD_SEP`` is the boundary.
"""

from __future__ import annotations

from spacy.tokens import Doc

from .common import FIELD_SEP, TITLE_END

__all__ = ["FieldBoundary"]


class FieldBoundary:
    """Record the title's end offset in ``doc.user_data`` and start a sentence at the abstract."""

    def __init__(self, name: str = "kg_fields") -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        end = text.find(FIELD_SEP)
        if end < 0:
            end = len(text)
        doc.user_data[TITLE_END] = end
        abstract_start = end + len(FIELD_SEP)
        if len(doc):
            starts = doc.to_array("IDX")
            i = int(starts.searchsorted(abstract_start))
            while i < len(doc) and doc[i].is_space:
                i += 1
            if i < len(doc):
                doc[i].is_sent_start = True
        # a sentence never continues across a title colon's subtitle boundary in practice; leave as is
        return doc
