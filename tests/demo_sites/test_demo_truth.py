"""The ground truth is large and varied enough for the crawl and analysis tests built on it."""

import json
from collections import Counter
from datetime import date

import pytest

from demo_sites.content import CONTENT_DIR, ContentError, load_articles, parse_article
from demo_sites.truth import load_truth
from store.taxonomy import TAXONOMY

PRACTICE_TYPES = TAXONOMY.ids("practice_types")


@pytest.fixture(scope="module")
def articles():
    return load_truth().articles


def test_counts_per_site_and_relevance(articles) -> None:
    assert len(articles) >= 60
    assert sum(not a.relevant for a in articles) >= 15
    assert sum(a.relevant for a in articles) >= 40
    for site in ("portal", "localnews", "comune"):
        labels = {a.relevant for a in articles if a.site == site}
        assert labels == {True, False}, f"{site} needs relevant and irrelevant articles"


def test_every_practice_type_has_two_relevant_articles(articles) -> None:
    counts = Counter(p for a in articles if a.relevant for p in a.practice_types)
    assert {p: counts[p] for p in PRACTICE_TYPES if counts[p] < 2} == {}


def test_policy_areas_are_spread(articles) -> None:
    counts = Counter(p for a in articles if a.relevant for p in a.policy_areas)
    assert {p: counts[p] for p in TAXONOMY.ids("policy_areas") if counts[p] < 2} == {}


def test_weekly_digest_weeks_have_content(articles) -> None:
    weeks = Counter(a.week for a in articles)
    assert weeks["2026-W46"] >= 12
    assert weeks["2026-W45"] >= 5
    assert weeks["2026-W47"] >= 5
    relevant = Counter(a.week for a in articles if a.relevant)
    assert relevant.most_common(1)[0][0] == "2026-W46"


def test_lengths_are_varied_and_in_range(articles) -> None:
    words = [len(a.body.split()) for a in articles]
    assert min(words) >= 120, [a.slug for a in articles if len(a.body.split()) < 120]
    assert max(words) <= 600
    assert max(words) - min(words) >= 300


def test_one_story_is_republished_on_two_sites_with_edits(articles) -> None:
    stories: dict[str, list] = {}
    for article in articles:
        if article.story:
            stories.setdefault(article.story, []).append(article)
    pair = stories["dopo-di-noi-lecco"]
    assert {a.site for a in pair} == {"portal", "localnews"}
    first, second = pair
    assert first.title != second.title and first.body != second.body
    shared = set(first.body.split("\n\n")) & set(second.body.split("\n\n"))
    assert len(shared) >= 2


def test_places_span_several_regions(articles) -> None:
    places = {p for a in articles for p in a.places}
    assert {"Lombardia", "Emilia-Romagna", "Sardegna", "Toscana", "Puglia"} <= places


def test_amounts_cover_the_written_formats(articles) -> None:
    texts = {amount.text for a in articles for amount in a.amounts}
    for example in ("9 milioni di euro", "€ 4.380.000,00", "350mila euro", "1,5 milioni", "18%"):
        assert example in texts
    for article in articles:
        for amount in article.amounts:
            assert amount.kind in TAXONOMY.ids("amount_kinds")
            assert amount.value > 0


def test_dates_are_in_the_demo_window(articles) -> None:
    assert all(date(2026, 9, 1) <= a.published <= date(2026, 11, 20) for a in articles)
    assert all(a.updated is None or a.updated > a.published for a in articles)


def test_urls_are_unique_and_absolute() -> None:
    truth = load_truth({"portal": "http://h1:1", "localnews": "http://h2:2", "comune": "http://h3:3"})
    urls = [a.url for a in truth.articles]
    assert len(set(urls)) == len(urls)
    assert all(u.startswith(("http://h1:1/", "http://h2:2/", "http://h3:3/")) for u in urls)
    assert not set(urls) & set(truth.non_articles)
    assert truth.disallowed[0].startswith("http://h2:2/riservato/")
    first = truth.articles[0]
    assert truth.article_for(first.url.rstrip("/")) == first
    assert truth.article_for("http://h1:1/nope/") is None


def test_loader_rejects_labels_outside_the_guidelines() -> None:
    raw = json.loads((CONTENT_DIR / "articles" / "comune.json").read_text(encoding="utf-8"))[0]
    with pytest.raises(ContentError, match="unknown practice types"):
        parse_article(raw | {"practice_types": ["coprogettazione", "appalto"]}, "comune")
    with pytest.raises(ContentError, match="not in the text"):
        parse_article(raw | {"places": ["Piacenza"]}, "comune")
    with pytest.raises(ContentError, match="unknown keys"):
        parse_article(raw | {"lable": 1}, "comune")
    assert len(load_articles()) == len(load_truth().articles)


def test_demo_source_registry_template_is_valid(tmp_path) -> None:
    from crawler.sources import load_sources

    text = (CONTENT_DIR.parent / "sources.toml.tmpl").read_text(encoding="utf-8")
    for site, host in (("portal", "127.0.0.1"), ("localnews", "127.0.0.2"),
                       ("comune", "127.0.0.3")):
        text = text.replace("{" + site + "}", f"http://{host}:8000")
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    assert {s.kind for s in load_sources(path)} == {"portal", "local_news", "institution"}


def test_organisations_have_one_canonical_entity_and_a_type(articles) -> None:
    anac = next(a for a in articles if "ANAC" in a.organisations)
    assert [(o.canonical, o.type) for o in anac.organisation_entities if o.canonical == "ANAC"] == [
        ("ANAC", "pubblico")]
    types = Counter(o.type for a in articles for o in a.organisation_entities)
    assert types["pubblico"] >= 20 and types["terzo_settore"] >= 20
    assert types["fondazione"] >= 3 and types["universita_ricerca"] >= 3
    for article in articles:
        assert len(article.organisation_entities) <= len(article.organisations)
