"""`analyze --workers N`: a pool of real analysis processes (real models) and one writer to a
real SQLite file. Same stored analysis whatever the number of workers; a re-run after a partial
run analyzes only the rest; a worker killed mid-run never leaves an article marked analyzed
without results."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from nlp.stage import analyze_db
from tests.reliability.dbdata import build_news_db, stored_analysis

N_ARTICLES = 24

def analyzed_ids(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute(
            "SELECT id FROM articles WHERE analyzed_at IS NOT NULL")}
    finally:
        conn.close()


def ids_with_labels(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT DISTINCT article_id FROM labels")}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def one_worker_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("one") / "obs.db"
    build_news_db(path, N_ARTICLES)
    report = analyze_db(path, workers=1)
    assert report.analyzed == N_ARTICLES and not report.failed
    return path


def test_two_workers_store_exactly_what_one_worker_stores(one_worker_db, tmp_path):
    path = tmp_path / "obs.db"
    build_news_db(path, N_ARTICLES)
    report = analyze_db(path, workers=2)
    assert report.analyzed == N_ARTICLES and not report.failed
    expected, got = stored_analysis(one_worker_db), stored_analysis(path)
    assert expected["mentions"] and expected["amounts"] and expected["article_places"]
    for table in expected:
        assert got[table] == expected[table], table


def test_a_rerun_after_a_partial_run_analyzes_only_the_rest(one_worker_db, tmp_path):
    path = tmp_path / "obs.db"
    build_news_db(path, N_ARTICLES)
    stop_after = 9

    class Stop(Exception):
        pass

    def progress(done: int, total: int) -> None:
        if done == stop_after:
            raise Stop  # the run ends here, as a killed one would

    with pytest.raises(Stop):
        analyze_db(path, workers=2, progress=progress)
    first = analyzed_ids(path)
    assert len(first) == stop_after
    report = analyze_db(path, workers=2)
    assert report.analyzed == N_ARTICLES - stop_after and not report.failed
    assert analyzed_ids(path) == ids_with_labels(path) and len(analyzed_ids(path)) == N_ARTICLES
    assert stored_analysis(path) == stored_analysis(one_worker_db)


def _pool_workers() -> list[int]:
    """Processes forked by this test process's forkserver (the analysis workers)."""
    me = os.getpid()
    children = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    out = []
    for pid in children:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid != me and _parent_of(ppid) == me:
            out.append(pid)
    return out


def _parent_of(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None


def test_a_worker_killed_mid_run_loses_nothing_and_a_rerun_completes(one_worker_db, tmp_path):
    path = tmp_path / "obs.db"
    build_news_db(path, N_ARTICLES)
    killed: list[int] = []

    def progress(done: int, total: int) -> None:
        if done == 3 and not killed:  # the pool is busy with the next chunks: kill a worker
            workers = _pool_workers()
            assert workers, "no analysis worker found"
            os.kill(workers[0], signal.SIGKILL)
            killed.append(workers[0])
            time.sleep(0.5)

    report = analyze_db(path, workers=2, progress=progress)
    assert killed
    assert report.analyzed + len(report.failed) == N_ARTICLES
    done = analyzed_ids(path)
    assert done == ids_with_labels(path)  # never marked analyzed without results
    assert not done & set(report.failed)
    rerun = analyze_db(path, workers=2)
    assert rerun.analyzed == len(report.failed) and not rerun.failed
    assert stored_analysis(path) == stored_analysis(one_worker_db)


def _descendants(root: int) -> set[int]:
    parents = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (ppid := _parent_of(int(name))) is not None:
            parents[int(name)] = ppid
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def test_killing_the_analysis_process_ends_its_workers(tmp_path):
    """What a scheduled run's time-out does (SIGKILL of `python -m nlp.stage`): no worker of
    its pool is left behind holding the models."""
    import subprocess
    import sys

    path = tmp_path / "obs.db"
    build_news_db(path, 200)
    stage = subprocess.Popen([sys.executable, "-m", "nlp.stage", "--db", str(path),
                              "--workers", "2"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, cwd=Path(__file__).parents[2])
    try:
        # the forkserver and its two workers: the analysis is under way
        assert _wait_for(lambda: len(_descendants(stage.pid)) >= 3, 240)
        pool = _descendants(stage.pid)
    finally:
        stage.kill()
        stage.wait()
    assert _wait_for(lambda: not any(_alive(pid) for pid in pool), 30), \
        [pid for pid in pool if _alive(pid)]


def test_an_article_in_two_broken_pools_is_reported_failed_in_its_place():
    """The book-keeping after a break, on real futures: lost work counts a break, finished work
    does not, order is kept, and a chunk past MAX_BREAKS is not sent again."""
    from collections import deque
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from nlp.pool import LOST, MAX_BREAKS, _requeue, _submit, _take_chunk

    arts = [{"id": f"a{i}", "title": "", "text": ""} for i in range(5)]
    lost, finished = Future(), Future()
    lost.set_exception(BrokenProcessPool("worker killed"))
    finished.set_result([])
    in_flight = deque([([(arts[0], MAX_BREAKS - 1), (arts[1], 0)], lost),
                       ([(arts[2], 0)], finished)])
    again = _requeue(in_flight, deque([(arts[3], 0), (arts[4], 0)]))
    assert [(a["id"], b) for a, b in again] == [("a0", MAX_BREAKS), ("a1", 1), ("a2", 0),
                                                ("a3", 0), ("a4", 0)]
    first = _take_chunk(again, 16)
    assert first == [(arts[0], MAX_BREAKS)]  # retried alone
    assert _submit(None, first) == (first, None)  # not sent again: reported as LOST
    assert _take_chunk(again, 16) == [(arts[1], 1)]
    assert _take_chunk(again, 16) == [(arts[2], 0), (arts[3], 0), (arts[4], 0)]
    assert "terminato" in LOST
