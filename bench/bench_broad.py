"""A broad crawl against its politeness floor: many small local sites, each its own host in
127.0.0.0/8 with robots.txt `Crawl-delay`, one of them larger.

    .venv/bin/python bench/bench_broad.py [--sites 500] [--articles 2] [--largest 20] [--delay 1]

The floor is the least time the politest crawl can take: the largest site's requests (robots.txt,
feed, articles) one Crawl-delay apart. Printed side by side, in one run: the full crawler
(`crawler.run.crawl`, broad profile chosen automatically by the number of sources) and raw
Scrapy with the same profile and politeness fetching the same URLs and doing nothing with them;
for each, the time, the ratio to the floor, the smallest gap between two requests to one site
(server-side) and the CPU time of the crawl process. The test with the same sites
(tests/crawler/test_broad_crawl.py) asserts what was found and the gaps, never the time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.crawler.manysites import SiteFarm, hosts  # noqa: E402

SETTINGS = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "WARNING"}
BODY = ("Il Comune e le associazioni del territorio firmano un patto di collaborazione per la "
        "cura dei beni comuni e dei servizi di quartiere. ") * 6


def build(farm: SiteFarm, articles: int, largest: int, delay: float) -> list[dict]:
    """Routes of every site; returns one source entry per site with its article URLs."""
    out = []
    for n, host in enumerate(farm.sites):
        site, base = farm.sites[host], farm.base(host)
        site.routes["/robots.txt"] = (f"User-agent: *\nCrawl-delay: {delay:g}\n", "text/plain")
        count = largest if n == 0 else articles
        items, urls = "", []
        for i in range(count):
            site.routes[f"/a/{i}"] = (
                f"<html lang='it'><body><article><h1>Notizia {i} del sito {n}</h1>"
                f"<p>{BODY} Sito {n}, notizia {i}.</p></article></body></html>", "text/html")
            urls.append(f"{base}/a/{i}")
            items += f"<item><title>Notizia {i}</title><link>{base}/a/{i}</link></item>"
        site.routes["/feed.xml"] = (f"<rss><channel><title>Sito {n}</title>{items}</channel>"
                                    "</rss>", "application/rss+xml")
        out.append({"id": f"sito{n:03d}", "host": host, "feed": f"{base}/feed.xml",
                    "articles": urls})
    return out


def raw_child(plan_path: str) -> None:
    """Plain Scrapy with the project's politeness and the broad profile, no item pipelines."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from crawler.process import build_settings

    plan = json.loads(Path(plan_path).read_text())

    class RawSpider(scrapy.Spider):
        name = "raw"

        async def start(self):
            for source in plan["sources"]:
                for url in [source["feed"], *source["articles"]]:
                    yield scrapy.Request(url, callback=self.parse)

        def parse(self, response):
            return None

    settings = build_settings(plan["sources_file"], plan["db"],
                              [s["id"] for s in plan["sources"]], SETTINGS)
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    process = CrawlerProcess(settings)
    process.crawl(RawSpider)
    t0, c0 = time.monotonic(), time.process_time()
    process.start()
    print(json.dumps({"seconds": time.monotonic() - t0, "cpu": time.process_time() - c0}))


def gaps(farm: SiteFarm) -> float:
    smallest = float("inf")
    for site in farm.sites.values():
        times = sorted(at for _, at in site.log)
        smallest = min([smallest, *(b - a for a, b in zip(times, times[1:], strict=False))])
    return smallest


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--articles", type=int, default=2, help="articles per small site")
    parser.add_argument("--largest", type=int, default=20, help="articles of the largest site")
    parser.add_argument("--delay", type=float, default=1.0, help="robots.txt Crawl-delay")
    parser.add_argument("--raw-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.raw_child:
        raw_child(args.raw_child)
        return
    from crawler.run import crawl

    farm = SiteFarm(hosts(args.sites)).start()
    sources = build(farm, args.articles, args.largest, args.delay)
    floor = (args.largest + 2 - 1) * args.delay  # robots.txt, feed and articles, one delay apart
    with tempfile.TemporaryDirectory() as tmp:
        sources_file = Path(tmp) / "sources.toml"
        sources_file.write_text("".join(
            f'[[source]]\nid = "{s["id"]}"\nname = "{s["id"]}"\nkind = "portal"\n'
            f'feeds = ["{s["feed"]}"]\nallowed_domains = ["{s["host"]}"]\n' for s in sources),
            encoding="utf-8")
        plan = Path(tmp) / "plan.json"
        plan.write_text(json.dumps({"sources": sources, "sources_file": str(sources_file),
                                    "db": str(Path(tmp) / "raw.db")}))
        cpu0 = children_cpu()
        out = subprocess.run([sys.executable, __file__, "--raw-child", str(plan)],
                             capture_output=True, text=True, cwd=ROOT, check=True)
        raw = json.loads(out.stdout.strip().splitlines()[-1])
        raw_cpu, raw_gap = children_cpu() - cpu0, gaps(farm)
        for site in farm.sites.values():
            site.log.clear()
        cpu0 = children_cpu()
        report = crawl(sources_file, Path(tmp) / "full.db", settings=SETTINGS, timeout_s=1800)
        full_cpu, full_gap = children_cpu() - cpu0, gaps(farm)
    farm.stop()
    stored = sum(s.new_articles for s in report.sources)
    expected = args.largest + (args.sites - 1) * args.articles
    requests = expected + 2 * args.sites
    print(f"{args.sites} sites, Crawl-delay {args.delay:g} s, {args.articles} articles each, "
          f"largest {args.largest}; {requests} requests; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"politeness floor (largest site): {floor:.1f} s")
    print(f"{'':24} {'seconds':>8} {'x floor':>8} {'min gap s':>10} {'CPU s':>7}")
    print(f"{'raw Scrapy, same profile':24} {raw['seconds']:8.1f} {raw['seconds'] / floor:8.2f} "
          f"{raw_gap:10.3f} {raw_cpu:7.1f}")
    duration = max(s.duration_s for s in report.sources)
    print(f"{'full crawler':24} {duration:8.1f} {duration / floor:8.2f} {full_gap:10.3f} "
          f"{full_cpu:7.1f}   ({report.duration_s:.1f} s with process start)")
    print(f"articles stored: {stored} of {expected}; sources ok: "
          f"{sum(s.status == 'ok' for s in report.sources)} of {args.sites}")


if __name__ == "__main__":
    main()
