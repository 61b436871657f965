"""One crawl in its own process (the Twisted reactor cannot restart):

    python -m crawler.process --sources FILE --db FILE --run-id ID [--source ID ...]
        [--settings-json '{"DOWNLOAD_DELAY": 0}'] [--progress] [--redis URL] [--broad | --no-broad]

Runs the feed, sitemap, listing and albo spiders together for the chosen sources, then writes one
crawl_runs record per source. With --progress, JSON lines on stdout report each article and
error and end with {"event": "finished", ...}. Called by crawler.run.crawl.

With --redis, the process is the coordinator of a distributed crawl (crawler/distributed/):
the same spiders and pipelines, with downloads made by the workers that serve the Redis
database; the run is published there for them and withdrawn at the end.
"""

from __future__ import annotations

import argparse
import json
import sys

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler import settings as default_settings
from crawler.broad import BROAD_SETTINGS, wants_broad
from crawler.ledger import RunLedger, json_lines_progress, share_ledger
from crawler.sources import load_sources, select_sources
from crawler.spiders.albo import AlboSpider
from crawler.spiders.feed import FeedSpider
from crawler.spiders.listing import ListingSpider
from crawler.spiders.sitemap import SitemapSpider
from store.articles import record_crawl_run, upsert_sources
from store.db import open_db
from store.frontier import frontier_size

SPIDERS = (FeedSpider, SitemapSpider, ListingSpider, AlboSpider)


def build_settings(sources: str, db: str, source_ids: list[str] | None,
                   overrides: dict, broad: bool | None = None) -> Settings:
    """Project defaults < the broad-crawl profile (when chosen, see crawler/broad.py) < the
    run's overrides."""
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    min_sources = int(overrides.get("OBSERVATORY_BROAD_MIN_SOURCES",
                                    default_settings.OBSERVATORY_BROAD_MIN_SOURCES))
    if wants_broad(broad, len(source_ids or []), min_sources):
        settings.update(BROAD_SETTINGS, priority="project")
        settings.set("OBSERVATORY_BROAD", True, priority="project")
    settings.update({"OBSERVATORY_SOURCES": sources, "OBSERVATORY_DB": db,
                     "OBSERVATORY_SOURCE_IDS": source_ids or []}, priority="cmdline")
    settings.update(overrides, priority="cmdline")
    return settings


def crawl_in_this_process(sources_path: str, db_path: str, run_id: str,
                          source_ids: list[str] | None, overrides: dict, progress: bool,
                          redis_url: str | None = None, broad: bool | None = None) -> int:
    """The crawl itself, in the calling process (which it owns: Scrapy's reactor starts once).
    `crawler.run.crawl` runs it in a child process through `main`."""
    chosen = select_sources(load_sources(sources_path), source_ids)
    settings = build_settings(sources_path, db_path, [s.id for s in chosen], overrides, broad)
    if redis_url is None:
        return _crawl(chosen, db_path, run_id, settings, progress)
    from crawler.distributed import coordinator

    config = coordinator.crawl_config(settings, chosen, run_id)
    coordinator.coordinator_settings(settings, redis_url, run_id)
    state = coordinator.open_run(redis_url, config)
    try:
        return _crawl(chosen, db_path, run_id, settings, progress)
    finally:
        coordinator.release(state, run_id)


def _crawl(chosen: list, db_path: str, run_id: str, settings: Settings, progress: bool) -> int:
    db = open_db(db_path)
    upsert_sources(db, [s.store_row() for s in chosen])
    ledger = RunLedger(run_id=run_id, progress=json_lines_progress if progress else None)
    for source in chosen:
        ledger.tally(source.id)
    ledger.emit({"event": "started", "run_id": run_id, "sources": [s.id for s in chosen]})
    process = CrawlerProcess(settings)
    for spider in SPIDERS:
        if any(getattr(s, spider.entry_field) for s in chosen):
            crawler = process.create_crawler(spider)
            share_ledger(crawler, ledger)
            process.crawl(crawler)
    process.start()
    for source in chosen:  # links a later run must still request (see store/frontier.py)
        ledger.tally(source.id).counts["frontier_pending"] = frontier_size(db, source.id)
    records = ledger.records()
    for record in records:
        record_crawl_run(db, record)
    db.conn.close()
    ledger.emit({"event": "finished", "run_id": run_id, "records": records})
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.process")
    parser.add_argument("--sources", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--source", action="append", dest="source_ids")
    parser.add_argument("--settings-json", default="{}")
    parser.add_argument("--progress", action="store_true")
    parser.add_argument("--redis", help="coordinate a distributed crawl on this Redis URL")
    parser.add_argument("--broad", action=argparse.BooleanOptionalAction, default=None,
                        help="broad-crawl profile (default: from OBSERVATORY_BROAD_MIN_SOURCES "
                             "sources on)")
    args = parser.parse_args(argv)
    return crawl_in_this_process(args.sources, args.db, args.run_id, args.source_ids,
                                 json.loads(args.settings_json), args.progress, args.redis,
                                 args.broad)


if __name__ == "__main__":
    sys.exit(main())
