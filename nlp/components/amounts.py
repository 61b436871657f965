"""`obs_amounts`: money and percentages found by `nlp.amounts.find_amounts` on the Doc text."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from nlp.amounts import find_amounts

if not Doc.has_extension("obs_amounts"):
    Doc.set_extension("obs_amounts", default=None)


class AmountFinder:
    def __call__(self, doc: Doc) -> Doc:
        doc._.obs_amounts = find_amounts(doc.text)
        return doc


@Language.factory("obs_amounts")
def make_amounts(nlp: Language, name: str) -> AmountFinder:
    return AmountFinder()
