"""Primary acts from albo pretorio listings: write, look up and read for analysis.

An act is keyed by its source, type, number and date (the same act listed again, on another page or
on a later run, is one row); an act without a number is keyed by its URL. Saving an act again
replaces its row in one transaction (idempotent upsert). Input is a plain dict, so the store
does not depend on the crawler.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

import sqlite_utils

from store.db import transaction, utcnow

ACT_COLUMNS = ("source_id", "type", "type_label", "number", "date", "object", "published_from",
               "published_to", "text", "cig", "cup", "url", "listing_url", "attachments",
               "fetched_at")
JSON_COLUMNS = ("cig", "cup", "attachments")


def act_id(source_id: str, act_type: str | None, number: str | None, date: str | None,
           url: str) -> str:
    """The act's key: source, type, number and date when the listing gives number and date
    (a delibera and a determinazione may share a number), else its URL."""
    if number and date:
        key = f"{source_id}|{act_type or ''}|{number.strip().lower()}|{date}"
    else:
        key = f"url|{url}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def save_act(db: sqlite_utils.Database, act: dict) -> str:
    """Insert or replace one act; returns 'new' or 'updated'. Unknown keys are an error."""
    unknown = set(act) - set(ACT_COLUMNS)
    if unknown:
        raise ValueError(f"unknown act field(s): {', '.join(sorted(unknown))}")
    if not act.get("source_id") or not act.get("url"):
        raise ValueError("an act needs source_id and url")
    row = {k: act.get(k) for k in ACT_COLUMNS}
    for key in JSON_COLUMNS:
        row[key] = json.dumps(row[key] or [], ensure_ascii=False)
    row["id"] = act_id(row["source_id"], row["type"], row["number"], row["date"], row["url"])
    with transaction(db):
        existed = db.execute("SELECT 1 FROM acts WHERE id = ?", [row["id"]]).fetchone()
        # A changed act is analyzed again; an unchanged one keeps its analysis.
        old = db.execute("SELECT text, analyzed_at FROM acts WHERE id = ?",
                         [row["id"]]).fetchone()
        row["analyzed_at"] = old[1] if old and old[0] == row["text"] else None
        db["acts"].upsert(row, pk="id")
    return "updated" if existed else "new"


def known_acts(db: sqlite_utils.Database, source_id: str,
               keys: Iterable[tuple[str | None, str | None, str | None, str]]) -> set[str]:
    """The ids among (type, number, date, url) keys of one source that are already stored."""
    ids = {act_id(source_id, *key) for key in keys}
    if not ids:
        return set()
    marks = ",".join("?" * len(ids))
    return {r[0] for r in db.execute(f"SELECT id FROM acts WHERE id IN ({marks})", list(ids))}


def get_acts(db: sqlite_utils.Database, source_id: str | None = None) -> list[dict]:
    """Stored acts (of one source), oldest first, JSON columns decoded."""
    where, params = ("WHERE source_id = ?", [source_id]) if source_id else ("", [])
    rows = db.query(f"SELECT * FROM acts {where} ORDER BY date, number, id", params)
    out = []
    for row in rows:
        for key in JSON_COLUMNS:
            row[key] = json.loads(row[key] or "[]")
        out.append(row)
    return out


def acts_to_analyze(db: sqlite_utils.Database, *, everything: bool = False,
                    limit: int | None = None) -> list[dict]:
    """Acts not yet analyzed (or all), in the shape of store.analysis.articles_to_analyze:
    id, title (the act's object), text, published (the act's date, else the first day of its
    publication, when the listing gives no date)."""
    where = "" if everything else "WHERE analyzed_at IS NULL"
    sql = (f"SELECT id, object AS title, text, coalesce(date, published_from) AS published "
           f"FROM acts {where} ORDER BY published, id")
    if limit:
        sql += f" LIMIT {int(limit)}"
    return list(db.query(sql))


def mark_acts_analyzed(db: sqlite_utils.Database, act_ids: Iterable[str],
                       when: str | None = None) -> None:
    """Record that the acts were analyzed (they leave `acts_to_analyze` until they change)."""
    ids = list(act_ids)
    with transaction(db):
        for act in ids:
            db.execute("UPDATE acts SET analyzed_at = ? WHERE id = ?", [when or utcnow(), act])
