"""Downloader middlewares: retry back-off, and politeness (each source's own delay and
concurrency from the registry, robots.txt Crawl-delay as a floor)."""

from __future__ import annotations

import asyncio

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.utils.httpobj import urlparse_cached

from crawler.sources import Politeness, load_sources, politeness_by_domain


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
    """Politeness per host. A source's `download_delay`, `concurrency` and `autothrottle`
    (crawler/sources.py) apply to the hosts of its allowed domains; robots.txt Crawl-delay,
    which Scrapy parses but does not apply, is a floor whatever is configured: requests to a
    host that asks for one wait at least that long between them, Scrapy's random jitter
    included (AutoThrottle may slow down further but not go below it). A Crawl-delay above
    ROBOTSTXT_CRAWL_DELAY_MAX is capped there."""

    def __init__(self, crawler: Crawler, policies: dict[str, Politeness] | None = None):
        self.crawler = crawler
        self.cap = crawler.settings.getfloat("ROBOTSTXT_CRAWL_DELAY_MAX")
        self.agent = crawler.settings.get("ROBOTSTXT_USER_AGENT") \
            or crawler.settings.get("USER_AGENT")
        self.delays: dict[str, float] = {}
        self.policies = policies or {}
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlDelayMiddleware:
        path = crawler.settings.get("OBSERVATORY_SOURCES")
        policies = politeness_by_domain(load_sources(path)) if path else {}
        return cls(crawler, policies)

    def robots_parsed(self, robotparser, request: Request) -> None:
        delay = robotparser.crawl_delay(self.agent)
        if delay:
            self.delays[urlparse_cached(request).netloc] = min(float(delay), self.cap)

    def policy_for(self, host: str) -> Politeness | None:
        """The politeness of the source whose allowed domain covers this host."""
        labels = host.lower().split(".")
        for i in range(len(labels)):
            policy = self.policies.get(".".join(labels[i:]))
            if policy is not None:
                return policy
        return None

    def process_request(self, request: Request) -> None:
        parts = urlparse_cached(request)
        policy = self.policy_for(parts.hostname or "") if self.policies else None
        delay = self.delays.get(parts.netloc)
        if policy is None and not delay:
            return
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        if policy is not None:
            self._apply_policy(policy, request, downloader, key)
        if not delay:
            return
        request.meta["autothrottle_dont_adjust_delay"] = True
        slot = downloader.slots.get(key)
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

    @staticmethod
    def _apply_policy(policy: Politeness, request: Request, downloader, key: str) -> None:
        """A new slot starts with the source's delay and concurrency (DOWNLOAD_SLOTS), an
        existing one is brought back to them (AutoThrottle adjusts only above the delay)."""
        if not policy.autothrottle:
            request.meta["autothrottle_dont_adjust_delay"] = True
        conf = {}
        if policy.download_delay is not None:
            conf["delay"] = policy.download_delay
        if policy.concurrency is not None:
            conf["concurrency"] = policy.concurrency
        downloader.per_slot_settings.setdefault(key, conf)
        slot = downloader.slots.get(key)
        if slot is None:
            return
        if policy.concurrency is not None:
            slot.concurrency = policy.concurrency
        if policy.download_delay is not None and (
                not policy.autothrottle or slot.delay < policy.download_delay):
            slot.delay = policy.download_delay
