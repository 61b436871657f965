"""Re-run extraction on the raw pages kept in the store, without the network.

    reextract(Path("observatory.db"))                      # every source
    reextract(Path("observatory.db"), "vita")              # one source
    reextract(Path("observatory.db"), refused_only=True)   # only pages extraction refused

Pages the keyword prefilter dropped stay dropped (their URLs keep status "filtered"). A refused
page that is an article after a fix is stored, and its URL's seen status becomes "article".
Returns counts: pages, new, updated, unchanged, duplicate, not_article, skipped.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from crawler.decoding import decode_html
from crawler.extract import extract_page
from crawler.urls import canonicalize
from store.articles import (
    get_link_hint,
    get_raw_page,
    mark_seen,
    raw_page_urls,
    save_article,
    seen_status,
)
from store.db import open_db
from store.refused import record_extraction, refused_page_urls

KEEP_AS_IS = {"filtered", "disallowed"}


def reextract(db_path: str | Path, source_id: str | None = None, *,
              refused_only: bool = False) -> dict[str, int]:
    """Extract every stored raw page (or only the refused ones) again and update the
    articles; returns counts."""
    db = open_db(db_path)
    counts: Counter = Counter()
    try:
        # URLs first, then one page at a time: writes cannot run under an open cursor.
        urls = refused_page_urls(db, source_id) if refused_only else raw_page_urls(db, source_id)
        for url in urls:
            page = get_raw_page(db, url)
            if page:
                counts["pages"] += 1
                counts[_redo(db, page)] += 1
    finally:
        db.conn.close()
    return {key: counts.get(key, 0) for key in
            ("pages", "new", "updated", "unchanged", "duplicate", "not_article", "skipped")}


def _redo(db, page: dict) -> str:
    canonical = canonicalize(page["url"])
    if seen_status(db, [canonical]).get(canonical) in KEEP_AS_IS:
        return "skipped"
    decoded = decode_html(page["body"], page["content_type"])
    fields = extract_page(decoded.text, page["url"], fetched_at=page["fetched_at"],
                          hint=get_link_hint(db, canonical) or get_link_hint(db, page["url"]))
    record_extraction(db, page["url"], None if fields.is_article else fields.reason,
                      decoded.replaced)
    if not fields.is_article:
        mark_seen(db, fields.url, page["source_id"], "not_article", fields.reason,
                  http_status=page["http_status"])
        return "not_article"
    art = dict(fields.article(), source_id=page["source_id"], fetched_url=page["url"],
               fetched_at=page["fetched_at"])
    return save_article(db, art).status
