"""The scheduler with its real persistent job store: catch-up after downtime, one scheduler per
database, clean shutdown on SIGTERM, job listing."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from scheduler.config import load_schedule
from scheduler.service import SchedulerLocked, build_scheduler, scheduler_lock, sync_jobs
from store.db import open_db

ROOT = Path(__file__).resolve().parents[2]
ROME = ZoneInfo("Europe/Rome")
HEALTH_HOURLY = """
sources = "sources.toml"
misfire_grace_seconds = 86400
[[job]]
id = "health"
kind = "health"
trigger = "interval"
hours = 1
"""


@pytest.fixture
def setup(tmp_path):
    schedule = tmp_path / "schedule.toml"
    schedule.write_text(HEALTH_HOURLY, encoding="utf-8")
    db = tmp_path / "obs.db"
    open_db(db)
    return schedule, db


def runs(db: Path) -> list[dict]:
    return list(open_db(db)["job_runs"].rows_where(order_by="started"))


def wait_for(predicate, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def start(schedule_path: Path, db: Path):
    scheduler = build_scheduler(load_schedule(schedule_path), db)
    scheduler.start(paused=True)
    sync_jobs(scheduler, load_schedule(schedule_path), db)
    scheduler.resume()
    return scheduler


def test_downtime_is_caught_up_once(setup):
    schedule, db = setup
    t0 = dt.datetime(2026, 11, 9, 6, 0, tzinfo=ROME)
    with time_machine.travel(t0, tick=True) as clock:
        scheduler = start(schedule, db)
        first_next = scheduler.get_job("health").next_run_time.replace(microsecond=0)
        scheduler.shutdown()
        clock.move_to(t0 + dt.timedelta(days=3))  # 72 hourly runs missed while down
        scheduler = start(schedule, db)
        assert wait_for(lambda: len(runs(db)) >= 1)
        time.sleep(1.0)
        scheduler.shutdown()
    assert first_next == dt.datetime(2026, 11, 9, 7, 0, tzinfo=ROME)
    assert [r["status"] for r in runs(db)] == ["ok"]  # coalesced: one run, not 72


def test_job_store_persists_across_restarts(setup):
    schedule, db = setup
    t0 = dt.datetime(2026, 11, 9, 6, 0, tzinfo=ROME)
    with time_machine.travel(t0, tick=True):
        start(schedule, db).shutdown()
    with time_machine.travel(t0 + dt.timedelta(minutes=10), tick=True):
        scheduler = build_scheduler(load_schedule(schedule), db)
        scheduler.start(paused=True)
        # Nothing re-added yet: the job and its next run time come from the SQLite store.
        next_run = scheduler.get_job("health").next_run_time.replace(microsecond=0)
        assert next_run == dt.datetime(2026, 11, 9, 7, 0, tzinfo=ROME)
        scheduler.shutdown()


def test_second_scheduler_on_same_database_is_refused(setup):
    _, db = setup
    with scheduler_lock(db):
        with pytest.raises(SchedulerLocked, match="già attivo un altro pianificatore"):
            with scheduler_lock(db):
                pass
    with scheduler_lock(db):  # released: usable again
        pass


def test_real_scheduler_process_locks_and_stops_cleanly(setup):
    schedule, db = setup
    cmd = [sys.executable, str(ROOT / "pipeline.py"), "schedule", "--config", str(schedule),
           "--db", str(db)]
    first = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        lock = db.with_name(db.name + ".scheduler.lock")
        assert wait_for(lambda: lock.exists() and lock.read_text().strip() == str(first.pid))
        second = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert second.returncode != 0
        assert "già attivo un altro pianificatore" in " ".join(second.stderr.split())
        assert "Traceback" not in second.stderr
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=30) == 0
    finally:
        if first.poll() is None:
            first.kill()
    listing = subprocess.run(
        [sys.executable, str(ROOT / "pipeline.py"), "jobs", "--config", str(schedule), "--db",
         str(db)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert listing.returncode == 0, listing.stderr
    assert "health" in listing.stdout + listing.stderr


def test_killed_scheduler_leaves_no_stale_lock_or_running_row(setup):
    schedule, db = setup
    cmd = [sys.executable, str(ROOT / "pipeline.py"), "schedule", "--config", str(schedule),
           "--db", str(db)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.DEVNULL)
    lock = db.with_name(db.name + ".scheduler.lock")
    assert wait_for(lambda: lock.exists() and lock.read_text().strip() == str(proc.pid))
    # A run that was in progress when the process died.
    open_db(db)["job_runs"].insert({"id": "x", "job": "health", "started": "2026-11-09T06:00",
                                    "status": "running", "pid": proc.pid})
    proc.kill()
    proc.wait(timeout=10)
    with scheduler_lock(db):
        pass
    from store.job_runs import abandon_interrupted_runs

    assert abandon_interrupted_runs(open_db(db)) == 1
    assert open_db(db)["job_runs"].get("x")["status"] == "abandoned"
