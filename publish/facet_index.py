"""Facet counts from an in-memory copy of `article_terms`, for the pages of a large database.

Counting facet values over a selection in SQL probes the terms of every selected article: a
search matching 40,000 of 200,000 articles costs ~250 ms for the seven default facets. Held
in memory as one pair of arrays per facet (article rowid, value code), the same counts take a
few milliseconds: mark the selected rowids in a boolean array, gather, `bincount`.

The copy is trusted only while `article_terms_generation.n` (moved by triggers on every change
to article_terms, store migration 007) equals the generation it was loaded at; a stale copy is
never used: callers count in SQL while a fresh copy loads in the background.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)
GENERATION_SQL = "SELECT n FROM article_terms_generation WHERE id = 1"
LOAD_SQL = """SELECT facet, value, group_concat(article_rowid) FROM article_terms
              GROUP BY facet, value ORDER BY facet, value"""


@dataclass(frozen=True)
class FacetColumn:
    values: list[str]      # value of each code, in SQLite's binary order
    rowids: np.ndarray     # int64: article rowid of each term
    codes: np.ndarray      # int32: value code of each term
    totals: np.ndarray     # int64: articles per code, over every article
    starts: np.ndarray     # int64: where each code's terms start (terms are grouped by code)


@dataclass(frozen=True)
class FacetIndex:
    generation: int
    facets: dict[str, FacetColumn]
    max_rowid: int

    @property
    def terms(self) -> int:
        return sum(len(column.rowids) for column in self.facets.values())

    def counts(self, facet: str, selected: np.ndarray | None,
               limit: int) -> list[tuple[str, int]]:
        """The `limit` most frequent values of `facet` (ties by value) among the articles whose
        rowids are in `selected`, or among every article when `selected` is None."""
        column = self.facets.get(facet)
        if column is None:
            return []
        if selected is None or not column.values:
            totals = column.totals
        else:
            # The terms are grouped by code: one sum per group (2-3x faster than bincount
            # over the selected terms at 200,000 articles).
            totals = np.add.reduceat(selected[column.rowids], column.starts, dtype=np.int64)
        present = np.flatnonzero(totals)
        # Codes follow value order, so a stable sort by descending count breaks ties by value.
        order = present[np.argsort(-totals[present], kind="stable")][:limit]
        return [(column.values[code], int(totals[code])) for code in order]

    def term_mask(self, facet: str, value: str) -> np.ndarray:
        """A boolean mask over article rowids: the articles with this facet value."""
        mask = np.zeros(self.max_rowid + 1, dtype=bool)
        column = self.facets.get(facet)
        if column is not None and value in column.values:
            mask[column.rowids[column.codes == column.values.index(value)]] = True
        return mask

    def selection(self, rowids: list[int] | np.ndarray) -> np.ndarray:
        """A boolean mask over article rowids from the selected rowids."""
        chosen = np.asarray(rowids, dtype=np.int64)
        chosen = chosen[(chosen >= 0) & (chosen <= self.max_rowid)]
        mask = np.zeros(self.max_rowid + 1, dtype=bool)
        mask[chosen] = True
        return mask


def read_generation(conn: sqlite3.Connection) -> int | None:
    """The current generation, None when the database has no generation table (older schema)."""
    try:
        row = conn.execute(GENERATION_SQL).fetchone()
    except sqlite3.OperationalError:
        return None
    return int(row[0]) if row else None


def load_index(conn: sqlite3.Connection) -> FacetIndex | None:
    """Read every facet term in one read transaction, so data and generation agree."""
    in_transaction = conn.in_transaction
    if not in_transaction:
        conn.execute("BEGIN")
    try:
        generation = read_generation(conn)
        if generation is None:
            return None
        grouped: dict[str, tuple[list[str], list[np.ndarray]]] = {}
        for facet, value, rowids in conn.execute(LOAD_SQL):
            values, arrays = grouped.setdefault(facet, ([], []))
            values.append(value)
            arrays.append(np.array(str(rowids).split(","), dtype=np.int64))
    finally:
        if not in_transaction:
            conn.execute("COMMIT")
    facets, max_rowid = {}, 0
    for facet, (values, arrays) in grouped.items():
        rowids = np.concatenate(arrays)
        codes = np.repeat(np.arange(len(values), dtype=np.int32),
                          [len(array) for array in arrays])
        totals = np.array([len(array) for array in arrays], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(totals)[:-1]]).astype(np.int64)
        facets[facet] = FacetColumn(values, rowids, codes, totals, starts)
        max_rowid = max(max_rowid, int(rowids.max()))
    return FacetIndex(generation, facets, max_rowid)


class FacetIndexCache:
    """One FacetIndex per Datasette database, reloaded in the background when stale."""

    def __init__(self, max_terms: int):
        self.max_terms = max_terms
        self.index: FacetIndex | None = None
        self.loading: asyncio.Task | None = None
        self.too_large = False

    async def current(self, database) -> FacetIndex | None:
        """The index if it matches the database's current generation; otherwise None, and a
        reload is started (one at a time)."""
        generation = await database.execute_fn(read_generation)
        if generation is None or self.too_large:
            return None
        if self.index is not None and self.index.generation == generation:
            return self.index
        self.start_loading(database)
        return None

    def start_loading(self, database) -> None:
        if self.too_large or (self.loading is not None and not self.loading.done()):
            return
        self.loading = asyncio.get_running_loop().create_task(self.load(database))

    async def load(self, database) -> None:
        """Load the current terms now (errors are logged: counting in SQL stays correct)."""
        try:
            count = await database.execute_fn(
                lambda conn: conn.execute("SELECT count(*) FROM article_terms").fetchone()[0])
            if count > self.max_terms:
                # Memory grows with the terms (~20 bytes each): beyond the limit, count in SQL.
                log.warning("facet index off: %s terms > facet_memory_max_terms %s",
                            count, self.max_terms)
                self.too_large = True
                return
            index = await database.execute_fn(load_index)
        except (sqlite3.Error, MemoryError) as error:
            # Counting in SQL stays correct; the next request tries again.
            log.warning("facet index not loaded: %s", error)
            return
        if index is not None:
            self.index = index
