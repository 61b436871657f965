"""Datasette from datasette_config/ over HTTP (in-process client): every table, view, canned
query, feed and custom page; anonymous visitors against signed-in staff; no full text leaks
through HTML, JSON, CSV or feeds; hostile crawled content stays inert."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import sqlite3
import xml.etree.ElementTree as ET

import pytest

import publish.facets
from publish.facets import facet_index_cache
from publish.people import search_plan_query
from publish.serve import CONFIG_DIR, PublishError, load_metadata, make_datasette
from tests.publish.conftest import HOSTILE_TITLE, SECRET_SENTENCE, build_sample_db, login

ATOM = "{http://www.w3.org/2005/Atom}"
PUBLIC_COLUMNS = {
    "rowid", "id", "title", "published", "source_id", "source_name", "source_kind", "url",
    "snippet", "author", "relevant", "relevance_score", "practice_types", "policy_areas",
    "organisations", "org_types", "comuni", "province", "regioni", "month", "year", "week",
    "cluster_id", "fetched_at", "analyzed_at", "search_rowid",
}
CUSTOM_PAGES = {"/licenze": "Apache-2.0", "/informazioni": "Come funziona",
                "/grafici": "Articoli pertinenti per tipo di pratica",
                "/feed": "feed_per_tipo.atom?tipo=coprogettazione"}


def run(coro):
    return asyncio.run(coro)


def get(ds, path: str, cookies: dict | None = None):
    return run(ds.client.get(path, cookies=cookies or {}))


def canned_queries() -> dict:
    return load_metadata(CONFIG_DIR)["databases"]["osservatorio"]["queries"]


def public_tables() -> list[str]:
    return load_metadata(CONFIG_DIR)["plugins"]["observatory"]["public_tables"]


def all_tables(ds) -> list[str]:
    db = ds.get_database("osservatorio")
    return run(db.table_names()) + run(db.view_names())


def test_wrong_password_is_refused_in_italian(ds):
    response = run(login(ds, "not the password"))
    assert response.status_code == 200
    assert "ds_actor" not in response.cookies
    assert "Utente o password non validi" in response.text


def test_every_public_table_and_view_answers_anonymous_html_json_csv(ds):
    for table in public_tables():
        html = get(ds, f"/osservatorio/{table}")
        if table in ("public_articles", "map_places", "public_amounts"):
            # relevant by default: the page opens on its relevant articles
            assert html.status_code == 302, table
            assert html.headers["location"].endswith("_term_relevant=1")
            html = get(ds, html.headers["location"])
        assert html.status_code == 200, table
        data = get(ds, f"/osservatorio/{table}.json?_shape=objects").json()
        assert data["rows"], f"{table} has no rows in the sample database"
        assert "text" not in data["rows"][0] or table in ("mentions", "amounts",
                                                          "public_amounts",
                                                          "article_places"), table
        assert get(ds, f"/osservatorio/{table}.csv").status_code == 200


def test_every_other_table_is_staff_only(ds, staff):
    private = [t for t in all_tables(ds) if t not in public_tables()]
    assert {"articles", "stories", "articles_fts", "reviews", "job_runs", "crawl_runs",
            "seen_urls", "raw_pages", "org_aliases", "source_health"} <= set(private)
    for table in private:
        for suffix in ("", ".json", ".csv"):
            assert get(ds, f"/osservatorio/{table}{suffix}").status_code == 403, table + suffix
        assert get(ds, f"/osservatorio/{table}.json", staff).status_code == 200, table


def test_a_forged_actor_cookie_is_not_staff(ds):
    forged = {"ds_actor": 'eyJhIjp7ImlkIjoic3RhZmYifX0.forged'}
    assert get(ds, "/osservatorio/articles.json", forged).status_code == 403


def test_forbidden_page_explains_how_to_sign_in(ds):
    page = get(ds, "/osservatorio/reviews")
    assert page.status_code == 403
    assert "riservata al personale" in page.text and "/-/login" in page.text
    assert get(ds, "/osservatorio/reviews.json").json()["status"] == 403


def test_public_articles_json_shape_has_no_full_text(ds):
    data = get(ds, "/osservatorio/public_articles.json?_shape=objects&_size=max").json()
    assert set(data["rows"][0]) == PUBLIC_COLUMNS
    assert len(data["rows"]) == 41  # 30 positive, 9 negative, the hostile one, a copy
    assert all(SECRET_SENTENCE not in (row["snippet"] or "") for row in data["rows"])


@pytest.mark.parametrize("path", [
    "/osservatorio/public_articles.json?_size=max",
    "/osservatorio/public_articles.csv?_size=max",
    "/osservatorio/public_articles.csv?_stream=on",
    "/osservatorio/public_articles.json?_search=riservata&_size=max",
    "/osservatorio/map_places.json?_size=max",
    "/osservatorio/labels.json?_size=max",
    "/osservatorio/amounts.json?_size=max",
    "/osservatorio/mentions.json?_size=max",
    "/osservatorio/digests.json",
    "/osservatorio/public_articles.json?_col=text",
    "/osservatorio/public_articles.json?_facet=text",
    "/osservatorio/public_articles.json?_where=1",
    "/osservatorio/articles_fts.json",
    "/osservatorio/articles_fts_data.json",
    "/osservatorio.json?sql=select+text+from+articles",
    "/osservatorio.db",
])
def test_anonymous_never_receives_the_full_text(ds, path):
    response = get(ds, path)
    assert SECRET_SENTENCE not in response.text
    assert response.status_code in (200, 400, 403)


def test_staff_sees_the_full_text_anonymous_only_the_snippet(ds, sample_db, staff):
    path = f"/osservatorio/articles/{sample_db.ids['first_positive']}"
    public = get(ds, path)
    assert public.status_code == 200
    assert SECRET_SENTENCE not in public.text
    assert "Estratto" in public.text and "Il Comune di Bergamo" in public.text
    private = get(ds, path, staff)
    assert f"{SECRET_SENTENCE} 0" in private.text
    assert "Testo integrale" in private.text
    row = get(ds, f"/osservatorio/articles/{sample_db.ids['first_positive']}.json?_shape=objects",
              staff).json()
    assert SECRET_SENTENCE in row["rows"][0]["text"]


def test_arbitrary_sql_only_for_staff(ds, staff):
    assert get(ds, "/osservatorio?sql=select+1").status_code == 403
    rows = get(ds, "/osservatorio.json?sql=select+count(*)+as+n+from+articles&_shape=array",
               staff).json()
    assert rows[0]["n"] > 30


def test_article_page_shows_labels_evidence_entities_amounts(ds, sample_db):
    page = get(ds, f"/osservatorio/articles/{sample_db.ids['first_positive']}").text
    assert "Co-progettazione" in page and "Abitare" in page
    assert 'class="obs-evidence">Il Comune di Bergamo e Cooperativa sociale Il Ponte' in page
    assert "Comune di Bergamo" in page and "/osservatorio/organisations/comune-di-bergamo" in page
    assert "Bergamo" in page and "Lombardia" in page
    assert "150.000 €" in page
    assert "https://welforum.example.it/articoli/0" in page
    assert "Stessa notizia su altri siti" in page  # the joined-spelling copy is in the cluster
    assert get(ds, "/osservatorio/articles/0000000000000000").status_code == 404


def test_hostile_content_is_inert_everywhere(ds, sample_db):
    hostile = sample_db.ids["hostile"]
    pages = [
        get(ds, f"/osservatorio/articles/{hostile}").text,
        get(ds, "/osservatorio/public_articles?_search=parco").text,
        get(ds, "/osservatorio/map_places").text,
        get(ds, "/osservatorio/organisations/il-ponte-hostile").text,
        get(ds, "/osservatorio/notizie_settimana").text,
        get(ds, "/osservatorio/digests/2026-W46").text,
    ]
    for page in pages:
        assert "<script>alert" not in page
        assert not re.search(r"<[a-z]+[^>]*\son(error|load|mouseover)=", page)
        # A real tag with a javascript: link (escaped text such as &lt;a href=... is inert).
        assert not re.search(r"<a\s[^>]*href=[\"']?\s*javascript:", page, flags=re.I)
        assert "<iframe" not in page
    assert "&lt;script&gt;alert" in pages[0]
    assert "Leggi l&#39;articolo originale" not in pages[0]  # javascript: URL gets no link


def test_feeds_are_valid_atom_with_escaped_titles(ds, sample_db):
    feeds = {
        "/osservatorio/feed_pertinenti.atom": "Patto per il parco",
        "/osservatorio/feed_per_tipo.atom?tipo=coprogettazione": "co-progettazione",
        "/osservatorio/feed_per_regione.atom?regione=Toscana": "Firenze",
        "/osservatorio/feed_digest.atom": "2026",
    }
    for path, expected in feeds.items():
        response = get(ds, path)
        assert response.status_code == 200, path
        root = ET.fromstring(response.content)
        entries = root.findall(f"{ATOM}entry")
        assert entries, path
        assert any(expected in (e.findtext(f"{ATOM}title") or "") +
                   (e.findtext(f"{ATOM}content") or "") for e in entries), path
        for entry in entries:
            assert entry.find(f"{ATOM}link").get("href").startswith("http://127.0.0.1:8001/")
            assert "<script" not in (entry.findtext(f"{ATOM}content") or "")
    titles = [e.findtext(f"{ATOM}title") for e in ET.fromstring(
        get(ds, "/osservatorio/feed_pertinenti.atom").content).findall(f"{ATOM}entry")]
    assert HOSTILE_TITLE in titles  # kept as text, escaped by the XML serialiser


def test_feed_for_a_selection_without_articles_is_still_a_feed(ds):
    response = get(ds, "/osservatorio/feed_per_regione.atom?regione=Molise")
    assert response.status_code == 200
    entries = ET.fromstring(response.content).findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "Nessun articolo per questa selezione"]


def test_every_canned_query_answers_with_rows(ds, staff, sample_db):
    params = {"rete_organizzazione": "?org=comune-di-bergamo",
              "feed_per_tipo": "?tipo=coprogettazione", "feed_per_regione": "?regione=Lombardia"}
    for name, query in canned_queries().items():
        path = f"/osservatorio/{name}.json?_shape=objects" + params.get(name, "").replace("?", "&")
        anonymous = get(ds, path)
        cookies = staff if "allow" in query else None
        if "allow" in query:
            assert anonymous.status_code == 403, name
        data = get(ds, path, cookies).json()
        assert data["ok"] is not False, (name, data)
        assert data["rows"], f"canned query {name} returned no rows"
        page = get(ds, f"/osservatorio/{name}{params.get(name, '')}", cookies)
        if name.startswith("feed_"):  # a feed's HTML page is a table of ids: the feeds page
            assert (page.status_code, page.headers["location"]) == (302, "/feed")
        else:
            assert page.status_code == 200


def test_canned_queries_have_italian_titles_and_descriptions(ds):
    for query in canned_queries().values():
        assert query.get("title") and (query.get("description") or query.get("description_html"))
    page = get(ds, "/osservatorio").text
    assert "Notizie pertinenti dell&#39;ultima settimana" in page
    assert "Salute delle fonti" not in page  # staff-only queries are not listed to the public


def test_custom_pages_and_robots(ds):
    for path, expected in CUSTOM_PAGES.items():
        response = get(ds, path)
        assert response.status_code == 200, path
        assert expected in response.text, path
    assert "CC BY-NC 4.0" in get(ds, "/licenze").text
    assert "Lombardia" in get(ds, "/feed").text
    robots = get(ds, "/robots.txt")
    assert robots.status_code == 200 and "Disallow: /" in robots.text


def test_faceted_search_combines_facets_and_full_text(ds, sample_db):
    data = get(ds, "/osservatorio/public_articles.json?_search=coprogettazione"
                   "&_facet_term=comuni&_shape=objects&_size=max").json()
    ids = {row["id"] for row in data["rows"]}
    assert {sample_db.ids["coprogettazione"], sample_db.ids["joined_spelling"]} <= ids
    assert all("coprogettazione" in row["practice_types"] for row in data["rows"])
    facets = data["facet_results"]
    assert {"regioni", "source_kind", "comuni"} <= set(facets)
    counts = {v["value"]: v["count"] for v in facets["regioni"]["results"]}
    expected: dict[str, int] = {}
    for row in data["rows"]:
        for region in json.loads(row["regioni"]):
            expected[region] = expected.get(region, 0) + 1
    assert counts == expected  # facet counts are those of the searched rows
    kinds = {v["value"]: v["label"] for v in facets["source_kind"]["results"]}
    assert kinds["portal"] == "Portale"
    narrowed = get(ds, "/osservatorio/public_articles.json?_search=coprogettazione"
                       "&_term_regioni=Lombardia&_term_source_kind=portal&_shape=objects").json()
    assert narrowed["rows"] and len(narrowed["rows"]) < len(data["rows"])
    assert all("Lombardia" in r["regioni"] and r["source_kind"] == "portal"
               for r in narrowed["rows"])


def test_term_filters_agree_with_datasette_array_filters(ds):
    for facet, value in [("regioni", "Lombardia"), ("practice_types", "accreditamento"),
                         ("org_types", "fondazione"), ("comuni", "Bari")]:
        ours = get(ds, f"/osservatorio/public_articles.json?_term_{facet}={value}"
                       "&_shape=objects&_size=max").json()["rows"]
        core = get(ds, f"/osservatorio/public_articles.json?{facet}__arraycontains={value}"
                       "&_shape=objects&_size=max").json()["rows"]
        assert ours and {r["id"] for r in ours} == {r["id"] for r in core}, facet
    listed = get(ds, "/osservatorio/public_articles.json?_facet_list=comuni").json()
    assert listed["facet_results"]["comuni"]["type"] == "list"


def test_unfiltered_term_counts_match_the_table(ds):
    data = get(ds, "/osservatorio/public_articles.json?_facet_term=year&_facet_size=max").json()
    assert sum(v["count"] for v in data["facet_results"]["relevant"]["results"]) == 41
    labels = {v["value"]: v["label"] for v in data["facet_results"]["relevant"]["results"]}
    assert labels == {"1": "Pertinente", "0": "Non pertinente"}


def test_search_folds_accents(ds, sample_db):
    data = get(ds, "/osservatorio/public_articles.json?_search=disabilita&_shape=objects").json()
    assert sample_db.ids["convenzione"] in {row["id"] for row in data["rows"]}


def test_default_facets_of_the_articles_page(ds):
    data = get(ds, "/osservatorio/public_articles.json?_shape=objects").json()
    assert {"source_name", "source_kind", "practice_types", "policy_areas", "regioni",
            "month", "relevant"} <= set(data["facet_results"])
    assert not data.get("suggested_facets")


def test_organisation_page_shows_forms_timeline_and_network(ds):
    page = get(ds, "/osservatorio/organisations/comune-di-bergamo").text
    assert "Come viene citata" in page and "Articoli nel tempo" in page
    assert "Organizzazioni con cui compare" in page
    assert "/osservatorio/organisations/cooperativa-sociale-il-ponte" in page
    assert 'class="obs-bar"' in page


def test_map_view_has_coordinates_and_practice_filter(ds):
    data = get(ds, "/osservatorio/map_places.json?_term_practice_types=coprogettazione"
                   "&_shape=objects&_size=max").json()
    assert data["rows"]
    assert all(r["latitude"] and r["longitude"] for r in data["rows"])
    assert all("coprogettazione" in r["practice_types"] for r in data["rows"])
    page = get(ds, "/osservatorio/map_places?_term_relevant=1").text
    assert "datasette-cluster-map" in page


def test_digest_markdown_is_rendered(ds, sample_db):
    page = get(ds, f"/osservatorio/digests/{sample_db.week}").text
    assert "<h1>" in page or "<h2>" in page


def test_metadata_endpoint_does_not_expose_the_password_hash(ds):
    text = get(ds, "/-/metadata.json").text
    assert "pbkdf2" not in text and "OBS_STAFF_PASSWORD_HASH" in text


def test_csv_export_of_public_articles(ds):
    rows = list(csv.DictReader(io.StringIO(get(ds, "/osservatorio/public_articles.csv?_size=max")
                                           .text.lstrip("\ufeff"))))
    assert rows and "text" not in rows[0] and "Estratto" in rows[0]


def test_reads_succeed_while_the_pipeline_writes(tmp_path, staff_env):
    sample = build_sample_db(tmp_path / "live.db", n_positive=3, n_negative=1)
    instance = make_datasette(sample.path)
    before = get(instance, "/osservatorio/public_articles.json?_shape=objects").json()["rows"]
    writer = sqlite3.connect(sample.path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE articles SET title = 'Titolo aggiornato' WHERE id = ?",
                   [before[0]["id"]])
    during = get(instance, "/osservatorio/public_articles.json?_shape=objects")
    assert during.status_code == 200
    assert "Titolo aggiornato" not in during.text  # readers see the last committed state
    writer.execute("COMMIT")
    after = get(instance, "/osservatorio/public_articles.json?_shape=objects").text
    assert "Titolo aggiornato" in after
    writer.close()


def test_database_without_the_publish_views_is_refused(tmp_path):
    path = tmp_path / "old.db"
    sqlite3.connect(path).execute("CREATE TABLE articles (id TEXT PRIMARY KEY)").connection.close()
    with pytest.raises(PublishError, match="public_articles"):
        make_datasette(path)
    with pytest.raises(PublishError, match="not found"):
        make_datasette(tmp_path / "missing.db")


@pytest.fixture(scope="module")
def sql_ds(sample_db, staff_env):
    """The same database with the in-memory facet index turned off: every count made in SQL."""
    instance = make_datasette(sample_db.path)
    instance._observatory_facet_caches = {"osservatorio": None}
    run(instance.invoke_startup())
    return instance


def facet_counts(data: dict) -> dict[str, list[tuple[str, int]]]:
    return {name: [(v["value"], v["count"]) for v in facet["results"]]
            for name, facet in data["facet_results"].items()}


@pytest.mark.parametrize("selection", [
    "",
    "_term_regioni=Lombardia",
    "_search=parco&_term_relevant=1",
    "_term_practice_types=coprogettazione&_term_source_kind=portal&_search=bergamo",
    "_search=coprogettazione",
    "_search=nessunarisposta",
])
def test_facet_counts_agree_in_memory_in_sql_and_through_the_page_sql(ds, sql_ds, selection):
    assert facet_index_cache(ds, "osservatorio").index is not None  # loaded at startup
    base = "/osservatorio/public_articles.json?_facet_term=comuni&_facet_term=organisations&"
    in_memory = facet_counts(get(ds, base + selection).json())
    in_sql = facet_counts(get(sql_ds, base + selection).json())
    # Any column filter makes the facets go through the page's own SQL.
    page_sql = facet_counts(get(sql_ds, base + selection + "&id__notblank=1").json())
    memory_page_sql = facet_counts(get(ds, base + selection + "&id__notblank=1").json())
    assert len(in_memory) == 10
    assert in_memory == in_sql == page_sql == memory_page_sql
    if "nessunarisposta" not in selection:
        assert all(in_memory[name] for name in ("comuni", "organisations", "month"))


@pytest.mark.parametrize("path, column", [
    ("/osservatorio/articles.json?source_id=vita", "regioni"),
    ("/osservatorio/map_places.json?regione=Lombardia", "practice_types"),
])
def test_term_facets_through_the_page_sql_count_the_selected_articles(ds, staff, path, column):
    data = get(ds, f"{path}&_shape=objects&_size=max&_facet_term={column}", staff).json()
    articles = {row.get("article_id") or row["id"]: row[column] for row in data["rows"]}
    expected: dict[str, int] = {}
    for values in articles.values():
        for value in json.loads(values):
            expected[value] = expected.get(value, 0) + 1
    counts = {v["value"]: v["count"] for v in data["facet_results"][column]["results"]}
    assert counts and counts == expected


def test_organisation_page_lists_aliases_merged_by_staff(tmp_path, staff_env):
    sample = build_sample_db(tmp_path / "alias.db", n_positive=2, n_negative=0)
    writer = sqlite3.connect(sample.path)
    writer.execute("INSERT INTO org_aliases (alias_key, org_id, alias, origin) "
                   "VALUES ('comune-bg', 'comune-di-bergamo', 'Città di Bergamo', 'staff')")
    writer.commit()
    writer.close()
    page = get(make_datasette(sample.path), "/osservatorio/organisations/comune-di-bergamo").text
    assert "Altri nomi registrati: Città di Bergamo" in page


def test_private_instance_treats_every_visitor_as_staff(sample_db):
    instance = make_datasette(sample_db.path, public=False)
    assert get(instance, "/osservatorio/articles.json").status_code == 200
    page = get(instance, f"/osservatorio/articles/{sample_db.ids['first_positive']}").text
    assert SECRET_SENTENCE in page


def test_tile_server_and_public_url_come_from_the_environment(sample_db, monkeypatch):
    monkeypatch.setenv("OBS_MAP_TILE_URL", "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png")
    monkeypatch.setenv("OBS_PUBLIC_URL", "https://osservatorio.example.org")
    instance = make_datasette(sample_db.path)
    assert "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png" in get(
        instance, "/osservatorio/map_places?_term_relevant=1").text
    feed = ET.fromstring(get(instance, "/osservatorio/feed_pertinenti.atom").content)
    links = [e.find(f"{ATOM}link").get("href") for e in feed.findall(f"{ATOM}entry")]
    assert links and all(link.startswith("https://osservatorio.example.org/osservatorio/articles/")
                         for link in links)


def test_a_row_page_of_every_public_table_answers(ds):
    from datasette.utils import tilde_encode

    db = ds.get_database("osservatorio")
    tables = [t for t in public_tables() if t in run(db.table_names())]
    assert len(tables) >= 8
    for table in tables:
        data = get(ds, f"/osservatorio/{table}.json?_size=1").json()
        pk = data["primary_keys"][0]
        value = str(data["rows"][0][data["columns"].index(pk)])
        page = get(ds, f"/osservatorio/{table}/{tilde_encode(value)}")
        assert page.status_code == 200, table
        assert get(ds, f"/osservatorio/{table}/{tilde_encode(value)}.json").json()["rows"]


@pytest.mark.parametrize("selection", ["_term_relevant=1", "_search=comune&_term_year=2026"])
def test_large_selections_scan_each_facet_with_the_same_counts(sql_ds, selection, monkeypatch):
    base = "/osservatorio/public_articles.json?_facet_term=comuni&"
    probed = get(sql_ds, base + selection).json()["facet_results"]
    monkeypatch.setattr(publish.facets, "LARGE_SELECTION", 0)
    scanned = get(sql_ds, base + selection).json()["facet_results"]
    assert probed.keys() == scanned.keys()
    for name in probed:
        assert probed[name]["results"] == scanned[name]["results"], name


@pytest.mark.parametrize("search", ["coprogettazione", "parco", "Lecco"])
def test_a_search_gives_the_same_rows_and_count_whatever_its_plan(ds, sample_db, search):
    """Common searches are read in date order and counted in memory (`_fts_pk`, `_nocount`
    set by the plugin), rarer ones by rowid: the page shows what SQL finds either way."""
    run(facet_index_cache(ds, "osservatorio").load(ds.get_database("osservatorio")))
    conn = sqlite3.connect(sample_db.path)
    match = "rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)"
    (expected,) = conn.execute(f"SELECT count(*) FROM articles WHERE relevant = 1 AND {match}",
                               [search]).fetchone()
    titles = [r[0] for r in conn.execute(
        f"SELECT title FROM articles WHERE relevant = 1 AND {match} "
        "ORDER BY published DESC, rowid DESC LIMIT 5", [search])]
    assert expected >= 1
    path = f"/osservatorio/public_articles?_term_relevant=1&_search={search}"
    for forced in ("", "&_fts_pk=rowid", "&_fts_pk=search_rowid&_nocount=1"):
        page = get(ds, path + forced).text
        assert re.search(rf"<h3>\s*{expected} (righe|riga)\b", page)
        assert "_fts_pk" not in page and "_nocount" not in page  # links decide anew
        data = get(ds, path.replace("public_articles?", "public_articles.json?")
                   + forced + "&_shape=objects&_size=5").json()
        assert data["filtered_table_rows_count"] == (None if "_nocount" in forced else expected)
        assert sorted(row["title"] for row in data["rows"]) == sorted(titles)


def test_only_a_common_search_changes_the_plan():
    query = "_term_relevant=1&_search=x&_fts_pk=rowid&_nocount=1"
    assert search_plan_query(query, "search_rowid", False) == "_term_relevant=1&_search=x"
    assert search_plan_query(query, "search_rowid", True) == \
        "_term_relevant=1&_search=x&_fts_pk=search_rowid&_nocount=1"
