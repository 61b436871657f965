"""Downloader middlewares: retry back-off and robots.txt Crawl-delay."""

from __future__ import annotations

import asyncio

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.utils.httpobj import urlparse_cached


class RetryBackoffMiddleware:
    """Waits before a retried request: base * 2 ** (n - 1) seconds for the n-th retry.

    Scrapy's RetryMiddleware re-schedules a failed request at once; a server that is
    overloaded or restarting deserves a pause that grows with each attempt.
    """

    def __init__(self, base: float, cap: float):
        self.base = base
        self.cap = cap

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryBackoffMiddleware:
        return cls(crawler.settings.getfloat("RETRY_BACKOFF_BASE"),
                   crawler.settings.getfloat("RETRY_BACKOFF_MAX"))

    async def process_request(self, request: Request) -> None:
        attempt = request.meta.get("retry_times", 0)
        if attempt and self.base > 0:
            await asyncio.sleep(min(self.cap, self.base * 2 ** (attempt - 1)))


class CrawlDelayMiddleware:
    """Honours robots.txt Crawl-delay, which Scrapy parses but does not apply: requests to a
    host that asks for one wait at least that long between them, Scrapy's random jitter
    included (AutoThrottle may slow down further but not go below it). A delay above
    ROBOTSTXT_CRAWL_DELAY_MAX is capped there."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.cap = crawler.settings.getfloat("ROBOTSTXT_CRAWL_DELAY_MAX")
        self.agent = crawler.settings.get("ROBOTSTXT_USER_AGENT") \
            or crawler.settings.get("USER_AGENT")
        self.delays: dict[str, float] = {}
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlDelayMiddleware:
        return cls(crawler)

    def robots_parsed(self, robotparser, request: Request) -> None:
        delay = robotparser.crawl_delay(self.agent)
        if delay:
            self.delays[urlparse_cached(request).netloc] = min(float(delay), self.cap)

    def process_request(self, request: Request) -> None:
        delay = self.delays.get(urlparse_cached(request).netloc)
        if not delay:
            return
        request.meta["autothrottle_dont_adjust_delay"] = True
        downloader = self.crawler.engine.downloader
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is None:
            return
        # Scrapy varies each delay by ±jitter: keep even the shortest jittered wait at or
        # above the Crawl-delay (a jitter of 1 or more could reach zero: then no jitter).
        jitter = getattr(slot, "jitter", 0.0) or 0.0
        if jitter >= 1:
            slot.jitter, jitter = 0.0, 0.0
        floor = delay / (1 - jitter)
        if slot.delay < floor:
            slot.delay = floor
