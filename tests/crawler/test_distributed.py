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
import shutil
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
import redis

from crawler.distributed.state import CONFIG_KEY, QUEUE_KEY
from crawler.run import crawl
from store.db import open_db
from tests.crawler.conftest import FAST_SETTINGS
from tests.reliability import procs

pytestmark = pytest.mark.slow

# Columns that differ between any two crawls (clock, run ids, row order), besides "*_at".
VOLATILE = {"fetched_at", "first_seen", "last_seen", "started", "finished", "duration_s",
            "run_id", "created", "updated", "analyzed_at", "saved_at", "recorded_at",
            "added", "last_attempt", "checked_at", "at", "id", "rowid", "article_id",
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


@pytest.fixture
def redis_url(tmp_path):
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
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def _start_worker(url: str, tmp: Path, env: dict | None = None) -> subprocess.Popen:
    return procs.start([*procs.PIPELINE, "worker", "--redis", url, "--max-idle", "30"],
                       tmp=tmp, env=env)


def _snapshot(db_path: Path) -> dict[str, list[str]]:
    """Each compared table's rows without the columns that differ between two crawls."""
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
            rows.append(json.dumps(kept, sort_keys=True, default=str))
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


def test_two_workers_store_what_a_single_machine_crawl_stores(test_sites, redis_url, tmp_path):
    _clear_logs(test_sites)
    local = crawl(test_sites.sources, tmp_path / "local.db", settings=FAST_SETTINGS,
                  timeout_s=120)
    local_hits = _article_hits(test_sites)
    _clear_logs(test_sites)

    workers = [_start_worker(redis_url, tmp_path) for _ in range(2)]
    try:
        report = crawl(test_sites.sources, tmp_path / "distributed.db",
                       settings=FAST_SETTINGS, timeout_s=120, redis_url=redis_url)
    finally:
        for proc in workers:
            procs.kill_tree(proc)
    hits = _article_hits(test_sites)

    assert report.returncode == 0, report.log_tail
    assert _run_records(report) == _run_records(local)
    assert hits and set(hits.values()) == {1}, hits  # every article page requested once
    assert set(hits) == set(local_hits)
    db = open_db(tmp_path / "distributed.db")
    urls = [row["url"] for row in db["articles"].rows]
    db.conn.close()
    assert len(urls) == len(set(urls))  # every article stored once
    distributed, single = _snapshot(tmp_path / "distributed.db"), _snapshot(tmp_path / "local.db")
    for table in COMPARED:
        assert distributed.get(table) == single.get(table), _diff(distributed, single, table)
    server = redis.Redis.from_url(redis_url)
    assert server.get(CONFIG_KEY) is None and server.zcard(QUEUE_KEY) == 0
