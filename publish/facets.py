"""A facet for JSON-array columns that stays fast on a large table.

Datasette 0.65's `_facet_array` de-duplicates by selecting `distinct j.value, inner.*`, which
reads every column of every row (the full text included) and takes seconds on 200,000 articles.
The store writes the facet columns as sorted arrays of unique values, so counting
`json_each` items per row is exact and lets SQLite read only the columns it needs.
Used as `_facet_list=regioni` (or `{list: regioni}` in metadata); the values it offers filter
with Datasette's own `regioni__arraycontains=...`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from datasette.database import QueryInterrupted
from datasette.facets import ArrayFacet, Facet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args

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


# Facet and filter on the article_terms table (store migration 005): `_facet_term=regioni`
# counts, `_term_regioni=Lombardia` filters, both through indexes of the narrow terms table.
TERM_ARG = "_term_"
_UNFILTERED = re.compile(r"\sfrom\s+\S+\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class TermTable:
    column: str  # the column of the table or view that holds the article rowid
    all_articles: bool  # one row per article, all articles: unfiltered counts need no join


def term_tables(config: dict) -> dict[str, TermTable]:
    return {name: TermTable(spec["column"], bool(spec.get("all_articles")))
            for name, spec in (config.get("term_tables") or {}).items()}


def term_filter_clauses(args: list[tuple[str, str]], column: str,
                        facets: set[str]) -> tuple[list[str], dict, list[str]]:
    """Where clauses, params and descriptions for `_term_<facet>=value` arguments."""
    clauses, params, descriptions = [], {}, []
    for key, value in args:
        facet = key[len(TERM_ARG):] if key.startswith(TERM_ARG) else None
        if facet not in facets:
            continue
        n = len(clauses)
        clauses.append(f"{escape_sqlite(column)} in (select article_rowid from article_terms "
                       f"where facet = :term_f{n} and value = :term_v{n})")
        params.update({f"term_f{n}": facet, f"term_v{n}": value})
        descriptions.append(f'{facet} contiene "{value}"')
    return clauses, params, descriptions


def term_facet_sql(sql: str, column: str, limit: int, *, whole_table: bool) -> str:
    if whole_table:
        return ("select value, count(*) as count from article_terms where facet = :term_facet "
                f"group by value order by count(*) desc, value limit {limit}")
    return ("select t.value as value, count(*) as count from article_terms t "
            f"where t.facet = :term_facet and t.article_rowid in "
            f"(select {escape_sqlite(column)} from ({sql})) "
            f"group by t.value order by count(*) desc, t.value limit {limit}")


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
        if table is None:
            return [], []
        results, timed_out = [], []
        size = self.get_facet_size()
        whole = table.all_articles and not self.params and bool(_UNFILTERED.search(self.sql))
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            facet = config.get("column") or config["simple"]
            params = {**dict(self.params or {}), "term_facet": facet}
            try:
                rows = await self.ds.execute(
                    self.database, term_facet_sql(self.sql, table.column, size + 1,
                                                  whole_table=whole), params,
                    truncate=False, custom_time_limit=self.ds.setting("facet_time_limit_ms"))
            except QueryInterrupted:
                timed_out.append(facet)
                continue
            labels = self._labels(facet)
            results.append({
                "name": facet, "type": self.type,
                "hideable": source_and_config["source"] != "metadata",
                "toggle_url": self.ds.urls.path(
                    path_with_removed_args(self.request, {"_facet_term": facet})),
                "truncated": len(rows) > size,
                "results": [self._value(facet, row, labels) for row in rows.rows[:size]],
            })
        return results, timed_out

    def _value(self, facet: str, row, labels: dict[str, str]) -> dict:
        value = str(row["value"])
        arg = {f"{TERM_ARG}{facet}": value}
        selected = (f"{TERM_ARG}{facet}", value) in self.get_querystring_pairs()
        path = (path_with_removed_args if selected else path_with_added_args)(self.request, arg)
        return {"value": value, "label": labels.get(value, value), "count": row["count"],
                "selected": selected, "toggle_url": self.ds.absolute_url(self.request, path)}
