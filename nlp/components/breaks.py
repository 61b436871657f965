"""Line breaks are hard boundaries: shared by the organisation and place components."""

from __future__ import annotations

from spacy.tokens import Span

OPEN_QUOTES = frozenset({"“", "«", '"', "‘"})


def cut_at_break(span: Span) -> Span | None:
    """Title, standfirst, paragraphs and lines are hard boundaries for every span: a span that
    runs across a line break keeps its first non-empty line ("Comune di Lecco\nIl" -> "Comune di
    Lecco"); surrounding whitespace tokens are dropped. None when nothing is left."""
    doc, start, end = span.doc, span.start, span.end
    while start < end and doc[start].is_space:
        start += 1
    for k in range(start, end):
        if "\n" in doc[k].text or "\n" in doc[k].whitespace_:
            end = k if doc[k].is_space else k + 1
            break
    while end > start and (doc[end - 1].is_space or doc[end - 1].text in OPEN_QUOTES):
        end -= 1  # and an opening quote left dangling at the end ('Fontana “')
    return doc[start:end] if end > start else None
