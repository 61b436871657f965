"""The long-lived scheduler: APScheduler 3 with a persistent SQLite job store.

- One scheduler per database: an exclusive `flock` on `<db>.scheduler.lock`; the kernel drops it
  when the process dies, so a killed scheduler never leaves a stale lock.
- `coalesce`, `max_instances=1` and a misfire grace time: after downtime a job catches up once,
  and one job never runs twice at the same time.
- SIGTERM/SIGINT: stop taking jobs, end child processes of the running job, record it as
  abandoned, exit.
"""

from __future__ import annotations

import fcntl
import os
import signal
import threading
from contextlib import contextmanager
from pathlib import Path

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from rich.console import Console
from rich.table import Table

from scheduler.config import Schedule, load_schedule
from store.db import open_db
from store.job_runs import abandon_interrupted_runs, abandon_own_runs, last_runs

JOB_FUNC = "scheduler.jobs:run_job"


# The outcomes of job_runs.status as `jobs` shows them.
JOB_STATUS = {"ok": "ok", "partial": "parziale", "failed": "non riuscita", "timeout": "scaduta",
              "abandoned": "interrotta", "running": "in corso"}


class SchedulerLocked(RuntimeError):
    """Another scheduler already runs on this database."""


def jobstore_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".jobs.sqlite")


@contextmanager
def scheduler_lock(db_path: Path):
    lock_path = db_path.with_name(db_path.name + ".scheduler.lock")
    handle = open(lock_path, "a+")  # noqa: SIM115 - held for the life of the scheduler
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        handle.seek(0)
        holder = handle.read().strip() or "sconosciuto"
        handle.close()
        raise SchedulerLocked(
            f"{db_path}: su questo database è già attivo un altro pianificatore "
            f"(pid {holder}, lock {lock_path})") from exc
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def build_scheduler(schedule: Schedule, db_path: Path) -> BackgroundScheduler:
    """A scheduler with the schedule's jobs in a persistent store (replacing older versions)."""
    store = SQLAlchemyJobStore(url=f"sqlite:///{jobstore_path(db_path)}")
    scheduler = BackgroundScheduler(
        jobstores={"default": store},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": schedule.misfire_grace_seconds},
        timezone=schedule.timezone,
    )
    return scheduler


def sync_jobs(scheduler: BackgroundScheduler, schedule: Schedule, db_path: Path) -> None:
    """Make the job store match the schedule file; keep next run times of unchanged jobs."""
    wanted = {spec.id: spec for spec in schedule.jobs}
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            job.remove()
    for spec in schedule.jobs:
        kwargs = {"job_id": spec.id, "schedule_path": str(schedule.path),
                  "db_path": str(db_path)}
        existing = scheduler.get_job(spec.id)
        if existing and str(existing.trigger) == str(spec.trigger) and existing.kwargs == kwargs:
            continue
        scheduler.add_job(JOB_FUNC, trigger=spec.trigger, id=spec.id, name=spec.id,
                          kwargs=kwargs, replace_existing=True)


def _children(pid: int) -> list[int]:
    """Direct child processes (Linux /proc): the running crawl or analysis."""
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def _abandon_running(db_path: Path) -> None:
    abandon_own_runs(open_db(db_path), "pianificatore fermato durante il job")


def run_scheduler(schedule_path: Path, db_path: Path, *,
                  stop_event: threading.Event | None = None) -> None:
    """Run until SIGTERM/SIGINT (or `stop_event`, for embedding)."""
    schedule = load_schedule(schedule_path)
    db_path = Path(db_path).resolve()
    with scheduler_lock(db_path):
        abandon_interrupted_runs(open_db(db_path))
        scheduler = build_scheduler(schedule, db_path)
        scheduler.start(paused=True)
        sync_jobs(scheduler, schedule, db_path)
        scheduler.resume()
        stop = stop_event or threading.Event()

        def on_signal(signum, _frame) -> None:
            stop.set()

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, on_signal)
            signal.signal(signal.SIGINT, on_signal)
        stop.wait()
        scheduler.pause()
        for child in _children(os.getpid()):
            try:
                os.kill(child, signal.SIGTERM)
            except ProcessLookupError:
                pass
        scheduler.shutdown(wait=False)
        _abandon_running(db_path)


def print_jobs(schedule_path: Path, db_path: Path, console: Console) -> None:
    """Next run times (from the persistent job store) and the last result of every job."""
    schedule = load_schedule(schedule_path)
    db_path = Path(db_path).resolve()
    scheduler = build_scheduler(schedule, db_path)
    scheduler.start(paused=True)
    try:
        next_runs = {job.id: job.next_run_time for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    last = last_runs(open_db(db_path))
    table = Table(title=f"Job ({schedule_path})", title_justify="left")
    for col in ("job", "quando", "prossima esecuzione", "ultima", "esito", "errore"):
        table.add_column(col)
    for spec in schedule.jobs:
        nxt = next_runs.get(spec.id)
        run = last.get(spec.id, {})
        table.add_row(spec.id, spec.trigger_text,
                      nxt.isoformat(timespec="minutes") if nxt else "(pianificatore mai avviato)",
                      run.get("started") or "—",
                      JOB_STATUS.get(run.get("status"), run.get("status")) or "—",
                      (run.get("error") or "")[:60])
    console.print(table)
