"""A worker of distributed crawls: fetches what the coordinators put in Redis.

    run_worker("redis://10.0.0.5:6379/0", max_idle=300)   # what `pipeline.py worker` calls

A worker waits for a crawl to be published (state.CrawlConfig), serves it in a child process
(`python -m crawler.distributed.worker`: the Twisted reactor starts once per process) until
the crawl ends, then waits for the next one; it returns after `max_idle` seconds with nothing
to do. The child is a Scrapy crawl whose scheduler is scrapy-redis' with the leased queue;
each fetched response (or error) goes back to the coordinator, and SharedPolitenessMiddleware
paces requests per domain across all workers (robots.txt is the coordinator's: it never sends
a request robots.txt disallows).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import scrapy
from scrapy import signals
from scrapy.core.engine import ExecutionEngine
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.exceptions import CloseSpider, DontCloseSpider
from scrapy.http import TextResponse
from scrapy.settings import Settings
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import task
from twisted.python.failure import Failure

from crawler.decoding import decode_html
from crawler.distributed import serialize
from crawler.distributed.state import (
    QUEUE_KEY,
    CrawlConfig,
    RedisState,
    RedisUnavailable,
    connect,
    redact,
)
from crawler.extract import extract_page

# Exit codes of the child: the crawl ended, or nothing came for max_idle seconds.
CRAWL_ENDED, IDLE = 0, 3
# How often an idle worker looks at the queue (Scrapy's engine looks every 5 s by default).
POLL_S = 0.2


def run_worker(redis_url: str, max_idle: float | None = None,
               log=print) -> int:
    """Serve crawls until `max_idle` seconds pass with no crawl to serve (None: forever).
    RedisUnavailable when Redis cannot be reached at start."""
    state = RedisState(connect(redis_url))
    idle_since = time.monotonic()
    while True:
        config = state.config()
        if config is not None:
            log(f"worker: raccolta {config.crawl_id} da {redact(redis_url)}")
            code = _serve_in_child(redis_url, config.crawl_id, max_idle)
            if code == IDLE:
                return 0
            if code != CRAWL_ENDED:
                log(f"worker: il processo di raccolta è terminato con codice {code}")
                return code
            idle_since = time.monotonic()
            _wait_until_ended(state, config.crawl_id)
            continue
        if max_idle is not None and time.monotonic() - idle_since > max_idle:
            return 0
        time.sleep(POLL_S)


def _wait_until_ended(state: RedisState, crawl_id: str) -> None:
    """The child returns when the queue stays empty; the crawl itself may still be closing."""
    while (config := state.config()) is not None and config.crawl_id == crawl_id:
        time.sleep(POLL_S)


def _serve_in_child(redis_url: str, crawl_id: str, max_idle: float | None) -> int:
    root = Path(__file__).resolve().parent.parent.parent
    command = [sys.executable, "-m", "crawler.distributed.worker", "--redis", redis_url,
               "--crawl-id", crawl_id]
    if max_idle is not None:
        command += ["--max-idle", str(max_idle)]
    return subprocess.call(command, cwd=root)


# ---------------------------------------------------------------- the child: one crawl


def worker_settings(redis_url: str, config: CrawlConfig) -> Settings:
    settings = Settings()
    settings.update({
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "TELNETCONSOLE_ENABLED": False, "COOKIES_ENABLED": False,
        # Retries and redirects are the coordinator's, as in a local crawl; bodies are
        # decompressed here (size limits included), where pages are extracted.
        "RETRY_ENABLED": False, "REDIRECT_ENABLED": False,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS": config.settings.get("OBSERVATORY_WORKER_REQUESTS") or 8,
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "SCHEDULER_QUEUE_CLASS": "crawler.distributed.queue.LeasedQueue",
        "SCHEDULER_QUEUE_KEY": QUEUE_KEY, "SCHEDULER_PERSIST": True,
        "SCHEDULER_SERIALIZER": "crawler.distributed.serialize",
        "SCHEDULER_DUPEFILTER_KEY": f"obs:worker-dupefilter:{config.crawl_id}",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "REDIS_URL": redis_url,
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.distributed.worker.SharedPolitenessMiddleware": 110},
        "OBSERVATORY_REDIS_URL": redis_url,
    })
    settings.update({k: v for k, v in config.settings.items() if v is not None})
    # robots.txt is the coordinator's (it fetches it through a worker, as any request).
    settings.set("ROBOTSTXT_OBEY", False)
    # Pacing is shared (SharedPolitenessMiddleware); Scrapy's own per-process delay is off.
    settings.set("DOWNLOAD_DELAY", 0)
    settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 8)
    return settings


class WorkerSpider(scrapy.Spider):
    """Sends each leased request's response, or its error, back to the coordinator."""

    name = "worker"

    def __init__(self, redis_url: str, crawl_id: str, lease_s: float,
                 max_idle: float | None = None, **kwargs):
        super().__init__(**kwargs)
        self.state = RedisState(connect(redis_url))
        self.crawl_id = crawl_id
        self.lease_s = lease_s
        self.max_idle = max_idle
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.last_active = time.monotonic()
        self.lease_queue = None  # set by LeasedQueue
        self.fetched = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args, **kwargs) -> WorkerSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.opened, signal=signals.spider_opened)
        return spider

    async def start(self):
        return
        yield  # an async generator with nothing in it: requests come from the queue

    def opened(self) -> None:
        self.heartbeat = task.LoopingCall(self.beat)
        self.heartbeat.start(max(0.2, self.lease_s / 4), now=True)

    def beat(self) -> None:
        self.state.worker_alive(self.worker_id)
        if self.lease_queue is not None:
            self.lease_queue.heartbeat()

    def idle(self) -> None:
        config = self.state.config()
        if config is None or config.crawl_id != self.crawl_id:
            raise CloseSpider("crawl_ended")
        if self.max_idle is not None and time.monotonic() - self.last_active > self.max_idle:
            raise CloseSpider("idle")
        raise DontCloseSpider

    def on_fetched(self, response: scrapy.http.Response):
        self.fetched += 1
        self._reply(response.request, {
            "prepared": self._extract(response),
            "ok": True, "url": response.url, "status": response.status,
            "headers": [[k.decode("latin-1"), [v.decode("latin-1") for v in values]]
                        for k, values in response.headers.items()],
            "body": serialize.pack_body(response.body), "flags": list(response.flags),
            "protocol": response.protocol,
            "ip": str(response.ip_address) if response.ip_address else None,
        })
        return []

    def _extract(self, response: scrapy.http.Response) -> dict | None:
        """An article page's extraction, as the coordinator's ExtractPipeline would make it
        (same decoding, URL, link hint and fetch time), so the coordinator only stores."""
        job = response.request.meta.get("obs_extract")
        if job is None or not 200 <= response.status < 300 \
                or not isinstance(response, TextResponse):
            return None
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        fetched_at = datetime.now(UTC).replace(microsecond=0).isoformat()
        try:
            fields = extract_page(decode_html(response.body, content_type).text, response.url,
                                  fetched_at=fetched_at, hint=job["hint"])
        except Exception:  # noqa: BLE001 - the coordinator extracts it again and records why
            return None
        self.crawler.stats.inc_value("worker/extracted")
        return {"url": response.url, "hint": job["hint"], "fetched_at": fetched_at,
                "fields": asdict(fields)}

    def on_failed(self, failure: Failure) -> None:
        exc = failure.value
        self._reply(failure.request, {"ok": False, "error": type(exc).__name__,
                                      "message": str(exc)[:500]})

    def _reply(self, request: scrapy.Request, result: dict) -> None:
        self.last_active = time.monotonic()
        member = request.meta["obs_member"]
        result["job"] = request.meta["obs_job"]
        self.state.complete(member, request.meta["obs_reply"], json.dumps(result))
        if self.lease_queue is not None:
            self.lease_queue.done(member)


class SharedPolitenessMiddleware:
    """Per-domain politeness held by all workers together, robots.txt fetches included: a
    request waits for one of the host's places (the source's `concurrency`, else the run's
    CONCURRENT_REQUESTS_PER_DOMAIN) and for the host's next slot (the source's
    `download_delay`, else the run's DOWNLOAD_DELAY; robots.txt Crawl-delay, which the
    coordinator publishes, as a floor), both booked atomically in Redis."""

    def __init__(self, crawler: Crawler, state: RedisState, config: CrawlConfig):
        self.state = state
        self.policies = config.politeness
        self.delay = float(config.settings.get("DOWNLOAD_DELAY") or 0)
        self.concurrency = int(config.settings.get("CONCURRENT_REQUESTS_PER_DOMAIN") or 1)
        self.hold_s = float(config.settings.get("DOWNLOAD_TIMEOUT") or 30) + 30

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedPolitenessMiddleware:
        state = RedisState(connect(crawler.settings["OBSERVATORY_REDIS_URL"]))
        config = state.config()
        if config is None:
            raise CloseSpider("crawl_ended")
        return cls(crawler, state, config)

    def policy_for(self, host: str) -> tuple[float, int]:
        labels = host.lower().split(".")
        for i in range(len(labels)):
            policy = self.policies.get(".".join(labels[i:]))
            if policy is not None:
                delay, concurrency = policy
                return (self.delay if delay is None else float(delay),
                        self.concurrency if concurrency is None else int(concurrency))
        return self.delay, self.concurrency

    async def process_request(self, request: scrapy.Request) -> None:
        host = _host(request)
        delay, concurrency = self.policy_for(host)
        token = uuid.uuid4().hex
        while not self.state.acquire(host, token, concurrency, self.hold_s):
            await asyncio.sleep(0.05)
        request.meta["obs_place"] = (host, token)
        wait = self.state.reserve(host, max(delay, self.state.crawl_delay(host)))
        if wait > 0:
            await asyncio.sleep(wait)

    def process_response(self, request: scrapy.Request, response):
        self._release(request)
        return response

    def process_exception(self, request: scrapy.Request, exception: Exception) -> None:
        self._release(request)

    def _release(self, request: scrapy.Request) -> None:
        place = request.meta.pop("obs_place", None)
        if place:
            self.state.release(*place)


def _host(request: scrapy.Request) -> str:
    return (urlparse_cached(request).hostname or "").lower()


def serve_crawl(redis_url: str, crawl_id: str, max_idle: float | None) -> int:
    """One crawl in this process (the child of run_worker)."""
    state = RedisState(connect(redis_url))
    config = state.config()
    if config is None or config.crawl_id != crawl_id:
        return CRAWL_ENDED
    # The engine looks for new requests every POLL_S when idle instead of every 5 s: requests
    # arrive in the shared queue while this process waits.
    ExecutionEngine._SLOT_HEARTBEAT_INTERVAL = POLL_S
    process = CrawlerProcess(worker_settings(redis_url, config))
    crawler = process.create_crawler(WorkerSpider)
    process.crawl(crawler, redis_url=redis_url, crawl_id=crawl_id, lease_s=config.lease_s,
                  max_idle=max_idle)
    process.start()
    reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
    return IDLE if reason == "idle" else CRAWL_ENDED


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.distributed.worker")
    parser.add_argument("--redis", required=True)
    parser.add_argument("--crawl-id", required=True)
    parser.add_argument("--max-idle", type=float)
    args = parser.parse_args(argv)
    try:
        return serve_crawl(args.redis, args.crawl_id, args.max_idle)
    except RedisUnavailable as exc:
        print(f"errore: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    # Through the module's own name: its classes are then those that settings and test hooks
    # name (crawler.distributed.worker.*), not copies under __main__.
    from crawler.distributed.worker import main as worker_main

    sys.exit(worker_main())
