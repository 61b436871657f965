"""The in-memory facet terms behind Datasette's facet counts: equal to SQL's counts, never used
once the data has changed, reloaded after a change, and switched off above a size limit."""

from __future__ import annotations

import asyncio
import sqlite3

from publish.facet_index import FacetIndexCache, load_index, read_generation
from publish.facets import facet_index_cache
from publish.serve import make_datasette
from store.analysis import save_analysis
from store.articles import save_article
from store.db import open_db
from store.schema import TERM_FACETS
from tests.publish.conftest import build_sample_db

FACETS_URL = ("/osservatorio/public_articles.json?_facet_term=comuni&_facet_term=regioni"
              "&_facet_term=practice_types&_size=0")


def sql_counts(conn, facet: str, rowids: list[int] | None = None) -> list[tuple[str, int]]:
    where = f"AND article_rowid IN ({','.join(map(str, rowids))})" if rowids is not None else ""
    return [tuple(row) for row in conn.execute(
        f"SELECT value, count(*) FROM article_terms WHERE facet = ? {where} "
        f"GROUP BY value ORDER BY count(*) DESC, value", [facet])]


def test_counts_equal_sql_over_every_article_and_over_selections(tmp_path):
    sample = build_sample_db(tmp_path / "index.db")
    conn = sqlite3.connect(sample.path)
    index = load_index(conn)
    assert index.generation == read_generation(conn) > 0
    rowids = [row[0] for row in conn.execute("SELECT rowid FROM articles ORDER BY rowid")]
    selections = [None, rowids[::2], rowids[:3], [], [rowids[0], 10**9, -4]]
    for facet in TERM_FACETS:
        for chosen in selections:
            mask = None if chosen is None else index.selection(chosen)
            valid = None if chosen is None else [r for r in chosen if r in rowids]
            assert index.counts(facet, mask, 1000) == sql_counts(conn, facet, valid), \
                (facet, chosen)
    assert index.counts("practice_types", None, 2) == sql_counts(conn, "practice_types")[:2]
    assert index.counts("no_such_facet", None, 10) == []
    assert index.terms == conn.execute("SELECT count(*) FROM article_terms").fetchone()[0]


def test_every_change_to_the_terms_moves_the_generation(tmp_path):
    sample = build_sample_db(tmp_path / "gen.db", n_positive=3, n_negative=1)
    db = open_db(sample.path)
    before = read_generation(db.conn)
    save_analysis(db, sample.ids["first_positive"], "Testo", {
        "relevant": False, "relevance_score": 0.1, "practice_types": [], "policy_areas": [],
        "organisations": [], "places": [], "amounts": []})
    after_update = read_generation(db.conn)
    db.execute("DELETE FROM articles WHERE id = ?", [sample.ids["negative"]])
    assert before < after_update < read_generation(db.conn)


def test_a_database_without_the_generation_table_is_counted_in_sql(tmp_path):
    conn = sqlite3.connect(tmp_path / "old.db")
    conn.execute("CREATE TABLE article_terms (article_rowid, facet, value)")
    assert read_generation(conn) is None and load_index(conn) is None


def _add_article(path, n: int) -> None:
    db = open_db(path)
    saved = save_article(db, {
        "url": f"https://nuova.example.it/articolo-{n}", "fetched_url": None,
        "source_id": "welforum", "title": f"Nuovo patto a Matera {n}",
        "text": f"Il Comune di Matera firma un patto di collaborazione numero {n}.",
        "published": "2026-11-20"})
    save_analysis(db, saved.article_id, "Testo", {
        "relevant": True, "relevance_score": 0.9,
        "practice_types": [{"label": "patto_collaborazione", "score": 0.9}],
        "policy_areas": [], "organisations": [], "amounts": [],
        "places": [{"text": "Matera", "start": 10, "end": 16, "name": "Matera",
                    "level": "comune", "istat": "077014", "provincia": "Matera",
                    "regione": "Basilicata", "lat": 40.666, "lon": 16.604,
                    "inside_org": True}]})
    db.conn.close()


def test_a_stale_index_is_never_used_and_is_reloaded(tmp_path, staff_env):
    sample = build_sample_db(tmp_path / "stale.db", n_positive=4, n_negative=1)

    async def scenario():
        ds = make_datasette(sample.path)
        await ds.invoke_startup()
        cache = facet_index_cache(ds, "osservatorio")
        loaded = cache.index
        assert loaded is not None
        first = (await ds.client.get(FACETS_URL)).json()["facet_results"]
        assert "Basilicata" not in [v["value"] for v in first["regioni"]["results"]]
        _add_article(sample.path, 1)
        # The very next page counts the new article (in SQL, the copy being stale) ...
        second = (await ds.client.get(FACETS_URL)).json()["facet_results"]
        assert ("Basilicata", 1) in [(v["value"], v["count"]) for v in second["regioni"]["results"]]
        # ... while a fresh copy loads in the background, and is used once loaded.
        await cache.loading
        assert cache.index is not loaded and cache.index.generation > loaded.generation
        third = (await ds.client.get(FACETS_URL)).json()["facet_results"]
        assert third == second

    asyncio.run(scenario())


def test_above_the_size_limit_counts_stay_in_sql(tmp_path, staff_env):
    sample = build_sample_db(tmp_path / "big.db", n_positive=3, n_negative=1)

    async def scenario():
        ds = make_datasette(sample.path)
        small = FacetIndexCache(max_terms=5)
        ds._observatory_facet_caches = {"osservatorio": small}
        await ds.invoke_startup()
        data = (await ds.client.get(FACETS_URL)).json()["facet_results"]
        assert small.too_large and small.index is None
        assert data["regioni"]["results"]

    asyncio.run(scenario())
