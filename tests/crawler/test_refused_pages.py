"""Refused pages are explainable and recoverable: the reason is in seen_urls and on the kept raw
page, refused raw pages are bounded, and `reextract --refused` runs them again after a fix."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from scrapy import Request
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse

from crawler.pipelines import ExtractPipeline, RawPagePipeline, StorePipeline
from crawler.reextract import reextract
from crawler.spiders.feed import FeedSpider
from crawler.urls import canonicalize
from store.articles import mark_seen, save_raw_page
from store.db import open_db
from store.refused import (
    prune_refused_pages,
    record_extraction,
    refused_page_urls,
    replaced_characters,
)
from tests.crawler.layouts import IT_SENTENCES
from tests.crawler.test_spiders import spider_for, stage  # noqa: F401 - the fixtures

ROOT = Path(__file__).resolve().parents[2]
NOTE = " ".join(IT_SENTENCES[:3])  # a brief note of ~50 words
ARTICLE = (f"<html><head><meta charset='utf-8'><title>Avviso</title></head><body><h1>Avviso"
           f"</h1><div class='testo'><p>{NOTE}</p></div></body></html>")
LISTING = ("<html><body><h1>Notizie</h1>" + "".join(
    f"<article class='card'><h2><a href='/n/{i}'>Notizia numero {i}</a></h2>"
    f"<p>{IT_SENTENCES[i]}</p></article>" for i in range(6)) + "</body></html>")


def _response(url: str, body: bytes) -> HtmlResponse:
    return HtmlResponse(url=url, body=body, headers={"Content-Type": "text/html; charset=utf-8"},
                        request=Request(url, meta={"source_id": "portale",
                                                   "canonical": canonicalize(url)}))


def test_pipeline_records_the_reason_and_the_replaced_characters(spider_for, stage):  # noqa: F811
    spider = spider_for(FeedSpider)
    url = "https://www.portale.it/notizie/"
    (item,) = spider.on_article(_response(url, LISTING.encode()))
    item = stage(RawPagePipeline, spider.crawler).process_item(item)
    try:
        stage(ExtractPipeline, spider.crawler).process_item(item)
        raise AssertionError("a listing page was stored")
    except DropItem:
        pass
    seen = spider.db.execute("SELECT status, reason FROM seen_urls WHERE url = ?",
                             ["https://www.portale.it/notizie"]).fetchone()
    assert seen[0] == "not_article" and seen[1].startswith("listing page")
    assert refused_page_urls(spider.db) == [url]
    reason = spider.db.execute("SELECT refused_reason FROM raw_pages").fetchone()[0]
    assert reason == seen[1]

    broken = ARTICLE.encode().replace(b"</p>", b"\xe0\xff</p>")
    (item,) = spider.on_article(_response("https://www.portale.it/avviso/", broken))
    assert item.replaced_chars == 2 and item.encoding == "utf-8"
    for cls in (RawPagePipeline, ExtractPipeline, StorePipeline):
        item = stage(cls, spider.crawler).process_item(item)
    assert replaced_characters(spider.db, "https://www.portale.it/avviso/") == 2
    text = spider.db.execute("SELECT text FROM articles").fetchone()[0]
    assert text == NOTE  # stored, without the replacement characters


def test_reextract_refused_runs_only_the_refused_pages_again(tmp_path):
    db = open_db(tmp_path / "o.db")
    # An older version refused the brief note as too short; the listing stays refused.
    for url, html, reason in (
            ("https://x.it/avviso", ARTICLE, "too short for an article (50 words)"),
            ("https://x.it/notizie", LISTING, "listing page (6 article teasers)"),
            ("https://x.it/stored", ARTICLE.replace("Avviso", "Altro"), None)):
        save_raw_page(db, url, source_id="x", http_status=200, content_type="text/html",
                      encoding="utf-8", headers={}, body=html.encode(),
                      fetched_at="2025-03-04T10:00:00+00:00")
        record_extraction(db, url, reason)
        if reason:
            mark_seen(db, url, "x", "not_article", reason)
    db.conn.close()
    counts = reextract(tmp_path / "o.db", refused_only=True)
    assert counts["pages"] == 2 and counts["new"] == 1 and counts["not_article"] == 1
    db = open_db(tmp_path / "o.db")
    assert [r["url"] for r in db["articles"].rows] == ["https://x.it/avviso"]
    assert db["seen_urls"].get("https://x.it/avviso")["status"] == "article"
    assert db["seen_urls"].get("https://x.it/notizie")["reason"].startswith("listing page")
    assert refused_page_urls(db) == ["https://x.it/notizie"]
    db.conn.close()
    assert reextract(tmp_path / "o.db", refused_only=True)["pages"] == 1


def test_the_cli_reextracts_only_refused_pages(tmp_path):
    db = open_db(tmp_path / "o.db")
    for url, reason in (("https://x.it/avviso", "too short for an article (50 words)"),
                        ("https://x.it/altro", None)):
        save_raw_page(db, url, source_id="x", http_status=200, content_type="text/html",
                      encoding="utf-8", headers={}, body=ARTICLE.encode(),
                      fetched_at="2025-03-04T10:00:00+00:00")
        record_extraction(db, url, reason)
    db.conn.close()
    run = subprocess.run([sys.executable, str(ROOT / "pipeline.py"), "reextract", "--db",
                          str(tmp_path / "o.db"), "--refused"],
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    printed = run.stdout + run.stderr  # the console may write to either
    assert "pagine rilette: 1\n" in printed and "articoli nuovi: 1\n" in printed


def test_refused_raw_pages_are_bounded_by_size_age_and_count(tmp_path):
    db = open_db(tmp_path / "o.db")
    now = datetime(2026, 6, 1, tzinfo=UTC)
    noise = random.Random(7).randbytes(20_000)  # does not compress
    pages = [("old", "2026-01-01T00:00:00+00:00", b"x"), ("big", "2026-05-30T00:00:00+00:00",
                                                          noise)]
    pages += [(f"n{i}", f"2026-05-{10 + i:02d}T00:00:00+00:00", b"x") for i in range(5)]
    for name, fetched, body in [*pages, ("article", "2025-01-01T00:00:00+00:00", b"x")]:
        save_raw_page(db, f"https://x.it/{name}", source_id="x", http_status=200,
                      content_type="text/html", encoding="utf-8", headers={}, body=body,
                      fetched_at=fetched)
        record_extraction(db, f"https://x.it/{name}", None if name == "article" else "short")
    deleted = prune_refused_pages(db, max_pages=3, max_age_days=90, max_bytes=10_000, now=now)
    assert deleted == 4  # too old, too big, and the two oldest beyond the newest three
    assert refused_page_urls(db) == ["https://x.it/n2", "https://x.it/n3", "https://x.it/n4"]
    assert db["raw_pages"].get("https://x.it/article")  # articles' raw pages are kept
    assert prune_refused_pages(db, max_pages=3, max_age_days=90, max_bytes=10_000,
                               now=now) == 0


def test_a_crawl_keeps_the_reason_on_the_raw_pages_it_refused(two_runs, test_sites):
    news = test_sites.sites["news"].base
    db = open_db(two_runs.db_path)
    try:
        refused = {canonicalize(u): u for u in refused_page_urls(db)}
        raw_url = refused[f"{news}/cronaca"]
        reason = db.execute("SELECT refused_reason FROM raw_pages WHERE url = ?",
                            [raw_url]).fetchone()[0]
        assert reason == db["seen_urls"].get(f"{news}/cronaca")["reason"]
        stored = {row["url"] for row in db["articles"].rows}
        assert not stored & set(refused)
    finally:
        db.conn.close()
