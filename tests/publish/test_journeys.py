"""The observatory as its three users go through it, in Debian's chromium against a real
uvicorn server: staff on Monday morning, a researcher exporting a filtered set, a journalist
following an organisation. Each step asserts what is on screen; screenshots are kept in
$OBS_TEST_ARTIFACTS (default: the test's tmp_path). A last test walks every page a public
visitor reaches and looks for what a person should never read there."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from publish.serve import CONFIG_DIR, load_metadata
from tests.publish.conftest import sign_in
from tests.publish.test_chrome_it import ENGLISH

pytestmark = pytest.mark.browser
LABEL_CODES = ["terzo_settore", "universita_ricerca", "patto_collaborazione",
               "bando_finanziamento", "ambiente_beni_comuni", "welfare_generale", "local_news",
               "minori_famiglie", "poverta_inclusione"]
TABLE_NAMES = ["public_articles", "map_places", "org_links", "public_amounts", "organisations"]
HEX_ID = re.compile(r"\b[0-9a-f]{16}\b")
RAW_JSON = re.compile(r'\[\]|\[\s*"|\{\s*"')
ONE_PLURAL = re.compile(r"\b1 (?:articoli|righe|organizzazioni|importi|luoghi|collaborazioni|"
                        r"partner diversi|fonti|notizie|settimane|citazioni)\b")


@pytest.fixture
def artefacts(tmp_path) -> Path:
    folder = Path(os.environ.get("OBS_TEST_ARTIFACTS") or tmp_path) / "journeys"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT",
                                  accept_downloads=True)
    local = urlsplit(live_server).netloc
    context.route("**/*", lambda route: route.continue_()
                  if urlsplit(route.request.url).netloc == local else route.abort())
    tab = context.new_page()
    tab.dialogs = []
    tab.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
    yield tab
    context.close()


def shot(page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_staff_on_monday_morning(page, live_server, artefacts):
    sign_in(page, live_server)
    page.goto(f"{live_server}/")
    assert page.locator("h1").inner_text() == "Osservatorio co-progettazione"
    week = page.locator(".obs-week")
    assert week.locator("li").count() >= 2
    assert "Co-progettazione" in week.inner_text()
    health = page.locator(".obs-health")
    assert "Salute delle fonti" in health.inner_text()
    assert "fallita" in health.locator("tr", has_text="Vita").inner_text()
    shot(page, artefacts, "staff-1-home")
    page.locator("a", has_text="Leggi l'ultimo digest").click()
    page.wait_for_url(re.compile(r"/digest/2026-W46$"))
    frame = page.frame_locator("iframe.obs-digest")
    assert "I numeri della settimana" in frame.locator("body").inner_text()
    shot(page, artefacts, "staff-2-digest")
    page.locator(".obs-meta a", has_text="Digest settimanali").click()
    page.wait_for_url(re.compile(r"/digest$"))
    assert page.locator(".obs-digests li").count() >= 1
    page.goto(f"{live_server}/")
    page.locator(".obs-week li a").first.click()
    page.wait_for_url(re.compile(r"/osservatorio/articles/[0-9a-f]{16}$"))
    assert page.locator(".obs-text").is_visible()  # staff read the full text
    shot(page, artefacts, "staff-3-article")
    assert page.dialogs == []


def test_researcher_exports_a_filtered_set(page, live_server, artefacts):
    page.goto(f"{live_server}/")
    page.locator(".obs-entry a[href$='public_articles']").click()
    page.wait_for_url(re.compile(r"_term_relevant=1"))
    assert page.locator(".obs-switch-on").inner_text() == "Solo articoli pertinenti"
    assert "Derby" not in page.locator(".obs-article-list").inner_text()
    page.locator('.facet-info[data-column="practice_types"] li a',
                 has_text="Co-progettazione").first.click()
    page.wait_for_url(re.compile(r"_term_practice_types=coprogettazione"))
    page.locator('.facet-info[data-column="regioni"] li a', has_text="Lombardia").first.click()
    page.wait_for_url(re.compile(r"_term_regioni=Lombardia"))
    amounts = page.locator('.facet-info[data-column="amount_range"]')
    assert "Importo più alto" in amounts.inner_text()
    amounts.locator("li a", has_text="da 100.000 € a 1 milione").click()
    page.wait_for_url(re.compile(r"_term_amount_range=100k-1M"))
    heading = page.locator("h3").first.inner_text()
    assert "Co-progettazione" in heading and "da 100.000 € a 1 milione" in heading
    cards = page.locator("li.obs-card")
    shown = cards.count()
    assert shown >= 1
    for i in range(shown):
        assert "Lombardia" in cards.nth(i).locator(".obs-chips").inner_text()
    shot(page, artefacts, "researcher-1-filtered")
    with page.expect_download() as info:
        page.locator("a.obs-csv-semicolon").click()
    download = info.value
    assert download.suggested_filename == "articoli.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.startswith("\ufeffTitolo;Data;Fonte;Tipi di pratica")
    rows = list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))
    assert len(rows) == shown
    assert all(row["Regioni"] == "Lombardia" and row["Pertinenza"] == "Pertinente"
               for row in rows)
    assert any("; " in row["Organizzazioni"] for row in rows)
    assert not any("[" in value for row in rows for value in row.values())


def test_journalist_follows_an_organisation(page, live_server, artefacts):
    page.goto(f"{live_server}/osservatorio/organisations")
    page.fill("#_search", "Ponte")
    page.locator("#_search").press("Enter")
    page.wait_for_url(re.compile(r"_search=Ponte"))
    page.locator("td.col-name a", has_text="Cooperativa sociale Il Ponte").click()
    assert page.locator("h1").inner_text() == "Cooperativa sociale Il Ponte"
    meta = page.locator(".obs-meta").first.inner_text()
    assert re.search(r"citata in (1 articolo|\d+ articoli)\b", meta)
    assert "Terzo settore" in meta
    assert page.locator(".obs-network tbody tr").count() >= 1
    shot(page, artefacts, "journalist-1-organisation")
    href = page.locator(".obs-follow a").get_attribute("href")
    feed = page.request.get(f"{live_server}{href}").text()
    assert "<title>Osservatorio co-progettazione - organizzazione - " \
           "Cooperativa sociale Il Ponte</title>" in feed
    page.goto(f"{live_server}/rete")
    assert page.locator(".obs-graph circle").count() >= 2
    page.locator(".obs-type-pairs a").first.click()
    page.wait_for_url(re.compile(r"partner_per_tipo"))
    assert page.locator("table.rows-and-columns tbody tr").count() >= 1
    shot(page, artefacts, "journalist-2-network")
    page.goto(f"{live_server}/osservatorio/map_places")
    assert page.locator("#obs-map .leaflet-marker-icon, #obs-map .marker-cluster").first \
        .wait_for(timeout=15000) is None
    box = page.locator("#obs-map").bounding_box()
    assert box and box["y"] < 500  # the map comes first, above the fold
    # no tile server in the tests: the offline outlines of all 20 regions and the provinces
    page.locator("#obs-map path.obs-regione").first.wait_for(timeout=15000)
    assert page.locator("#obs-map path.obs-regione").count() == 20
    assert page.locator("#obs-map path.obs-provincia").count() >= 100
    attribution = page.locator(".leaflet-control-attribution").inner_text()
    assert "Natural Earth" in attribution and "ISTAT" in attribution
    assert "Server di mappe non configurato" in page.locator(".obs-offline-map").inner_text()
    shot(page, artefacts, "journalist-3-map")
    assert page.dialogs == []


# The queries that show nothing without a parameter, with one that gives them rows.
QUERY_ARGS = {"feed_per_tipo": "tipo=coprogettazione", "feed_per_regione": "regione=Lombardia",
              "feed_organizzazione": "org=cooperativa-sociale-il-ponte",
              "rete_organizzazione": "org=cooperativa-sociale-il-ponte"}
PUBLIC_TABLES = ["public_articles", "map_places", "organisations", "public_amounts",
                 "org_links"]


def public_queries() -> dict[str, dict]:
    """Every canned query a visitor may open (those without an `allow` block)."""
    queries = load_metadata(CONFIG_DIR)["databases"]["osservatorio"]["queries"]
    return {name: spec for name, spec in queries.items() if "allow" not in spec}


def _with_args(path: str, name: str) -> str:
    return f"{path}?{QUERY_ARGS[name]}" if name in QUERY_ARGS else path


def public_pages(live_server: str, page) -> list[str]:
    """Every page a public visitor reaches: entry pages, each public table (plain, searched,
    filtered, with irrelevant articles), an article and an organisation, every canned query
    a visitor may open, the digest archive and a digest."""
    paths = ["/", "/digest", "/digest/2026-W46", "/rete", "/grafici", "/feed",
             "/informazioni", "/licenze", "/osservatorio",
             "/osservatorio/organisations/cooperativa-sociale-il-ponte",
             "/osservatorio/public_articles?_search=coprogettazione",
             "/osservatorio/public_articles?_term_regioni=Lombardia&_tutti=1",
             "/osservatorio/public_articles?_term_amount_range=1M-10M",
             "/osservatorio/organisations?_search=cooperativa",
             "/osservatorio/public_amounts?_term_regioni=Lombardia"]
    paths += [f"/osservatorio/{table}" for table in PUBLIC_TABLES]
    page.goto(f"{live_server}/osservatorio/public_articles")
    paths.append(urlsplit(page.locator(".obs-card-title a").first.get_attribute("href")).path)
    for name in public_queries():
        paths.append(_with_args(f"/osservatorio/{name}", name))
    return paths


def public_csv_exports() -> list[str]:
    """The CSV downloads of the public tables and of the canned queries that list rows."""
    paths = [f"/osservatorio/{table}.csv" for table in PUBLIC_TABLES]
    paths += [f"/osservatorio/{table}.csv?_sep=;" for table in ("public_articles",)]
    paths += [_with_args(f"/osservatorio/{name}.csv", name)
              for name in public_queries() if not name.startswith("feed_")]
    return paths


def internals(text: str) -> list[str]:
    """What a person should never read: Datasette's English, label codes, table names, hex
    ids, raw JSON or `[]`, '1 articoli'."""
    return ([p for p in ENGLISH if p in text] + [c for c in LABEL_CODES if c in text]
            + [t for t in TABLE_NAMES if t in text] + HEX_ID.findall(text)
            + RAW_JSON.findall(text) + ONE_PLURAL.findall(text))


def test_no_public_page_shows_internals(page, live_server, artefacts):
    problems = []
    for path in public_pages(live_server, page):
        response = page.goto(f"{live_server}{path}")
        found = internals(page.locator("body").inner_text() + "\n" + page.title())
        if response.status != 200 or found:
            problems.append((path, response.status, found[:5]))
    shot(page, artefacts, "public-last-page")
    assert problems == [], "\n".join(f"{p} ({s}): {f}" for p, s, f in problems)


def test_no_public_csv_export_shows_internals(page, live_server):
    problems = []
    for path in public_csv_exports():
        response = page.request.get(f"{live_server}{path}")
        text = response.text()
        header = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
        english_header = [c for c in re.split(r"[,;]", header) if re.fullmatch(r"[a-z_]+", c)]
        found = internals(text) + english_header
        if response.status != 200 or not text.startswith("\ufeff") or found:
            problems.append((path, response.status, found[:5]))
    assert problems == [], "\n".join(f"{p} ({s}): {f}" for p, s, f in problems)
