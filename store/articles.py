"""Write and read helpers for what the crawler stores: sources, articles, seen URLs, raw pages,
conditional-GET validators and crawl runs. Every write is idempotent."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlite_utils

from store.db import transaction, upsert_row, utcnow
from store.frontier import settle_in_transaction
from store.text import content_hash, search_terms, shingle_similarity, simhash

NEAR_DUP_MAX_HAMMING = 14
NEAR_DUP_MIN_JACCARD = 0.45
NEAR_DUP_WINDOW_DAYS = 30


@dataclass(frozen=True)
class SaveResult:
    status: str  # new | updated | unchanged | duplicate
    article_id: str
    cluster_id: str


def article_id(canonical_url: str) -> str:
    return hashlib.sha1(canonical_url.encode()).hexdigest()[:16]


def upsert_sources(db: sqlite_utils.Database, sources: list[dict]) -> None:
    rows = []
    for src in sources:
        row = dict(src)
        for key in ("feeds", "sitemaps", "start_urls", "allowed_domains"):
            row[key] = json.dumps(list(row.get(key) or []))
        row["updated_at"] = utcnow()
        rows.append(row)
    with transaction(db):
        db["sources"].upsert_all(rows, pk="id", alter=True)


def _iso_week(day: str | None) -> tuple[str | None, int | None, str | None]:
    if not day:
        return None, None, None
    d = date.fromisoformat(day[:10])
    year, week, _ = d.isocalendar()
    return d.strftime("%Y-%m"), d.year, f"{year}-W{week:02d}"


def _near_duplicate_cluster(db: sqlite_utils.Database, art: dict, sh: str) -> str | None:
    """The cluster of an existing article that is a lightly edited copy of this one."""
    where, params = "simhash IS NOT NULL AND id != ?", [art["id"]]
    if art.get("published"):
        day = date.fromisoformat(art["published"][:10])
        where += " AND (published IS NULL OR published BETWEEN ? AND ?)"
        window = timedelta(days=NEAR_DUP_WINDOW_DAYS)
        params += [(day - window).isoformat(), (day + window).isoformat()]
    # The distance is computed inside SQLite (store.db registers it): no row crosses into
    # Python unless it is within reach.
    candidates = db.execute(
        f"SELECT simhash_distance(simhash, ?) AS dist, id, cluster_id FROM articles "
        f"WHERE {where} AND dist <= ? ORDER BY dist, id LIMIT 5",
        [sh, *params, NEAR_DUP_MAX_HAMMING]).fetchall()
    for _, other_id, cluster in candidates:
        other_text = db.execute("SELECT text FROM articles WHERE id = ?", [other_id]).fetchone()[0]
        if shingle_similarity(art["text"], other_text or "") >= NEAR_DUP_MIN_JACCARD:
            return cluster
    return None


def derive(title: str | None, text: str | None) -> dict:
    """What the store computes from an article's words before the duplicate and cluster checks
    (content hash, simhash, search terms, snippet): pure CPU work, so a caller with a pool of
    processes (crawler/extraction.py) can run it there and pass it to `save_article`."""
    text = text or ""
    return {"content_hash": content_hash(text), "simhash": simhash(text),
            "search_terms": search_terms(f"{title or ''} {text}"), "snippet": _snippet(text)}


def save_article(db: sqlite_utils.Database, art: dict, *, aliases: Iterable[str] = (),
                 http_status: int | None = None, derived: dict | None = None) -> SaveResult:
    """Store one extracted article (keys: url, source_id, title, text, published, ...).

    The same canonical URL is one row; the same text under another URL is recorded as a
    duplicate of the first; a lightly edited copy joins the first copy's story cluster.
    `aliases` (the other URLs of the page: as requested, after redirects) are marked seen with
    the same outcome and settled in the crawl frontier, in the same transaction. `derived` is
    `derive(art["title"], art["text"])` when the caller computed it already.
    """
    derived = derived or derive(art.get("title"), art.get("text"))
    with transaction(db):
        result = _save_article(db, dict(art), derived)
        status = "duplicate" if result.status == "duplicate" else "article"
        reason = f"same text as article {result.article_id}" if status == "duplicate" else ""
        skip = art["url"] if status == "article" else ""  # marked by _save_article itself
        for url in aliases:
            if url != skip:
                mark_seen(db, url, art.get("source_id"), status, reason,
                          published=art.get("published"), http_status=http_status, _tx=False)
        settle_in_transaction(db, [*aliases, art["url"], art.get("fetched_url") or art["url"]])
    return result


def _save_article(db: sqlite_utils.Database, art: dict, derived: dict) -> SaveResult:
    art["id"] = article_id(art["url"])
    art["content_hash"] = derived["content_hash"]
    existing = db.execute(
        "SELECT content_hash, cluster_id FROM articles WHERE id = ?", [art["id"]]
    ).fetchone()
    if existing and existing[0] == art["content_hash"]:
        _mark_seen(db, art["fetched_url"] or art["url"], art, "article", "", art["id"])
        return SaveResult("unchanged", art["id"], existing[1])
    if not existing:
        same = db.execute(
            "SELECT id, cluster_id FROM articles WHERE content_hash = ? LIMIT 1",
            [art["content_hash"]],
        ).fetchone()
        if same:
            _mark_seen(db, art.get("fetched_url") or art["url"], art, "duplicate",
                       f"same text as article {same[0]}", same[0])
            return SaveResult("duplicate", same[0], same[1])
    sh = derived["simhash"]
    cluster = (existing[1] if existing else None) or _near_duplicate_cluster(db, art, sh)
    art["simhash"] = sh
    art["cluster_id"] = cluster or art["id"]
    art["month"], art["year"], art["week"] = _iso_week(art.get("published"))
    art["search_terms"] = derived["search_terms"]
    art["snippet"] = derived["snippet"]
    art["tags"] = json.dumps(list(art.get("tags") or []), ensure_ascii=False)
    art.setdefault("fetched_at", utcnow())
    if existing:
        # New text: the analysis is stale and will be redone.
        art["analyzed_at"] = None
    upsert_row(db, "articles", art, "id")
    _mark_seen(db, art.get("fetched_url") or art["url"], art, "article", "", art["id"])
    if art["url"] != art.get("fetched_url"):
        _mark_seen(db, art["url"], art, "article", "canonical", art["id"])
    return SaveResult("updated" if existing else "new", art["id"], art["cluster_id"])


def _snippet(text: str, size: int = 300) -> str:
    text = " ".join(text.split())
    if len(text) <= size:
        return text
    cut = text.rfind(" ", 0, size)
    return text[: cut if cut > 0 else size] + "…"


def _mark_seen(db, url: str, art: dict, status: str, reason: str, article: str | None) -> None:
    mark_seen(db, url, art.get("source_id"), status, reason, article_id_=article,
              published=art.get("published"), http_status=art.get("http_status"), _tx=False)


def mark_seen(
    db: sqlite_utils.Database,
    url: str,
    source_id: str | None,
    status: str,
    reason: str = "",
    *,
    article_id_: str | None = None,
    published: str | None = None,
    http_status: int | None = None,
    _tx: bool = True,
) -> None:
    """Record that a URL was reached and what became of it (article, filtered, error...)."""
    now = utcnow()
    row = {"url": url, "source_id": source_id, "status": status, "reason": reason,
           "article_id": article_id_, "published": published, "http_status": http_status,
           "last_seen": now}

    def write() -> None:  # an existing row keeps its first_seen
        upsert_row(db, "seen_urls", dict(row, first_seen=now), "url", keep=("first_seen",))

    if _tx:
        with transaction(db):
            write()
    else:
        write()


def record_outcome(
    db: sqlite_utils.Database,
    urls: Iterable[str],
    source_id: str | None,
    status: str,
    reason: str = "",
    *,
    published: str | None = None,
    http_status: int | None = None,
    settled: bool = True,
) -> None:
    """Mark the URLs of one page (its aliases) with one outcome and, when the outcome is final
    (`settled`), remove them from the crawl frontier, in one transaction."""
    urls = list(dict.fromkeys(urls))
    with transaction(db):
        for url in urls:
            mark_seen(db, url, source_id, status, reason, published=published,
                      http_status=http_status, _tx=False)
        if settled:
            settle_in_transaction(db, urls)


def _seen_rows(db: sqlite_utils.Database, urls: list[str], column: str,
               where: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for i in range(0, len(urls), 500):
        chunk = urls[i : i + 500]
        marks = ",".join("?" * len(chunk))
        for url, value in db.execute(
            f"SELECT url, {column} FROM seen_urls WHERE url IN ({marks}){where}", chunk
        ):
            out[url] = value
    return out


def seen_status(db: sqlite_utils.Database, urls: list[str]) -> dict[str, str]:
    """Status of the given URLs that were seen before (missing ones were never seen)."""
    return _seen_rows(db, urls, "status")


def error_reasons(db: sqlite_utils.Database, urls: list[str]) -> dict[str, str]:
    """The recorded failures ("http_404|timeout") of the given URLs whose status is error."""
    return _seen_rows(db, urls, "reason", " AND status = 'error'")


def transient_errors(db: sqlite_utils.Database, source_id: str) -> list[tuple[str, str]]:
    """(url, reason) of a source's URLs that failed with a transient error (no HTTP answer or
    a 5xx): candidates to retry on the next run."""
    return [tuple(row) for row in db.execute(
        "SELECT url, reason FROM seen_urls WHERE source_id = ? AND status = 'error' "
        "AND (http_status IS NULL OR http_status >= 500)", [source_id]).fetchall()]


def save_raw_page(
    db: sqlite_utils.Database,
    url: str,
    *,
    source_id: str | None,
    http_status: int,
    content_type: str,
    encoding: str | None,
    headers: dict,
    body: bytes,
    fetched_at: str | None = None,
) -> None:
    row = {"url": url, "source_id": source_id, "http_status": http_status,
           "content_type": content_type, "encoding": encoding,
           "headers": json.dumps(headers, ensure_ascii=False),
           "body_gz": gzip.compress(body, compresslevel=6), "fetched_at": fetched_at or utcnow()}
    with transaction(db):
        upsert_row(db, "raw_pages", row, "url")


def iter_raw_pages(db: sqlite_utils.Database, source_id: str | None = None):
    """Yield stored raw pages with their body decompressed (for re-extraction)."""
    where, params = ("source_id = ?", [source_id]) if source_id else (None, [])
    for row in db["raw_pages"].rows_where(where, params, order_by="url"):
        row["body"] = gzip.decompress(row.pop("body_gz"))
        yield row


def get_validators(db: sqlite_utils.Database, url: str) -> dict:
    row = db.execute("SELECT etag, last_modified FROM fetch_cache WHERE url = ?", [url]).fetchone()
    return {"etag": row[0], "last_modified": row[1]} if row else {}


def put_validators(db: sqlite_utils.Database, url: str, etag: str | None,
                   last_modified: str | None, http_status: int) -> None:
    with transaction(db):
        db["fetch_cache"].upsert({"url": url, "etag": etag, "last_modified": last_modified,
                                  "http_status": http_status, "fetched_at": utcnow()}, pk="url")


def record_crawl_run(db: sqlite_utils.Database, run: dict) -> None:
    """Write (or update) the per-source record of one crawl run."""
    row = dict(run)
    row["id"] = f"{row['run_id']}:{row['source_id']}"
    if isinstance(row.get("errors_by_kind"), dict):
        row["errors_by_kind"] = json.dumps(row["errors_by_kind"], sort_keys=True)
    with transaction(db):
        db["crawl_runs"].upsert(row, pk="id", alter=True)


def crawl_run_records(db: sqlite_utils.Database, run_id: str) -> dict[str, dict]:
    """The per-source records of one crawl run, by source id (errors_by_kind decoded)."""
    out = {}
    for row in db["crawl_runs"].rows_where("run_id = ?", [run_id]):
        row["errors_by_kind"] = json.loads(row.get("errors_by_kind") or "{}")
        out[row["source_id"]] = row
    return out


def save_link_hints(db: sqlite_utils.Database, hints: list[dict]) -> None:
    """Remember what feeds and sitemaps said about links; a dated hint is never replaced by an
    undated one (a listing seen later must not erase a feed date)."""
    rows = []
    for hint in hints:
        row = dict(hint)
        row["tags"] = json.dumps(list(row.get("tags") or []), ensure_ascii=False)
        row["seen_at"] = utcnow()
        rows.append(row)
    with transaction(db):
        for row in rows:
            old = db.execute("SELECT published, title, tags, origin FROM link_hints WHERE url = ?",
                             [row["url"]]).fetchone()
            if old:
                if old[0] and not row.get("published"):
                    row["origin"] = old[3]
                row["published"] = row.get("published") or old[0]
                row["title"] = row.get("title") or old[1]
                row["tags"] = row["tags"] if row["tags"] != "[]" else old[2]
            db["link_hints"].upsert(row, pk="url")


def get_link_hint(db: sqlite_utils.Database, url: str) -> dict:
    """The stored hint for a canonical URL, with tags decoded ({} when none)."""
    row = db.execute("SELECT origin, published, title, tags FROM link_hints WHERE url = ?",
                     [url]).fetchone()
    if not row:
        return {}
    return {"origin": row[0], "published": row[1], "title": row[2],
            "tags": json.loads(row[3] or "[]")}


def raw_page_urls(db: sqlite_utils.Database, source_id: str | None = None) -> list[str]:
    """URLs of the stored raw pages (of one source, or all), in URL order."""
    where, params = ("WHERE source_id = ?", [source_id]) if source_id else ("", [])
    return [r[0] for r in db.execute(f"SELECT url FROM raw_pages {where} ORDER BY url", params)]


def get_raw_page(db: sqlite_utils.Database, url: str) -> dict | None:
    """One stored raw page with its body decompressed, or None."""
    rows = list(db["raw_pages"].rows_where("url = ?", [url]))
    if not rows:
        return None
    row = rows[0]
    row["body"] = gzip.decompress(row.pop("body_gz"))
    return row


def last_fetched(db: sqlite_utils.Database, url: str) -> str | None:
    """When a URL was last fetched with a 200 (the time its validators were stored)."""
    row = db.execute("SELECT fetched_at FROM fetch_cache WHERE url = ?", [url]).fetchone()
    return row[0] if row else None
