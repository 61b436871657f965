"""Money amounts in the faceted article search.

- `_euro_min=N` / `_euro_max=N`: articles whose largest amount in euro is at least / below N
  (through the amounts index on kind and value, never reading article rows);
- `_facet_amount=euro`: how many of the page's articles fall in each range of their largest
  amount, each range a link that sets the two filters.
"""

from __future__ import annotations

from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.utils import escape_sqlite, path_with_removed_args, path_with_replaced_args

from publish.pages import italian_number

MIN_ARG, MAX_ARG = "_euro_min", "_euro_max"
# (label, lower bound, upper bound): ranges of an article's largest amount in euro.
RANGES = [
    ("fino a 100.000 €", 0, 100_000),
    ("da 100.000 € a 1 milione", 100_000, 1_000_000),
    ("da 1 a 10 milioni", 1_000_000, 10_000_000),
    ("oltre 10 milioni", 10_000_000, None),
]


def _number(text: str | None) -> float | None:
    if text is None or text == "":
        return None
    try:
        return float(text.replace(".", "").replace(",", ".") if "," in text else text)
    except ValueError:
        return None


def euro_text(value: float) -> str:
    return f"{italian_number(value)} €"


def amount_filter(pairs: list[tuple[str, str]], column: str) -> tuple[str, dict, str] | None:
    """Where clause, params and description for `_euro_min` / `_euro_max`, or None."""
    args = dict(pairs)
    low, high = _number(args.get(MIN_ARG)), _number(args.get(MAX_ARG))
    if low is None and high is None:
        return None
    conditions, params, words = ["kind = 'money'"], {}, []
    if low is not None:
        conditions.append("value >= :euro_min")
        params["euro_min"] = low
        words.append(f"almeno {euro_text(low)}")
    sql = f"select article_id from amounts where {' and '.join(conditions)}"
    if high is not None:
        params["euro_max"] = high
        sql += (" and article_id not in (select article_id from amounts "
                "where kind = 'money' and value >= :euro_max)")
        words.append(f"meno di {euro_text(high)}")
    clause = (f"{escape_sqlite(column)} in (select rowid from articles where id in ({sql}))")
    return clause, params, "importo più alto " + " e ".join(words)


def amount_ranges_sql(rowids_sql: str) -> str:
    cases = " ".join(
        f"when m.v >= {low}" + (f" and m.v < {high}" if high else "") + f" then {n}"
        for n, (_, low, high) in enumerate(RANGES))
    return (f"select case {cases} end as bucket, count(*) as count from ("
            "select a.rowid as r, max(am.value) as v from amounts am "
            "join articles a on a.id = am.article_id where am.kind = 'money' "
            f"group by am.article_id) m where m.r in ({rowids_sql}) group by bucket")


class AmountFacet(Facet):
    type = "amount"

    async def suggest(self) -> list:
        return []

    async def facet_results(self):
        from publish.facets import term_tables

        config = self.ds.plugin_config("observatory") or {}
        table = term_tables(config).get(self.table or "")
        if table is None or not self.get_configs():
            return [], []
        try:
            rows = await self.ds.execute(
                self.database, amount_ranges_sql(table.rowids_of(self.sql)), self.params,
                truncate=False, custom_time_limit=self.ds.setting("facet_time_limit_ms"))
        except QueryInterrupted:
            return [], ["amount"]
        counts = {row["bucket"]: row["count"] for row in rows.rows if row["bucket"] is not None}
        args = dict(self.get_querystring_pairs())
        results = []
        for n, (label, low, high) in enumerate(RANGES):
            selected = (_number(args.get(MIN_ARG)) == low
                        and _number(args.get(MAX_ARG)) == high)
            if not counts.get(n) and not selected:
                continue
            if selected:
                path = path_with_removed_args(self.request, {MIN_ARG: args[MIN_ARG],
                                                             MAX_ARG: args.get(MAX_ARG, "")})
            else:
                path = path_with_replaced_args(self.request, {
                    MIN_ARG: str(low), MAX_ARG: str(high) if high else None, "_next": None})
            results.append({"value": label, "label": label, "count": counts.get(n, 0),
                            "selected": selected,
                            "toggle_url": self.ds.absolute_url(self.request, path)})
        return [{"name": "amount", "type": self.type, "hideable": False,
                 "toggle_url": self.ds.urls.path(self.request.path), "truncated": False,
                 "results": results}], []
