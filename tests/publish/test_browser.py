"""What a user sees, in Debian's chromium driven by Playwright against a real uvicorn server:
facets and search on the articles page, the article page, the map, the staff login.
Screenshots go to test-artifacts/publish/."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.publish.conftest import ARTIFACTS, SECRET_SENTENCE, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser, live_server):
    """A page that may only talk to the local server: tiles and anything else are blocked."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    local = urlsplit(live_server).netloc
    blocked: list[str] = []

    def only_local(route):
        if urlsplit(route.request.url).netloc == local:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    tab = context.new_page()
    tab.dialogs = []
    tab.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
    tab.blocked = blocked
    yield tab
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def facet_link(page, column: str, value: str):
    return page.locator(f'.facet-info[data-column="{column}"] li a', has_text=value).first


def test_two_facets_and_a_search_narrow_the_articles(page, live_server):
    page.goto(f"{live_server}/osservatorio/public_articles")
    assert page.locator("h1").inner_text().startswith("Articoli")
    page.fill("#_search", "coprogettazione")
    page.locator("#_search").press("Enter")
    page.wait_for_url(re.compile(r"_search=coprogettazione"))
    facet_link(page, "regioni", "Lombardia").click()
    page.wait_for_url(re.compile(r"_term_regioni=Lombardia"))
    facet_link(page, "source_kind", "Portale").click()
    page.wait_for_url(re.compile(r"_term_source_kind=portal"))
    cards = page.locator("li.obs-card")
    assert cards.count() >= 1
    for i in range(cards.count()):
        card = cards.nth(i)
        assert "Lombardia" in card.locator(".obs-chips").inner_text()
        assert "Portale" in card.locator(".obs-meta").inner_text()
        assert "Co-progettazione" in card.locator(".obs-chips").inner_text()
    shot(page, "articles-faceted-search")
    assert page.dialogs == []


def test_article_page_shows_entities_and_evidence(page, live_server):
    page.goto(f"{live_server}/osservatorio/public_articles?_search=coprogettazione")
    page.locator(".obs-card-title a").first.click()
    page.wait_for_url(re.compile(r"/osservatorio/articles/[0-9a-f]{16}$"))
    assert page.locator(".obs-evidence").first.is_visible()
    assert page.locator(".obs-orgs li").count() >= 2
    assert page.locator(".obs-places li").count() >= 1
    assert "€" in page.locator(".obs-amounts").inner_text()
    assert SECRET_SENTENCE not in page.content()
    shot(page, "article-public")


def test_hostile_article_runs_no_script(page, live_server, sample_db):
    page.goto(f"{live_server}/osservatorio/articles/{sample_db.ids['hostile']}")
    assert "<script>" in page.locator("h1").inner_text()  # shown as text
    page.goto(f"{live_server}/osservatorio/public_articles?_search=parco")
    page.goto(f"{live_server}/osservatorio/organisations/il-ponte-hostile")
    page.wait_for_timeout(300)
    assert page.dialogs == []
    assert not any("evil.example" in url for url in page.blocked)


def test_map_draws_markers_for_comuni(page, live_server):
    page.goto(f"{live_server}/osservatorio/map_places?_term_practice_types=coprogettazione")
    markers = page.locator(".leaflet-marker-icon")
    markers.first.wait_for(timeout=15000)
    assert markers.count() >= 1
    shot(page, "map")
    markers.first.click()
    assert page.dialogs == []


def test_staff_signs_in_and_reads_the_full_text(page, live_server, sample_db):
    sign_in(page, live_server)
    page.goto(f"{live_server}/osservatorio/articles/{sample_db.ids['first_positive']}")
    assert SECRET_SENTENCE in page.locator(".obs-text").inner_text()
    shot(page, "article-staff")
    page.goto(f"{live_server}/osservatorio/organisations/comune-di-bergamo")
    assert page.locator(".obs-network tbody tr").count() >= 1
    shot(page, "organisation")


def test_chart_of_articles_per_month_is_drawn(page, live_server):
    page.goto(f"{live_server}/grafici")
    chart = page.locator(".obs-chart").nth(1)
    assert "Co-progettazione" in chart.inner_text()
    assert page.locator(".obs-chart .obs-bar").count() >= 3
    shot(page, "chart-articles-per-month")
    assert page.dialogs == []
