"""Money amounts in the faceted article search, with any threshold.

`_euro_min=N` / `_euro_max=N` select articles whose largest amount in euro is at least / below
N (through the amounts index on kind and value, never reading article rows). The fixed ranges
of the `amount_range` term facet (store migration 010) are faster: they go through
`article_terms` like every other facet.
"""

from __future__ import annotations

from datasette.utils import escape_sqlite

from publish.pages import italian_number

MIN_ARG, MAX_ARG = "_euro_min", "_euro_max"


def _number(text: str | None) -> float | None:
    if text is None or text == "":
        return None
    try:
        return float(text.replace(".", "").replace(",", ".") if "," in text else text)
    except ValueError:
        return None


def euro_text(value: float) -> str:
    return f"{italian_number(value)} €"


def amount_filter(pairs: list[tuple[str, str]], column: str, *,
                  by_scan: bool = False) -> tuple[str, dict, str] | None:
    """Where clause, params and description for `_euro_min` / `_euro_max`, or None;
    `by_scan` as in publish.facets.term_filter_clauses."""
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
    clause = (f"{'+' if by_scan else ''}{escape_sqlite(column)} in "
              f"(select rowid from articles where id in ({sql}))")
    return clause, params, "importo più alto " + " e ".join(words)
