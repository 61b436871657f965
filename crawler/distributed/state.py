"""What coordinator and workers share in Redis: the run's configuration, the leased request
queue, the reply lists and the per-domain politeness keys, each changed atomically by a Lua
script run on the server (with the server's clock, so machines with different clocks agree).

Keys (all under "obs:" in the database the URL names):
    obs:config            the running crawl (JSON CrawlConfig); absent when none runs
    obs:coordinator       held by the running coordinator (expires unless refreshed)
    obs:queue             scrapy-redis request queue (sorted set, score = -priority)
    obs:leased            request -> its queue score, for requests a worker took
    obs:lease_expiry      request -> when its lease ends (extended by the worker's heartbeat)
    obs:reply:<id>        responses and errors for one coordinator crawler
    obs:next:<host>       when the next request to the host may start
    obs:active:<host>     requests to the host under way (token -> expiry)
    obs:crawl_delay       host -> robots.txt Crawl-delay seen by any worker
    obs:workers           worker id -> last heartbeat
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import redis

PREFIX = "obs:"
CONFIG_KEY = PREFIX + "config"
COORDINATOR_KEY = PREFIX + "coordinator"
QUEUE_KEY = PREFIX + "queue"
LEASED_KEY = PREFIX + "leased"
EXPIRY_KEY = PREFIX + "lease_expiry"
CRAWL_DELAY_KEY = PREFIX + "crawl_delay"
WORKERS_KEY = PREFIX + "workers"
# Seconds a coordinator's claim lasts without being refreshed (a killed one frees Redis then).
COORDINATOR_TTL = 30

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
"""
# KEYS: queue, leased, expiry; ARGV: lease seconds. The best request, now leased.
POP_LEASED = _NOW + """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
redis.call('HSET', KEYS[2], r[1], r[2])
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[1]), r[1])
return r[1]
"""
# KEYS: expiry; ARGV: lease seconds, requests... Leases still held are extended.
EXTEND = _NOW + """
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i])
end
return #ARGV - 1
"""
# KEYS: queue, leased, expiry. Expired leases go back to the queue with their old score.
REAP = _NOW + """
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
for _, m in ipairs(expired) do
  local score = redis.call('HGET', KEYS[2], m) or '0'
  redis.call('ZREM', KEYS[3], m)
  redis.call('HDEL', KEYS[2], m)
  redis.call('ZADD', KEYS[1], score, m)
end
return #expired
"""
# KEYS: queue, leased, expiry, reply; ARGV: request, result. The lease ends (and a copy put
# back by an expired lease leaves the queue) as the result is handed over.
COMPLETE = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('RPUSH', KEYS[4], ARGV[2])
return 1
"""
# KEYS: next; ARGV: delay. Books the host's next slot; returns the seconds to wait for it.
RESERVE = _NOW + """
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(now, nxt)
redis.call('SET', KEYS[1], string.format('%.6f', start + tonumber(ARGV[1])), 'EX', 86400)
return string.format('%.6f', start - now)
"""
# KEYS: active; ARGV: token, limit, seconds. 1 when the token got one of the host's places.
ACQUIRE = _NOW + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  redis.call('EXPIRE', KEYS[1], 86400)
  return 1
end
return 0
"""


class RedisUnavailable(Exception):
    """Redis cannot be reached (or answers with an error): the message is for people."""


@dataclass
class CrawlConfig:
    """What a worker needs to serve a crawl, published by its coordinator."""

    crawl_id: str
    settings: dict  # Scrapy settings for the worker's fetches (see coordinator.WORKER_SETTINGS)
    politeness: dict[str, list]  # allowed domain -> [download_delay | None, concurrency | None]
    lease_s: float = 60.0
    extras: dict = field(default_factory=dict)

    def dumps(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def loads(cls, text: str | bytes) -> CrawlConfig:
        return cls(**json.loads(text))


def connect(url: str) -> redis.Redis:
    """A client for `url`, checked with PING; RedisUnavailable (in Italian) when it fails."""
    try:
        server = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30)
        server.ping()
    except ValueError as exc:
        raise RedisUnavailable(f"indirizzo Redis non valido {url!r}: {exc} "
                               "(forma attesa: redis://HOST:PORTA/N)") from exc
    except redis.RedisError as exc:
        raise RedisUnavailable(unreachable_message(url, exc)) from exc
    return server


def unreachable_message(url: str, exc: BaseException) -> str:
    return (f"Redis non raggiungibile all'indirizzo {redact(url)} ({exc}): avvia redis-server "
            "o controlla l'indirizzo; nessuna raccolta è stata eseguita")


def redact(url: str) -> str:
    """The URL without its password (kept out of messages and logs)."""
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, sep, _credentials = head.partition("://")
    return f"{scheme}{sep}***@{tail}"


class RedisState:
    """The shared keys, with one method per atomic change."""

    def __init__(self, server: redis.Redis):
        self.server = server
        self._pop = server.register_script(POP_LEASED)
        self._extend = server.register_script(EXTEND)
        self._reap = server.register_script(REAP)
        self._complete = server.register_script(COMPLETE)
        self._reserve = server.register_script(RESERVE)
        self._acquire = server.register_script(ACQUIRE)

    # ---------------------------------------------------------------- the running crawl

    def config(self) -> CrawlConfig | None:
        text = self.server.get(CONFIG_KEY)
        return CrawlConfig.loads(text) if text else None

    def claim_coordinator(self, crawl_id: str) -> bool:
        """True when no other coordinator holds this Redis database."""
        return bool(self.server.set(COORDINATOR_KEY, crawl_id, nx=True, ex=COORDINATOR_TTL))

    def refresh_coordinator(self, crawl_id: str) -> None:
        self.server.set(COORDINATOR_KEY, crawl_id, ex=COORDINATOR_TTL)

    def start_crawl(self, config: CrawlConfig) -> None:
        """Publish the crawl; requests and leases left by a crawl that died go with it."""
        pipe = self.server.pipeline()
        pipe.delete(QUEUE_KEY, LEASED_KEY, EXPIRY_KEY, CRAWL_DELAY_KEY)
        pipe.set(CONFIG_KEY, config.dumps())
        pipe.execute()

    def end_crawl(self, crawl_id: str, reply_keys: list[str]) -> None:
        pipe = self.server.pipeline()
        pipe.delete(CONFIG_KEY, QUEUE_KEY, LEASED_KEY, EXPIRY_KEY, *reply_keys)
        pipe.execute()
        if self.server.get(COORDINATOR_KEY) == crawl_id.encode():
            self.server.delete(COORDINATOR_KEY)

    # ---------------------------------------------------------------- leased queue

    def pop_leased(self, lease_s: float) -> bytes | None:
        return self._pop(keys=[QUEUE_KEY, LEASED_KEY, EXPIRY_KEY], args=[lease_s])

    def extend(self, lease_s: float, members: list[bytes]) -> None:
        if members:
            self._extend(keys=[EXPIRY_KEY], args=[lease_s, *members])

    def reap(self) -> int:
        """Put requests whose lease ended (their worker died) back in the queue."""
        return int(self._reap(keys=[QUEUE_KEY, LEASED_KEY, EXPIRY_KEY]))

    def complete(self, member: bytes, reply_key: str, result: str) -> None:
        self._complete(keys=[QUEUE_KEY, LEASED_KEY, EXPIRY_KEY, reply_key],
                       args=[member, result])

    def in_flight(self) -> tuple[int, int]:
        """(requests waiting in the queue, requests leased by a worker)."""
        return int(self.server.zcard(QUEUE_KEY)), int(self.server.zcard(EXPIRY_KEY))

    # ---------------------------------------------------------------- politeness

    def reserve(self, host: str, delay: float) -> float:
        """Seconds to wait before the host's next request starts; books the one after."""
        return float(self._reserve(keys=[PREFIX + "next:" + host], args=[max(0.0, delay)]))

    def acquire(self, host: str, token: str, limit: int, hold_s: float) -> bool:
        return bool(self._acquire(keys=[PREFIX + "active:" + host],
                                  args=[token, max(1, limit), hold_s]))

    def release(self, host: str, token: str) -> None:
        self.server.zrem(PREFIX + "active:" + host, token)

    def set_crawl_delay(self, host: str, delay: float) -> None:
        self.server.hset(CRAWL_DELAY_KEY, host, delay)

    def crawl_delay(self, host: str) -> float:
        value = self.server.hget(CRAWL_DELAY_KEY, host)
        return float(value) if value else 0.0

    def worker_alive(self, worker_id: str) -> None:
        self.server.zadd(WORKERS_KEY, {worker_id: self.server.time()[0]})

    def workers_seen(self, within_s: float) -> int:
        """Workers whose heartbeat came in the last `within_s` seconds."""
        now = self.server.time()[0]
        self.server.zremrangebyscore(WORKERS_KEY, "-inf", now - 86400)
        return int(self.server.zcount(WORKERS_KEY, now - within_s, "+inf"))
