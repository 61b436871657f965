"""A realistic observatory database for the Datasette tests, written through the store's own
functions (save_article, save_analysis, record_crawl_run, jobs, reviews, the real digest), and
the Datasette instance built from datasette_config/ on top of it."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from datasette_auth_passwords.utils import hash_password

from digest.build import write_digest
from publish.serve import make_datasette
from store.analysis import save_analysis
from store.articles import record_crawl_run, save_article, upsert_sources
from store.db import open_db
from store.job_runs import finish_job_run, start_job_run
from store.reviews import insert_reviews

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "publish"
STAFF_PASSWORD = "correct horse battery staple"
HOSTILE_TITLE = '<script>alert("titolo")</script><img src=x onerror="alert(1)"> Patto per il parco'
HOSTILE_URL = "javascript:alert(document.cookie)"
SECRET_SENTENCE = "Frase riservata del testo integrale numero"

SOURCES = [
    {"id": "welforum", "name": "Welforum", "kind": "portal", "region": None},
    {"id": "vita", "name": "Vita", "kind": "portal", "region": None},
    {"id": "lecconotizie", "name": "Lecco Notizie", "kind": "local_news", "region": "Lombardia"},
    {"id": "cronache-bo", "name": "Cronache di Bologna", "kind": "local_news",
     "region": "Emilia-Romagna"},
    {"id": "comune-torino", "name": "Comune di Torino - notizie", "kind": "institution",
     "region": "Piemonte"},
    {"id": "napoli-sociale", "name": "Napoli Sociale", "kind": "local_news", "region": "Campania"},
]

# name, istat, provincia, regione, lat, lon
COMUNI = [
    ("Bergamo", "016024", "Bergamo", "Lombardia", 45.695, 9.670),
    ("Lecco", "097042", "Lecco", "Lombardia", 45.853, 9.390),
    ("Bologna", "037006", "Bologna", "Emilia-Romagna", 44.494, 11.343),
    ("Torino", "001272", "Torino", "Piemonte", 45.070, 7.687),
    ("Napoli", "063049", "Napoli", "Campania", 40.852, 14.268),
    ("Firenze", "048017", "Firenze", "Toscana", 43.770, 11.256),
    ("Bari", "072006", "Bari", "Puglia", 41.117, 16.872),
    ("Palermo", "082053", "Palermo", "Sicilia", 38.116, 13.361),
]

THIRD_SECTOR = [
    ("Cooperativa sociale Il Ponte", "terzo_settore"),
    ("Consorzio Consolida", "terzo_settore"),
    ("Associazione Auser", "terzo_settore"),
    ("Fondazione Cariplo", "fondazione"),
    ("Università di Bologna", "universita_ricerca"),
    ("CSV Emilia", "terzo_settore"),
]

# practice type, policy area, Italian phrase, a paragraph of its own (so that articles are not
# near-duplicates of each other and the store keeps one story per article)
PRACTICES = [
    ("coprogettazione", "abitare", "la co-progettazione dei servizi per l'abitare",
     "L'avviso resterà aperto per trenta giorni: gli enti interessati presenteranno una proposta "
     "progettuale che sarà discussa ai tavoli tecnici insieme agli uffici dei servizi sociali."),
    ("coprogrammazione", "welfare_generale", "un percorso di co-programmazione del piano di zona",
     "Sono previsti sei incontri tematici sulle fragilità, sulla casa e sul lavoro, aperti a "
     "parrocchie, sindacati e comitati di quartiere, con una relazione finale pubblica."),
    ("patto_collaborazione", "ambiente_beni_comuni",
     "un patto di collaborazione per la cura del parco",
     "I volontari si occuperanno delle aiuole e dei giochi ogni sabato mattina, mentre il "
     "municipio fornirà attrezzi, assicurazione e la manutenzione straordinaria degli alberi."),
    ("accreditamento", "anziani", "l'accreditamento dei servizi di assistenza domiciliare",
     "Le famiglie potranno scegliere l'erogatore con un buono servizio; i requisiti riguardano "
     "la formazione degli operatori, la continuità delle visite e la gestione dei reclami."),
    ("convenzione", "disabilita", "una convenzione con le associazioni per la disabilità",
     "Gli accompagnamenti verso scuole, centri diurni e ambulatori saranno garantiti da "
     "volontari con mezzi attrezzati, rimborsati a consuntivo sulla base dei chilometri."),
    ("bando_finanziamento", "giovani", "un bando per progetti con i giovani dei quartieri",
     "Possono candidarsi reti di almeno tre soggetti con un capofila non profit; le domande "
     "vanno presentate online entro la fine del mese con un piano economico dettagliato."),
]

NEGATIVE_TEXTS = [
    ("Derby al palazzetto, vince la squadra di casa",
     "La squadra di casa vince il derby davanti a tremila tifosi sugli spalti del palazzetto."),
    ("Lavori in via Roma, strada chiusa per due settimane",
     "Da lunedì la via resterà chiusa al traffico per rifare l'asfalto e i marciapiedi."),
    ("Firmato il patto per la sicurezza con la Prefettura",
     "Più pattuglie e telecamere nel centro storico: il patto per la sicurezza vale tre anni."),
]


@dataclass(frozen=True)
class SampleDB:
    path: Path
    ids: dict[str, str]  # role -> article id
    week: str


def _comune_place(text: str, comune: tuple) -> dict:
    name, istat, provincia, regione, lat, lon = comune
    start = text.index(name)
    return {"text": name, "start": start, "end": start + len(name), "name": name,
            "level": "comune", "istat": istat, "provincia": provincia, "regione": regione,
            "lat": lat, "lon": lon, "inside_org": text.startswith("Il Comune di")}


def _org(text: str, name: str, otype: str) -> dict:
    start = text.index(name)
    return {"text": name, "start": start, "end": start + len(name), "canonical": name,
            "type": otype, "key": name.lower().replace(" ", "-")}


def _positive(i: int) -> tuple[str, str, dict]:
    comune = COMUNI[i % len(COMUNI)]
    partner, ptype = THIRD_SECTOR[i % len(THIRD_SECTOR)]
    practice, area, phrase, paragraph = PRACTICES[i % len(PRACTICES)]
    euro = 150_000 * (i + 1)
    title = f"{comune[0]}, al via {phrase.split(' ', 1)[1]}"
    first = f"Il Comune di {comune[0]} e {partner} hanno avviato {phrase}. "
    money = f"Il progetto vale {euro:,} euro".replace(",", ".") + " e durerà tre anni. "
    text = (f"{first}{money}{paragraph}\n\n"
            f"{SECRET_SENTENCE} {i}: il tavolo si riunirà ogni mese presso la sede comunale.")
    amount_text = f"{euro:,} euro".replace(",", ".")
    start = text.index(amount_text)
    result = {
        "relevant": True, "relevance_score": 0.75 + (i % 5) / 25,
        "model_version": "m-test-1", "pipeline_version": "p-test-1",
        "practice_types": [{"label": practice, "score": 0.82, "evidence": first.strip()}],
        "policy_areas": [{"label": area, "score": 0.7, "evidence": first.strip()}],
        "organisations": [_org(text, f"Comune di {comune[0]}", "pubblico"),
                          _org(text, partner, ptype)],
        "places": [_comune_place(text, comune)],
        "amounts": [{"text": amount_text, "start": start, "end": start + len(amount_text),
                     "kind": "money", "value": float(euro)}],
    }
    return title, text, result


def _negative(i: int) -> tuple[str, str, dict]:
    title, text = NEGATIVE_TEXTS[i % len(NEGATIVE_TEXTS)]
    return title, text, {
        "relevant": False, "relevance_score": 0.08, "model_version": "m-test-1",
        "pipeline_version": "p-test-1", "practice_types": [], "policy_areas": [],
        "organisations": [], "places": [], "amounts": []}


def _hostile() -> tuple[str, str, dict]:
    text = ('Il Comune di Firenze firma un patto di collaborazione. <a href="javascript:alert(2)">'
            'clicca</a> <svg onload="alert(3)"></svg> <iframe src="https://evil.example/">'
            '</iframe> La Cooperativa sociale Il Ponte cura il parco.')
    org = _org(text, "Cooperativa sociale Il Ponte", "terzo_settore")
    return HOSTILE_TITLE, text, {
        "relevant": True, "relevance_score": 0.9, "model_version": "m-test-1",
        "pipeline_version": "p-test-1",
        "practice_types": [{"label": "patto_collaborazione", "score": 0.9,
                            "evidence": '<script>alert("evidence")</script> patto firmato'}],
        "policy_areas": [{"label": "ambiente_beni_comuni", "score": 0.8, "evidence": ""}],
        "organisations": [_org(text, "Comune di Firenze", "pubblico"),
                          {**org, "canonical": '<b onmouseover="alert(4)">Il Ponte</b>',
                           "key": "il-ponte-hostile"}],
        "places": [_comune_place(text, COMUNI[5])],
        "amounts": [],
    }


def _save(db, url: str, source: str, day: date, title: str, text: str, result: dict) -> str:
    res = save_article(db, {"url": url, "fetched_url": url, "source_id": source, "title": title,
                            "text": text, "published": day.isoformat(), "date_method": "meta"})
    save_analysis(db, res.article_id, text, result)
    return res.article_id


def build_sample_db(path: Path, n_positive: int = 30, n_negative: int = 9) -> SampleDB:
    """A few dozen varied articles over ten months, a hostile one, runs, reviews, a digest."""
    db = open_db(path)
    upsert_sources(db, SOURCES)
    last = date(2026, 11, 13)
    ids: dict[str, str] = {}
    for i in range(n_positive):
        title, text, result = _positive(i)
        source = SOURCES[i % len(SOURCES)]["id"]
        aid = _save(db, f"https://{source}.example.it/articoli/{i}", source,
                    last - timedelta(days=9 * i), title, text, result)
        ids.setdefault("first_positive", aid)
        ids.setdefault(PRACTICES[i % len(PRACTICES)][0], aid)
    for i in range(n_negative):
        title, text, result = _negative(i)
        text += f" Servizio numero {i + 1} della rubrica di cronaca del giorno."
        source = SOURCES[(i + 2) % len(SOURCES)]["id"]
        ids.setdefault("negative", _save(db, f"https://{source}.example.it/cronaca/{i}", source,
                                         last - timedelta(days=11 * i), title, text, result))
    title, text, result = _hostile()
    ids["hostile"] = _save(db, HOSTILE_URL, "vita", last, title, text, result)
    # A hyphen-free spelling: found by "coprogettazione" searches too.
    title, text, result = _positive(0)
    ids["joined_spelling"] = _save(db, "https://vita.example.it/coprogettazione-bergamo", "vita",
                                   last - timedelta(days=1), "Coprogettazione a Bergamo: si parte",
                                   text.replace("co-progettazione", "coprogettazione")
                                   + " Seconda versione.", result)
    _operations(db, ids)
    db.conn.close()
    week = "2026-W46"
    write_digest(path, week, path.parent / "digest", base_url="http://127.0.0.1:8001")
    return SampleDB(path=path, ids=ids, week=week)


def _operations(db, ids: dict[str, str]) -> None:
    for source in SOURCES:
        record_crawl_run(db, {"run_id": "r1", "source_id": source["id"],
                              "started": "2026-11-15T06:00:00+00:00",
                              "status": "failed" if source["id"] == "vita" else "ok",
                              "requests": 12, "new_articles": 3, "errors": 0,
                              "message": "timeout" if source["id"] == "vita" else ""})
    run = start_job_run(db, "crawl", trigger="cron")
    finish_job_run(db, run, "ok", {"new_articles": 12})
    insert_reviews(db, [{"article_id": ids["first_positive"], "task": "relevance",
                         "label": "relevant", "value": 1, "reviewer": "maria",
                         "note": "nota interna riservata"}])


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory) -> SampleDB:
    return build_sample_db(tmp_path_factory.mktemp("publish") / "osservatorio-test.db")


@pytest.fixture(scope="session")
def staff_env():
    """The staff password hash in the environment, as a deployment would set it."""
    old = os.environ.get("OBS_STAFF_PASSWORD_HASH")
    os.environ["OBS_STAFF_PASSWORD_HASH"] = hash_password(STAFF_PASSWORD)
    yield
    if old is None:
        os.environ.pop("OBS_STAFF_PASSWORD_HASH", None)
    else:
        os.environ["OBS_STAFF_PASSWORD_HASH"] = old


@pytest.fixture(scope="session")
def ds(sample_db, staff_env):
    instance = make_datasette(sample_db.path)
    asyncio.run(instance.invoke_startup())
    return instance


async def login(ds, password: str):
    form = await ds.client.get("/-/login")
    token = re.search(r'name="csrftoken" value="([^"]+)"', form.text).group(1)
    return await ds.client.post(
        "/-/login", data={"username": "staff", "password": password, "csrftoken": token},
        cookies={"ds_csrftoken": form.cookies["ds_csrftoken"]})


@pytest.fixture(scope="session")
def staff(ds) -> dict:
    """Cookies of a signed-in staff member."""
    response = asyncio.run(login(ds, STAFF_PASSWORD))
    assert response.status_code == 302
    return {"ds_actor": response.cookies["ds_actor"]}


def sign_in(page, base_url: str) -> None:
    """Sign in as staff through the login form, in a Playwright page."""
    page.goto(f"{base_url}/-/login")
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(sample_db, staff_env):
    """A real uvicorn server on 127.0.0.1 serving the sample database."""
    import uvicorn

    instance = make_datasette(sample_db.path)
    asyncio.run(instance.invoke_startup())
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(instance.app(), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
