"""Real processes for reliability tests: run a command, kill it, measure its peak memory.

Peak memory comes from wait4(): the kernel reports the largest resident set of the child and of
every descendant it waited for (the crawl subprocess), in kilobytes on Linux.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIPELINE = [sys.executable, str(ROOT / "pipeline.py")]


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str
    peak_rss_mb: float
    duration_s: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_measured(args: list[str], *, timeout_s: float = 300, env: dict | None = None,
                 cwd: Path = ROOT, tmp: Path) -> Finished:
    """Run to completion (killed after `timeout_s`); output and peak memory of the whole tree."""
    out, err = tmp / f"out-{time.monotonic_ns()}.txt", tmp / f"err-{time.monotonic_ns()}.txt"
    t0 = time.monotonic()
    with out.open("wb") as fo, err.open("wb") as fe:
        proc = subprocess.Popen(args, stdout=fo, stderr=fe, cwd=cwd, env=_env(env),
                                start_new_session=True)
        status, rusage = _wait(proc, timeout_s)
    return Finished(os.waitstatus_to_exitcode(status), out.read_text("utf-8", "replace"),
                    err.read_text("utf-8", "replace"), rusage.ru_maxrss / 1024,
                    round(time.monotonic() - t0, 2))


def _wait(proc: subprocess.Popen, timeout_s: float):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return status, rusage
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    _, status, rusage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    raise TimeoutError(f"{proc.args} still running after {timeout_s} s: killed")


def _env(extra: dict | None) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    env.pop("OBS_DB", None)
    env.pop("OBS_SOURCES", None)
    env.update(extra or {})
    return env


def start(args: list[str], *, tmp: Path, env: dict | None = None) -> subprocess.Popen:
    """Start a process in its own session (so its children can be killed with it)."""
    log = (tmp / f"proc-{time.monotonic_ns()}.log").open("wb")
    return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                            env=_env(env), start_new_session=True)


def kill_tree(proc: subprocess.Popen) -> None:
    """SIGKILL the process and everything in its session (a crawl's child included)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def has_traceback(text: str) -> bool:
    return "Traceback (most recent call last)" in text
