"""Item pipelines, one job each. An item is a downloaded page (see SourceSpider.on_article);
each stage returns it or raises DropItem after recording why in the store.

Each stage owns its resources: its own store connection (opened when the spider opens, closed
when it closes; every write is one transaction, so the connections of one process never wait
on each other), the source registry when it needs it, and the run's ledger from the crawler."""

from __future__ import annotations

import sqlite_utils
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.extract import PageFields
from crawler.extraction import (
    WORKER_LOST,
    ExtractionPool,
    Turns,
    WorkerLost,
    default_workers,
    release_pool,
    shared_pool,
)
from crawler.items import ActItem, PageItem
from crawler.ledger import run_ledger
from crawler.prefilter import matches_keywords
from crawler.sources import Source, run_sources
from store.acts import save_act
from store.articles import get_link_hint, record_outcome, save_article, save_raw_page
from store.db import open_db
from store.refused import prune_refused_pages, record_extraction

# Bounds on the raw HTML kept for refused pages (settings of the same names override them):
# the newest pages only, for so many days, each up to so many compressed bytes.
REFUSED_BOUNDS = {"OBSERVATORY_REFUSED_MAX_PAGES": 2000, "OBSERVATORY_REFUSED_MAX_AGE_DAYS": 90,
                  "OBSERVATORY_REFUSED_MAX_BYTES": 512 * 1024}


class _StagePipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.ledger = run_ledger(crawler)
        self.db: sqlite_utils.Database | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> _StagePipeline:
        return cls(crawler)

    def open_spider(self, spider=None) -> None:
        self.db = open_db(self.crawler.settings["OBSERVATORY_DB"])

    def close_spider(self, spider=None) -> None:
        if self.db is not None:
            self.db.conn.close()
            self.db = None

    def mark_all(self, item: PageItem, status: str, reason: str, published: str | None = None):
        """Record a final outcome for every URL of the page and settle them in the frontier."""
        record_outcome(self.db, item.aliases, item.source_id, status, reason,
                       published=published, http_status=item.http_status)


class RawPagePipeline(_StagePipeline):
    """Keeps the raw HTML (gzip) so articles can be re-extracted without the network."""

    def process_item(self, item: PageItem) -> PageItem:
        save_raw_page(self.db, item.url, source_id=item.source_id,
                      http_status=item.http_status, content_type=item.content_type,
                      encoding=item.encoding, headers=item.headers, body=item.body,
                      fetched_at=item.fetched_at)
        return item


class ExtractPipeline(_StagePipeline):
    """HTML -> article fields, in the extraction stage's worker processes
    (crawler/extraction.py, OBSERVATORY_EXTRACT_WORKERS, default one per core); each page then
    waits for its turn, so pages are recorded and stored in the order they arrived whatever
    the number of workers. Pages that are not articles are recorded (with the reason, in
    seen_urls and on the kept raw page) and dropped. Refused raw pages are pruned to their
    bounds when the crawl closes."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        workers = crawler.settings.get("OBSERVATORY_EXTRACT_WORKERS")
        self.workers = default_workers() if workers is None else int(workers)
        self.pool: ExtractionPool | None = None
        self.turns = Turns()
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self._finished, signal=signal)

    def _finished(self, item, **kwargs) -> None:
        if isinstance(item, PageItem) and item.ticket is not None:
            self.turns.finish(item.ticket)

    def open_spider(self, spider=None) -> None:
        super().open_spider(spider)
        self.pool = shared_pool(self.workers)

    def close_spider(self, spider=None) -> None:
        self.turns.release_all()
        if self.pool is not None:
            release_pool(self.pool)
            self.pool = None
        settings = self.crawler.settings
        bounds = {key: settings.getint(key, default) for key, default in REFUSED_BOUNDS.items()}
        prune_refused_pages(self.db,
                            max_pages=bounds["OBSERVATORY_REFUSED_MAX_PAGES"],
                            max_age_days=bounds["OBSERVATORY_REFUSED_MAX_AGE_DAYS"],
                            max_bytes=bounds["OBSERVATORY_REFUSED_MAX_BYTES"])
        super().close_spider(spider)

    async def process_item(self, item: PageItem) -> PageItem:
        item.ticket = self.turns.ticket()
        hint = {}
        for url in item.aliases:
            hint = hint or get_link_hint(self.db, url)
        try:
            prepared = prepared_fields(item, hint)
            if prepared is not None:  # a distributed crawl's worker already extracted it
                fields, derived = prepared, None
            else:
                done = await self.pool.extract(item.html, item.url, item.fetched_at, hint)
                fields, derived = done.fields, done.derived
        except Exception as exc:  # noqa: BLE001 - one odd page must not stop a long crawl
            await self.turns.turn(item.ticket)
            self._failed(item, exc)
        await self.turns.turn(item.ticket)
        record_extraction(self.db, item.url, None if fields.is_article else fields.reason,
                          item.replaced_chars)
        if not fields.is_article:
            self.mark_all(item, "not_article", fields.reason)
            self.ledger.count(item.source_id, "not_articles")
            raise DropItem(f"not an article: {item.url} ({fields.reason})", log_level="INFO")
        if fields.url not in item.aliases:
            item.aliases = sorted({*item.aliases, fields.url})
        item.article = fields.article()
        item.derived = derived
        return item

    def _failed(self, item: PageItem, exc: Exception) -> None:
        """Extraction raised, or its worker died: recorded, and the page dropped. A page whose
        worker died stays in the frontier: the next run fetches and extracts it again."""
        if isinstance(exc, WorkerLost):
            reason = WORKER_LOST
        else:
            reason = f"extraction failed: {type(exc).__name__}: {exc}"[:300]
        record_extraction(self.db, item.url, reason, item.replaced_chars)
        record_outcome(self.db, item.aliases, item.source_id, "error", reason,
                       http_status=item.http_status, settled=not isinstance(exc, WorkerLost))
        self.ledger.error(item.source_id, "extract_error", item.url)
        raise DropItem(f"{item.url}: {reason}", log_level="WARNING") from exc


def prepared_fields(item: PageItem, hint: dict) -> PageFields | None:
    """The extraction a distributed crawl's worker made of this page, when it read the same
    URL with the same link hint at the fetch time the item carries (then it is exactly what
    extract_page gives here); None otherwise."""
    prepared = item.prepared
    if not prepared or prepared.get("url") != item.url or prepared.get("hint") != hint \
            or prepared.get("fetched_at") != item.fetched_at:
        return None
    return PageFields(**prepared["fields"])


class PrefilterPipeline(_StagePipeline):
    """Sources with `keywords`: articles mentioning none are recorded as seen, text not kept."""

    def open_spider(self, spider=None) -> None:
        self.sources: dict[str, Source] = {s.id: s for s in run_sources(self.crawler.settings)}
        super().open_spider(spider)

    def process_item(self, item: PageItem) -> PageItem:
        source = self.sources[item.source_id]
        art = item.article
        if matches_keywords(f"{art['title']}\n{art['text']}", source.keywords):
            return item
        self.mark_all(item, "filtered", "prefilter: no source keyword", art["published"])
        self.ledger.count(item.source_id, "filtered")
        raise DropItem(f"prefiltered: {item.url}", log_level="INFO")


class StorePipeline(_StagePipeline):
    """Saves the article (dedup and story clustering happen in the store); the page's URLs are
    marked seen and settled in the frontier in the same transaction."""

    STATUS_COUNTER = {"new": "new_articles", "updated": "updated", "unchanged": "unchanged",
                      "duplicate": "duplicates"}

    def process_item(self, item: PageItem) -> PageItem:
        # http_status is not an article column: it is recorded with the page's URLs.
        art = dict(item.article, source_id=item.source_id, fetched_url=item.fetched_url,
                   fetched_at=item.fetched_at)
        result = save_article(self.db, art, aliases=item.aliases,
                              http_status=item.http_status, derived=item.derived)
        self.ledger.count(item.source_id, self.STATUS_COUNTER[result.status])
        self.ledger.emit({"event": "article", "source": item.source_id,
                                 "status": result.status, "url": art["url"],
                                 "cluster_id": result.cluster_id})
        return item


class ActPipeline(_StagePipeline):
    """Saves an albo act (the albo spider's only pipeline: acts are not pages to extract)."""

    def process_item(self, item: ActItem) -> ActItem:
        status = save_act(self.db, item.act)
        self.ledger.count(item.source_id, f"acts_{status}")
        self.ledger.emit({"event": "act", "source": item.source_id, "status": status,
                          "url": item.act["url"], "type": item.act["type"]})
        return item
