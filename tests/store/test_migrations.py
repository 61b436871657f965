"""Every migration, applied to a database at the previous schema that holds data: the rows it
had are still there afterwards, column for column, and the final schema opens as usual."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

from store.db import open_db, transaction
from store.schema import MIGRATIONS


def _at_step(path, n: int) -> sqlite_utils.Database:
    """A database with the first n migrations only (no derived objects), as an old version
    of the observatory left it."""
    db = sqlite_utils.Database(sqlite3.connect(str(path), isolation_level=None))
    for name, migration in MIGRATIONS[:n]:
        with transaction(db):
            db["_migrations"].create({"name": str, "applied_at": str}, pk="name",
                                     if_not_exists=True)
            migration(db)
            db["_migrations"].insert({"name": name, "applied_at": "2026-01-01T00:00:00"})
    return db


def _value(table: str, column: str, kind: str, i: int):
    kind = kind.upper()
    if "INT" in kind:
        return i + 1
    if any(k in kind for k in ("REAL", "FLOA", "DOUB")):
        return i + 0.5
    if "BLOB" in kind:
        return b"\x1f\x8b"
    return f'["{table}.{column}.{i}"]'  # valid JSON, so JSON-reading triggers accept it


def _fill(db: sqlite_utils.Database) -> dict[str, list[dict]]:
    """Two rows in every ordinary table, a value in every column."""
    written = {}
    for table in db.tables:
        if table.name.startswith(("_", "sqlite_")) or "_fts" in table.name or table.name in (
                "article_terms_generation",):
            continue
        rows = [{c.name: _value(table.name, c.name, c.type, i) for c in table.columns}
                for i in range(2)]
        with transaction(db):
            table.insert_all(rows)
        written[table.name] = [dict(r) for r in db[table.name].rows]
    return written


def _still_there(db: sqlite_utils.Database, before: dict[str, list[dict]]) -> None:
    for table, rows in before.items():
        assert db[table].exists(), f"migration dropped {table}"
        after = list(db[table].rows)
        for old in rows:
            assert any(all(new.get(k) == v for k, v in old.items()) for new in after), (
                f"{table}: row lost or changed: {old}")


@pytest.mark.parametrize("step", range(1, len(MIGRATIONS)), ids=[n for n, _ in MIGRATIONS[1:]])
def test_each_migration_keeps_the_data_of_the_previous_schema(tmp_path, step):
    db = _at_step(tmp_path / "old.db", step)
    before = _fill(db)
    assert before, "the previous schema has no table to fill"
    name, migration = MIGRATIONS[step]
    with transaction(db):
        migration(db)
    _still_there(db, before)
    db.conn.close()


def test_an_old_database_opens_at_the_current_schema_with_its_data(tmp_path):
    path = tmp_path / "old.db"
    db = _at_step(path, 1)
    before = _fill(db)
    db.conn.close()
    current = open_db(path)
    assert [r["name"] for r in current["_migrations"].rows_where(order_by="name")] == sorted(
        n for n, _ in MIGRATIONS)
    _still_there(current, before)
    assert current.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert "articles_fts" in current.table_names()
