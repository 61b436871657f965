"""`pipeline.py crawl` itself, with its default (polite) settings, against part of the hostile web
and against a dead site: it ends by itself, prints a per-source summary, never a traceback."""

from __future__ import annotations

import socket
import sqlite3

import pytest

from tests.reliability.procs import PIPELINE, has_traceback, run_measured
from tests.reliability.scenario import build_hostile_web

pytestmark = pytest.mark.slow
WIDE = {"COLUMNS": "250"}  # the summary table on one line per source


def test_crawl_command_survives_hostile_sites_with_default_settings(tmp_path):
    web = build_hostile_web(tmp_path, only=("big", "content", "redirects"))
    db = tmp_path / "cli.db"
    try:
        run = run_measured([*PIPELINE, "crawl", "--sources", str(web.sources), "--db", str(db),
                            "--timeout", "150"], timeout_s=200, tmp=tmp_path, env=WIDE)
    finally:
        web.stop()
    print(f"pipeline.py crawl: exit {run.returncode}, {run.duration_s} s, "
          f"peak RSS {run.peak_rss_mb:.0f} MB")
    assert run.returncode == 0, run.output
    assert not has_traceback(run.output)
    for sid in ("big", "content", "redirects"):
        assert sid in run.stderr
    assert "too_large x3" in run.stderr and "blocked_address x5" in run.stderr
    assert run.peak_rss_mb < 1500
    assert web.outsider.paths() == []
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 5


def _dead_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def test_crawl_command_reports_a_dead_site_as_failed(tmp_path):
    port = _dead_port("127.0.0.4")
    sources = tmp_path / "dead.toml"
    sources.write_text(
        '[[source]]\nid = "morto"\nname = "Sito spento"\nkind = "portal"\n'
        f'feeds = ["http://127.0.0.4:{port}/feed.xml"]\nallowed_domains = ["127.0.0.4"]\n',
        encoding="utf-8")
    run = run_measured([*PIPELINE, "crawl", "--sources", str(sources), "--db",
                        str(tmp_path / "dead.db")], timeout_s=120, tmp=tmp_path, env=WIDE)
    assert run.returncode == 1
    assert not has_traceback(run.output)
    assert "morto" in run.stderr and "non riuscita" in run.stderr
    assert "connection_refused" in run.stderr
