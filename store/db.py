"""Opening the database: WAL mode, migrations, derived objects (indexes, FTS, views)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from store.schema import FTS_COLUMNS, FTS_TOKENIZE, INDEXES, MIGRATIONS, VIEWS
from store.text import hamming


class StoreError(Exception):
    """A database that cannot be opened or migrated; the message names the file."""


def utcnow() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def open_db(path: str | Path, *, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) the observatory database, migrated to the current schema."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise StoreError(f"{path}: la cartella {path.parent} non esiste")
    try:
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.create_function("simhash_distance", 2, _simhash_distance, deterministic=True)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: non è un database SQLite utilizzabile ({exc})") from exc
    db = sqlite_utils.Database(conn)
    if migrate:
        try:
            apply_migrations(db)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: impossibile aggiornare lo schema del database "
                             f"({exc})") from exc
    return db


def upsert_row(db: sqlite_utils.Database, table: str, row: dict, pk: str,
               keep: tuple[str, ...] = ()) -> None:
    """Insert a row, or update the given columns of the row with the same key (except those
    in `keep`): sqlite-utils' upsert in one statement, without its per-call table
    introspection (and, with FTS triggers, without indexing a new row twice). Lists and dicts
    are stored as JSON, as sqlite-utils stores them."""
    columns = list(row)
    values = [json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list | tuple) else v
              for v in row.values()]
    names = ", ".join(f'"{c}"' for c in columns)
    updates = ", ".join(f'"{c}" = excluded."{c}"' for c in columns if c != pk and c not in keep)
    action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    db.execute(f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))}) '
               f'ON CONFLICT ("{pk}") {action}', values)


def _simhash_distance(a: str | None, b: str | None) -> int | None:
    """Bits that differ between two simhashes (store.text.simhash), as an SQL function."""
    if not a or not b:
        return None
    return hamming(a, b)


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One unit of work: everything inside commits together or not at all."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        _commit(conn)


def _commit(conn: sqlite3.Connection) -> None:
    conn.execute("COMMIT")


def applied_migrations(db: sqlite_utils.Database) -> list[str]:
    if not db["_migrations"].exists():
        return []
    return [r["name"] for r in db["_migrations"].rows_where(order_by="name")]


def apply_migrations(db: sqlite_utils.Database) -> list[str]:
    """Apply pending migrations, each in its own transaction; return the names applied."""
    known = {name for name, _ in MIGRATIONS}
    done = applied_migrations(db)
    unknown = [name for name in done if name not in known]
    if unknown:
        raise StoreError(
            f"il database ha migrazioni che questa versione non conosce ({', '.join(unknown)}): "
            "è stato scritto da una versione più recente dell'osservatorio"
        )
    applied = []
    for name, migration in MIGRATIONS:
        if name in done:
            continue
        with transaction(db):
            db["_migrations"].create(
                {"name": str, "applied_at": str}, pk="name", if_not_exists=True
            )
            migration(db)
            db["_migrations"].insert({"name": name, "applied_at": utcnow()})
        applied.append(name)
    if applied or not db["articles_fts"].exists():
        apply_derived(db)
    return applied


def apply_derived(db: sqlite_utils.Database) -> None:
    """Indexes, full-text search and views; safe to run any number of times."""
    with transaction(db):
        for table, indexes in INDEXES.items():
            for columns in indexes:
                db[table].create_index(columns, if_not_exists=True)
        for name, sql in VIEWS.items():
            db.create_view(name, sql, replace=True)
    if not db["articles_fts"].exists():
        db["articles"].enable_fts(
            FTS_COLUMNS, tokenize=FTS_TOKENIZE, create_triggers=True, replace=True
        )
