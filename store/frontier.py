"""The crawl frontier: the links that feeds, sitemaps and listing pages yielded and that are not
settled yet, kept per source so that a crawl killed midway (SIGKILL, power cut, OOM, time-out)
resumes from them on the next run, whatever the feed answers then (a 304 yields no links).

A link is recorded as pending in the same transaction that holds back the validators (ETag,
Last-Modified) of the response that yielded it, before any request for it is scheduled. It is
settled (its rows deleted) when its article is stored, judged (duplicate, not an article,
filtered) or permanently refused. The held-back validators move to `fetch_cache`, where the next
conditional GET reads them, in the transaction that settles the last link of their response:
a 304 therefore never hides a link that was not settled.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlite_utils

from store.db import transaction, utcnow

_CHUNK = 500


@dataclass(frozen=True)
class FrontierLink:
    """One link to record: an article page (url = canonical URL, href = URL to request) or an
    entry document (a child sitemap, the next listing page) with the request meta it needs."""

    url: str
    href: str
    kind: str = "article"  # article | entry
    meta: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PendingLink:
    url: str
    href: str
    source_id: str
    spider: str
    kind: str
    meta: dict
    attempts: int


@dataclass(frozen=True)
class EntryResponse:
    """A feed, sitemap or listing response that was read, with its validators."""

    entry_url: str
    source_id: str
    spider: str
    etag: str | None
    last_modified: str | None
    http_status: int


def record_entry(db: sqlite_utils.Database, entry: EntryResponse,
                 links: Iterable[FrontierLink]) -> None:
    """In one transaction: the links the entry yielded become pending, its validators are held
    back until they are settled (saved at once when none is pending), and the entry document
    itself, if an earlier response had yielded it, is settled."""
    now = utcnow()
    rows = [{"entry_url": entry.entry_url, "url": link.url, "source_id": entry.source_id,
             "spider": entry.spider, "kind": link.kind, "href": link.href,
             "meta": json.dumps(link.meta, sort_keys=True), "attempts": 0, "added_at": now}
            for link in links]
    with transaction(db):
        for row in rows:
            db.execute(
                "INSERT INTO frontier (entry_url, url, source_id, spider, kind, href, meta, "
                "attempts, added_at) VALUES (:entry_url, :url, :source_id, :spider, :kind, "
                ":href, :meta, :attempts, :added_at) ON CONFLICT (entry_url, url) DO UPDATE "
                "SET href = excluded.href, meta = excluded.meta", row)
        db["frontier_validators"].upsert(
            {"entry_url": entry.entry_url, "source_id": entry.source_id, "etag": entry.etag,
             "last_modified": entry.last_modified, "http_status": entry.http_status,
             "fetched_at": now}, pk="entry_url")
        settle_in_transaction(db, [entry.entry_url])


def settle(db: sqlite_utils.Database, urls: Iterable[str]) -> None:
    """The links are settled (for every source and entry that yielded them): remove them and
    save the validators of every response whose links are now all settled."""
    with transaction(db):
        settle_in_transaction(db, urls)


def settle_in_transaction(db: sqlite_utils.Database, urls: Iterable[str]) -> None:
    """`settle` inside a transaction the caller holds (the one that stores the article)."""
    urls = list(dict.fromkeys(urls))
    for i in range(0, len(urls), _CHUNK):
        chunk = urls[i : i + _CHUNK]
        db.execute(f"DELETE FROM frontier WHERE url IN ({','.join('?' * len(chunk))})", chunk)
    _release_validators(db)


def _release_validators(db: sqlite_utils.Database) -> None:
    ready = db.execute(
        "SELECT entry_url, etag, last_modified, http_status, fetched_at FROM frontier_validators v "
        "WHERE NOT EXISTS (SELECT 1 FROM frontier f WHERE f.entry_url = v.entry_url)").fetchall()
    for entry_url, etag, last_modified, status, fetched_at in ready:
        db["fetch_cache"].upsert({"url": entry_url, "etag": etag, "last_modified": last_modified,
                                  "http_status": status, "fetched_at": fetched_at}, pk="url")
        db.execute("DELETE FROM frontier_validators WHERE entry_url = ?", [entry_url])


def pending_links(db: sqlite_utils.Database, source_id: str) -> list[PendingLink]:
    """The source's pending links, one per URL, oldest first."""
    rows = db.execute(
        "SELECT url, href, source_id, spider, kind, meta, max(attempts) FROM frontier "
        "WHERE source_id = ? GROUP BY url ORDER BY min(added_at), url", [source_id]).fetchall()
    return [PendingLink(url, href, sid, spider, kind, json.loads(meta or "{}"), attempts or 0)
            for url, href, sid, spider, kind, meta, attempts in rows]


def count_attempt(db: sqlite_utils.Database, url: str) -> int:
    """One more failed request of a pending entry document; how many it has had so far."""
    with transaction(db):
        db.execute("UPDATE frontier SET attempts = attempts + 1 WHERE url = ?", [url])
        row = db.execute("SELECT max(attempts) FROM frontier WHERE url = ?", [url]).fetchone()
    return row[0] or 0


def frontier_size(db: sqlite_utils.Database, source_id: str | None = None) -> int:
    """How many distinct links are pending (for one source, or for all)."""
    where, params = ("WHERE source_id = ?", [source_id]) if source_id else ("", [])
    return db.execute(f"SELECT count(DISTINCT url) FROM frontier {where}", params).fetchone()[0]


def held_validators(db: sqlite_utils.Database) -> list[str]:
    """Entry URLs whose validators wait for their links to be settled."""
    return [r[0] for r in db.execute(
        "SELECT entry_url FROM frontier_validators ORDER BY entry_url")]
