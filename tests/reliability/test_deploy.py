"""The deployment kit: deploy/backup.sh takes a consistent backup while a real process writes, the
backup restores, the systemd units parse, and docs/operating.md names what really exists."""

from __future__ import annotations

import gzip
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from store.db import open_db
from tests.reliability.procs import ROOT, kill_tree, start

DEPLOY = ROOT / "deploy"
DOC = ROOT / "docs" / "operating.md"
WRITER = """
import sys, time
from store.db import open_db, transaction
db = open_db(sys.argv[1])
db["notes"].create({"n": int, "body": str}, pk="n", if_not_exists=True)
n = 0
while True:
    with transaction(db):
        for _ in range(50):
            n += 1
            db["notes"].insert({"n": n, "body": "x" * 500})
    print(n, flush=True)
"""


def _rows(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute(sql).fetchall()


def test_backup_while_writing_is_consistent_and_restores(tmp_path: Path):
    db, dest = tmp_path / "live" / "osservatorio.db", tmp_path / "backups"
    db.parent.mkdir()
    open_db(db).conn.close()
    writer = start([sys.executable, "-c", WRITER, str(db)], tmp=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while not _rows(db, "SELECT name FROM sqlite_master WHERE name = 'notes'") or \
                _rows(db, "SELECT count(*) FROM notes")[0][0] < 2000:
            assert writer.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        before = _rows(db, "SELECT count(*) FROM notes")[0][0]
        backups = [subprocess.run([str(DEPLOY / "backup.sh"), str(db), str(dest)],
                                  capture_output=True, text=True, timeout=120,
                                  env={**os.environ, "KEEP": "2"})
                   for _ in range(3)]
    finally:
        kill_tree(writer)
    for done in backups:
        assert done.returncode == 0, done.stderr
    kept = sorted(dest.glob("osservatorio-*.db.gz"))
    assert 1 <= len(kept) <= 2 and not list(dest.glob(".*"))  # rotation, no leftovers
    restored = tmp_path / "restored.db"
    restored.write_bytes(gzip.decompress(Path(backups[-1].stdout.strip()).read_bytes()))
    assert _rows(restored, "PRAGMA integrity_check") == [("ok",)]
    count = _rows(restored, "SELECT count(*) FROM notes")[0][0]
    assert count >= before and count % 50 == 0  # whole transactions only
    reopened = open_db(restored)  # the observatory opens the restored file as it is
    assert reopened["notes"].count == count


def test_backup_fails_loudly(tmp_path: Path):
    missing = subprocess.run([str(DEPLOY / "backup.sh"), str(tmp_path / "none.db"),
                              str(tmp_path / "b")], capture_output=True, text=True)
    assert missing.returncode != 0 and "database not found" in missing.stderr
    corrupt = tmp_path / "rotto.db"
    corrupt.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 40)
    broken = subprocess.run([str(DEPLOY / "backup.sh"), str(corrupt), str(tmp_path / "b")],
                            capture_output=True, text=True)
    assert broken.returncode != 0 and "backup: " in broken.stderr
    assert not list((tmp_path / "b").glob("*"))


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not found")
def test_systemd_units_parse():
    units = sorted(str(p) for p in DEPLOY.glob("osservatorio-*.*"))
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", *units],
                          capture_output=True, text=True)
    problems = [line for line in (done.stdout + done.stderr).splitlines()
                if line.strip() and "is not executable" not in line]  # paths of the target host
    assert problems == []


def test_operating_doc_names_real_files_tables_and_variables(tmp_path: Path):
    from publish.serve import ENVIRONMENT

    doc = DOC.read_text(encoding="utf-8")
    for path in DEPLOY.iterdir():
        assert path.name in doc, path.name
    db = open_db(tmp_path / "schema.db")
    for name in ("crawl_runs", "source_health", "job_runs", "seen_urls"):
        assert f"`{name}`" in doc
        assert db[name].exists() or name in db.view_names()
    for column in re.findall(r"`(\w+)`", doc.split("## Health")[1].split("Warning signs")[0]):
        if column in ("errors_by_kind", "flagged", "http_status", "status", "pid", "message"):
            assert any(column in [c.name for c in db[t].columns] for t in
                       ("crawl_runs", "job_runs", "seen_urls", "source_health")), column
    for variable in ENVIRONMENT:
        assert variable in doc, variable
    assert "make audit" in doc
