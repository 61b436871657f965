"""Crashes lose nothing: real `pipeline.py` processes (and their children) are SIGKILLed at seeded
moments of their work, then the command is run again. After each kill the database passes
`PRAGMA integrity_check`, keeps everything it had, holds no duplicate, and the re-run finishes
the work; read-only readers are never blocked while the pipeline writes."""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.reliability.content import article_html, rss
from tests.reliability.dbdata import WEEK, build_db
from tests.reliability.hostile import HostileSite, page
from tests.reliability.procs import PIPELINE, ROOT, has_traceback, kill_tree, start

pytestmark = pytest.mark.slow
SEED = 20261122
HOOKS = Path(__file__).parent / "hooks"
HOSTS, PER_HOST = 6, 8


def ro(db: Path) -> sqlite3.Connection:
    """A read-only connection, as Datasette opens a published database."""
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)


def count(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    try:
        with ro(db) as conn:
            return conn.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:  # tables not created yet
        return 0


def integrity(db: Path) -> str:
    with ro(db) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def hang_env(variable: str, n: int, marker: Path) -> dict[str, str]:
    """Environment that loads the test-only hooks (hooks/sitecustomize.py) and arms one."""
    return {"PYTHONPATH": os.pathsep.join([str(HOOKS), str(ROOT)]), variable: str(n),
            "OBS_TEST_HANG_MARKER": str(marker)}


def kill_when(proc: subprocess.Popen, ready: Callable[[], bool], timeout_s: float = 180) -> bool:
    """SIGKILL the process tree as soon as `ready()`; False if it ended first."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        if ready():
            kill_tree(proc)
            return True
        time.sleep(0.05)
    kill_tree(proc)
    return False


def finish(args: list[str], tmp: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([*PIPELINE, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)
    assert not has_traceback(done.stdout + done.stderr), done.stderr
    return done


# ---------------------------------------------------------------- crawl


@pytest.fixture(scope="module")
def news_web(tmp_path_factory: pytest.TempPathFactory):
    """Six well-behaved news sites with eight articles each, on their own addresses."""
    folder = tmp_path_factory.mktemp("news")
    sites, sources = [], []
    for h in range(HOSTS):
        site = HostileSite(f"127.0.0.{30 + h}").start()
        paths = [f"/notizie/{h}-{i}" for i in range(PER_HOST)]
        for path in paths:
            site.routes[path] = page(article_html(f"sito{h}-{path[-3:]}",
                                                  f"Co-progettazione {h}.{path[-1]}"))
        site.routes["/feed.xml"] = page(rss([(site.url(p), p) for p in paths]),
                                        content_type="application/rss+xml")
        sites.append(site)
        sources.append(f'[[source]]\nid = "notizie-{h}"\nname = "Notizie {h}"\n'
                       f'kind = "local_news"\nfeeds = ["{site.url("/feed.xml")}"]\n'
                       f'allowed_domains = ["{site.host}"]\n')
    path = folder / "sources.toml"
    path.write_text("\n".join(sources), encoding="utf-8")
    yield path
    for site in sites:
        site.stop()


class Reader(threading.Thread):
    """Reads the article count over a read-only connection while the pipeline writes."""

    def __init__(self, db: Path):
        super().__init__(daemon=True)
        self.db, self.counts, self.errors = db, [], []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            if self.db.exists():
                try:
                    with ro(self.db) as conn:
                        self.counts.append(conn.execute(
                            "SELECT count(*) FROM articles").fetchone()[0])
                except sqlite3.OperationalError as exc:
                    if "no such table" not in str(exc):
                        self.errors.append(str(exc))
            time.sleep(0.05)


def test_crawl_killed_twice_then_rerun_loses_nothing(news_web: Path, tmp_path: Path):
    rng = random.Random(SEED)
    db = tmp_path / "crawl.db"
    total = HOSTS * PER_HOST
    args = ["crawl", "--sources", str(news_web), "--db", str(db)]
    reader = Reader(db)
    reader.start()
    kept: set[str] = set()
    for attempt in range(2):
        # the hook stops the n-th save of this run inside its transaction, so the kill lands
        # mid-write at a known point however fast the machine crawls
        n = rng.randint(3, (total - len(kept)) // 3)
        marker = tmp_path / f"crawl-hang-{attempt}.marker"
        proc = start([*PIPELINE, *args], tmp=tmp_path, env=hang_env("OBS_TEST_HANG_IN_SAVE", n,
                                                                    marker))
        assert kill_when(proc, marker.exists)
        assert integrity(db) == "ok"
        with ro(db) as conn:
            now = {u for (u,) in conn.execute("SELECT url FROM articles")}
        assert kept <= now  # nothing already stored is lost
        kept = now
    done = finish(args, tmp_path)
    reader.stop.set()
    reader.join()
    assert done.returncode == 0, done.stderr
    with ro(db) as conn:
        urls = [u for (u,) in conn.execute("SELECT url FROM articles")]
        assert integrity(db) == "ok"
    assert len(urls) == len(set(urls)) == total and kept <= set(urls)
    assert reader.errors == [] and len(reader.counts) > 10
    assert reader.counts == sorted(reader.counts)  # readers saw committed rows only


# ---------------------------------------------------------------- analyze


def test_analyze_killed_then_rerun_finishes_every_article_once(tmp_path: Path):
    rng = random.Random(SEED + 1)
    db = tmp_path / "analyze.db"
    total = 30
    build_db(db, total, analyzed=False)
    target = rng.randint(1, total - 5)
    # the hook stops the stage right after its target-th commit: the kill lands at a known
    # point however fast the machine analyzes (polling the count raced a fast machine)
    marker = tmp_path / "analysis-hang.marker"
    proc = start([*PIPELINE, "analyze", "--db", str(db)], tmp=tmp_path,
                 env=hang_env("OBS_TEST_HANG_AFTER_ANALYSIS", target, marker))
    assert kill_when(proc, marker.exists, timeout_s=240)
    assert integrity(db) == "ok"
    with ro(db) as conn:
        before = {r[0]: r[1] for r in conn.execute(
            "SELECT id, analyzed_at FROM articles WHERE analyzed_at IS NOT NULL")}
    assert len(before) == target
    done = finish(["analyze", "--db", str(db)], tmp_path)
    assert done.returncode == 0, done.stderr
    with ro(db) as conn:
        after = dict(conn.execute("SELECT id, analyzed_at FROM articles"))
        dupes = conn.execute("SELECT article_id, task, label, count(*) FROM labels "
                             "GROUP BY 1, 2, 3 HAVING count(*) > 1").fetchall()
    assert all(after[i] == stamp for i, stamp in before.items())  # not redone, not lost
    assert all(after.values()) and len(after) == total
    assert dupes == []


# ---------------------------------------------------------------- digest


def test_digest_killed_leaves_no_partial_file_and_rerun_writes_it(tmp_path: Path):
    rng = random.Random(SEED + 2)
    db, out = tmp_path / "digest.db", tmp_path / "out"
    build_db(db, 120, analyzed=True)
    args = ["digest", "--db", str(db), "--week", WEEK, "--out", str(out)]
    for _ in range(3):
        proc = start([*PIPELINE, *args], tmp=tmp_path)
        time.sleep(rng.uniform(0.3, 3.0))
        kill_tree(proc)
        assert integrity(db) == "ok"
        for name in (f"digest-{WEEK}.md", f"digest-{WEEK}.html"):
            if (out / name).exists():  # a final file is only ever a complete one
                text = (out / name).read_text(encoding="utf-8")
                assert text.rstrip().endswith("</html>") or name.endswith(".md")
                assert len(text) > 20_000
    done = finish(args, tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [f"digest-{WEEK}.html", f"digest-{WEEK}.md"]
    assert count(db, "SELECT count(*) FROM digests") == 1


# ---------------------------------------------------------------- scheduler


def _schedule(tmp: Path, sources: Path) -> Path:
    path = tmp / "schedule.toml"
    path.write_text(f'timezone = "Europe/Rome"\nsources = "{sources}"\n'
                    'crawl_timeout_seconds = 120\n'
                    '[[job]]\nid = "raccolta"\nkind = "crawl"\ntrigger = "interval"\nhours = 6\n'
                    '[[job]]\nid = "salute"\nkind = "health"\ntrigger = "cron"\n'
                    'cron = "0 8 * * *"\n', encoding="utf-8")
    return path


def _wait_output(proc: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)


def test_killed_scheduler_and_job_leave_no_stale_lock_and_are_recorded(news_web: Path,
                                                                       tmp_path: Path):
    db = tmp_path / "sched.db"
    schedule = _schedule(tmp_path, news_web)
    # A scheduled crawl job (the function APScheduler runs) killed in the middle of its crawl.
    marker = tmp_path / "job-hang.marker"
    job = start([sys.executable, "-c", "import sys; from scheduler.jobs import run_job; "
                 "run_job('raccolta', sys.argv[1], sys.argv[2])", str(schedule), str(db)],
                tmp=tmp_path, env=hang_env("OBS_TEST_HANG_IN_SAVE", 5, marker))
    assert kill_when(job, marker.exists)
    assert count(db, "SELECT count(*) FROM job_runs WHERE status = 'running'") == 1
    # The scheduler, killed while idle, then started again: the kernel dropped its lock.
    first = start([*PIPELINE, "schedule", "--config", str(schedule), "--db", str(db)],
                  tmp=tmp_path)
    _wait_output(first, 8)
    assert first.poll() is None
    kill_tree(first)
    second = start([*PIPELINE, "schedule", "--config", str(schedule), "--db", str(db)],
                   tmp=tmp_path)
    _wait_output(second, 8)
    try:
        assert second.poll() is None, "the restarted scheduler did not keep running"
        third = finish(["schedule", "--config", str(schedule), "--db", str(db)], tmp_path)
        assert third.returncode != 0
        assert "già attivo un altro pianificatore" in " ".join(third.stderr.split())
    finally:
        kill_tree(second)
    assert integrity(db) == "ok"
    with ro(db) as conn:
        statuses = [r[0] for r in conn.execute("SELECT status FROM job_runs")]
    assert statuses == ["abandoned"]  # the killed job's run is recorded, not left 'running'
