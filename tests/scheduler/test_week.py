"""A simulated week driven through the real scheduler with a frozen clock: the real APScheduler
with its SQLite job store fires the jobs of a schedule file; each crawl is a real child process
against the demo sites, followed by a real analysis process; the Monday digest covers the week.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from demo_sites.demo import write_demo_sources
from demo_sites.server import serve_demo
from scheduler.config import load_schedule
from scheduler.service import build_scheduler, sync_jobs
from store.db import open_db

ROME = ZoneInfo("Europe/Rome")
pytestmark = pytest.mark.slow

SCHEDULE = """
sources = "sources.toml"
digest_out = "digest"
misfire_grace_seconds = 7200
crawl_timeout_seconds = 300
crawl_settings = { DOWNLOAD_DELAY = 0, AUTOTHROTTLE_ENABLED = false }

[[job]]
id = "crawl-all"
kind = "crawl"
trigger = "cron"
cron = "0 6 */3 * *"

[[job]]
id = "weekly-digest"
kind = "digest"
trigger = "cron"
cron = "0 7 * * mon"

[[job]]
id = "nightly-health"
kind = "health"
trigger = "cron"
cron = "30 3 * * *"
"""


def job_runs(db: Path) -> list[dict]:
    return list(open_db(db).query("SELECT * FROM job_runs ORDER BY started, rowid"))


def wait_until(predicate, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("the scheduler did not run the job in time")


@pytest.fixture
def week(tmp_path):
    servers = serve_demo()
    try:
        write_demo_sources({s: h.url for s, h in servers.items()}, tmp_path / "sources.toml")
        (tmp_path / "schedule.toml").write_text(SCHEDULE, encoding="utf-8")
        db = tmp_path / "obs.db"
        open_db(db)
        yield tmp_path, db, servers
    finally:
        for handle in servers.values():
            handle.stop()


def test_a_week_of_crawls_analyses_and_the_monday_digest(week):
    tmp, db, servers = week
    start = dt.datetime(2026, 11, 16, 5, 0, tzinfo=ROME)  # Monday of ISO week 47
    with time_machine.travel(start, tick=False) as clock:
        schedule = load_schedule(tmp / "schedule.toml")
        scheduler = build_scheduler(schedule, db)
        scheduler.start(paused=True)
        sync_jobs(scheduler, schedule, db)
        scheduler.resume()
        try:
            fired = []
            while True:
                job = min(scheduler.get_jobs(), key=lambda j: j.next_run_time)
                when = job.next_run_time
                if when > dt.datetime(2026, 11, 23, 8, 0, tzinfo=ROME):
                    break
                done = len(job_runs(db))
                clock.move_to(when)
                scheduler.wakeup()
                wait_until(lambda d=done: len(job_runs(db)) > d and all(
                    r["status"] != "running" for r in job_runs(db)))
                fired.append((job.id, when.strftime("%a %d %H:%M")))
        finally:
            scheduler.shutdown()
    runs = job_runs(db)
    assert [r["job"] for r in runs] == [job for job, _ in fired]
    assert [job for job, _ in fired].count("crawl-all") == 3  # days 16, 19, 22
    assert [job for job, _ in fired].count("nightly-health") == 7
    assert fired[-1] == ("weekly-digest", "Mon 23 07:00")  # after the last crawl
    assert all(r["status"] in ("ok", "partial") for r in runs), runs
    first_crawl = json.loads(runs[0]["counts"])
    assert first_crawl["new_articles"] >= 60
    later = [json.loads(r["counts"])["new_articles"] for r in runs if r["job"] == "crawl-all"]
    assert later[1:] == [0, 0]  # incremental: nothing new on an unchanged site
    store = open_db(db)
    assert store.execute("SELECT count(*) FROM articles WHERE analyzed_at IS NULL").fetchone()[
        0] == 0
    digest = store["digests"].get("2026-W47")
    assert json.loads(digest["stats"])["stories"] >= 3
    assert (tmp / "digest" / "digest-2026-W47.md").exists()


def test_overlapping_runs_of_one_job_are_prevented(week):
    tmp, db, servers = week
    start = dt.datetime(2026, 11, 16, 5, 0, tzinfo=ROME)
    with time_machine.travel(start, tick=False) as clock:
        schedule = load_schedule(tmp / "schedule.toml")
        scheduler = build_scheduler(schedule, db)
        scheduler.start(paused=True)
        sync_jobs(scheduler, schedule, db)
        scheduler.resume()
        try:
            clock.move_to(dt.datetime(2026, 11, 16, 6, 0, tzinfo=ROME))
            scheduler.wakeup()
            wait_until(lambda: any(r["status"] == "running" for r in job_runs(db)), 30)
            # While the crawl runs, its next fire time comes: APScheduler must skip it.
            clock.move_to(dt.datetime(2026, 11, 19, 6, 0, tzinfo=ROME))
            scheduler.wakeup()
            time.sleep(1.0)
            wait_until(lambda: all(r["status"] != "running" for r in job_runs(db)))
        finally:
            scheduler.shutdown()
    crawls = [r for r in job_runs(db) if r["job"] == "crawl-all"]
    assert len(crawls) == 1 and crawls[0]["status"] in ("ok", "partial")
