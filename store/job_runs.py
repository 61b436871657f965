"""Records of scheduled job runs (every run is a row: job, start, end, status, counts, error)
and the source-health figures the scheduler's health job reads."""

from __future__ import annotations

import json
import os

import sqlite_utils

from store.db import transaction, utcnow


def start_job_run(db: sqlite_utils.Database, job: str, trigger: str = "") -> str:
    started = utcnow()
    run_id = f"{job}:{started}:{os.getpid()}"
    with transaction(db):
        db["job_runs"].insert({"id": run_id, "job": job, "started": started, "status": "running",
                               "pid": os.getpid(), "trigger": trigger}, pk="id")
    return run_id


def finish_job_run(db: sqlite_utils.Database, run_id: str, status: str,
                   counts: dict | None = None, error: str | None = None) -> None:
    with transaction(db):
        db["job_runs"].update(run_id, {"finished": utcnow(), "status": status,
                                       "counts": json.dumps(counts or {}, sort_keys=True),
                                       "error": error})


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def abandon_interrupted_runs(db: sqlite_utils.Database) -> int:
    """Mark 'running' rows whose process is gone (killed, crashed) as abandoned."""
    stale = [r["id"] for r in db["job_runs"].rows_where("status = 'running'")
             if r.get("pid") != os.getpid() and not _alive(r.get("pid"))]
    with transaction(db):
        for run_id in stale:
            db["job_runs"].update(run_id, {"finished": utcnow(), "status": "abandoned",
                                           "error": "processo terminato prima della fine del job"})
    return len(stale)


def last_runs(db: sqlite_utils.Database) -> dict[str, dict]:
    """The latest run of every job."""
    rows = db.query("""SELECT * FROM job_runs r WHERE started = (
                         SELECT max(started) FROM job_runs s WHERE s.job = r.job)""")
    return {r["job"]: r for r in rows}


def abandon_own_runs(db: sqlite_utils.Database, reason: str) -> None:
    """Mark this process's 'running' rows as abandoned (the scheduler is stopping)."""
    with transaction(db):
        db.execute("UPDATE job_runs SET status = 'abandoned', finished = ?, error = ? "
                   "WHERE status = 'running' AND pid = ?", [utcnow(), reason, os.getpid()])


def flagged_sources(db: sqlite_utils.Database) -> list[str]:
    """Sources whose last three crawl runs all failed (the `source_health` view's flag)."""
    return [r["source_id"] for r in db.query(
        "SELECT source_id FROM source_health WHERE flagged = 1 ORDER BY source_id")]


def never_run_sources(db: sqlite_utils.Database) -> list[str]:
    """Sources in the registry that no crawl has reached yet."""
    return [r["source_id"] for r in db.query(
        "SELECT source_id FROM source_health WHERE last_run IS NULL ORDER BY source_id")]
