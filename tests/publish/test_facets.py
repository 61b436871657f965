"""Pure parts of the term facets: which requests may be answered from article_terms alone."""

from __future__ import annotations

from publish.facets import (
    TermSelection,
    selection_sql,
    term_filter_clauses,
    term_selection,
    top_values,
)

FACETS = {"regioni", "practice_types", "month"}


def test_term_filters_and_search_form_a_selection():
    pairs = [("_term_regioni", "Lombardia"), ("_search", "casa"), ("_size", "10"),
             ("_facet_term", "month"), ("_sort_desc", "published")]
    assert term_selection(pairs, FACETS, searchable=True) == TermSelection(
        [("regioni", "Lombardia")], "casa")


def test_any_other_filter_falls_back_to_the_page_sql():
    for pairs in ([("title__contains", "x")], [("_where", "1")], [("_searchmode", "raw")],
                  [("_search_title", "x")], [("_term_unknown", "x")]):
        assert term_selection(pairs, FACETS, searchable=True) is None, pairs


def test_search_is_ignored_where_there_is_no_full_text_index():
    assert term_selection([("_search", "casa")], FACETS, searchable=False) == TermSelection(
        [], None)


def test_selection_sql_intersects_terms_and_search_with_parameters():
    sql, params = selection_sql(TermSelection([("regioni", "Lombardia'; drop")], "a b"),
                                "articles_fts")
    assert " intersect " in sql and "drop" not in sql
    assert params == {"sel_f0": "regioni", "sel_v0": "Lombardia'; drop", "sel_search": "a b"}


def test_term_filter_clauses_are_parameterised_and_described():
    clauses, params, descriptions = term_filter_clauses(
        [("_term_regioni", "Lombardia"), ("_term_month", "2026-11"), ("_term_x", "y")],
        "rowid", FACETS, {"regioni"})
    assert len(clauses) == 2 and all(":term_v" in c for c in clauses)
    assert params["term_v0"] == "Lombardia" and params["term_f1"] == "month"
    assert descriptions == ['regioni contiene "Lombardia"', 'month = "2026-11"']


def test_top_values_per_facet_by_count_then_value():
    rows = [("regioni", "Lazio", 3), ("regioni", "Abruzzo", 3), ("regioni", "Molise", 9),
            ("month", "2026-01", 1)]
    assert top_values(rows, ["regioni", "month", "year"], 2) == {
        "regioni": [("Molise", 9), ("Abruzzo", 3)], "month": [("2026-01", 1)], "year": []}


def test_filter_by_scan_disables_the_rowid_lookup():
    plain, _, _ = term_filter_clauses([("_term_month", "2026-11")], "rowid", FACETS, set())
    scan, _, _ = term_filter_clauses([("_term_month", "2026-11")], "rowid", FACETS, set(),
                                     by_scan=True)
    assert plain[0].startswith("rowid in (") and scan[0].startswith("+rowid in (")
