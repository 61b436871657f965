"""Sort the entity errors of an evaluation into the error classes of issue 14, so that a fix can
be measured on its own class. The sorting is a heuristic over the gold and predicted spans (a
measuring aid, not part of the pipeline):

- `line_break`: a predicted span runs across a title/standfirst/paragraph/line break;
- `capitalised_word`: a spurious organisation made of capitalised common words, ALL-CAPS
  headline words or a bare abbreviation;
- `place_or_programme_as_org`: a spurious organisation that is a gold place or a programme,
  project, facility, fund or office name;
- `boundary`: a predicted organisation overlapping a gold one with other limits (merged
  coordinations, lists, long names cut short); the pair counts once;
- `missed_org`: a gold organisation with no overlapping prediction (lower-case institutional
  names, acronyms, national bodies, cooperatives named alone);
- `place`: a place missed, spurious or wrongly normalized (number words, homonyms, quarters);
- `amount`: a money or percent error.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from nlp.eval_data import GoldDoc
from nlp.evaluate_entities import EntityReport, SpanError

CLASSES = ("line_break", "capitalised_word", "place_or_programme_as_org", "boundary",
           "missed_org", "place", "amount")


def _overlaps(a: SpanError, start: int, end: int) -> bool:
    return a.start < end and start < a.end


def _spurious_org_class(err: SpanError, doc: GoldDoc) -> str:
    if "\n" in err.text:
        return "line_break"
    if any(_overlaps(err, g.start, g.end) for g in doc.orgs):
        return "boundary"
    if any(_overlaps(err, p.start, p.end) for p in doc.places):
        return "place_or_programme_as_org"
    words = err.text.split()
    if err.text.isupper() or len(words) == 1:
        return "capitalised_word"
    return "place_or_programme_as_org"


def _doc_classes(errors: list[SpanError], doc: GoldDoc) -> Counter:
    counts: Counter = Counter()
    spurious_orgs = [e for e in errors if e.kind == "organisations" and e.error == "spurious"]
    for err in errors:
        if err.kind in ("money", "percent"):
            counts["amount"] += 1
        elif err.kind == "places":
            counts["line_break" if "\n" in err.text else "place"] += 1
        elif err.error == "spurious":
            counts[_spurious_org_class(err, doc)] += 1
        elif err.error == "missed" and not any(
                _overlaps(s, err.start, err.end) for s in spurious_orgs):
            counts["missed_org"] += 1
    return counts


def tally(report: EntityReport, docs: Iterable[GoldDoc]) -> dict[str, int]:
    """Errors per class over the report's documents (wrong types and links are not counted)."""
    by_doc: dict[str, list[SpanError]] = {}
    for err in report.errors:
        by_doc.setdefault(err.doc_id, []).append(err)
    total: Counter = Counter()
    for doc in docs:
        total.update(_doc_classes(by_doc.get(doc.id, []), doc))
    return {name: total.get(name, 0) for name in CLASSES}


def format_tally(counts: dict[str, int]) -> str:
    return "errori per classe: " + ", ".join(f"{k} {v}" for k, v in counts.items())
