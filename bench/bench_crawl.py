"""Crawl throughput on a generated local site of 2,000 article pages.

    .venv/bin/python bench/bench_crawl.py [--pages 2000]

Prints pages per second of the full crawler (sitemap spider, extraction, dedup, clustering,
SQLite writes) next to the raw Scrapy fetch rate of the same pages, same settings, same run,
each in its own process with its CPU time; then where the full crawl's time goes: a table of
stages (bench/crawl_stages.py) with milliseconds per page and share of the wall clock.
Politeness is off (local server): the figures measure the crawler, not the delays.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
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


def full_crawl(base: str, pages: int, settings: dict) -> None:
    """Child process: the whole crawler (crawler.process, as `pipeline.py crawl` runs it) with
    every stage of the crawl process timed; prints one JSON line. Extraction workers' CPU is
    not in `cpu` (it is in `children_cpu` once the pool has ended)."""
    from bench.crawl_stages import Stopwatch, install
    from crawler.process import crawl_in_this_process
    from store.articles import crawl_run_records
    from store.db import open_db

    watch = Stopwatch()
    install(watch)
    with tempfile.TemporaryDirectory() as tmp:
        sources = Path(tmp) / "sources.toml"
        sources.write_text(f'[[source]]\nid = "bench"\nname = "Bench"\nkind = "portal"\n'
                           f'sitemaps = ["{base}/sitemap.xml"]\nallowed_domains = ["127.0.0.1"]\n')
        db_path = Path(tmp) / "bench.db"
        t0, c0 = time.monotonic(), time.process_time()
        crawl_in_this_process(str(sources), str(db_path), "bench", None, settings, False)
        wall, cpu = time.monotonic() - t0, time.process_time() - c0
        (record,) = crawl_run_records(open_db(db_path), "bench").values()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"seconds": wall, "cpu": cpu, "stages": watch.seconds,
                      "children_cpu": usage.ru_utime + usage.ru_stime,
                      "stage_cpu": watch.cpu, "calls": watch.calls, "record": record}))


def child(args: list[str]) -> dict:
    """Run this script as a child process; its last stdout line (JSON) and its CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_cpu"] = (after.ru_utime + after.ru_stime
                             - before.ru_utime - before.ru_stime)
    return result


def print_stages(full: dict, pages: int) -> None:
    """Wall-clock and CPU milliseconds per page of each stage, on the reactor's thread."""
    wall, cpu = full["seconds"], full["cpu"]
    rows = sorted(((name, seconds, full["stage_cpu"][name])
                   for name, seconds in full["stages"].items()), key=lambda row: -row[1])
    rows.append(("Scrapy: engine, downloads, reactor, idle (the rest)",
                 wall - sum(full["stages"].values()), cpu - sum(full["stage_cpu"].values())))
    print(f"\n{'stage':<52} {'ms/page':>8} {'share':>6} {'CPU ms':>7} {'calls':>6}")
    for name, seconds, cpu_s in rows:
        print(f"{name:<52} {1000 * seconds / pages:8.2f} {seconds / wall:6.1%} "
              f"{1000 * cpu_s / pages:7.2f} {full['calls'].get(name, ''):>6}")
    print(f"{'total (wall clock of the crawl; CPU of its process)':<52} "
          f"{1000 * wall / pages:8.2f} {1:6.0%} {1000 * cpu / pages:7.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--raw-child", help=argparse.SUPPRESS)
    parser.add_argument("--full-child", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=os.cpu_count(),
                        help="extraction workers of the second full run (default: cores)")
    args = parser.parse_args()
    if args.raw_child:
        raw_fetch(args.raw_child, args.pages)
        return
    if args.full_child:
        full_crawl(args.full_child, args.pages,
                   SETTINGS | {"OBSERVATORY_EXTRACT_WORKERS": args.workers})
        return
    server = serve(args.pages)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    raw = child(["--pages", str(args.pages), "--raw-child", base])
    inline = child(["--pages", str(args.pages), "--full-child", base, "--workers", "0"])
    pooled = child(["--pages", str(args.pages), "--full-child", base,
                    "--workers", str(args.workers)])
    server.shutdown()
    raw_rate = args.pages / raw["seconds"]
    print(f"pages: {args.pages}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
          f"cores (shared: read CPU seconds beside the rates)")
    print(f"{'':44} {'pages/s':>8} {'x raw':>6} {'wall s':>7} {'CPU s':>6} {'stored':>6}")
    print(f"{'raw Scrapy fetch':44} {raw_rate:8.1f} {1:6.2f} {raw['seconds']:7.1f} "
          f"{raw['process_cpu']:6.1f}")
    for label, run in (("full crawl, extraction in the crawl process", inline),
                       (f"full crawl, extraction in {args.workers} worker processes", pooled)):
        record = run["record"]
        rate = record["article_pages"] / run["seconds"]
        print(f"{label:44} {rate:8.1f} {rate / raw_rate:6.2f} {run['seconds']:7.1f} "
              f"{run['process_cpu']:6.1f} {record['new_articles']:6}")
    print("(CPU s: the process and the children it waited for, start-up included; the crawl "
          "process alone: "
          f"{inline['cpu']:.1f} s in-process, {pooled['cpu']:.1f} s with workers)")
    print("\nWhere the time goes, extraction in the crawl process:")
    print_stages(inline, inline["record"]["article_pages"] or args.pages)
    print("\nThe crawl process (the one writer) when workers extract:")
    print_stages(pooled, pooled["record"]["article_pages"] or args.pages)


if __name__ == "__main__":
    main()
