"""The article_terms table behind Datasette's fast facets stays equal to what the article and
source rows say, whatever writes them: insert, re-analysis, source rename, delete."""

from __future__ import annotations

from store.analysis import save_analysis
from store.articles import save_article, upsert_sources
from store.db import open_db
from store.schema import article_terms_select
from tests.publish.conftest import build_sample_db


def stored_terms(db) -> set[tuple]:
    return set(db.execute("SELECT article_rowid, facet, value FROM article_terms").fetchall())


def derived_terms(db) -> set[tuple]:
    return set(db.execute(article_terms_select("a", "articles a")).fetchall())


def test_terms_follow_inserts_reanalysis_source_changes_and_deletes(tmp_path):
    sample = build_sample_db(tmp_path / "terms.db", n_positive=6, n_negative=2)
    db = open_db(sample.path)
    assert stored_terms(db) == derived_terms(db)
    article = sample.ids["first_positive"]
    save_analysis(db, article, "Testo", {
        "relevant": False, "relevance_score": 0.1, "practice_types": [], "policy_areas": [],
        "organisations": [], "places": [], "amounts": []})
    upsert_sources(db, [{"id": "welforum", "name": "Welforum.it", "kind": "institution"}])
    save_article(db, {"url": "https://nuova.example.it/1", "fetched_url": None,
                      "source_id": "fonte-nuova", "title": "Prima della fonte",
                      "text": "Un articolo arrivato prima della sua fonte.",
                      "published": "2026-11-01"})
    upsert_sources(db, [{"id": "fonte-nuova", "name": "Fonte nuova", "kind": "portal"}])
    db.execute("DELETE FROM articles WHERE id = ?", [sample.ids["negative"]])
    assert stored_terms(db) == derived_terms(db)
    facets = dict(db.execute("SELECT facet, group_concat(value) FROM article_terms "
                             "WHERE article_rowid = (SELECT rowid FROM articles WHERE id = ?) "
                             "GROUP BY facet", [article]).fetchall())
    assert facets["relevant"] == "0" and "practice_types" not in facets
    assert facets["source_name"] == "Welforum.it" and facets["source_kind"] == "institution"


def test_malformed_facet_json_never_blocks_a_write(tmp_path):
    db = open_db(tmp_path / "bad.db")
    upsert_sources(db, [{"id": "s", "name": "S", "kind": "portal"}])
    result = save_article(db, {"url": "https://s.example.it/1", "fetched_url": None,
                               "source_id": "s", "title": "T", "text": "Testo qualsiasi.",
                               "published": "2026-11-01"})
    db.execute("UPDATE articles SET regioni = 'non json', comuni = '\"Bari\"' WHERE id = ?",
               [result.article_id])
    assert stored_terms(db) == derived_terms(db)
    assert not db.execute("SELECT 1 FROM article_terms WHERE facet IN ('regioni', 'comuni')"
                          ).fetchall()
