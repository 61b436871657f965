"""Databases for reliability tests, written through the store's own functions: N invented articles
in ISO week 2026-W46 with texts different enough to be separate stories, optionally analysed."""

from __future__ import annotations

import random
from pathlib import Path

from store.analysis import save_analysis
from store.articles import save_article, upsert_sources
from store.db import open_db

WEEK = "2026-W46"
DAYS = ("2026-11-09", "2026-11-10", "2026-11-11", "2026-11-12", "2026-11-13")
COMUNI = ("Bergamo", "Lecco", "Parma", "Cesena", "Bari", "Trento", "Cagliari", "Torino")
TOPICS = ("abitare", "anziani", "disabilità", "migranti", "giovani", "ambiente", "lavoro")
WORDS = ("cooperativa associazione volontariato quartiere servizio sportello centro diurno "
         "famiglie scuola biblioteca orto parco mensa trasporto casa accoglienza tavolo "
         "percorso avviso progetto rete distretto ambito fondazione comunità formazione "
         "assemblea regolamento convenzione bilancio risorse obiettivi verifica").split()


def article(i: int, rng: random.Random, title: str | None = None) -> dict:
    comune, topic = COMUNI[i % len(COMUNI)], TOPICS[i % len(TOPICS)]
    sentences = [" ".join(rng.choice(WORDS) for _ in range(14)).capitalize() + "."
                 for _ in range(10)]
    text = (f"Il Comune di {comune} avvia la co-progettazione sul tema {topic} "
            f"(avviso n. {i}). " + " ".join(sentences))
    url = f"https://notizie-{i % 5}.example.it/articolo-{i}"
    return {"url": url, "fetched_url": url, "source_id": f"fonte-{i % 5}",
            "title": title or f"{comune}, co-progettazione {topic}: avviso {i}", "text": text,
            "published": DAYS[i % len(DAYS)], "date_method": "meta"}


def analysis(i: int) -> dict:
    return {
        "relevant": True, "relevance_score": 0.9, "model_version": "m-test",
        "pipeline_version": "p-test",
        "practice_types": [{"label": "coprogettazione", "score": 0.8, "evidence": ""}],
        "policy_areas": [{"label": "abitare", "score": 0.7, "evidence": ""}],
        "organisations": [], "places": [], "amounts": [],
    }


def build_db(path: Path, n: int, *, analysed: bool, seed: int = 7,
             titles: dict[int, str] | None = None) -> list[str]:
    """Create the database with n articles; returns their ids in insertion order."""
    rng = random.Random(seed)
    db = open_db(path)
    upsert_sources(db, [{"id": f"fonte-{k}", "name": f"Fonte {k}", "kind": "local_news"}
                        for k in range(5)])
    ids = []
    for i in range(n):
        art = article(i, rng, (titles or {}).get(i))
        res = save_article(db, art)
        ids.append(res.article_id)
        if analysed:
            save_analysis(db, res.article_id, art["text"], analysis(i))
    db.conn.close()
    return ids
