"""Every migration, applied to a database at the previous schema that holds data: the rows it
had are still there afterwards, column for column, and the final schema opens as usual."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

from store.db import open_db, transaction
from store.schema import MIGRATIONS, RENAMED_COLUMNS


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
        columns = db[table].columns_dict
        for old in rows:
            old = {(RENAMED_COLUMNS[table, k] if (table, k) in RENAMED_COLUMNS and k not in columns
                    else k): v for k, v in old.items()}
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


def test_the_renamed_column_keeps_its_values_views_and_index(tmp_path):
    """011 renames `articles.analysed_at`: a database from before every view-creating
    migration and one from just before 011 both end with the new name only, their values,
    working views and one index on it."""
    for step in (3, [name for name, _ in MIGRATIONS].index("011_analyzed_spelling")):
        path = tmp_path / f"old-{step}.db"
        db = _at_step(path, step)
        if "analyzed_at" in db["articles"].columns_dict:  # as the code before 011 left it
            db.execute("ALTER TABLE articles RENAME COLUMN analyzed_at TO analysed_at")
            db.execute("DROP INDEX IF EXISTS idx_articles_analyzed_at")
            db.execute("CREATE INDEX idx_articles_analysed_at ON articles (analysed_at)")
        before = _fill(db)
        stamps = sorted(r["analysed_at"] for r in before["articles"])
        db.conn.close()
        current = open_db(path)
        columns = current["articles"].columns_dict
        assert "analyzed_at" in columns and "analysed_at" not in columns
        assert sorted(r["analyzed_at"] for r in current["articles"].rows) == stamps
        current.execute("SELECT count(*) FROM public_articles").fetchone()
        indexed = [i.columns for i in current["articles"].indexes]
        assert indexed.count(["analyzed_at"]) == 1
        current.conn.close()
