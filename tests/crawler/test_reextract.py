"""Re-extraction from stored raw pages, without any server."""

from crawler.reextract import reextract
from store.articles import save_raw_page
from store.db import open_db

ARTICLE = ("<html><head><meta charset='utf-8'><title>T</title></head><body><article>"
           "<h1>Patto per il parco</h1><p class='meta'>Pubblicato il 3 marzo 2025</p><p>"
           + "Il Comune e i volontari curano insieme il parco del quartiere. " * 12
           + "</p></article></body></html>")


def test_reextract_rebuilds_articles_from_raw_pages_without_network(tmp_path):
    db = open_db(tmp_path / "o.db")
    for url, html in (("https://x.it/a/?utm_source=x", ARTICLE),
                      ("https://x.it/tag/parchi/", "<html><body>tag</body></html>")):
        save_raw_page(db, url, source_id="x", http_status=200, content_type="text/html",
                      encoding="utf-8", headers={}, body=html.encode(),
                      fetched_at="2025-03-04T10:00:00+00:00")
    db.conn.close()
    first = reextract(tmp_path / "o.db")
    assert first == {"pages": 2, "new": 1, "updated": 0, "unchanged": 0, "duplicate": 0,
                     "not_article": 1, "skipped": 0}
    again = reextract(tmp_path / "o.db", "x")
    assert again["unchanged"] == 1 and again["new"] == 0
    db = open_db(tmp_path / "o.db")
    (row,) = db["articles"].rows
    assert row["url"] == "https://x.it/a" and row["published"] == "2025-03-03"
    assert row["title"] == "Patto per il parco" and row["date_method"] == "byline"
    assert reextract(tmp_path / "o.db", "other")["pages"] == 0


def test_reextract_after_a_crawl_changes_nothing(two_runs):
    db = open_db(two_runs.db_path)
    before = {r["id"]: (r["text"], r["published"], r["cluster_id"]) for r in db["articles"].rows}
    db.conn.close()
    counts = reextract(two_runs.db_path)
    assert counts["new"] == 0 and counts["updated"] == 0
    assert counts["skipped"] >= 1  # the prefiltered page stays filtered
    db = open_db(two_runs.db_path)
    after = {r["id"]: (r["text"], r["published"], r["cluster_id"]) for r in db["articles"].rows}
    assert after == before
