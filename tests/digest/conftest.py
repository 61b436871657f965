"""A small fixed database for digest tests, built through the store's own write functions."""

from __future__ import annotations

import pytest

from store.analysis import save_analysis
from store.articles import record_crawl_run, save_article, upsert_sources
from store.db import open_db

BODY = ("Il Comune di Bergamo ha aperto la co-progettazione dei servizi per l'abitare. "
        "Il bando vale 1,2 milioni di euro e coinvolge dodici cooperative sociali del territorio.")


def _analysis(relevant: bool, practice: list[str], money: float | None) -> dict:
    amounts = [] if money is None else [
        {"text": "1,2 milioni di euro", "start": 95, "end": 114, "kind": "money",
         "value": money}]
    return {
        "relevant": relevant, "relevance_score": 0.9 if relevant else 0.1,
        "model_version": "m-test", "pipeline_version": "p-test",
        "practice_types": [{"label": p, "score": 0.8, "evidence": BODY[:70]} for p in practice],
        "policy_areas": [{"label": "abitare", "score": 0.7, "evidence": ""}] if relevant else [],
        "organisations": [{"text": "Comune di Bergamo", "start": 3, "end": 20,
                           "canonical": "Comune di Bergamo", "type": "pubblico",
                           "key": "comune-di-bergamo"}],
        "places": [{"text": "Bergamo", "start": 13, "end": 20, "name": "Bergamo",
                    "level": "comune", "istat": "016024", "provincia": "Bergamo",
                    "regione": "Lombardia", "lat": 45.69, "lon": 9.67, "inside_org": True}],
        "amounts": amounts,
    }


ARTICLES = [
    # url, source, published, title, text, relevant, practice types, money
    ("https://a.example/1", "portal", "2026-11-10", "Bergamo apre la co-progettazione sull'abitare",
     BODY, True, ["coprogettazione"], 1200000.0),
    ("https://b.example/1", "local", "2026-11-11", "Bergamo, via alla co-progettazione",
     BODY + " Lo ha detto l'assessore in conferenza stampa.", True, ["coprogettazione"], None),
    ("https://a.example/2", "portal", "2026-11-12", "<script>alert(1)</script> Patto per il parco",
     "Firmato il patto di collaborazione per il parco del quartiere tra Comune e residenti. "
     "I volontari cureranno le aiuole ogni sabato mattina.", True, ["patto_collaborazione"], None),
    ("https://a.example/3", "portal", "2026-11-13", "Derby al palazzetto",
     "La squadra di casa vince il derby davanti a tremila tifosi sugli spalti.", False, [], None),
]


@pytest.fixture
def digest_db(tmp_path):
    path = tmp_path / "digest.db"
    db = open_db(path)
    upsert_sources(db, [{"id": "portal", "name": "Portale Welfare", "kind": "portal"},
                        {"id": "local", "name": "Cronache Locali", "kind": "local_news"}])
    for url, src, day, title, text, relevant, practice, money in ARTICLES:
        res = save_article(db, {"url": url, "fetched_url": url, "source_id": src, "title": title,
                                "text": text, "published": day, "date_method": "meta"})
        save_analysis(db, res.article_id, text, _analysis(relevant, practice, money))
    record_crawl_run(db, {"run_id": "r1", "source_id": "local", "started": "2026-11-15T06:00:00",
                          "status": "failed", "message": "timeout"})
    record_crawl_run(db, {"run_id": "r1", "source_id": "portal", "started": "2026-11-15T06:00:00",
                          "status": "ok"})
    return path
