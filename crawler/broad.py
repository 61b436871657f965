"""The broad-crawl profile: settings from Scrapy's broad-crawl guidance for a run over many
sources (hundreds of small sites, few pages each), applied by `pipeline.py crawl --broad` or
automatically when a run has at least OBSERVATORY_BROAD_MIN_SOURCES sources.

The profile changes how the crawl spreads over hosts, never how hard it presses one: the
per-host delay and concurrency (DOWNLOAD_DELAY, CONCURRENT_REQUESTS_PER_DOMAIN, a source's own
keys) and robots.txt Crawl-delay, which crawler.middlewares.CrawlDelayMiddleware keeps as a
floor, apply as in any run. Precedence: project defaults < this profile < the run's settings
(`-s NAME=VALUE`), so any of these can still be set for one run.
"""

from __future__ import annotations

BROAD_SETTINGS: dict = {
    # Many hosts at once: the global cap, not one host, is what limits a broad crawl.
    "CONCURRENT_REQUESTS": 256,
    # Requests go first to the hosts with the fewest downloads in progress, so a site with a
    # long queue (and a Crawl-delay) does not hold the scheduler while others wait idle
    # (Scrapy's default since 2.13: stated so that the profile does not depend on it).
    "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
    # Breadth first: every site's feed and sitemaps before any site's deep pages.
    "DEPTH_PRIORITY": 1,
    "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
    "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
    # DNS resolution runs in the reactor's thread pool: more threads, a larger cache.
    "REACTOR_THREADPOOL_MAXSIZE": 20,
    "DNSCACHE_ENABLED": True,
    "DNSCACHE_SIZE": 50_000,
    # Fewer log lines, no cookies, fewer and shorter attempts on dead small sites.
    "LOG_LEVEL": "INFO",
    "COOKIES_ENABLED": False,
    "RETRY_TIMES": 1,
    "DOWNLOAD_TIMEOUT": 20,
}


def wants_broad(broad: bool | None, n_sources: int, min_sources: int) -> bool:
    """--broad (True), --no-broad (False), or automatic (None): broad from `min_sources` on."""
    if broad is not None:
        return broad
    return min_sources > 0 and n_sources >= min_sources
