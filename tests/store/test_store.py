"""The store on a real SQLite file: migrations, idempotent writes, dedup, clustering, FTS."""

from __future__ import annotations

import sqlite3

import pytest

from store.analysis import save_analysis
from store.articles import article_id, mark_seen, save_article, seen_status, upsert_sources
from store.db import StoreError, apply_migrations, open_db
from store.schema import MIGRATIONS
from store.text import search_terms

BODY = (
    "Il Comune di Lecco e il consorzio Consolida hanno avviato la co-progettazione dei servizi "
    "per l'abitare con un avviso pubblico ai sensi dell'articolo 55 del Codice del Terzo settore. "
    "Il tavolo coinvolge dodici cooperative sociali, tre associazioni di volontariato e l'Ambito "
    "distrettuale, che metteranno insieme risorse per 1,2 milioni di euro in tre anni. "
    "Le prime attività partiranno a gennaio con uno sportello casa nel centro della città."
)


def article(url: str, text: str = BODY, **extra) -> dict:
    return {"url": url, "fetched_url": url, "source_id": "demo",
            "title": "Co-progettazione a Lecco", "text": text, "published": "2026-11-10",
            "date_method": "meta", **extra}


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "obs.db")
    upsert_sources(database, [{"id": "demo", "name": "Demo", "kind": "portal"}])
    return database


def test_migrations_are_recorded_and_idempotent(tmp_path):
    path = tmp_path / "obs.db"
    db = open_db(path)
    assert apply_migrations(db) == []
    assert "articles_fts" in db.table_names()
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert open_db(path)["_migrations"].count == len(MIGRATIONS)


def test_newer_database_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "obs.db"
    open_db(path)["_migrations"].insert({"name": "999_future", "applied_at": "x"})
    with pytest.raises(StoreError, match="versione più recente"):
        open_db(path)


def test_corrupt_file_is_refused_with_its_name(tmp_path):
    path = tmp_path / "broken.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="broken.db"):
        open_db(path)


def test_same_article_twice_is_one_row(db):
    first = save_article(db, article("https://example.org/a"))
    second = save_article(db, article("https://example.org/a"))
    assert (first.status, second.status) == ("new", "unchanged")
    assert db["articles"].count == 1
    row = db["articles"].get(article_id("https://example.org/a"))
    assert (row["month"], row["year"], row["week"]) == ("2026-11", 2026, "2026-W46")


def test_same_text_at_another_url_is_a_duplicate(db):
    save_article(db, article("https://example.org/a"))
    dup = save_article(db, article("https://mirror.example.net/copy"))
    assert dup.status == "duplicate"
    assert db["articles"].count == 1
    assert seen_status(db, ["https://mirror.example.net/copy"]) == {
        "https://mirror.example.net/copy": "duplicate"}


def test_lightly_edited_copy_joins_the_story_cluster(db):
    original = save_article(db, article("https://example.org/a"))
    edited = BODY.replace("dodici cooperative", "12 cooperative").replace(
        "nel centro della città.", "nel centro della città, in via Roma.") + (
        " Lo ha annunciato l'assessora alle politiche sociali in conferenza stampa.")
    copy = save_article(db, article("https://other.example.com/b", text=edited))
    assert copy.status == "new"
    assert copy.cluster_id == original.cluster_id
    unrelated = save_article(db, article("https://example.org/c", text=(
        "La squadra di basket ha vinto il derby al palazzetto davanti a tremila tifosi. " * 4)))
    assert unrelated.cluster_id != original.cluster_id
    assert db["stories"].count == 2


def test_fts_folds_accents_and_hyphens(db):
    save_article(db, article("https://example.org/a", text=BODY + " Servizi per la disabilità."))
    def hits(q: str) -> int:
        return db.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?",
                          [q]).fetchone()[0]
    assert hits("coprogettazione") == 1
    assert hits('"co-progettazione"') == 1
    assert hits("disabilita") == 1
    assert search_terms("la co progettazione e il socio-sanitario") == (
        "coprogettazione sociosanitario")


def test_mark_seen_keeps_first_seen(db):
    mark_seen(db, "https://example.org/x", "demo", "filtered", "prefilter")
    first = db["seen_urls"].get("https://example.org/x")["first_seen"]
    mark_seen(db, "https://example.org/x", "demo", "filtered", "prefilter")
    assert db["seen_urls"].get("https://example.org/x")["first_seen"] == first
    assert db["seen_urls"].count == 1


def analysis(org_key: str = "comune-di-lecco") -> dict:
    return {
        "relevant": True, "relevance_score": 0.97, "model_version": "m1",
        "pipeline_version": "p1",
        "practice_types": [{"label": "coprogettazione", "score": 0.9, "evidence": "avviso"}],
        "policy_areas": [{"label": "abitare", "score": 0.8, "evidence": "casa"}],
        "organisations": [{"text": "Comune di Lecco", "start": 3, "end": 18,
                           "canonical": "Comune di Lecco", "type": "pubblico", "key": org_key}],
        "places": [{"text": "Lecco", "start": 13, "end": 18, "name": "Lecco", "level": "comune",
                    "istat": "097042", "provincia": "Lecco", "regione": "Lombardia",
                    "lat": 45.85, "lon": 9.39, "inside_org": True}],
        "amounts": [{"text": "1,2 milioni di euro", "start": 260, "end": 279, "kind": "money",
                     "value": 1200000.0}],
    }


def test_analysis_rewrite_is_idempotent(db):
    res = save_article(db, article("https://example.org/a"))
    for _ in range(2):
        save_analysis(db, res.article_id, BODY, analysis())
    counts = {t: db[t].count for t in ("mentions", "organisations", "article_places", "amounts",
                                        "labels", "places")}
    assert counts == {"mentions": 1, "organisations": 1, "article_places": 1, "amounts": 1,
                      "labels": 3, "places": 1}
    row = db["articles"].get(res.article_id)
    assert row["practice_types"] == '["coprogettazione"]'
    assert row["regioni"] == '["Lombardia"]'
    assert db["organisations"].get("comune-di-lecco")["articles_count"] == 1
    assert "milioni di euro" in db["amounts"].get(f"{res.article_id}:260")["context"]


def test_staff_alias_merges_organisations(db):
    res = save_article(db, article("https://example.org/a"))
    save_analysis(db, res.article_id, BODY, analysis("comune-di-lecco"))
    db["org_aliases"].upsert({"alias_key": "citta-di-lecco", "org_id": "comune-di-lecco",
                              "alias": "Città di Lecco", "origin": "staff"}, pk="alias_key")
    save_analysis(db, res.article_id, BODY, analysis("citta-di-lecco"))
    assert [r["org_id"] for r in db["mentions"].rows] == ["comune-di-lecco"]
    assert db["organisations"].count == 1


def test_database_stays_consistent_when_a_write_fails(db):
    res = save_article(db, article("https://example.org/a"))
    broken = analysis()
    broken["amounts"] = [{"text": "x"}]  # missing keys: the write raises midway
    with pytest.raises(KeyError):
        save_analysis(db, res.article_id, BODY, broken)
    assert db["mentions"].count == 0 and db["labels"].count == 0
    assert db["articles"].get(res.article_id)["analyzed_at"] is None
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_wal_allows_a_reader_during_a_write(db, tmp_path):
    save_article(db, article("https://example.org/a"))
    reader = sqlite3.connect(f"file:{tmp_path / 'obs.db'}?mode=ro", uri=True)
    db.conn.execute("BEGIN IMMEDIATE")
    db.conn.execute("UPDATE articles SET title = 'x'")
    assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    db.conn.execute("ROLLBACK")


def test_label_reviews_shows_predictions_beside_staff_decisions(db):
    res = save_article(db, article("https://example.org/a"))
    save_analysis(db, res.article_id, BODY, analysis())
    db["reviews"].insert_all([
        {"article_id": res.article_id, "task": "practice_type", "label": "coprogettazione",
         "value": 1, "reviewer": "anna", "reviewed_at": "2026-11-20"},
        {"article_id": res.article_id, "task": "policy_area", "label": "abitare",
         "value": 0, "reviewer": "anna", "reviewed_at": "2026-11-20"},
        {"article_id": res.article_id, "task": "policy_area", "label": "anziani",
         "value": 1, "reviewer": "anna", "reviewed_at": "2026-11-20"},
    ])
    outcome = {(r["task"], r["label"]): r["esito"] for r in db["label_reviews"].rows}
    assert outcome == {
        ("relevance", "relevant"): "da rivedere",
        ("practice_type", "coprogettazione"): "confermata",
        ("policy_area", "abitare"): "corretta",  # predicted, staff said no
        ("policy_area", "anziani"): "corretta",  # missed by the model, added by staff
    }
