"""Databases for reliability tests, written through the store's own functions: N invented articles
in ISO week 2026-W46 with texts different enough to be separate stories, optionally analyzed."""

from __future__ import annotations

import random
import sqlite3
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


def _new_db(path: Path):
    db = open_db(path)
    upsert_sources(db, [{"id": f"fonte-{k}", "name": f"Fonte {k}", "kind": "local_news"}
                        for k in range(5)])
    return db


def build_db(path: Path, n: int, *, analyzed: bool, seed: int = 7,
             titles: dict[int, str] | None = None) -> list[str]:
    """Create the database with n articles; returns their ids in insertion order."""
    rng = random.Random(seed)
    db = _new_db(path)
    ids = []
    for i in range(n):
        art = article(i, rng, (titles or {}).get(i))
        res = save_article(db, art)
        ids.append(res.article_id)
        if analyzed:
            save_analysis(db, res.article_id, art["text"], analysis(i))
    db.conn.close()
    return ids


def build_news_db(path: Path, n: int, *, seed: int = 7, paragraphs: int = 3) -> list[str]:
    """A database of n articles not yet analyzed, each made of `paragraphs` texts of the entity
    evaluation dev set (organisations, places and amounts as in real news), chosen by `seed`."""
    from nlp.eval_data import load_eval_set

    root = Path(__file__).resolve().parents[2]
    texts = [d.text for d in load_eval_set(root / "nlp" / "data" / "entities_eval" / "dev.jsonl")]
    rng = random.Random(seed)
    db = _new_db(path)
    ids = []
    for i in range(n):
        body = "\n\n".join(rng.sample(texts, paragraphs))
        url = f"https://notizie-{i % 5}.example.it/articolo-{i}"
        res = save_article(db, {"url": url, "fetched_url": url, "source_id": f"fonte-{i % 5}",
                                "title": body.split(". ")[0][:120] + f" ({i})", "text": body,
                                "published": DAYS[i % len(DAYS)], "date_method": "meta"})
        ids.append(res.article_id)
    db.conn.close()
    return ids


ARTICLE_COLUMNS = ("id", "relevant", "relevance_score", "practice_types", "policy_areas",
                   "organisations", "org_types", "comuni", "province", "regioni",
                   "model_version", "pipeline_version")
TABLES = {
    "labels": "article_id, task, label, score, evidence, model_version",
    "mentions": "article_id, org_id, text, start, \"end\", pipeline_version",
    "article_places": "article_id, place_id, text, start, \"end\", inside_org",
    "amounts": "article_id, text, start, \"end\", kind, value, context",
    "organisations": "id, name, type, mentions_count, articles_count, first_seen",
    "places": "*",
    "org_aliases": "alias_key, org_id, alias, origin",
}


def stored_analysis(path: Path) -> dict[str, list[tuple]]:
    """Everything the analysis writes, timestamps left out, in a fixed order."""
    conn = sqlite3.connect(path)
    try:
        out = {"articles": conn.execute(
            f"SELECT {', '.join(ARTICLE_COLUMNS)} FROM articles ORDER BY id").fetchall()}
        for table, columns in TABLES.items():
            out[table] = sorted(conn.execute(f"SELECT {columns} FROM {table}").fetchall(),
                                key=repr)
        return out
    finally:
        conn.close()
