"""Read and write helpers for staff reviews and the stored classifier labels.

Reviews live in their own table: re-analysis replaces `labels` and the denormalised article
columns, never `reviews`. Each review row is one decision on one label of one article
(`value` 1 = the label applies, 0 = it does not); a later decision on the same label wins.
Plain dicts in and out, so the store does not depend on the NLP package.
"""

from __future__ import annotations

import json

import sqlite_utils

from store.db import transaction, utcnow

REVIEW_TASKS = ("relevance", "practice_type", "policy_area")


class ReviewError(ValueError):
    """A review that cannot be stored (unknown article or task, bad value)."""


def insert_reviews(db: sqlite_utils.Database, rows: list[dict]) -> list[int]:
    """Store decisions (article_id, task, label, value, reviewer, note) in one transaction."""
    for row in rows:
        if row["task"] not in REVIEW_TASKS:
            raise ReviewError(f"compito sconosciuto {row['task']!r} (ammessi: "
                              f"{', '.join(REVIEW_TASKS)})")
        if row["value"] not in (0, 1, True, False):
            raise ReviewError(f"il valore deve essere 0 o 1, non {row['value']!r}")
        if not row.get("reviewer"):
            raise ReviewError("una revisione richiede il nome di chi la fa")
        found = db.execute("SELECT 1 FROM articles WHERE id = ?", [row["article_id"]]).fetchone()
        if found is None:
            raise ReviewError(f"nessun articolo con id {row['article_id']!r}")
    ids = []
    now = utcnow()
    with transaction(db):
        for row in rows:
            table = db["reviews"].insert({
                "article_id": row["article_id"], "task": row["task"], "label": row["label"],
                "value": int(row["value"]), "reviewer": row["reviewer"],
                "reviewed_at": row.get("reviewed_at") or now, "note": row.get("note", ""),
            })
            ids.append(table.last_pk)
    return ids


def reviewed_article_ids(db: sqlite_utils.Database) -> set[str]:
    return {r[0] for r in db.execute("SELECT DISTINCT article_id FROM reviews")}


def latest_reviews(db: sqlite_utils.Database) -> dict[str, dict[tuple[str, str], int]]:
    """article id -> {(task, label): value}, the latest decision on each label winning."""
    out: dict[str, dict[tuple[str, str], int]] = {}
    rows = db.execute(
        "SELECT article_id, task, label, value FROM reviews ORDER BY reviewed_at, id"
    )
    for article_id, task, label, value in rows:
        out.setdefault(article_id, {})[(task, label)] = int(value)
    return out


def _json_list(value: str | None) -> list[str]:
    return json.loads(value) if value else []


def articles_by_id(db: sqlite_utils.Database, ids: list[str]) -> dict[str, dict]:
    """Title, text and current predicted labels of the given articles."""
    out = {}
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.query(
            "SELECT id, title, text, content_hash, relevant, relevance_score, practice_types, "
            f"policy_areas, model_version FROM articles WHERE id IN ({marks})", chunk
        ):
            row["practice_types"] = _json_list(row["practice_types"])
            row["policy_areas"] = _json_list(row["policy_areas"])
            out[row["id"]] = row
    return out


def review_candidates(db: sqlite_utils.Database) -> list[dict]:
    """Analyzed articles nobody has reviewed yet, with their predicted labels."""
    rows = db.query(
        "SELECT id, title, relevant, relevance_score, practice_types, policy_areas, "
        "model_version FROM articles WHERE analyzed_at IS NOT NULL "
        "AND relevance_score IS NOT NULL "
        "AND id NOT IN (SELECT article_id FROM reviews) ORDER BY id"
    )
    out = []
    for row in rows:
        row["practice_types"] = _json_list(row["practice_types"])
        row["policy_areas"] = _json_list(row["policy_areas"])
        out.append(row)
    return out


def labels_of(db: sqlite_utils.Database, article_id: str) -> list[dict]:
    """Stored label rows (task, label, score, evidence, model_version) of one article."""
    return list(db.query(
        "SELECT task, label, score, evidence, model_version FROM labels "
        "WHERE article_id = ? ORDER BY task, score DESC", [article_id]
    ))


def label_scores_by_article(db: sqlite_utils.Database) -> dict[str, list[dict]]:
    """Every stored label (task, label, score), grouped by article id."""
    out: dict[str, list[dict]] = {}
    for row in db.query("SELECT article_id, task, label, score FROM labels"):
        out.setdefault(row["article_id"], []).append(row)
    return out
