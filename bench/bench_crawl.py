"""Crawl throughput on a generated local site of 2,000 article pages.

    .venv/bin/python bench/bench_crawl.py [--pages 2000]

Prints pages per second of the full crawler (sitemap spider, extraction, dedup, clustering,
SQLite writes) next to the raw Scrapy fetch rate of the same pages, same settings, same run.
Politeness is off (local server): the figures measure the crawler, not the delays.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SETTINGS = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": 32,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "LOG_LEVEL": "WARNING", "RETRY_TIMES": 0}
WORDS = ("comune cooperativa sociale terzo settore coprogettazione avviso servizi anziani "
         "giovani famiglie volontari associazione ambito distretto regione fondi euro progetto "
         "tavolo percorso quartiere scuola lavoro salute disabilità casa comunità accordo "
         "convenzione patto beni comuni piano zona bando risorse enti pubblici privati rete "
         "territorio assessore sindaco consiglio delibera giunta cittadini partecipazione").split()


def article_html(n: int) -> bytes:
    rng = random.Random(n)
    day = date(2025, 1, 1) + timedelta(days=n % 300)
    paras = "".join(
        "<p>" + " ".join(rng.choice(WORDS) for _ in range(60)).capitalize() + ".</p>"
        for _ in range(5))
    return (f"<html lang='it'><head><meta charset='utf-8'><title>Notizia {n}</title>"
            f"<meta property='article:published_time' content='{day.isoformat()}'></head>"
            f"<body><nav><a href='/'>Home</a></nav><article><h1>Notizia numero {n}</h1>"
            f"{paras}</article><footer>Redazione</footer></body></html>").encode()


def sitemap(base: str, pages: int) -> bytes:
    urls = "".join(f"<url><loc>{base}/a/{n}</loc></url>" for n in range(pages))
    return (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{urls}</urlset>").encode()


def serve(pages: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/sitemap.xml":
                body, kind = sitemap(base, pages), "application/xml"
            elif self.path.startswith("/a/"):
                body, kind = article_html(int(self.path[3:])), "text/html; charset=utf-8"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def raw_fetch(base: str, pages: int) -> None:
    """Child process: plain Scrapy fetching the same URLs, doing nothing with them."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from crawler import settings as project

    class RawSpider(scrapy.Spider):
        name = "raw"

        async def start(self):
            for n in range(pages):
                yield scrapy.Request(f"{base}/a/{n}", callback=self.parse)

        def parse(self, response):
            return None

    settings = {k: getattr(project, k) for k in dir(project) if k.isupper()}
    settings.update(SETTINGS, ITEM_PIPELINES={}, ROBOTSTXT_OBEY=False)
    process = CrawlerProcess(settings)
    process.crawl(RawSpider)
    t0 = time.monotonic()
    process.start()
    print(json.dumps({"seconds": time.monotonic() - t0}))


def stage_rates(pages: int) -> tuple[float, float]:
    """Pages/s of extraction alone and of the store's save_article alone, in this process."""
    from crawler.extract import extract_page
    from store.articles import save_article
    from store.db import open_db

    sample = [(f"http://127.0.0.1/a/{n}", article_html(n)) for n in range(min(pages, 300))]
    t0 = time.monotonic()
    fields = [extract_page(html, url, fetched_at="2026-01-01") for url, html in sample]
    extract_s = time.monotonic() - t0
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "stage.db")
        t0 = time.monotonic()
        for (url, _), page in zip(sample, fields, strict=True):
            save_article(db, dict(page.article(), source_id="bench", fetched_url=url))
        store_s = time.monotonic() - t0
        db.conn.close()
    return len(sample) / extract_s, len(sample) / store_s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--raw-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.raw_child:
        raw_fetch(args.raw_child, args.pages)
        return
    from crawler.run import crawl

    server = serve(args.pages)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory() as tmp:
        sources = Path(tmp) / "sources.toml"
        sources.write_text(f'[[source]]\nid = "bench"\nname = "Bench"\nkind = "portal"\n'
                           f'sitemaps = ["{base}/sitemap.xml"]\nallowed_domains = ["127.0.0.1"]\n')
        child = subprocess.run([sys.executable, __file__, "--pages", str(args.pages),
                                "--raw-child", base], capture_output=True, text=True, cwd=ROOT,
                               check=True)
        raw_s = json.loads(child.stdout.strip().splitlines()[-1])["seconds"]
        report = crawl(sources, Path(tmp) / "bench.db", settings=SETTINGS)
    server.shutdown()
    (src,) = report.sources
    full_rate = src.article_pages / src.duration_s
    raw_rate = args.pages / raw_s
    print(f"pages: {args.pages}; stored articles: {src.new_articles}; status {src.status}")
    print(f"raw Scrapy fetch:        {raw_rate:7.1f} pages/s ({raw_s:.1f} s)")
    print(f"crawler with extraction: {full_rate:7.1f} pages/s ({src.duration_s:.1f} s, "
          f"{report.duration_s:.1f} s with process start)")
    print(f"ratio: {full_rate / raw_rate:.2f} of the raw fetch rate")
    extract_rate, store_rate = stage_rates(args.pages)
    print(f"stages alone (300 pages, no network): extraction {extract_rate:.1f} pages/s, "
          f"store save_article {store_rate:.1f} pages/s")


if __name__ == "__main__":
    main()
