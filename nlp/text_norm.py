"""Pure text normalization for the classifiers: folding, joined prefixes, sentences, lemmas.

"Co-progettazione", "co progettazione" and "coprogettazione" must be one feature, and so must
"disabilità" and "disabilita". Everything here is a pure function of its input (the lemma table
is read once from spacy-lookups-data, installed with the package, never downloaded).
"""

from __future__ import annotations

import gzip
import json
import re
from functools import lru_cache
from importlib import resources

from store.text import fold

_DASHES = "-\u2010\u2011\u2012\u2013\u2014"
# Two words joined by a hyphen or a dash with no spaces: "socio-sanitario", "co-progettazione".
_HYPHENATED = re.compile(rf"(?<=\w)[{_DASHES}](?=\w)")
# A detached prefix: "co progettazione", "co - programmazione", "socio sanitario".
_PREFIX = re.compile(
    rf"\b(co|socio(?=\s*[{_DASHES}]?\s*(?:sanitar|assistenz|educativ|occupazional|lavorativ)))"
    rf"\s*[{_DASHES}]?\s+(?=[a-z]{{4,}})"
)
_NON_WORD = re.compile(r"[^\w\s.,;:!?%/§]+")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[a-z0-9]+")
# Sentence ends: ., ! or ? followed by space and an upper-case letter or a quote; or a line
# break (extracted articles put one paragraph, heading or list item per line). "art. 55",
# "d.lgs. 117" and "n. 3" do not end sentences: what follows is lower case or a digit, and a
# split after a known abbreviation is undone below.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"«“A-ZÀ-Ý])|\s*\n\s*")
_ABBREVIATION = re.compile(r"(?:\b(?:art|artt|c|co|n|nn|d|lgs|dott|sig|prof|ing|avv|on|s|ss)"
                           r"|\b[A-Z])\.$", re.IGNORECASE)
MIN_SENTENCE_CHARS = 25
# A sentence as a span of the text, for readers that point back into it (nlp/procedures): it
# ends at . ! ? followed by a space or the end (not "17.30", "450.000"), or at a line break.
SENTENCE_SPAN = re.compile(r"(?:[^.!?\n]|[.!?](?![\s]|$))+(?:[.!?]+|\n|$)")


def normalize(text: str) -> str:
    """Folded text with prefixed and hyphenated compounds joined into one word.

    >>> normalize("La Co-progettazione e la co progettazione: disabilità")
    'la coprogettazione e la coprogettazione: disabilita'
    """
    folded = fold(text)
    folded = _PREFIX.sub(r"\1", folded)
    folded = _HYPHENATED.sub("", folded)
    folded = folded.replace("'", " ")
    folded = _NON_WORD.sub(" ", folded)
    return _SPACES.sub(" ", folded).strip()


def document(title: str, text: str) -> str:
    """The string the classifiers read: the title twice (it carries the subject), then the body."""
    title = title.strip()
    return f"{title}. {title}. {text}" if title else text


def sentences(text: str) -> list[str]:
    """Split article text into sentences (whitespace-collapsed), keeping abbreviations intact."""
    pieces: list[str] = []
    for raw in _SENTENCE_END.split(text):
        piece = _SPACES.sub(" ", raw).strip()
        if not piece:
            continue
        if pieces and _ABBREVIATION.search(pieces[-1]):
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    return pieces


def evidence_candidates(title: str, text: str) -> list[str]:
    """Sentences that can explain a label: the body's sentences, or the title if there are none."""
    found = [s for s in sentences(text) if len(s) >= MIN_SENTENCE_CHARS]
    if found:
        return found
    return [title.strip()] if title.strip() else []


@lru_cache(maxsize=1)
def lemma_table() -> dict[str, str]:
    """Italian form -> lemma lookup of spacy-lookups-data, keyed on folded forms."""
    data = resources.files("spacy_lookups_data") / "data" / "it_lemma_lookup.json.gz"
    with data.open("rb") as handle:
        table = json.loads(gzip.decompress(handle.read()))
    return {fold(form): fold(lemma) for form, lemma in table.items()}


def lemmatize(normalized: str) -> str:
    """Replace each word of a normalized text by its lookup lemma (unknown words unchanged)."""
    table = lemma_table()
    return " ".join(table.get(w, w) for w in _WORD.findall(normalized))
