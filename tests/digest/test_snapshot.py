"""Snapshot of the digest text for a fixed database and a frozen clock.

A change to the digest's wording or layout shows up here as a diff; to accept it, re-run with
UPDATE_SNAPSHOTS=1 and review the snapshot files in the commit.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import time_machine

from digest.build import write_digest

SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.mark.parametrize(("week", "suffix"), [("2026-W46", "md"), ("2026-W46", "html"),
                                               ("2026-W30", "md")])
def test_digest_matches_snapshot(digest_db, tmp_path, week, suffix):
    with time_machine.travel(dt.datetime(2026, 11, 16, 6, 0, tzinfo=dt.UTC), tick=False):
        result = write_digest(digest_db, week, tmp_path / "out", base_url="https://oss.example")
    text = result.markdown if suffix == "md" else result.html
    # Article ids are hashes of fixed URLs, so the whole text is deterministic.
    snapshot = SNAPSHOTS / f"digest-{week}.{suffix}"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not snapshot.exists():
        snapshot.write_text(text, encoding="utf-8")
    assert text == snapshot.read_text(encoding="utf-8")
