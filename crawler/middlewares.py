"""Downloader middlewares."""

from __future__ import annotations

import asyncio

from scrapy import Request
from scrapy.crawler import Crawler


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
