"""Datasette's own interface in Italian (publish/chrome_it.py): phrases and column names are
translated on HTML pages, form values and links keep working, crawled text is not rewritten,
and JSON/CSV pass through untouched."""

from __future__ import annotations

import asyncio
import re

from publish.chrome_it import translator
from publish.serve import CONFIG_DIR, load_metadata

# Phrases of Datasette's English interface that must not reach an Italian reader.
ENGLISH = ["Search:", 'value="Apply"', "rows where", "row where", "sorted by", "Advanced export",
           "This data as", "View and edit SQL", "Powered by", "Queries took", "Data license:",
           "- column -", "Sort by ", "Next page", "(term)", ">home<", "JSON shape",
           "download file", "hidden tables", "Custom SQL query", 'value="Run SQL"']
LABELS = load_metadata(CONFIG_DIR)["plugins"]["observatory"]["column_labels"]


def get(ds, path: str, cookies: dict | None = None):
    return asyncio.run(ds.client.get(path, cookies=cookies or {}))


def english_left(page: str) -> list[str]:
    return [phrase for phrase in ENGLISH if phrase in page]


def test_table_page_reads_italian_and_its_forms_still_work(ds, sample_db):
    page = get(ds, "/osservatorio/public_articles?_search=parco&_term_regioni=Lombardia"
                   "&_tutti=1").text
    assert english_left(page) == []
    assert 'contiene &#34;Lombardia&#34; e la ricerca trova &#34;parco&#34; ordinate per Data ' \
           'decrescente' in page
    assert "dove Regioni contiene &#34;Lombardia&#34;" in page
    assert '<label for="_search">Cerca:</label>' in page
    # column menus show labels but still submit column names
    assert '<option value="published">Data</option>' in page
    assert '<option value="practice_types">Ordina per Tipi di pratica</option>' in page
    assert re.search(r'<a [^>]*_sort=title[^>]*>titolo</a>', page)
    assert "<strong>Tipi di pratica" in page and "<strong>Regioni" in page
    # the filter form, submitted with the operator and column values, still filters
    form = get(ds, "/osservatorio/public_articles?_filter_column=title&_filter_op=contains"
                   "&_filter_value=parco")
    assert form.status_code == 302 and "title__contains=parco" in form.headers["location"]
    rows = get(ds, "/osservatorio/public_articles.json?_shape=objects&title__contains=parco"
               ).json()["rows"]
    assert rows and all("parco" in row["title"].lower() for row in rows)


def test_database_home_query_and_row_pages_read_italian(ds, staff):
    for path in ("/", "/osservatorio", "/osservatorio/notizie_settimana",
                 "/osservatorio/public_articles", "/osservatorio/organisations"):
        page = get(ds, path, staff).text
        assert english_left(page) == [], path
    assert "tabelle nascoste" in get(ds, "/osservatorio", staff).text
    query = get(ds, "/osservatorio/notizie_settimana").text
    assert "<title>Notizie pertinenti dell&#39;ultima settimana" in query
    assert "SELECT" not in query and "Query parameters" not in query
    assert "Interrogazione SQL personalizzata: " in get(
        ds, "/osservatorio?sql=select+1", staff).text


def test_json_csv_and_atom_are_not_translated_as_pages(ds):
    for path in ("/osservatorio/public_articles.json?_search=parco",
                 "/osservatorio/public_articles.csv?_search=parco",
                 "/osservatorio/feed_pertinenti.atom"):
        response = get(ds, path)
        assert response.status_code == 200
        assert not response.headers["content-type"].startswith("text/html")
        assert "Cerca:" not in response.text
    data = get(ds, "/osservatorio/public_articles.json?_search=parco").json()
    assert "title" in data["columns"] and "human_description_en" in data
    assert "sorted by" in data["human_description_en"] or "where" in \
        data["human_description_en"]


def test_crawled_text_is_not_rewritten():
    translate = translator(LABELS)
    cell = '<td class="col-title">Search: rows where Powered by the sorted by Apply</td>'
    assert translate(cell) == cell
    page = ('<th class="col-title" data-column="title"><a href="?_sort=title">title</a></th>'
            '<td>title</td><title>osservatorio: 3 rows sorted by published</title>')
    assert translate(page) == ('<th class="col-title" data-column="title"><a href="?_sort='
                               'title">Titolo</a></th><td>title</td><title>osservatorio: '
                               '3 righe ordinate per Data</title>')


def test_labels_are_escaped_into_the_page():
    translate = translator({"title": "<b>Titolo</b> \"x\""})
    out = translate('<select name="_filter_column"><option>title</option></select>')
    assert out == ('<select name="_filter_column"><option value="title">'
                   '&lt;b&gt;Titolo&lt;/b&gt; &#34;x&#34;</option></select>')


def test_counts_use_italian_thousands_separators():
    translate = translator(LABELS)
    page = ("<title>osservatorio: 40,205 rows where relevant = 1</title>"
            "<h3>1,204,377 rows sorted by published</h3>"
            '<li><a href="?x=1">Lombardia</a> 12,345</li>'
            '<li>Veneto &middot; 2,001 <a href="?" class="cross">x</a></li>'
            '<td class="col-snippet">1,200 euro, 3,5 milioni</td>')
    out = translate(page)
    assert "40.205 righe dove" in out and "1.204.377 righe ordinate" in out
    assert "Lombardia</a> 12.345</li>" in out and "&middot; 2.001 <a" in out
    assert '<td class="col-snippet">1,200 euro, 3,5 milioni</td>' in out  # text untouched
