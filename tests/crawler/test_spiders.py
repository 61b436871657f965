"""Spider callbacks and item pipelines on saved responses (HtmlResponse/XmlResponse), no
network and no reactor: what each callback requests and what the pipelines store."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse, XmlResponse
from scrapy.utils.test import get_crawler

from crawler.ledger import RunLedger, share_ledger
from crawler.pipelines import ExtractPipeline, PrefilterPipeline, RawPagePipeline, StorePipeline
from crawler.spiders.feed import FeedSpider
from crawler.spiders.listing import ListingSpider
from store.articles import mark_seen
from store.db import open_db

SOURCES = """
[[source]]
id = "portale"
name = "Portale"
kind = "portal"
feeds = ["https://www.portale.it/feed/"]
start_urls = ["https://www.portale.it/notizie/"]
allowed_domains = ["portale.it"]
keywords = ["co-progettazione"]

[source.listing]
max_pages = 2
"""
FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>P</title>
<item><title>Uno</title><link>https://www.portale.it/uno/?utm_source=rss</link>
<pubDate>Tue, 04 Mar 2025 09:00:00 +0100</pubDate></item>
<item><title>Due</title><link>https://www.portale.it/due/</link></item>
<item><title>Fuori</title><link>https://altro.it/tre/</link></item>
<item><title>Tag</title><link>https://www.portale.it/tag/welfare/</link></item>
</channel></rss>"""
ARTICLE = ("<html><head><meta charset='utf-8'><title>Uno</title></head><body><article>"
           "<h1>Avviso di co-progettazione per gli anziani</h1>" + "<p>" +
           "L'Ambito ha pubblicato un avviso di co-progettazione con il Terzo settore. " * 10
           + "</p></article></body></html>")


@pytest.fixture
def spider_for(tmp_path: Path):
    sources = tmp_path / "sources.toml"
    sources.write_text(SOURCES, encoding="utf-8")
    opened = []

    def make(cls, ledger: RunLedger | None = None):
        # Extraction on this thread: the worker pool is tested by real crawls
        # (tests/crawler/test_extraction_stage.py); here it would only add its start-up.
        crawler = get_crawler(cls, {"OBSERVATORY_SOURCES": str(sources),
                                    "OBSERVATORY_DB": str(tmp_path / "o.db"),
                                    "OBSERVATORY_EXTRACT_WORKERS": 0})
        if ledger is not None:
            share_ledger(crawler, ledger)
        spider = cls.from_crawler(crawler)
        crawler.spider = spider
        opened.append(spider)
        return spider

    yield make
    for spider in opened:
        spider.close_store()


@pytest.fixture
def stage():
    """An item pipeline opened as Scrapy opens it (from_crawler, open_spider), closed after."""
    opened = []

    def make(cls, crawler):
        pipeline = cls.from_crawler(crawler)
        pipeline.open_spider()
        opened.append(pipeline)
        return _Awaited(pipeline)

    yield make
    for pipeline in opened:
        pipeline.close_spider()


class _Awaited:
    """A pipeline whose process_item is run to its end as Scrapy awaits it (the extraction
    stage's is a coroutine)."""

    def __init__(self, pipeline):
        self.pipeline = pipeline

    def __getattr__(self, name: str):
        return getattr(self.pipeline, name)

    def process_item(self, item):
        result = self.pipeline.process_item(item)
        return asyncio.run(result) if inspect.iscoroutine(result) else result


def _entry(url: str, body: bytes, cls=XmlResponse, **meta) -> XmlResponse:
    request = Request(url, meta={"source_id": "portale", **meta})
    return cls(url=url, body=body, request=request)


def test_feed_callback_requests_unseen_on_site_articles_only(spider_for):
    spider = spider_for(FeedSpider)
    requests = list(spider.on_entry(_entry("https://www.portale.it/feed/", FEED)))
    assert [r.url for r in requests] == ["https://www.portale.it/uno/?utm_source=rss",
                                         "https://www.portale.it/due/"]
    assert requests[0].meta["canonical"] == "https://www.portale.it/uno"
    row = spider.db.execute("SELECT status FROM seen_urls WHERE url = ?",
                            ["https://www.portale.it/tag/welfare"]).fetchone()
    assert row == ("not_article",)
    mark_seen(spider.db, "https://www.portale.it/due", "portale", "article")
    again = spider_for(FeedSpider)
    assert [r.url for r in again.on_entry(_entry("https://www.portale.it/feed/", FEED))] == [
        "https://www.portale.it/uno/?utm_source=rss"]


def test_not_modified_entry_is_a_success_without_requests(spider_for):
    spider = spider_for(FeedSpider)
    response = XmlResponse(url="https://www.portale.it/feed/", status=304, body=b"",
                           request=Request("https://www.portale.it/feed/",
                                           meta={"source_id": "portale"}))
    assert list(spider.on_entry(response)) == []
    tally = spider.ledger.tally("portale")
    assert tally.counts["responses_304"] == 1 and tally.status() == "ok"


def test_listing_callback_follows_pagination_up_to_max_pages(spider_for):
    spider = spider_for(ListingSpider)
    html = (b"<html><body><h2><a href='/notizie/uno'>Uno</a></h2>"
            b"<a rel='next' href='/notizie/?page=2'>Successiva</a></body></html>")
    first = list(spider.on_entry(_entry("https://www.portale.it/notizie/", html, HtmlResponse)))
    assert [r.url for r in first] == ["https://www.portale.it/notizie/uno",
                                      "https://www.portale.it/notizie/?page=2"]
    assert first[1].meta["listing_page"] == 2
    last = list(spider.on_entry(_entry("https://www.portale.it/notizie/?page=2", html,
                                       HtmlResponse, listing_page=2)))
    assert all("page=" not in r.url for r in last)


def test_article_callback_and_pipelines_store_the_article(spider_for, stage):
    spider = spider_for(FeedSpider)
    list(spider.on_entry(_entry("https://www.portale.it/feed/", FEED)))
    url = "https://www.portale.it/uno/?utm_source=rss"
    response = HtmlResponse(url=url, body=ARTICLE.encode(), encoding="utf-8",
                            request=Request(url, meta={"source_id": "portale",
                                                       "canonical": "https://www.portale.it/uno"}))
    (item,) = spider.on_article(response)
    crawler = spider.crawler
    for cls in (RawPagePipeline, ExtractPipeline, PrefilterPipeline, StorePipeline):
        item = stage(cls, crawler).process_item(item)
    row = spider.db.execute("SELECT url, published, date_method, title FROM articles").fetchone()
    assert row == ("https://www.portale.it/uno", "2025-03-04", "feed",
                   "Avviso di co-progettazione per gli anziani")
    assert spider.ledger.tally("portale").counts["new_articles"] == 1


def test_crawlers_of_one_run_share_its_ledger_and_pipelines_own_their_store(spider_for, stage):
    ledger = RunLedger(run_id="r1")
    feed, listing = spider_for(FeedSpider, ledger), spider_for(ListingSpider, ledger)
    assert feed.ledger is ledger and listing.ledger is ledger
    assert feed.ledger.claim("https://www.portale.it/uno") and not listing.ledger.claim(
        "https://www.portale.it/uno")
    alone = spider_for(FeedSpider)  # a crawler given no ledger has its own, for every part
    assert alone.ledger is not ledger
    assert stage(ExtractPipeline, alone.crawler).ledger is alone.ledger
    url = "https://www.portale.it/uno/"
    response = HtmlResponse(url=url, body=ARTICLE.encode(), encoding="utf-8",
                            request=Request(url, meta={"source_id": "portale",
                                                       "canonical": url.rstrip("/")}))
    (item,) = listing.on_article(response)
    listing.close_store()  # the pipelines do not use the spider's connection
    for cls in (RawPagePipeline, ExtractPipeline, PrefilterPipeline, StorePipeline):
        item = stage(cls, listing.crawler).process_item(item)
    assert ledger.tally("portale").counts["new_articles"] == 1
    db = open_db(listing.crawler.settings["OBSERVATORY_DB"])
    seen = db.execute("SELECT status FROM seen_urls WHERE url = ?", [url.rstrip("/")])
    assert seen.fetchone() == ("article",)
    db.conn.close()


def test_prefilter_drops_articles_without_source_keywords(spider_for, stage):
    spider = spider_for(FeedSpider)
    url = "https://www.portale.it/sport/"
    html = ARTICLE.replace("co-progettazione", "partita di calcio")
    response = HtmlResponse(url=url, body=html.encode(), encoding="utf-8",
                            request=Request(url, meta={"source_id": "portale",
                                                       "canonical": url.rstrip("/")}))
    (item,) = spider.on_article(response)
    item = stage(ExtractPipeline, spider.crawler).process_item(item)
    with pytest.raises(DropItem):
        stage(PrefilterPipeline, spider.crawler).process_item(item)
    status = spider.db.execute("SELECT status, reason FROM seen_urls WHERE url = ?",
                               ["https://www.portale.it/sport"]).fetchone()
    assert status[0] == "filtered" and "prefilter" in status[1]
    assert spider.db.execute("SELECT count(*) FROM articles").fetchone() == (0,)


def test_sitemap_index_skips_children_unchanged_since_last_fetch(spider_for, tmp_path):
    from crawler.spiders.sitemap import SitemapSpider
    from store.articles import put_validators

    (tmp_path / "sources.toml").write_text(SOURCES.replace(
        'feeds = ["https://www.portale.it/feed/"]',
        'sitemaps = ["https://www.portale.it/sitemap_index.xml"]'), encoding="utf-8")
    spider = spider_for(SitemapSpider)
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://www.portale.it/old.xml</loc><lastmod>2024-01-01</lastmod></sitemap>
      <sitemap><loc>https://www.portale.it/new.xml</loc><lastmod>2099-01-01</lastmod></sitemap>
      <sitemap><loc>https://altro.it/x.xml</loc></sitemap></sitemapindex>"""
    for url in ("https://www.portale.it/old.xml", "https://www.portale.it/new.xml"):
        put_validators(spider.db, url, None, None, 200)
    requests = list(spider.on_entry(_entry("https://www.portale.it/sitemap_index.xml", index)))
    assert [r.url for r in requests] == ["https://www.portale.it/new.xml"]
    assert spider.ledger.tally("portale").counts["sitemaps_unchanged"] == 1


def test_start_requests_take_up_the_pending_frontier(spider_for):
    from store.frontier import EntryResponse, FrontierLink, pending_links, record_entry

    feed = spider_for(FeedSpider)
    record_entry(feed.db, EntryResponse("https://www.portale.it/feed/", "portale", "feed", '"e"',
                                        None, 200), [
        FrontierLink("https://www.portale.it/uno", "https://www.portale.it/uno/?utm_source=rss"),
        FrontierLink("https://www.portale.it/due", "https://www.portale.it/due/"),
        FrontierLink("https://altro.it/tre", "https://altro.it/tre")])
    record_entry(feed.db, EntryResponse("https://www.portale.it/notizie/", "portale", "listing",
                                        None, None, 200), [
        FrontierLink("https://www.portale.it/notizie/?page=2",
                     "https://www.portale.it/notizie/?page=2", "entry", {"listing_page": 2})])
    mark_seen(feed.db, "https://www.portale.it/due", "portale", "article")  # stored, then killed
    requests = feed.frontier_requests(feed.sources["portale"])
    assert [(r.url, r.meta["canonical"]) for r in requests] == [
        ("https://www.portale.it/uno/?utm_source=rss", "https://www.portale.it/uno")]
    # The stored link and the one off the source's domains left the frontier unrequested.
    assert {p.url for p in pending_links(feed.db, "portale")} == {
        "https://www.portale.it/uno", "https://www.portale.it/notizie/?page=2"}
    listing = spider_for(ListingSpider)
    pages = [r for r in listing.frontier_requests(listing.sources["portale"])
             if r.callback == listing.on_entry]
    assert [(r.url, r.meta["listing_page"]) for r in pages] == [
        ("https://www.portale.it/notizie/?page=2", 2)]
    assert listing.ledger.tally("portale").counts["resumed"] == 2
