"""What people get from the instance beyond Datasette's defaults: relevance by default,
spreadsheet CSV, amount ranges as facet terms, feed titles, the staff login only when it is
configured, and the pages of the home, digests and network."""

from __future__ import annotations

import asyncio
import csv
import io
import xml.etree.ElementTree as ET

import pytest

from publish.people import CsvRewriter, CsvStyle, relevance_redirect
from publish.serve import make_datasette
from store.analysis import save_analysis
from store.articles import save_article, upsert_sources
from store.db import open_db
from tests.publish.conftest import build_sample_db

ATOM = "{http://www.w3.org/2005/Atom}"


def get(ds, path: str, cookies: dict | None = None):
    return asyncio.run(ds.client.get(path, cookies=cookies or {}))


@pytest.mark.parametrize("path, query, expected", [
    ("/osservatorio/public_articles", "", "/osservatorio/public_articles?_term_relevant=1"),
    ("/osservatorio/public_articles", "_search=parco",
     "/osservatorio/public_articles?_search=parco&_term_relevant=1"),
    ("/osservatorio/public_articles", "_tutti=1", None),
    ("/osservatorio/public_articles", "_term_relevant=0", None),
    ("/osservatorio/public_articles", "_filter_column=title&_filter_op=contains", None),
    ("/osservatorio/public_articles.json", "", None),
    ("/osservatorio/public_articles.csv", "", None),
    ("/osservatorio/organisations", "", None),
])
def test_relevance_redirect(path, query, expected):
    assert relevance_redirect(path, query, ["public_articles", "map_places"]) == expected


def test_csv_rewriter_handles_records_split_across_chunks_and_lines():
    style = CsvStyle(headers={"title": "Titolo", "practice_types": "Tipi di pratica"},
                     labels={"practice_types": {"coprogettazione": "Co-progettazione"},
                             "relevant": {"1": "Pertinente"}},
                     drop={"rowid"}, list_columns={"practice_types"}, separator=";")
    source = ('rowid,title,practice_types,relevant,score,_org\r\n'
              '1,"Due righe\nnel titolo, con virgola","[""coprogettazione"", ""altro""]",1,'
              '0.75,x\r\n2,Vuoto,[],1,1,y\r\n')
    rewriter = CsvRewriter(style)
    out = "".join(rewriter.feed(source[i:i + 7]) for i in range(0, len(source), 7))
    out += rewriter.close()
    assert out.startswith("\ufeff") and out.count("\ufeff") == 1
    rows = list(csv.reader(io.StringIO(out[1:]), delimiter=";"))
    assert rows == [["Titolo", "Tipi di pratica", "relevant", "score"],
                    ["Due righe\nnel titolo, con virgola", "Co-progettazione; altro",
                     "Pertinente", "0,75"],
                    ["Vuoto", "", "Pertinente", "1"]]


def test_csv_download_has_a_csv_name_italian_headers_and_labels(ds):
    response = get(ds, "/osservatorio/public_articles.csv?_term_relevant=1&_sep=%3B&_dl=1")
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="articoli.csv"' in response.headers["content-disposition"]
    text = response.text
    assert text.startswith("\ufeffTitolo;Data;Fonte;Tipi di pratica")
    rows = list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))
    assert rows and all(row["Pertinenza"] == "Pertinente" for row in rows)
    assert not any(value.startswith("[") for row in rows for value in row.values())
    assert "rowid" not in rows[0] and "Codice fonte" not in rows[0]


def test_amount_range_terms_follow_the_amounts(tmp_path):
    db = open_db(tmp_path / "amounts.db")
    upsert_sources(db, [{"id": "s", "name": "S", "kind": "portal", "region": None}])
    text = "Il Comune di Lecco stanzia 2 milioni di euro per la co-progettazione."
    aid = save_article(db, {"url": "https://s.example.it/a", "fetched_url": "https://s.example.it/a",
                            "source_id": "s", "title": "T", "text": text,
                            "published": "2026-11-02", "date_method": "meta"}).article_id
    result = {"relevant": True, "relevance_score": 0.9, "model_version": "m",
              "pipeline_version": "p", "practice_types": [], "policy_areas": [],
              "organisations": [], "places": [],
              "amounts": [{"text": "2 milioni di euro", "start": 27, "end": 44, "kind": "money",
                           "value": 2_000_000.0}]}

    def ranges() -> list[str]:
        return [r[0] for r in db.execute(
            "SELECT value FROM article_terms WHERE facet = 'amount_range'")]

    save_analysis(db, aid, text, result)
    assert ranges() == ["1M-10M"]
    save_analysis(db, aid, text, {**result, "amounts": [
        {**result["amounts"][0], "value": 50_000.0}]})
    assert ranges() == ["0-100k"]
    save_analysis(db, aid, text, {**result, "amounts": []})
    assert ranges() == []


def test_amount_filter_with_any_threshold(ds):
    rows = get(ds, "/osservatorio/public_articles.json?_shape=objects&_size=max"
                   "&_euro_min=1000000&_euro_max=2000000").json()["rows"]
    assert rows
    values = get(ds, "/osservatorio/public_amounts.json?_shape=objects&_size=max").json()["rows"]
    largest: dict[str, float] = {}
    for row in values:
        largest[row["article_id"]] = max(largest.get(row["article_id"], 0), row["value"])
    assert all(1_000_000 <= largest[row["id"]] < 2_000_000 for row in rows)
    page = get(ds, "/osservatorio/public_articles?_tutti=1&_euro_min=1000000").text
    assert "importo più alto almeno 1.000.000 €" in page


def test_feed_titles_name_the_selection(ds):
    titles = {}
    for path in ("/osservatorio/feed_per_tipo.atom?tipo=coprogettazione",
                 "/osservatorio/feed_per_tipo.atom?tipo=accreditamento",
                 "/osservatorio/feed_per_regione.atom?regione=Lombardia",
                 "/osservatorio/feed_organizzazione.atom?org=comune-di-bergamo"):
        feed = ET.fromstring(get(ds, path).content)
        titles[path] = feed.find(f"{ATOM}title").text
    assert len(set(titles.values())) == 4
    assert titles["/osservatorio/feed_per_tipo.atom?tipo=coprogettazione"].endswith(
        "Co-progettazione")
    assert titles["/osservatorio/feed_organizzazione.atom?org=comune-di-bergamo"].endswith(
        "Comune di Bergamo")


def test_login_link_only_when_a_password_is_configured(sample_db, ds, monkeypatch):
    assert 'href="/-/login">Accesso staff</a>' in get(ds, "/osservatorio").text
    monkeypatch.delenv("OBS_STAFF_PASSWORD_HASH")
    instance = make_datasette(sample_db.path)
    page = get(instance, "/osservatorio").text
    assert "/-/login" not in page and "Log in" not in page
    assert "/-/login" not in get(instance, "/").text


def test_home_digest_and_network_pages(ds, sample_db, staff):
    home = get(ds, "/").text
    assert "Le notizie della settimana" in home and "Nuove organizzazioni" in home
    assert "Salute delle fonti" not in home
    assert "Salute delle fonti" in get(ds, "/", staff).text
    assert sample_db.week in get(ds, "/digest").text
    digest = get(ds, f"/digest/{sample_db.week}")
    assert digest.status_code == 200 and 'sandbox="allow-popups' in digest.text
    assert "I numeri della settimana" in digest.text  # inside srcdoc, escaped once
    assert get(ds, "/digest/2020-W01").status_code == 404
    network = get(ds, "/rete").text
    assert "<svg" in network and "<circle" in network and "Terzo settore" in network
    assert "Ente pubblico" in get(ds, "/rete?tipo=pubblico").text


def test_plurals_on_organisation_pages(ds):
    page = get(ds, "/osservatorio/organisations/associazione-auser").text
    assert "citata in 1 articoli" not in page
    assert ("citata in 1 articolo" in page) or ("articoli" in page)


def _add_article(db, slug: str, title: str, text: str) -> str:
    url = f"https://vita.example.it/{slug}"
    return save_article(db, {"url": url, "fetched_url": url, "source_id": "vita", "title": title,
                             "text": text, "published": "2026-11-10",
                             "date_method": "meta"}).article_id


def test_places_found_as_organisations_are_not_listed(tmp_path, staff_env):
    sample = build_sample_db(tmp_path / "places.db", n_positive=3, n_negative=1)
    db = open_db(sample.path)
    text = "A Lecco il Comune di Bergamo e Lecco firmano un patto di collaborazione."
    aid = _add_article(db, "lecco", "Patto firmato", text)
    start = text.index("Lecco firmano")
    save_analysis(db, aid, text, {
        "relevant": True, "relevance_score": 0.9, "model_version": "m", "pipeline_version": "p",
        "practice_types": [], "policy_areas": [], "places": [], "amounts": [],
        "organisations": [{"text": "Lecco", "start": start, "end": start + 5,
                           "canonical": "Lecco", "type": "altro", "key": "lecco"},
                          {"text": "Comune di Bergamo", "start": 12, "end": 29,
                           "canonical": "Comune di Bergamo", "type": "pubblico",
                           "key": "comune-di-bergamo"}]})
    db.conn.close()
    public = make_datasette(sample.path)
    names = [r["name"] for r in get(public, "/osservatorio/organisations.json?_shape=objects"
                                            "&_size=max").json()["rows"]]
    assert "Comune di Bergamo" in names and "Lecco" not in names
    assert ">Lecco</a>" not in get(public, "/").text.split("Nuove organizzazioni")[1]
    assert '">Lecco</text>' not in get(public, "/rete").text
    staff_view = make_datasette(sample.path, public=False)
    assert "Lecco" in [r["name"] for r in get(
        staff_view, "/osservatorio/organisations.json?_shape=objects&_size=max").json()["rows"]]


def test_a_comune_named_inside_an_amount_is_not_a_place(tmp_path, staff_env):
    sample = build_sample_db(tmp_path / "nove.db", n_positive=2, n_negative=1)
    db = open_db(sample.path)
    text = "Nove milioni di euro per la co-progettazione dei servizi di Lecco."
    aid = _add_article(db, "nove", "Fondi per i servizi", text)
    lecco = text.index("Lecco")
    save_analysis(db, aid, text, {
        "relevant": True, "relevance_score": 0.9, "model_version": "m", "pipeline_version": "p",
        "practice_types": [], "policy_areas": [], "organisations": [],
        "amounts": [{"text": "Nove milioni di euro", "start": 0, "end": 20, "kind": "money",
                     "value": 9_000_000.0}],
        "places": [
            {"text": "Nove", "start": 0, "end": 4, "name": "Nove", "level": "comune",
             "istat": "024074", "provincia": "Vicenza", "regione": "Veneto", "lat": 45.72,
             "lon": 11.68, "inside_org": False},
            {"text": "Lecco", "start": lecco, "end": lecco + 5, "name": "Lecco",
             "level": "comune", "istat": "097042", "provincia": "Lecco",
             "regione": "Lombardia", "lat": 45.85, "lon": 9.39, "inside_org": False}]})
    db.conn.close()
    instance = make_datasette(sample.path)
    rows = get(instance, f"/osservatorio/map_places.json?_shape=objects&article_id={aid}"
                         "&_tutti=1").json()["rows"]
    assert [row["comune"] for row in rows] == ["Lecco"]
    page = get(instance, f"/osservatorio/articles/{aid}").text
    assert "Vicenza" not in page and "Lombardia" in page


def test_geographic_names_stored_as_organisations_are_not_listed(tmp_path, staff_env):
    """The safety net for organisations stored before the analysis rule: feature names built
    from gazetteer comuni are hidden from the public, organisations named after them stay."""
    sample = build_sample_db(tmp_path / "geo.db", n_positive=3, n_negative=1)
    db = open_db(sample.path)
    comuni = [r[0] for r in db.conn.execute(
        "SELECT name FROM places WHERE level = 'comune' AND name NOT LIKE '% %' "
        "ORDER BY name LIMIT 4")]
    hidden = [f"Colli {comuni[0]}", f"Parco del {comuni[1]}", f"Val {comuni[2]}",
              f"Monte {comuni[3]}"]
    kept = [f"Ente Parco del {comuni[1]}", f"Unione dei Comuni dei Colli {comuni[0]}",
            f"Cooperativa sociale Val {comuni[2]}", "Parco Nazionale del Gran Sasso"]
    text = "; ".join(hidden + kept) + " firmano un patto di collaborazione."
    aid = _add_article(db, "geo", "Patto per il territorio", text)
    orgs = [{"text": name, "start": text.index(name), "end": text.index(name) + len(name),
             "canonical": name, "type": "altro", "key": name.lower().replace(" ", "-")}
            for name in hidden + kept]
    save_analysis(db, aid, text, {
        "relevant": True, "relevance_score": 0.9, "model_version": "m", "pipeline_version": "p",
        "practice_types": [], "policy_areas": [], "places": [], "amounts": [],
        "organisations": orgs})
    db.conn.close()
    names = [r["name"] for r in get(make_datasette(sample.path),
                                    "/osservatorio/organisations.json?_shape=objects&_size=max"
                                    ).json()["rows"]]
    assert [n for n in hidden if n in names] == []
    assert [n for n in kept if n not in names] == []
