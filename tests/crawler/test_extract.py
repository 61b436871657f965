"""Extraction on saved pages: text without boilerplate, publication date, non-articles."""

from pathlib import Path

from crawler.extract import extract_page, non_article_url_reason

PAGES = Path(__file__).parent / "pages"
BODY = ("<p>" + "Il Comune e le cooperative sociali del territorio hanno firmato un accordo "
        "di co-progettazione per i servizi educativi, con risorse pubbliche e private. " * 6
        + "</p>")


def _page(head: str = "", body: str = BODY, title: str = "Titolo della notizia") -> str:
    return (f"<html><head><meta charset='utf-8'><title>{title}</title>{head}</head><body>"
            f"<article><h1>{title}</h1>{body}</article></body></html>")


def test_wordpress_page_text_title_byline_date_and_canonical():
    html = (PAGES / "byline_wordpress.html").read_text(encoding="utf-8")
    page = extract_page(html, "https://lecconotizie.com/cronaca/patto-lecco/?fbclid=2",
                        fetched_at="2025-11-22")
    assert page.is_article
    assert page.url == "https://lecconotizie.com/cronaca/patto-lecco"
    assert page.title == "Nuovo patto di collaborazione per il parco di via Roma"
    assert page.published == "2025-02-14" and page.date_method == "byline"
    assert page.text.startswith("Il Comune di Lecco e l'associazione Amici del Parco")
    assert page.text.endswith("verrà presentato il calendario degli interventi.")
    for junk in ("Leggi anche", "Altro articolo", "Bella iniziativa", "cookie", "Facebook",
                 "P.IVA"):
        assert junk not in page.text
    assert page.tags == ["beni comuni"]
    assert page.author == "Mario Rossi"


def test_municipality_page_prefers_publication_over_last_update():
    html = (PAGES / "comune_updated.html").read_text(encoding="utf-8")
    page = extract_page(html, "https://www.comune.montebello.it/novita/avviso-centro-giovani",
                        fetched_at="2025-06-01")
    assert page.published == "2025-04-02" and page.date_method == "byline"
    assert "Questo sito utilizza cookie" not in page.text and "PEC" not in page.text
    assert page.text.count("\n") == 2


def test_meta_and_jsonld_dates_before_text_and_modified_dates_ignored():
    meta = '<meta property="article:modified_time" content="2025-03-20T10:00:00+01:00">' \
        '<meta property="article:published_time" content="2025-03-01T23:30:00+01:00">'
    assert extract_page(_page(meta), "https://x.it/a", fetched_at="2025-06-01").published \
        == "2025-03-01"
    jsonld = ('<script type="application/ld+json">{"@graph":[{"@type":"WebPage"},'
              '{"@type":"NewsArticle","dateModified":"2025-05-01","datePublished":'
              '"2025-04-03T08:00:00Z"}]}</script>')
    page = extract_page(_page(jsonld), "https://x.it/a", fetched_at="2025-06-01")
    assert (page.published, page.date_method) == ("2025-04-03", "jsonld")
    time_el = ('<p><time class="entry-updated" datetime="2025-05-05">5 maggio</time>'
               '<time datetime="2025-04-04">4 aprile</time></p>')
    page = extract_page(_page(body=time_el + BODY), "https://x.it/a", fetched_at="2025-06-01")
    assert (page.published, page.date_method) == ("2025-04-04", "time")


def test_no_date_means_none_never_the_fetch_date_and_future_dates_rejected():
    page = extract_page(_page(), "https://x.it/a", fetched_at="2025-06-01")
    assert page.is_article and page.published is None and page.date_method == "none"
    future = '<meta property="article:published_time" content="2031-01-01T10:00:00Z">'
    assert extract_page(_page(future), "https://x.it/a", fetched_at="2025-06-01").published \
        is None


def test_feed_hint_dates_a_page_without_one():
    hint = {"origin": "feed", "published": "2025-03-10", "title": "", "tags": ["welfare"]}
    page = extract_page(_page(), "https://x.it/a", fetched_at="2025-06-01", hint=hint)
    assert (page.published, page.date_method) == ("2025-03-10", "feed")
    assert "welfare" in page.tags


def test_htmldate_year_only_result_is_not_trusted():
    # htmldate reads the year of "nel febbraio 2025" as 2025-01-01: that is not a day.
    body = "<p>Il bando, uscito nel febbraio 2025, scade a breve.</p>" + BODY
    page = extract_page(_page(body=body), "https://x.it/a", fetched_at="2025-06-01")
    assert page.published != "2025-01-01"


def test_listing_tag_pdf_and_short_pages_are_not_articles():
    teasers = "".join(f"<article><h2><a href='/n/{i}'>Notizia {i}</a></h2><p>Breve.</p>"
                      "</article>" for i in range(5))
    listing = f"<html><body><h1>Notizie</h1>{teasers}</body></html>"
    page = extract_page(listing, "https://x.it/notizie", fetched_at="2025-06-01")
    assert not page.is_article and "listing" in page.reason
    assert not extract_page(_page(), "https://x.it/tag/welfare/").is_article
    assert "not an HTML page" in non_article_url_reason("https://x.it/files/bando.PDF")
    short = extract_page(_page(body="<p>Solo due parole.</p>"), "https://x.it/a")
    assert not short.is_article and "too short" in short.reason


def test_canonical_link_to_another_site_is_ignored():
    head = '<link rel="canonical" href="https://altro-sito.it/copia">'
    page = extract_page(_page(head), "https://x.it/a?utm_source=x", fetched_at="2025-06-01")
    assert page.url == "https://x.it/a"


def test_marked_date_below_the_text_and_iso_dates_in_bylines():
    footer = BODY + "<div class='x'><p>Pubblicato il 2 aprile 2025 - Ufficio stampa</p></div>"
    page = extract_page(_page(body=footer), "https://x.it/a", fetched_at="2025-06-01")
    assert (page.published, page.date_method) == ("2025-04-02", "page_text")
    iso = "<p class='byline'>Pubblicato il 2025-04-03</p>" + BODY
    page = extract_page(_page(body=iso), "https://x.it/a", fetched_at="2025-06-01")
    assert (page.published, page.date_method) == ("2025-04-03", "byline")


def test_weekday_byline_with_unknown_markup_next_to_the_headline():
    body = ("<div class='firma'>di Anna Neri &ndash; <span class='quando'>martedì 17 novembre "
            "2026, ore 11.45</span></div>" + BODY)
    page = extract_page(_page(body=body), "https://x.it/a", fetched_at="2026-11-22")
    assert (page.published, page.date_method) == ("2026-11-17", "byline")


def test_author_from_markup_metadata_and_credit_lines():
    marked = "<p class='firma'>di <span class='autore'>Anna Neri</span></p>" + BODY
    assert extract_page(_page(body=marked), "https://x.it/a").author == "Anna Neri"
    meta = '<meta name="author" content="Da Redazione">'
    assert extract_page(_page(meta), "https://x.it/a").author == "Redazione"
    jsonld = ('<script type="application/ld+json">{"@type":"NewsArticle","author":'
              '[{"@type":"Person","name":"Luca Bianchi"}]}</script>')
    assert extract_page(_page(jsonld), "https://x.it/a").author == "Luca Bianchi"
    credit = BODY + "<div><p>A cura di: Ufficio di Piano</p></div><h3>Potrebbero interessarti</h3>"
    assert extract_page(_page(body=credit), "https://x.it/a").author == "Ufficio di Piano"
    assert extract_page(_page(), "https://x.it/a").author == ""


def test_logo_h1_is_not_the_title_and_teaser_cards_do_not_make_a_listing():
    cards = "".join(f"<article><h2><a href='/n/{i}'>Altra notizia {i}</a></h2></article>"
                    for i in range(4))
    html = ("<html><head><title>Avviso per gli anziani | Giornale</title>"
            "<meta property='og:title' content='Avviso per gli anziani'></head><body>"
            "<header><h1 class='logo'>Giornale di Valle</h1></header><main><article>"
            f"<h2>Avviso per gli anziani</h2>{BODY}</article>{cards}</main></body></html>")
    page = extract_page(html, "https://x.it/avviso", fetched_at="2025-06-01")
    assert page.is_article and page.title == "Avviso per gli anziani"


def test_event_and_creation_markers():
    body = ("<p class='info'>Data evento: 20/06/2025 - Creato il 02/05/2025</p>" + BODY)
    page = extract_page(_page(body=body), "https://x.it/a", fetched_at="2025-06-01")
    assert page.published == "2025-05-02"


def test_vendor_widgets_are_removed():
    widgets = ("<div id='CybotCookiebotDialog'>Usiamo i cookie per la pubblicità mirata</div>"
               "<div id='disqus_thread'>Commenti dei lettori: bellissimo articolo</div>"
               "<div class='jp-relatedposts'>Articoli simili sul sito del giornale</div>")
    page = extract_page(_page(body=BODY + widgets), "https://x.it/a", fetched_at="2025-06-01")
    assert page.is_article
    for junk in ("pubblicità mirata", "bellissimo", "Articoli simili"):
        assert junk not in page.text


def test_relative_byline_is_read_against_the_fetch_time_and_recorded():
    body = "<div class='meta'><span>Cronaca</span> | <span>2 giorni fa</span></div>" + BODY
    page = extract_page(_page(body=body), "https://x.it/a", fetched_at="2026-11-22T09:00:00+00:00")
    assert (page.published, page.date_method) == ("2026-11-20", "relative")
    # without a fetch time of day there is nothing to count back from
    page = extract_page(_page(body=body), "https://x.it/a", fetched_at="2026-11-22")
    assert page.date_method != "relative"


def test_a_utc_timestamp_near_midnight_is_stored_as_the_day_in_italy():
    meta = '<meta property="article:published_time" content="2025-03-01T23:30:00Z">'
    page = extract_page(_page(meta), "https://x.it/a", fetched_at="2025-06-01")
    assert (page.published, page.date_method) == ("2025-03-02", "meta")
