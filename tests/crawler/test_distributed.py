"""Distributed crawl on a real Redis: a coordinator and two `pipeline.py worker` processes
against the local test sites, compared with a single-machine crawl of the same sites.

Each test starts its own redis-server on 127.0.0.1 on a free port, in a temporary folder,
without persistence. Without redis-server the tests are skipped, except in CI (CI set), where
that is a failure: .ci/run installs Debian's redis-server package.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import scrapy
from scrapy.utils.request import request_from_dict

from crawler.distributed import serialize
from crawler.distributed.queue import push_request
from crawler.distributed.state import CONFIG_KEY, QUEUE_KEY, RedisState
from crawler.run import crawl
from store.articles import article_id
from store.db import open_db
from tests.crawler.conftest import FAST_SETTINGS
from tests.crawler.siteserver import LocalSite, Resource
from tests.reliability import procs

pytestmark = pytest.mark.slow
HOOKS = procs.ROOT / "tests" / "reliability" / "hooks"

# Columns that differ between any two crawls (clock, run ids, row order), besides "*_at".
VOLATILE = {"fetched_at", "first_seen", "last_seen", "started", "finished", "duration_s",
            "run_id", "created", "updated", "added", "last_attempt", "at", "rowid",
            "cluster_id", "generation"}
COMPARED = ("articles", "seen_urls", "raw_pages", "link_hints", "frontier",
            "frontier_validators", "fetch_cache", "sources")


def _answers(client: redis.Redis, proc: subprocess.Popen) -> bool:
    """True once the server answers PING; False if it exits or stays silent for 10 s."""
    for _ in range(200):
        if proc.poll() is not None:
            return False
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            time.sleep(0.05)
    return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RedisServer:
    url: str
    proc: subprocess.Popen


@pytest.fixture
def redis_server(tmp_path):
    """A private redis-server for one test."""
    exe = shutil.which("redis-server")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed: CI must install Debian's redis-server")
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    port = _free_port()
    folder = tmp_path / "redis"
    folder.mkdir()
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder), "--daemonize", "no", "--logfile", str(folder / "redis.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    if not _answers(redis.Redis.from_url(url), proc):
        pytest.fail(f"redis-server did not start: {(folder / 'redis.log').read_text()}")
    yield RedisServer(url, proc)
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    return redis_server.url


def _start_worker(url: str, tmp: Path, env: dict | None = None,
                  max_idle: float = 30) -> subprocess.Popen:
    return procs.start([*procs.PIPELINE, "worker", "--redis", url, "--max-idle", str(max_idle)],
                       tmp=tmp, env=env)


def _snapshot(db_path: Path, racing: list[str]) -> dict[str, list[str]]:
    """Each compared table's rows without the columns that differ between two crawls. Rows
    naming one of `racing` (two URLs with the same text: whichever is saved first is the
    article, the other its duplicate, in a local crawl too) are left out."""
    marks = [*racing, *(article_id(url) for url in racing)]
    db = open_db(db_path)
    out = {}
    for table in COMPARED:
        if not db[table].exists():
            continue
        rows = []
        for row in db[table].rows:
            kept = {k: _content(v) for k, v in row.items()
                    if k not in VOLATILE and not k.endswith("_at")}
            if isinstance(kept.get("headers"), str):  # the server's Date differs
                headers = json.loads(kept["headers"])
                kept["headers"] = {k: v for k, v in headers.items() if k.lower() != "date"}
            text = json.dumps(kept, sort_keys=True, default=str)
            if not any(mark in text for mark in marks):
                rows.append(text)
        out[table] = sorted(rows)
    db.conn.close()
    return out


def _diff(a: dict, b: dict, table: str) -> str:
    only_a = set(a.get(table, [])) - set(b.get(table, []))
    only_b = set(b.get(table, [])) - set(a.get(table, []))
    return f"{table}: distributed only {sorted(only_a)[:3]}; single only {sorted(only_b)[:3]}"


def _content(value):
    """Compressed columns by their content (gzip headers carry the time of compression)."""
    if isinstance(value, bytes):
        if value[:2] == b"\x1f\x8b":
            value = gzip.decompress(value)
        return hashlib.sha256(value).hexdigest()
    return value


def _run_records(report) -> dict[str, tuple]:
    return {s.source_id: (s.status, s.new_articles, s.duplicates, s.filtered,
                          tuple(sorted(s.errors_by_kind.items())))
            for s in report.sources}


def _article_hits(test_sites) -> Counter:
    """Requests the sites received for the pages the crawl must store."""
    wanted = {url for url in test_sites.expected.articles}
    hits: Counter = Counter()
    for site in test_sites.sites.values():
        for hit in site.log:
            url = site.base + hit.path
            if url in wanted:
                hits[url] += 1
    return hits


def _clear_logs(test_sites) -> None:
    for site in test_sites.sites.values():
        site.log.clear()


def _crawl_twice(test_sites, db_path: Path, redis_url: str | None = None) -> list[tuple]:
    """Two runs into one database: (report, article hits, entry-document hits) of each."""
    runs = []
    for _ in range(2):
        _clear_logs(test_sites)
        report = crawl(test_sites.sources, db_path, settings=FAST_SETTINGS, timeout_s=120,
                       redis_url=redis_url)
        entries = sum(1 for site in test_sites.sites.values() for hit in site.log
                      if hit.path.endswith((".xml", "/notizie/")))
        runs.append((report, _article_hits(test_sites), entries))
    return runs


def test_two_workers_store_what_a_single_machine_crawl_stores(test_sites, redis_url, tmp_path):
    (local, local_hits, _), (local_again, _, local_entries) = _crawl_twice(
        test_sites, tmp_path / "local.db")
    workers = [_start_worker(redis_url, tmp_path) for _ in range(2)]
    try:
        (report, hits, _), (again, hits_again, entries_again) = _crawl_twice(
            test_sites, tmp_path / "distributed.db", redis_url)
    finally:
        for proc in workers:
            procs.kill_tree(proc)

    assert report.returncode == 0, report.log_tail
    assert _run_records(report) == _run_records(local)
    assert hits and set(hits.values()) == {1}, hits  # every article page requested once
    # The workers extracted the article pages (the coordinator only checked and stored them).
    extracted = sum(int(n) for log in tmp_path.glob("proc-*.log")
                    for n in re.findall(r"'worker/extracted': (\d+)", log.read_text()))
    assert extracted == sum(s.article_pages for s in report.sources), extracted
    assert set(hits) == set(local_hits)
    urls = _stored(tmp_path / "distributed.db")
    assert len(urls) == len(set(urls))  # every article stored once
    racing = test_sites.expected.duplicates
    assert sum(url in urls for url in racing) == 1
    distributed = _snapshot(tmp_path / "distributed.db", racing)
    single = _snapshot(tmp_path / "local.db", racing)
    for table in COMPARED:
        assert distributed.get(table) == single.get(table), _diff(distributed, single, table)
    server = redis.Redis.from_url(redis_url)
    assert server.get(CONFIG_KEY) is None and server.zcard(QUEUE_KEY) == 0
    # The scheduled re-run: feeds, sitemaps and listings are read again (the run's duplicate
    # filter in Redis is gone), stored articles are not requested again.
    assert again.returncode == 0, again.log_tail
    assert _run_records(again) == _run_records(local_again)
    assert entries_again == local_entries > 0
    assert not hits_again


def test_crawl_delay_holds_across_workers_together(redis_url, tmp_path):
    """robots.txt asks for 1 s between requests; two workers each holding one request at a
    time share the host: no two of its requests (robots.txt fetches included, once the delay
    is known) start less than 1 s apart. Then, with nothing to do, the workers exit by
    themselves (--max-idle)."""
    site = LocalSite({}).start()
    try:
        body = "<p>" + "Il Comune e le associazioni firmano un patto di collaborazione. " * 12
        items = ""
        for n in range(5):
            site.routes[f"/a/{n}"] = Resource(f"<html><body><article><h1>Notizia {n}</h1>{body}"
                                              f"numero {n}</p></article></body></html>".encode())
            items += f"<item><title>{n}</title><link>{site.base}/a/{n}</link></item>"
        site.routes["/feed/"] = Resource(f"<rss><channel><title>x</title>{items}</channel>"
                                         "</rss>".encode(), "application/rss+xml")
        site.routes["/robots.txt"] = Resource(b"User-agent: *\nCrawl-delay: 1\n", "text/plain")
        sources = tmp_path / "s.toml"
        sources.write_text(f'[[source]]\nid = "lenta"\nname = "Lenta"\nkind = "portal"\n'
                           f'feeds = ["{site.base}/feed/"]\nallowed_domains = ["127.0.0.1"]\n')
        done: list = []
        coordinator = threading.Thread(target=lambda: done.append(crawl(
            sources, tmp_path / "o.db", timeout_s=90, redis_url=redis_url,
            settings={**FAST_SETTINGS, "OBSERVATORY_WORKER_REQUESTS": 1})))
        coordinator.start()
        server = redis.Redis.from_url(redis_url)
        for _ in range(1200):  # workers that start once the crawl is published
            if server.exists(CONFIG_KEY) or not coordinator.is_alive():
                break
            time.sleep(0.05)
        workers = [_start_worker(redis_url, tmp_path, max_idle=2) for _ in range(2)]
        try:
            coordinator.join(timeout=120)
            exits = [proc.wait(timeout=60) for proc in workers]
        finally:
            for proc in workers:
                procs.kill_tree(proc)
        report = done[0]
    finally:
        site.stop()
    assert report.sources[0].new_articles == 5, report.log_tail
    first_page = next(i for i, hit in enumerate(site.log) if hit.path != "/robots.txt")
    times = [hit.at for hit in site.log[first_page:]]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len([h for h in site.log if h.path.startswith("/a/")]) == 5
    assert min(gaps) >= 0.9, gaps
    assert exits == [0, 0]


def _crawl_until_a_worker_dies(test_sites, redis_url: str, tmp_path: Path, db_path: Path):
    """Start the coordinator (in a thread) and a worker that SIGKILLs itself as it is about
    to hand over its third response; returns once it is dead, with the thread, its result
    list and the URL the worker died holding."""
    _clear_logs(test_sites)
    marker = tmp_path / "killed"
    hooks = {"PYTHONPATH": os.pathsep.join([str(HOOKS), str(procs.ROOT)]),
             "OBS_TEST_KILL_WORKER_AFTER": "3", "OBS_TEST_HANG_MARKER": str(marker)}
    doomed = _start_worker(redis_url, tmp_path, env=hooks)
    settings = {**FAST_SETTINGS, "OBSERVATORY_REDIS_LEASE_S": 2}
    done: list = []
    coordinator = threading.Thread(target=lambda: done.append(crawl(
        test_sites.sources, db_path, settings=settings, timeout_s=120, redis_url=redis_url)))
    coordinator.start()
    try:
        for _ in range(1200):
            if marker.exists() or not coordinator.is_alive():
                break
            time.sleep(0.05)
        assert marker.exists(), "the worker never reached its third response"
        assert doomed.wait(timeout=30) == -signal.SIGKILL
    finally:
        procs.kill_tree(doomed)
    return coordinator, done, marker.read_text(encoding="utf-8")


def test_a_worker_killed_mid_crawl_loses_nothing(test_sites, redis_url, tmp_path):
    """Worker A dies (SIGKILL, its whole process group) as it is about to hand over its third
    response; worker B, started only then, finishes the crawl with A's leased requests."""
    db_path = tmp_path / "killed.db"
    coordinator, done, lost = _crawl_until_a_worker_dies(test_sites, redis_url, tmp_path,
                                                         db_path)
    survivor = _start_worker(redis_url, tmp_path)
    try:
        coordinator.join(timeout=150)
    finally:
        procs.kill_tree(survivor)
    report = done[0]
    assert report.returncode == 0, report.log_tail
    # As in a local crawl of the test sites: a server error and a slow page, a broken feed,
    # a site that is down.
    assert {s.source_id: s.status for s in report.sources} == {
        "portale": "partial", "giornale": "partial", "comune": "ok", "copia": "ok",
        "rotto": "failed", "spento": "failed"}
    urls = _stored(db_path)
    assert len(urls) == len(set(urls))  # nothing stored twice
    expected = test_sites.expected
    missing = [u for u in expected.articles if u not in urls and u not in expected.duplicates]
    assert not missing
    assert sum(u in urls for u in expected.duplicates) == 1
    # Fetched again after the lease ended (a robots.txt is also a sitemap entry: more hits).
    assert sum(1 for site in test_sites.sites.values() for hit in site.log
               if site.base + hit.path == lost) >= 2


def test_redis_lost_mid_crawl_leaves_no_incomplete_source_reported_ok(
        test_sites, redis_server, tmp_path):
    """Redis stops while requests wait in its queue: the crawl ends, and a source is "ok"
    only if everything it should store was stored before."""
    db_path = tmp_path / "lost.db"
    coordinator, done, _ = _crawl_until_a_worker_dies(test_sites, redis_server.url, tmp_path,
                                                      db_path)
    redis_server.proc.kill()
    redis_server.proc.wait(timeout=10)
    coordinator.join(timeout=150)
    report = done[0]
    assert report.returncode == 0, report.log_tail
    lost = [s for s in report.sources if "redislost" in s.errors_by_kind]
    assert lost and all(s.status != "ok" for s in lost)
    stored = set(_stored(db_path))
    expected = test_sites.expected
    by_source = {"portale": "portal", "giornale": "news", "comune": "comune", "copia": "copy"}
    for source in report.sources:
        if source.status == "ok" and source.source_id in by_source:
            base = test_sites.sites[by_source[source.source_id]].base
            wanted = {u for u in expected.articles
                      if u.startswith(base) and u not in expected.duplicates}
            assert wanted <= stored, source


def _stored(db_path: Path) -> list[str]:
    db = open_db(db_path)
    urls = [row["url"] for row in db["articles"].rows]
    db.conn.close()
    return urls


def test_redis_unreachable_is_a_clear_error_and_no_run_is_recorded(test_sites, tmp_path):
    url = f"redis://127.0.0.1:{_free_port()}/0"  # nothing listens there
    db_path = tmp_path / "unreachable.db"
    crawled = procs.run_measured([*procs.PIPELINE, "crawl", "--sources", str(test_sites.sources),
                                  "--db", str(db_path), "--redis", url], timeout_s=120,
                                 tmp=tmp_path)
    assert crawled.returncode == 2
    assert "Redis non raggiungibile" in crawled.output
    assert not procs.has_traceback(crawled.output)
    if db_path.exists():
        db = open_db(db_path)
        assert not list(db["crawl_runs"].rows_where("status = 'ok'"))
        db.conn.close()
    worker = procs.run_measured([*procs.PIPELINE, "worker", "--redis", url, "--max-idle", "1"],
                                timeout_s=120, tmp=tmp_path)
    assert worker.returncode == 2
    assert "Redis non raggiungibile" in worker.output
    assert not procs.has_traceback(worker.output)


def test_leases_and_politeness_are_booked_atomically_on_the_server(redis_url):
    server = redis.Redis.from_url(redis_url)
    state = RedisState(server)
    request = scrapy.Request("http://127.0.0.1:9/a?x=1", method="POST", body=b"\x00\xff",
                             headers={"If-None-Match": '"e1"'}, priority=5,
                             meta={"obs_job": "j1", "download_timeout": 2.5})
    push_request(server, request)
    member = state.pop_leased(0)  # a lease that has already ended
    assert member and state.in_flight() == (0, 1)
    again = request_from_dict(serialize.loads(member))  # JSON, not pickle
    assert (again.url, again.method, again.body, again.priority, again.meta) == (
        request.url, "POST", b"\x00\xff", 5, request.meta)
    assert again.headers.getlist("If-None-Match") == [b'"e1"']
    assert state.reap() == 1 and state.in_flight() == (1, 0)  # back in the queue
    assert server.zscore(QUEUE_KEY, member) == -5
    assert state.pop_leased(60) == member
    state.reap()  # a live lease stays
    state.complete(member, "obs:reply:test", '{"job": "j1"}')
    assert state.in_flight() == (0, 0) and server.llen("obs:reply:test") == 1

    waits = [state.reserve("example.org", 10) for _ in range(3)]
    assert waits[0] == 0 and 9.9 <= waits[1] <= 10 and 19.9 <= waits[2] <= 20
    assert [state.acquire("example.org", t, 2, 60) for t in "abc"] == [True, True, False]
    state.release("example.org", "a")
    assert state.acquire("example.org", "c", 2, 60)
