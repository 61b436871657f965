"""Raw pages that extraction refused, kept (bounded) so that `reextract --refused` can run them
again after a fix; and what decoding replaced in each page.

The raw page itself is saved by the crawler before extraction (store.articles.save_raw_page);
this module records the outcome on that row and prunes refused pages beyond the bounds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlite_utils

from store.db import transaction


def record_extraction(db: sqlite_utils.Database, url: str, refused_reason: str | None,
                      replaced_chars: int = 0) -> None:
    """Record on a stored raw page why extraction refused it (None: it is an article) and how
    many characters decoding replaced."""
    with transaction(db):
        db.execute("UPDATE raw_pages SET refused_reason = ?, replaced_chars = ? WHERE url = ?",
                   [refused_reason, replaced_chars, url])


def refused_page_urls(db: sqlite_utils.Database, source_id: str | None = None) -> list[str]:
    """URLs of the kept raw pages that extraction refused, in URL order."""
    where, params = ("AND source_id = ?", [source_id]) if source_id else ("", [])
    return [r[0] for r in db.execute(
        f"SELECT url FROM raw_pages WHERE refused_reason IS NOT NULL {where} ORDER BY url",
        params)]


def prune_refused_pages(db: sqlite_utils.Database, *, max_pages: int, max_age_days: int,
                        max_bytes: int, now: datetime | None = None) -> int:
    """Delete refused raw pages that are larger than `max_bytes` compressed, older than
    `max_age_days`, or beyond the newest `max_pages`; return how many were deleted.
    Pages stored as articles are never touched."""
    cutoff = ((now or datetime.now(UTC)) - timedelta(days=max_age_days)).isoformat()
    refused = "refused_reason IS NOT NULL"
    with transaction(db):
        before = db.execute(f"SELECT count(*) FROM raw_pages WHERE {refused}").fetchone()[0]
        db.execute(f"DELETE FROM raw_pages WHERE {refused} AND "
                   "(length(body_gz) > ? OR fetched_at < ?)", [max_bytes, cutoff])
        db.execute(f"DELETE FROM raw_pages WHERE {refused} AND url NOT IN (SELECT url FROM "
                   f"raw_pages WHERE {refused} ORDER BY fetched_at DESC, url LIMIT ?)",
                   [max_pages])
        after = db.execute(f"SELECT count(*) FROM raw_pages WHERE {refused}").fetchone()[0]
    return before - after


def replaced_characters(db: sqlite_utils.Database, url: str) -> int | None:
    """Characters that decoding replaced in a stored raw page (None: no such page)."""
    row = db.execute("SELECT replaced_chars FROM raw_pages WHERE url = ?", [url]).fetchone()
    return row[0] if row else None
