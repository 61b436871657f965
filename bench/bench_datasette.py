"""Latency of the main Datasette pages on a database of 200,000 synthetic articles.

Builds the database with the store's schema (migrations, views, indexes), bulk-inserts synthetic
articles and their analysis rows through sqlite-utils, rebuilds the full-text index once, serves
it with uvicorn on 127.0.0.1 exactly as `pipeline.py serve` does, and prints p50/p95 latency of
each page over repeated requests with varied parameters.

    .venv/bin/python bench/bench_datasette.py [--articles 200000] [--repeat 20] [--db PATH]

Targets (issue 6): faceted page p95 < 500 ms, search p95 < 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from publish.serve import make_datasette  # noqa: E402
from store.db import open_db  # noqa: E402
from store.schema import article_terms_select  # noqa: E402
from store.text import search_terms  # noqa: E402

CORPUS_DIR = ROOT / "nlp" / "data" / "classifier"
PLACES_TSV = ROOT / "nlp" / "data" / "gazetteer" / "places.tsv"
KINDS = ["portal", "local_news", "institution"]
ORG_TYPES = ["terzo_settore", "terzo_settore", "fondazione", "universita_ricerca", "impresa",
             "media", "altro"]
THIRD_SECTOR_FORMS = ["Cooperativa sociale", "Associazione", "Consorzio", "Fondazione",
                      "APS", "ODV", "Impresa sociale"]
SEARCH_TERMS = ["coprogettazione", "co-progettazione", "disabilita", "accoglienza",
                "patto di collaborazione", "fondazione", "volontariato",
                "amministrazione condivisa", "anziani", "beni comuni", "cooperativa sociale",
                "piano di zona"]


@dataclass(frozen=True)
class Page:
    name: str
    paths: list[str]
    target_ms: float | None = None


@dataclass(frozen=True)
class Template:
    title: str
    text: str
    search_terms: str
    relevant: bool
    practice_types: list[str]
    policy_areas: list[str]


def load_templates() -> list[Template]:
    """The project's labelled news texts (nlp/data/classifier), reused as article bodies."""
    out = []
    for path in sorted(CORPUS_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            out.append(Template(item["title"], item["text"],
                                search_terms(f"{item['title']} {item['text']}"),
                                bool(item["relevant"]), item.get("practice_types") or [],
                                item.get("policy_areas") or []))
    return out


def load_comuni() -> list[dict]:
    rows = []
    for line in PLACES_TSV.read_text(encoding="utf-8").splitlines()[1:]:
        cols = line.split("\t")
        if cols[1] == "comune" and cols[7] and cols[8]:
            rows.append({"id": cols[3], "name": cols[2], "level": "comune", "istat": cols[3],
                         "provincia": cols[4], "regione": cols[6], "lat": float(cols[7]),
                         "lon": float(cols[8])})
    return rows


def _aid(i: int) -> str:
    return hashlib.sha1(f"bench-{i}".encode()).hexdigest()[:16]


def _orgs(n: int, rng: random.Random) -> list[dict]:
    orgs = []
    for i in range(n):
        otype = ORG_TYPES[i % len(ORG_TYPES)]
        orgs.append({"id": f"org-{i}", "type": otype,
                     "name": f"{rng.choice(THIRD_SECTOR_FORMS)} Sintetica {i}"})
    return orgs


def _article_rows(i: int, rng: random.Random, tpl: Template, comune: dict,
                  partner: dict, start: date) -> dict:
    """One article and its analysis rows (mentions, places, amounts, labels)."""
    aid = _aid(i)
    day = start + timedelta(days=rng.randint(0, 5 * 365))
    text = (f"{tpl.text}\n\nNotizia da {comune['name']} ({comune['provincia']}), "
            f"con {partner['name']}. Rif. {aid}.")
    public = {"id": f"comune-di-{comune['istat']}", "name": f"Comune di {comune['name']}",
              "type": "pubblico"}
    year, week, _ = day.isocalendar()
    relevant = tpl.relevant
    article = {
        "id": aid, "url": f"https://fonte{i % 60}.example.it/{aid}", "fetched_url": None,
        "source_id": f"fonte{i % 60}", "title": tpl.title, "author": None, "text": text,
        "snippet": text[:300], "published": day.isoformat(), "date_method": "meta",
        "month": day.strftime("%Y-%m"), "year": day.year, "week": f"{year}-W{week:02d}",
        "tags": "[]", "search_terms": tpl.search_terms, "content_hash": aid, "simhash": aid,
        "cluster_id": aid, "fetched_at": f"{day.isoformat()}T08:00:00+00:00",
        "relevant": int(relevant), "relevance_score": round(rng.random(), 3),
        "practice_types": json.dumps(sorted(tpl.practice_types)),
        "policy_areas": json.dumps(sorted(tpl.policy_areas)),
        "organisations": json.dumps(sorted([public["name"], partner["name"]])),
        "org_types": json.dumps(sorted({"pubblico", partner["type"]})),
        "comuni": json.dumps([comune["name"]]), "province": json.dumps([comune["provincia"]]),
        "regioni": json.dumps([comune["regione"]]),
        "analyzed_at": f"{day.isoformat()}T09:00:00+00:00", "model_version": "bench",
        "pipeline_version": "bench",
    }
    mentions = [{"id": f"{aid}:{k}", "article_id": aid, "org_id": org["id"],
                 "text": org["name"], "start": k, "end": k + 10, "pipeline_version": "bench"}
                for k, org in enumerate((public, partner))]
    places_rows = [{"id": f"{aid}:0", "article_id": aid, "place_id": comune["id"],
                    "text": comune["name"], "start": 0, "end": 5, "inside_org": 0,
                    "pipeline_version": "bench"}]
    amounts = ([{"id": f"{aid}:50", "article_id": aid, "text": "100.000 euro", "start": 50,
                 "end": 62, "kind": "money", "value": float(rng.randint(1, 500) * 10_000),
                 "context": text[:120], "pipeline_version": "bench"}]
               if relevant and rng.random() < 0.4 else [])
    labels = [{"id": f"{aid}:{task}:{label}", "article_id": aid, "task": task, "label": label,
               "score": 0.8, "evidence": text[:100], "model_version": "bench"}
              for task, group in (("practice_type", tpl.practice_types),
                                  ("policy_area", tpl.policy_areas))
              for label in group]
    return {"articles": [article], "mentions": mentions, "article_places": places_rows,
            "amounts": amounts, "labels": labels}


def _suspend_triggers(db) -> list[str]:
    """Drop the FTS and facet-term triggers on articles and amounts for a bulk load; return
    their SQL."""
    found = list(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                            "AND tbl_name IN ('articles', 'amounts')"))
    for name, _ in found:
        db.execute(f"DROP TRIGGER [{name}]")
    return [sql for _, sql in found]


def build_database(path: Path, n: int) -> float:
    """Create the schema through the store, then bulk-insert `n` synthetic articles."""
    started = time.perf_counter()
    db = open_db(path)
    db.conn.execute("PRAGMA journal_mode=OFF")
    db.conn.execute("PRAGMA synchronous=OFF")
    db.conn.execute("PRAGMA cache_size=-200000")
    triggers = _suspend_triggers(db)
    rng = random.Random(42)
    templates, comuni, orgs = load_templates(), load_comuni(), _orgs(4000, rng)
    db["sources"].insert_all([{"id": f"fonte{i}", "name": f"Fonte {i}", "kind": KINDS[i % 3],
                               "region": comuni[i * 97]["regione"]} for i in range(60)], pk="id")
    db["places"].insert_all(comuni, pk="id")
    db["organisations"].insert_all(
        orgs + [{"id": f"comune-di-{c['istat']}", "name": f"Comune di {c['name']}",
                 "type": "pubblico"} for c in comuni], pk="id", ignore=True)
    start, batch = date(2021, 1, 1), {}
    for i in range(n):
        rows = _article_rows(i, rng, rng.choice(templates), rng.choice(comuni),
                             rng.choice(orgs), start)
        for table, items in rows.items():
            batch.setdefault(table, []).extend(items)
        if (i + 1) % 20_000 == 0 or i + 1 == n:
            with db.conn:
                for table, items in batch.items():
                    db[table].insert_all(items, batch_size=5000)
            batch = {}
    with db.conn:
        db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
        db.execute(f"INSERT OR IGNORE INTO article_terms (article_rowid, facet, value) "
                   f"{article_terms_select('a', 'articles a')}")
        db.execute("""UPDATE organisations SET articles_count =
                      (SELECT count(*) FROM mentions m WHERE m.org_id = organisations.id)""")
        for sql in triggers:
            db.execute(sql)
    db.execute("ANALYZE")
    db.conn.execute("PRAGMA journal_mode=WAL")
    db.conn.close()
    return time.perf_counter() - started


def pages(n: int) -> list[Page]:
    rng = random.Random(3)
    some = [_aid(rng.randrange(n)) for _ in range(40)]
    regions = ["Lombardia", "Piemonte", "Veneto", "Campania", "Toscana", "Emilia-Romagna",
               "Lazio", "Sicilia", "Puglia", "Calabria"]
    practices = ["coprogettazione", "coprogrammazione", "patto_collaborazione",
                 "accreditamento", "convenzione", "bando_finanziamento", "formazione_evento",
                 "normativa", "partenariato", "ricerca_valutazione", "comunita_pratica"]
    base = "/osservatorio/public_articles"
    return [
        Page("home page /", ["/"]),
        Page("articles, default facets", [f"{base}?_term_relevant=1"]),
        Page("articles, all (_tutti=1)", [f"{base}?_tutti=1"]),
        Page("articles, amount range facet", [
            f"{base}?_term_relevant=1&_term_amount_range=1M-10M&_term_regioni={regions[k % 10]}"
            for k in range(40)], 500),
        Page("articles, largest amount >= N", [
            f"{base}?_term_relevant=1&_euro_min={(k % 5 + 1) * 1_000_000}"
            f"&_term_regioni={regions[k % 10]}" for k in range(40)]),
        Page("faceted: 2 facet filters", [
            f"{base}?_term_relevant=1&_term_regioni={regions[k % 10]}"
            f"&_term_source_kind={KINDS[k % 3]}"
            for k in range(40)], 500),
        Page("faceted: 2 filters + search", [
            f"{base}?_term_relevant=1&_search={SEARCH_TERMS[k % 12]}"
            f"&_term_practice_types={practices[k % 11]}"
            f"&_term_regioni={regions[k % 10]}" for k in range(40)], 500),
        Page("search page (HTML, facets)", [f"{base}?_term_relevant=1&_search="
                                            f"{SEARCH_TERMS[k % 12]}"
                                            for k in range(40)], 200),
        Page("search (JSON, no facets)", [f"{base}.json?_search={SEARCH_TERMS[k % 12]}&_nofacet=1"
                                          for k in range(40)], 200),
        Page("Datasette array filter (core)", [
            f"{base}.json?regioni__arraycontains={regions[k % 10]}&_nofacet=1"
            for k in range(40)]),
        Page("article page", [f"/osservatorio/articles/{aid}" for aid in some]),
        Page("organisation page", [f"/osservatorio/organisations/org-{k * 97}"
                                   for k in range(40)]),
        Page("map, one practice type", [f"/osservatorio/map_places?_term_relevant=1"
                                        f"&_term_practice_types="
                                        f"{practices[k % 11]}" for k in range(40)]),
        Page("notizie_settimana", ["/osservatorio/notizie_settimana"]),
        Page("importi_maggiori", ["/osservatorio/importi_maggiori"]),
        Page("feed_per_tipo.atom", [f"/osservatorio/feed_per_tipo.atom?tipo={practices[k % 11]}"
                                    for k in range(40)]),
        Page("rete_organizzazione", [f"/osservatorio/rete_organizzazione?org=org-{k * 97}"
                                     for k in range(40)]),
        Page("amounts by region", [f"/osservatorio/public_amounts?_term_relevant=1"
                                   f"&_term_regioni={regions[k % 10]}" for k in range(40)]),
        Page("network page /rete", ["/rete"]),
        Page("charts /grafici", ["/grafici"]),
        Page("CSV, one region (;)", [f"{base}.csv?_term_regioni={regions[k % 10]}&_sep=;"
                                     for k in range(40)]),
    ]


def serve(path: Path):
    import uvicorn

    ds = make_datasette(path)
    asyncio.run(ds.invoke_startup())
    server = uvicorn.Server(uvicorn.Config(ds.app(), host="127.0.0.1", port=0,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"


def measure(client: httpx.Client, page: Page, repeat: int) -> tuple[list[float], set[int]]:
    client.get(page.paths[0])  # warm the page cache for this page
    timings, statuses = [], set()
    for k in range(repeat):
        started = time.perf_counter()
        response = client.get(page.paths[k % len(page.paths)])
        timings.append((time.perf_counter() - started) * 1000)
        statuses.add(response.status_code)
    return timings, statuses


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--db", type=Path, help="reuse or create this database file")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="bench-datasette-")
    path = args.db or Path(tmp.name) / "bench.db"
    if not path.exists():
        seconds = build_database(path, args.articles)
        print(f"built {args.articles:,} articles in {seconds:.1f} s "
              f"({path.stat().st_size / 1e6:.0f} MB)")
    server, base = serve(path)
    print(f"{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'target':>8}  status")
    with httpx.Client(base_url=base, timeout=60) as client:
        for page in pages(args.articles):
            timings, statuses = measure(client, page, args.repeat)
            p50, p95 = statistics.median(timings), percentile(timings, 95)
            target = f"<{page.target_ms:.0f}" if page.target_ms else ""
            verdict = "" if not page.target_ms else ("ok" if p95 < page.target_ms else "SLOW")
            print(f"{page.name:34} {p50:8.0f} {p95:8.0f} {target:>8}  "
                  f"{','.join(map(str, sorted(statuses)))} {verdict}")
    server.should_exit = True
    tmp.cleanup()


if __name__ == "__main__":
    main()
