"""The shared request queue: a scrapy-redis queue (sorted set by priority, JSON-serialized
requests) whose pop is a lease, not a removal.

A worker's pop moves the request into the lease set atomically (state.POP_LEASED); the
worker's heartbeat extends the leases it holds; when it hands the result over the lease ends
(state.COMPLETE). A worker killed with SIGKILL stops extending: once its leases expire, the
coordinator puts those requests back in the queue (state.REAP) for another worker.
"""

from __future__ import annotations

import redis
import scrapy
from scrapy_redis.queue import Base

from crawler.distributed import serialize
from crawler.distributed.state import QUEUE_KEY, RedisState


def encode_request(request: scrapy.Request) -> bytes:
    return serialize.dumps(request.to_dict())


def push_request(server: redis.Redis, request: scrapy.Request) -> None:
    """Put a request in the shared queue (the coordinator's side)."""
    server.zadd(QUEUE_KEY, {encode_request(request): -request.priority})


class LeasedQueue(Base):
    """SCHEDULER_QUEUE_CLASS of the workers' scrapy-redis scheduler. The spider says how long a
    lease lasts (`lease_s`) and receives each request with its callbacks set (`on_fetched`,
    `on_failed`) and the lease it came with (meta "obs_member"); `held` lists the leases this
    process has not completed yet, for the heartbeat."""

    def __init__(self, server: redis.Redis, spider: scrapy.Spider, key: str, serializer=None):
        super().__init__(server, spider, key, serializer or serialize)
        self.state = RedisState(server)
        self.held: set[bytes] = set()
        spider.lease_queue = self

    def __len__(self) -> int:
        return int(self.server.zcard(self.key))

    def push(self, request: scrapy.Request) -> None:
        self.server.zadd(self.key, {self._encode_request(request): -request.priority})

    def pop(self, timeout: int = 0) -> scrapy.Request | None:
        member = self.state.pop_leased(self.spider.lease_s)
        if not member:
            return None
        self.held.add(member)
        request = self._decode_request(member)
        return request.replace(
            callback=self.spider.on_fetched, errback=self.spider.on_failed,
            meta={**request.meta, "obs_member": member, "handle_httpstatus_all": True,
                  "dont_redirect": True, "dont_retry": True})

    def done(self, member: bytes) -> None:
        self.held.discard(member)

    def heartbeat(self) -> None:
        self.state.extend(self.spider.lease_s, sorted(self.held))
