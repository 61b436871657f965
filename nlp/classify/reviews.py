"""Staff reviews as training data: they override or extend the corpus."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from nlp.classify.corpus import TASK_LABELS, Example

REVIEW_WEIGHT = 3.0  # a staff decision on a real article outweighs one written example


def apply_reviews(corpus: Sequence[Example], reviewed: dict[str, dict],
                  decisions: dict[str, dict[tuple[str, str], int]]) -> list[Example]:
    """Corpus plus staff reviews: a review overrides the corpus labels of the same article
    (same id, or same text), and a reviewed article not in the corpus becomes a new example
    whose unreviewed labels are the ones the model showed the reviewer."""
    from store.text import content_hash

    by_id = {e.id: e for e in corpus}
    by_text = {content_hash(e.text): e for e in corpus}
    replaced: dict[str, Example] = {}
    added: list[Example] = []
    for article_id, article in sorted(reviewed.items()):
        base = by_id.get(article_id) or by_text.get(content_hash(article["text"] or ""))
        if base is None:
            base = Example(article_id, article["title"] or "", article["text"] or "",
                           bool(article["relevant"]), tuple(article["practice_types"]),
                           tuple(article["policy_areas"]), origin="review")
        updated = _apply_decisions(base, decisions.get(article_id, {}))
        if base.origin == "corpus":
            replaced[base.id] = updated
        else:
            added.append(updated)
    return [replaced.get(e.id, e) for e in corpus] + added


def _apply_decisions(base: Example, decided: dict[tuple[str, str], int]) -> Example:
    relevant = bool(decided.get(("relevance", "relevant"), base.relevant))
    labels = {}
    for task in ("practice_type", "policy_area"):
        current = set(base.labels(task))
        current |= {lab for (t, lab), v in decided.items() if t == task and v}
        current -= {lab for (t, lab), v in decided.items() if t == task and not v}
        labels[task] = tuple(sorted(current & set(TASK_LABELS[task]))) if relevant else ()
    return replace(base, relevant=relevant, practice_types=labels["practice_type"],
                   policy_areas=labels["policy_area"], origin="review", weight=REVIEW_WEIGHT)


def reviewed_examples(db_path: Path, corpus: Sequence[Example]) -> list[Example]:
    """`apply_reviews` fed from the database."""
    from store.db import open_db
    from store.reviews import articles_by_id, latest_reviews

    db = open_db(db_path)
    decisions = latest_reviews(db)
    return apply_reviews(corpus, articles_by_id(db, sorted(decisions)), decisions)
