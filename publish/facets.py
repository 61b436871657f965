"""Facets and filters that stay fast on a database of hundreds of thousands of articles.

Datasette 0.65's `_facet_array` de-duplicates by selecting `distinct j.value, inner.*`, and its
`col__arraycontains=` filter runs `json_each` on every row: both read every article row, full
text included, and take seconds on 200,000 articles.

- `ListFacet` (`_facet_list=col`): counts `json_each` items per row (the store writes facet
  columns as arrays of unique values, so no de-duplication is needed); any JSON-array column.
- `TermFacet` (`_facet_term=facet`) and the `_term_<facet>=value` filters: go through the
  narrow `article_terms` table (store migration 005) and, when only term filters and a search
  select the rows, never touch the articles table at all.
"""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass

import numpy as np
from datasette.database import QueryInterrupted
from datasette.facets import ArrayFacet, ColumnFacet, Facet
from datasette.utils import (
    escape_sqlite,
    path_with_added_args,
    path_with_removed_args,
    sqlite_timelimit,
)

from publish.facet_index import FacetIndex, FacetIndexCache
from store.schema import TERM_FACETS

# ~20 bytes of memory per term: 10 million terms (~700,000 articles) cost ~200 MB.
DEFAULT_MAX_MEMORY_TERMS = 10_000_000

LIST_FACET_SQL = """
    select j.value as value, count(*) as count
    from ({sql}) as facet_rows, json_each(facet_rows.{col}) j
    where json_valid(facet_rows.{col})
    group by j.value
    order by count(*) desc, j.value
    limit {limit}
"""


def list_facet_sql(sql: str, column: str, limit: int) -> str:
    return LIST_FACET_SQL.format(sql=sql, col=escape_sqlite(column), limit=limit)


class ListFacet(ArrayFacet):
    type = "list"

    async def suggest(self) -> list:
        return []

    async def facet_results(self):
        results, timed_out = [], []
        size = self.get_facet_size()
        pairs = self.get_querystring_pairs()
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            column = config.get("column") or config["simple"]
            try:
                rows = await self.ds.execute(
                    self.database, list_facet_sql(self.sql, column, size + 1), self.params,
                    truncate=False, custom_time_limit=self.ds.setting("facet_time_limit_ms"))
            except QueryInterrupted:
                timed_out.append(column)
                continue
            results.append({
                "name": column, "type": self.type,
                "hideable": source_and_config["source"] != "metadata",
                "toggle_url": self.ds.urls.path(
                    path_with_removed_args(self.request, {"_facet_list": column})),
                "truncated": len(rows) > size,
                "results": [self._value(column, row, pairs) for row in rows.rows[:size]],
            })
        return results, timed_out

    def _value(self, column: str, row, pairs) -> dict:
        value = str(row["value"])
        arg = {f"{column}__arraycontains": value}
        selected = (f"{column}__arraycontains", value) in pairs
        path = (path_with_removed_args if selected else path_with_added_args)(self.request, arg)
        return {"value": value, "label": value, "count": row["count"], "selected": selected,
                "toggle_url": self.ds.absolute_url(self.request, path)}


class LabelFacet(ColumnFacet):
    """A column facet (`_facet_label=type`) whose codes are shown with their Italian labels
    (`facet_labels: {table: {column: label group}}` in the plugin configuration)."""
    type = "label"

    async def suggest(self) -> list:
        return []

    async def facet_results(self):
        results, timed_out = await super().facet_results()
        config = self.ds.plugin_config("observatory") or {}
        groups = (config.get("facet_labels") or {}).get(self.table or "", {})
        labels = config.get("labels") or {}
        for result in results:
            names = labels.get(groups.get(result["name"], ""), {})
            for value in result["results"]:
                value["label"] = names.get(str(value["value"]), value["label"])
        return results, timed_out


TERM_ARG = "_term_"
# From this many selected articles, scanning each facet's index range beats probing the terms
# of every selected article (measured on 200,000 articles: 131k selected, scan 1.0 s against
# probes 2.3 s; 40k selected, probes 0.8 s against scan 1.3 s).
LARGE_SELECTION = 100_000


@dataclass(frozen=True)
class TermTable:
    column: str  # what filters compare with article_terms.article_rowid (rowid or a column)
    all_articles: bool  # one row per article, all articles: unfiltered counts need no join
    article_id: str | None = None  # a column with the article id, when the page's SQL
    # cannot select `column` (the articles table itself: its SQL does not select rowid)
    filter_by_scan: bool = False  # see term_filter_clauses
    direct: tuple[str, ...] = ()  # facets filtered on the table's own indexed column

    def rowids_of(self, sql: str) -> str:
        """SQL for the article rowids of the rows `sql` selects."""
        if self.article_id:
            key = escape_sqlite(self.article_id)
            return f"select rowid as article_rowid from articles where id in " \
                   f"(select {key} from ({sql}))"
        return f"select {escape_sqlite(self.column)} as article_rowid from ({sql})"


def term_tables(config: dict) -> dict[str, TermTable]:
    return {name: TermTable(spec["column"], bool(spec.get("all_articles")),
                            spec.get("article_id"), bool(spec.get("filter_by_scan")),
                            tuple(spec.get("direct") or ()))
            for name, spec in (config.get("term_tables") or {}).items()}


def term_filter_clauses(args: list[tuple[str, str]], column: str, facets: set[str],
                        list_facets: set[str], *, by_scan: bool = False,
                        value_label=None,
                        direct: tuple[str, ...] = ()) -> tuple[list[str], dict, list[str]]:
    """Where clauses, params and descriptions for `_term_<facet>=value` arguments.

    `by_scan` prefixes the column with a unary +, so SQLite does not look the table's rows up
    one by one for each selected rowid (slow for large selections of wide rows) but walks the
    index of the page's order and stops after one page; right for a table whose sort column
    is indexed, wrong for a view that must be computed whole. `value_label(facet, value)`
    gives the value's display name in the description. Facets in `direct` compare the table's
    column of the same name (e.g. `relevant`, indexed with the publication date: the page and
    its count read that index instead of testing every article against the terms)."""
    clauses, params, descriptions = [], {}, []
    for key, value in args:
        facet = key[len(TERM_ARG):] if key.startswith(TERM_ARG) else None
        if facet not in facets:
            continue
        n = len(clauses)
        if facet in direct:
            clauses.append(f"{escape_sqlite(facet)} = :term_v{n}")
            params[f"term_v{n}"] = value
        else:
            clauses.append(f"{'+' if by_scan else ''}{escape_sqlite(column)} in (select "
                           f"article_rowid from article_terms "
                           f"where facet = :term_f{n} and value = :term_v{n})")
            params.update({f"term_f{n}": facet, f"term_v{n}": value})
        verb = "contiene" if facet in list_facets else "="
        shown = value_label(facet, value) if value_label else value
        descriptions.append(f'{facet} {verb} "{shown}"')
    return clauses, params, descriptions


# Request arguments that do not change which rows a table page selects.
_PRESENTATION_ARGS = {"_size", "_sort", "_sort_desc", "_next", "_shape", "_labels", "_nocount",
                      "_nofacet", "_col", "_nocol", "_trace", "_extra", "_json", "_stream",
                      "_dl", "_header", "_facet_size", "_facet", "_facet_term", "_facet_list",
                      "_facet_array", "_facet_date", "_search", "_tutti",
                      "_fts_pk"}  # the plan of a search (people.search_plan_query), not a filter


@dataclass(frozen=True)
class TermSelection:
    """Rows of a one-row-per-article table selected only by term filters and a search."""
    terms: list[tuple[str, str]]
    search: str | None


def term_selection(pairs: list[tuple[str, str]], facets: set[str],
                   searchable: bool) -> TermSelection | None:
    """The selection, or None when other filters apply (then facets use the page's SQL)."""
    terms, search = [], None
    for key, value in pairs:
        if key.startswith(TERM_ARG) and key[len(TERM_ARG):] in facets:
            terms.append((key[len(TERM_ARG):], value))
        elif key == "_search" and searchable:
            search = value or None
        elif key not in _PRESENTATION_ARGS:
            return None
    return TermSelection(terms, search)


def selection_sql(selection: TermSelection, fts_table: str) -> tuple[str, dict]:
    """SQL for the article rowids of a selection, touching only article_terms and FTS."""
    parts, params = [], {}
    for n, (facet, value) in enumerate(selection.terms):
        parts.append(f"select article_rowid from article_terms "
                     f"where facet = :sel_f{n} and value = :sel_v{n}")
        params.update({f"sel_f{n}": facet, f"sel_v{n}": value})
    if selection.search:
        parts.append(f"select rowid as article_rowid from {escape_sqlite(fts_table)} "
                     f"where {escape_sqlite(fts_table)} match escape_fts(:sel_search)")
        params["sel_search"] = selection.search
    return " intersect ".join(parts), params


def selection_bound_sql(selection: TermSelection, fts_table: str) -> tuple[str, dict]:
    """SQL for an upper bound of a selection's size: its smallest term set or search result."""
    parts, params = [], {}
    for n, (facet, value) in enumerate(selection.terms):
        parts.append(f"select count(*) as n from article_terms "
                     f"where facet = :sel_f{n} and value = :sel_v{n}")
        params.update({f"sel_f{n}": facet, f"sel_v{n}": value})
    if selection.search:
        parts.append(f"select count(*) as n from {escape_sqlite(fts_table)} "
                     f"where {escape_sqlite(fts_table)} match escape_fts(:sel_search)")
        params["sel_search"] = selection.search
    return f"select min(n) as n from ({' union all '.join(parts)})", params


def facet_scan_sql(limit: int, rowids_sql: str | None = None) -> str:
    """Counts of one facet's values from its range of the terms index, over every article or,
    with `rowids_sql`, over a selection tested row by row (the unary + keeps SQLite from
    probing the index once per selected article, slower for large selections)."""
    within = f"and +article_rowid in ({rowids_sql}) " if rowids_sql else ""
    return ("select value, count(*) as count from article_terms where facet = :term_facet "
            f"{within}group by value order by count(*) desc, value limit {limit}")


def selection_facets_sql(rowids_sql: str, facet_params: list[str]) -> str:
    """Counts of the values of several facets over the selected articles, in one pass."""
    facets = ", ".join(f":{name}" for name in facet_params)
    return ("select t.facet as facet, t.value as value, count(*) as count "
            f"from ({rowids_sql}) as selected cross join article_terms t "
            f"on t.article_rowid = selected.article_rowid and t.facet in ({facets}) "
            "group by t.facet, t.value")


def top_values(rows: list[tuple[str, str, int]], facets: list[str],
               limit: int) -> dict[str, list[tuple[str, int]]]:
    """The `limit` most frequent values of each facet (ties by value), from (facet, value,
    count) rows."""
    out: dict[str, list[tuple[str, int]]] = {facet: [] for facet in facets}
    for facet, value, count in rows:
        out.setdefault(facet, []).append((value, count))
    return {facet: sorted(values, key=lambda vc: (-vc[1], vc[0]))[:limit]
            for facet, values in out.items()}


def search_rowids(conn: sqlite3.Connection, fts_table: str, search: str,
                  time_limit_ms: int) -> np.ndarray:
    """The rowids a full-text search matches, read as one comma-separated string: a search
    matching 40,000 articles costs ~10 ms this way, ~140 ms as 40,000 Datasette rows."""
    fts = escape_sqlite(fts_table)
    with sqlite_timelimit(conn, time_limit_ms):
        (joined,) = conn.execute(f"select group_concat(rowid) from {fts} where {fts} match "
                                 "escape_fts(?)", [search]).fetchone()
    if not joined:
        return np.zeros(0, dtype=np.int64)
    return np.array(joined.split(","), dtype=np.int64)


_SELECTION_SIZES: dict[tuple, int] = {}


async def selection_mask(ds, database: str, index: FacetIndex, selection: TermSelection,
                         fts_table: str) -> np.ndarray | None | bool:
    """The articles of a term-and-search selection as a mask over rowids (None: every
    article; False: the search ran out of time). Its size is remembered for
    `selection_size`, so a page counts its rows without a second pass."""
    mask = None
    for facet, value in selection.terms:
        term = index.term_mask(facet, value)
        mask = term if mask is None else mask & term
    if selection.search:
        limit = ds.setting("sql_time_limit_ms")
        try:
            rowids = await ds.get_database(database).execute_fn(
                lambda conn: search_rowids(conn, fts_table, selection.search, limit))
        except sqlite3.OperationalError as error:
            if "interrupted" not in str(error):
                raise
            return False
        found = index.selection(rowids)
        mask = found if mask is None else mask & found
    if mask is not None:
        if len(_SELECTION_SIZES) > 256:
            _SELECTION_SIZES.clear()
        key = (index.generation, tuple(selection.terms), selection.search)
        _SELECTION_SIZES[key] = int(mask.sum())
    return mask


async def selection_size(ds, database: str, index: FacetIndex, selection: TermSelection,
                         fts_table: str) -> int | None:
    """How many articles a term-and-search selection holds, from memory (None if unknown)."""
    key = (index.generation, tuple(selection.terms), selection.search)
    if key not in _SELECTION_SIZES:
        mask = await selection_mask(ds, database, index, selection, fts_table)
        if mask is None or mask is False:
            return None
    return _SELECTION_SIZES.get(key)


class TermFacet(Facet):
    type = "term"

    def _table(self) -> TermTable | None:
        config = self.ds.plugin_config("observatory") or {}
        return term_tables(config).get(self.table or "")

    def _labels(self, facet: str) -> dict[str, str]:
        config = self.ds.plugin_config("observatory") or {}
        group = (config.get("term_labels") or {}).get(facet, facet)
        return (config.get("labels") or {}).get(group, {})

    async def facet_results(self):
        table = self._table()
        configs = self.get_configs()
        if table is None or not configs:
            return [], []
        size = self.get_facet_size()
        facets = [(c["config"].get("column") or c["config"]["simple"], c["source"])
                  for c in configs]
        names = [facet for facet, _ in facets]
        index = await self._memory_index(table)
        selection = self._selection(table)
        if index is not None and selection is not None:
            counts, timed_out = await self._memory_selection_counts(index, names, size,
                                                                    *selection)
        else:
            counts, timed_out = await self._counts(table, index, names, size)
        results = [self._result(facet, source, counts[facet], size)
                   for facet, source in facets if facet in counts]
        return results, timed_out

    async def _counts(self, table: TermTable, index: FacetIndex | None, names: list[str],
                      size: int):
        rowids_sql, params, bound_sql = self._rowids(table)
        if index is not None:
            return await self._memory_counts(index, names, size, rowids_sql, params)
        if rowids_sql is None:
            return await self._scan_counts(names, size)
        if bound_sql and await self._bound(*bound_sql) >= LARGE_SELECTION:
            return await self._scan_counts(names, size, rowids_sql, params)
        return await self._selection_counts(names, size, rowids_sql, params)

    def _selection(self, table: TermTable) -> tuple[TermSelection, str] | None:
        """The page's selection when only term filters and a search make it (and its FTS
        table), else None."""
        metadata = self.metadata or {}
        if not table.all_articles or metadata.get("searchmode"):
            return None
        fts_table = metadata.get("fts_table") or ""
        selection = term_selection(self.get_querystring_pairs(), set(TERM_FACETS),
                                   bool(fts_table))
        return (selection, fts_table) if selection is not None else None

    async def _memory_selection_counts(self, index: FacetIndex, facets: list[str], size: int,
                                       selection: TermSelection, fts_table: str):
        """Counts of a term-and-search selection: term masks from memory, the search's rowids
        from the FTS index (the only SQL)."""
        mask = await selection_mask(self.ds, self.database, index, selection, fts_table)
        if mask is False:
            return {}, facets
        return {facet: index.counts(facet, mask, size + 1) for facet in facets}, []

    async def _memory_index(self, table: TermTable) -> FacetIndex | None:
        """The in-memory terms (publish/facet_index.py) when they are current; only for tables
        with one row per article, whose facet counts are counts of articles."""
        if not table.all_articles:
            return None
        cache = facet_index_cache(self.ds, self.database)
        return await cache.current(self.ds.get_database(self.database)) if cache else None

    async def _memory_counts(self, index: FacetIndex, facets: list[str], size: int,
                             rowids_sql: str | None, params: dict):
        if rowids_sql is None:
            return {facet: index.counts(facet, None, size + 1) for facet in facets}, []
        try:
            rows = await self.ds.execute(self.database, rowids_sql, params, truncate=False,
                                         custom_time_limit=self.ds.setting("sql_time_limit_ms"))
        except QueryInterrupted:
            return {}, facets
        selected = index.selection([row[0] for row in rows.rows])
        return {facet: index.counts(facet, selected, size + 1) for facet in facets}, []

    async def _bound(self, sql: str, params: dict) -> int:
        rows = await self.ds.execute(self.database, sql, params)
        return rows.rows[0]["n"] or 0

    async def _scan_counts(self, facets: list[str], size: int, rowids_sql: str | None = None,
                           params: dict | None = None):
        """One range of the terms index per facet, queried concurrently: every article, or a
        large selection."""
        async def count(facet: str):
            try:
                rows = await self.ds.execute(
                    self.database, facet_scan_sql(size + 1, rowids_sql),
                    {**(params or {}), "term_facet": facet}, truncate=False,
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"))
            except QueryInterrupted:
                return facet, None
            return facet, [(row["value"], row["count"]) for row in rows.rows]

        found = await asyncio.gather(*(count(facet) for facet in facets))
        return ({facet: values for facet, values in found if values is not None},
                [facet for facet, values in found if values is None])

    async def _selection_counts(self, facets: list[str], size: int, rowids_sql: str,
                                params: dict):
        """A smaller selection: all facets in one query that probes the terms of each selected
        article, so the selection is computed once."""
        names = {f"term_facet{n}": facet for n, facet in enumerate(facets)}
        limit = min(self.ds.setting("sql_time_limit_ms"),
                    self.ds.setting("facet_time_limit_ms") * len(facets))
        try:
            rows = await self.ds.execute(
                self.database, selection_facets_sql(rowids_sql, list(names)),
                {**params, **names}, truncate=False, custom_time_limit=limit)
        except QueryInterrupted:
            return {}, facets
        return top_values([(r["facet"], r["value"], r["count"]) for r in rows.rows],
                          facets, size + 1), []

    def _result(self, facet: str, source: str, values: list[tuple[str, int]],
                size: int) -> dict:
        labels = self._labels(facet)
        return {
            "name": facet, "type": self.type, "hideable": source != "metadata",
            "toggle_url": self.ds.urls.path(
                path_with_removed_args(self.request, {"_facet_term": facet})),
            "truncated": len(values) > size,
            "results": [self._value(facet, value, count, labels)
                        for value, count in values[:size]],
        }

    def _rowids(self, table: TermTable) -> tuple[str | None, dict, tuple | None]:
        """SQL selecting the page's article rowids (None: every article), its parameters and
        a query bounding its size. From article_terms and the FTS index alone when only term
        filters and a search apply, else from the page's own SQL (size unknown)."""
        metadata = self.metadata or {}
        if table.all_articles and not metadata.get("searchmode"):
            fts_table = metadata.get("fts_table") or ""
            selection = term_selection(self.get_querystring_pairs(), set(TERM_FACETS),
                                       bool(fts_table))
            if selection is not None and not (selection.terms or selection.search):
                return None, {}, None
            if selection is not None:
                sql, params = selection_sql(selection, fts_table)
                return sql, params, selection_bound_sql(selection, fts_table)
        return table.rowids_of(self.sql), dict(self.params or {}), None

    def _value(self, facet: str, value, count: int, labels: dict[str, str]) -> dict:
        value = str(value)
        arg = {f"{TERM_ARG}{facet}": value}
        selected = (f"{TERM_ARG}{facet}", value) in self.get_querystring_pairs()
        path = (path_with_removed_args if selected else path_with_added_args)(self.request, arg)
        return {"value": value, "label": labels.get(value, value), "count": count,
                "selected": selected, "toggle_url": self.ds.absolute_url(self.request, path)}


def facet_index_cache(datasette, database: str) -> FacetIndexCache | None:
    """The in-memory facet terms of `database`, one cache per Datasette instance; None when the
    plugin configuration turns it off (`facet_memory_max_terms: 0`)."""
    caches = datasette.__dict__.setdefault("_observatory_facet_caches", {})
    if database not in caches:
        config = datasette.plugin_config("observatory") or {}
        max_terms = int(config.get("facet_memory_max_terms", DEFAULT_MAX_MEMORY_TERMS))
        caches[database] = FacetIndexCache(max_terms) if max_terms > 0 else None
    return caches[database]
