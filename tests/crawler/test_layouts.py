"""Extraction on the real-layout corpus (tests/crawler/layouts.py): every article layout is
extracted at least as well as plain trafilatura, no real article is refused, and every listing
or section page is refused with a reason. Plus the single defects each layout exposed."""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from pathlib import Path

import pytest
import trafilatura

from crawler.decoding import decode_html
from crawler.extract import count_words, extract_page
from crawler.pageshape import boilerplate_attrs
from tests.crawler.layouts import IT_SENTENCES, ZH_SENTENCES, core, token_f1

FETCHED = "2026-01-15T10:00:00+00:00"
PAGES = core()


FIXED = Path(__file__).parent / "layout_pages"


def test_the_fixed_real_layout_pages():
    """The pages kept as files (layout_pages/README.md): articles extracted with their day,
    listings refused, invalid bytes and legacy charsets decoded."""
    index = json.loads((FIXED / "index.json").read_text(encoding="utf-8"))
    scores = []
    for entry in index:
        body = (FIXED / f"{entry['name']}.html").read_bytes()
        page = extract_page(decode_html(body, entry["content_type"]).text, entry["url"],
                            fetched_at=FETCHED)
        if not entry["article"]:
            assert not page.is_article and "listing" in page.reason, entry["name"]
            continue
        expected = (FIXED / f"{entry['name']}.txt").read_text(encoding="utf-8").strip()
        assert page.is_article, (entry["name"], page.reason)
        scores.append(token_f1(page.text, expected))
        assert scores[-1] >= 0.8, entry["name"]
        if entry["layout"] not in ("halley", "designers_italia"):
            assert page.published == entry["published"], entry["name"]
    assert len(scores) >= 25 and statistics.mean(scores) >= 0.97


def _extract(page):
    return extract_page(decode_html(page.body, page.content_type).text, page.url,
                        fetched_at=FETCHED)


@pytest.fixture(scope="module")
def results():
    return [(page, _extract(page)) for page in PAGES]


def test_the_corpus_covers_every_layout_and_language():
    layouts = {page.layout for page in PAGES}
    assert {"wp_elementor", "wp_gutenberg", "drupal", "joomla", "designers_italia", "halley",
            "news_rail", "foreign_en", "foreign_zh", "foreign_ja"} <= layouts
    assert sum(page.expected is None for page in PAGES) >= 10
    assert sum(page.expected is not None and count_words(page.expected) < 80
               for page in PAGES) >= 5  # brief notes under the old 80-word floor


def test_no_real_article_is_refused(results):
    refused = [(page.name, fields.reason) for page, fields in results
               if page.expected is not None and not fields.is_article]
    assert refused == []


def test_every_listing_page_is_refused_with_a_reason(results):
    for page, fields in results:
        if page.expected is None:
            assert not fields.is_article, page.name
            assert "listing" in fields.reason, (page.name, fields.reason)


def test_text_is_at_least_as_good_as_trafilatura_on_every_layout(results):
    ours, theirs = defaultdict(list), defaultdict(list)
    for page, fields in results:
        if page.expected is None:
            continue
        text = decode_html(page.body, page.content_type).text
        plain = trafilatura.extract(text, url=page.url, favor_precision=True,
                                    include_comments=False, include_tables=True) or ""
        ours[page.layout].append(token_f1(fields.text, page.expected))
        theirs[page.layout].append(token_f1(plain, page.expected))
    for layout in ours:
        mine, plain = statistics.mean(ours[layout]), statistics.mean(theirs[layout])
        assert mine >= plain - 0.005, (layout, mine, plain)
        assert mine >= 0.85, (layout, mine)
    assert statistics.mean(f for scores in ours.values() for f in scores) >= 0.95


def test_publication_day_is_found_on_every_article(results):
    for page, fields in results:
        if page.expected is not None and page.layout not in ("halley", "designers_italia"):
            assert fields.published == page.published, (page.name, fields.date_method)


def test_no_boilerplate_in_the_text(results):
    junk = ("cookie", "Condividi", "Lascia un commento", "Potrebbe interessarti", "P.IVA",
            "Quanto sono chiare", "Leggi anche", "Articoli recenti", "Finalmente una buona",
            "Ultime notizie", "Facebook", "WhatsApp")
    for page, fields in results:
        for word in junk:
            assert word.lower() not in fields.text.lower(), (page.name, word)


BODY = " ".join(IT_SENTENCES[:6])


def test_elementor_post_content_widget_is_the_article_not_a_widget():
    html = ("<html><body><div class='elementor elementor-location-single'><div class='elementor-"
            "widget elementor-widget-theme-post-title'><h1>Nuovo centro diurno</h1></div><div "
            "class='elementor-element elementor-widget elementor-widget-theme-post-content'><div "
            f"class='elementor-widget-container'><p>{BODY}</p></div></div><div class='elementor-"
            "widget elementor-widget-share-buttons'><span>Condividi su Facebook</span></div>"
            "</div></body></html>")
    page = extract_page(html, "https://coop.example.it/centro-diurno/")
    assert page.is_article and page.text == BODY
    assert not boilerplate_attrs("elementor-widget elementor-widget-theme-post-content")
    assert boilerplate_attrs("elementor-widget elementor-widget-share-buttons")
    assert boilerplate_attrs("site-footer") and boilerplate_attrs("widget")
    assert not boilerplate_attrs("widget-content-area post-body")


def test_the_block_with_most_of_the_text_is_never_removed():
    # A theme that names its content column after the sidebar layout it sits beside.
    other = " ".join(IT_SENTENCES[6:12])
    html = ("<html><body><h1>Accordo firmato</h1><div class='content-sidebar'>"
            f"<p>{BODY}</p><p>{other}</p></div><div class='sidebar'><p>Link utili</p></div>"
            "</body></html>")
    page = extract_page(html, "https://x.example.it/accordo")
    assert page.is_article and page.text == f"{BODY}\n{other}"


@pytest.mark.parametrize("cards", [7, 25, 60])
def test_a_short_story_followed_by_teaser_cards_is_an_article(cards):
    story = " ".join(IT_SENTENCES[:2])  # 37 words
    teasers = "".join(f"<article class='card'><h3><a href='/n/{i}'>Un'altra notizia numero {i}"
                      f"</a></h3><p>{IT_SENTENCES[i % 20]}</p></article>" for i in range(cards))
    html = (f"<html><body><nav><a href='/'>Home</a></nav><main><article class='story'><h1>"
            f"Avviso</h1><span>12 marzo 2025</span><p>{story}</p></article><section>{teasers}"
            "</section></main></body></html>")
    page = extract_page(html, "https://giornale.example.it/avviso")
    assert page.is_article and page.text == story


def test_brief_press_note_is_an_article_and_an_empty_page_is_not():
    note = ("Si comunica che l'ufficio anagrafe resterà chiuso lunedì 3 marzo per un intervento "
            "di manutenzione della rete informatica. I servizi riprenderanno regolarmente "
            "martedì mattina.")
    html = (f"<html><body><h1>Chiusura uffici</h1><div class='testo'><p>{note}</p></div>"
            "</body></html>")
    page = extract_page(html, "https://www.comune.example.it/avvisi/chiusura")
    assert page.is_article and page.text == note
    empty = extract_page("<html><body><h1>Pagina non trovata</h1></body></html>",
                         "https://www.comune.example.it/x")
    assert not empty.is_article and "too short" in empty.reason


def test_scripts_without_spaces_are_counted_in_words():
    text = "".join(ZH_SENTENCES[:2])
    assert count_words(text) >= 20 and count_words("uno due tre") == 3
    html = f"<html><body><h1>社区服务</h1><article><p>{text}</p></article></body></html>"
    assert extract_page(html, "https://zh.example.org/a").is_article


def test_a_section_page_listed_in_a_sitemap_is_not_an_article():
    items = "".join(f"<li><a href='/notizie/{i}'>Notizia del Comune numero {i}</a> "
                    f"<span>0{i}/03/2025</span></li>" for i in range(1, 9))
    html = (f"<html><body><h1>Notizie</h1><p>Tutte le notizie del Comune.</p><ul>{items}</ul>"
            "</body></html>")
    page = extract_page(html, "https://www.comune.example.it/it/notizie-ed-eventi")
    assert not page.is_article and "listing" in page.reason


def test_invalid_bytes_between_paragraphs_do_not_lose_the_page():
    html = (f"<html><head><meta charset='utf-8'></head><body><h1>Città</h1><p>{BODY}</p>"
            ).encode() + b"\xe0\xff " + f"<p>{BODY}</p></body></html>".encode()
    decoded = decode_html(html, "text/html; charset=utf-8")
    assert decoded.replaced == 2 and decoded.encoding == "utf-8"
    page = extract_page(html, "https://x.example.it/a")
    assert page.is_article and page.title == "Città" and "\ufffd" not in page.text


def test_a_blog_post_inside_a_blogger_widget_is_kept():
    labels = "".join(f"<li><a href='/search/label/{i}'>Etichetta {i}</a> (12)</li>"
                     for i in range(80))
    html = ("<html><head><title>Il nostro orto sociale</title></head><body><div class='main "
            "section'><div class='widget Blog' id='Blog1'>"
            "<div class='post hentry'><h3 class='post-title'>Il nostro orto sociale</h3>"
            f"<div class='post-body entry-content'>{BODY}</div></div></div></div>"
            "<div class='sidebar section'><div class='widget Label' id='Label1'><h2>Etichette"
            f"</h2><div class='widget-content list-label-widget-content'><ul>{labels}</ul>"
            "</div></div></div></body></html>")
    page = extract_page(html, "https://orto.blogspot.com/2025/03/orto.html")
    assert page.is_article and page.text == BODY


def test_an_article_body_inside_a_share_zone_is_kept():
    # "share" marks sharing widgets, but a site may wrap a whole body in a "share zone"
    # (select text to share it): the block with most of the text is never removed.
    html = ("<html><body><h1>Il parco riapre</h1><div class='share-zone'><div class='content-"
            f"body'><p>{BODY}</p><p>{BODY[::-1]}</p></div></div><div class='share'>Condividi"
            "</div></body></html>")
    page = extract_page(html, "https://x.example.it/parco")
    assert page.is_article and page.text.startswith(BODY) and "Condividi" not in page.text


def test_state_modifiers_are_not_boilerplate():
    assert not boilerplate_attrs("o-section o-section--has-ads js-section--has-ads")
    assert not boilerplate_attrs("container has-sidebar")
    html = ("<html><body><h1>Il parco riapre</h1><section class='o-section o-section--has-ads'>"
            f"<div class='c-article-copy'><p>{BODY}</p></div></section></body></html>")
    assert extract_page(html, "https://x.example.it/parco").text == BODY


def _cards(count: int, words: int) -> str:
    excerpt = " ".join(" ".join(IT_SENTENCES).split()[:words])
    return "".join(f"<div class='nextstory'><a href='/n/{i}'><h3>Notizia numero {i}</h3></a>"
                   f"<p>{excerpt}</p></div>" for i in range(count))


def test_a_short_blurb_above_longer_teasers_is_an_article_when_marked_as_one():
    blurb = " ".join(IT_SENTENCES[:2])
    html = ("<html><head><meta property='og:type' content='article'></head><body><div id="
            f"'headline'><h1>Un fumetto sui giovani</h1></div><div id='story'><p>{blurb}</p></div>"
            f"<div id='next'>{_cards(6, 60)}</div></body></html>")
    page = extract_page(html, "https://blog.example.org/2025/03/fumetto")
    assert page.is_article and page.text == blurb


def test_a_section_page_with_a_short_introduction_is_a_listing():
    intro = ("Utensili, trapani e idropulitrici: in questa sezione trovate prove, consigli, "
             "notizie e le migliori offerte del momento.")
    cards = "".join(f"<article><a href='/n/{i}'><h3>Trapano numero {i} alla prova</h3></a>"
                    f"<p>{IT_SENTENCES[i]}</p></article>" for i in range(11))
    html = (f"<html><body><header><h1>Utensili</h1><p>{intro}</p></header><div>{cards}</div>"
            "</body></html>")
    page = extract_page(html, "https://tech.example.it/utensili/test")
    assert not page.is_article and "listing" in page.reason


def test_a_long_comment_thread_under_a_short_story_stays_out():
    story = " ".join(IT_SENTENCES[:2])
    thread = "".join(f"<li class='comment'><div class='comment-content'><p>{IT_SENTENCES[i]} "
                     f"{IT_SENTENCES[i + 1]}</p></div></li>" for i in range(4, 20, 2))
    html = (f"<html><body><article><h1>Avviso</h1><span>12 marzo 2025</span><p>{story}</p>"
            f"</article><div id='comments' class='comments-area'><ol>{thread}</ol></div>"
            "</body></html>")
    page = extract_page(html, "https://x.example.it/avviso")
    assert page.is_article and page.text == story
