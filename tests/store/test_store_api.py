"""Every public store function on a real SQLite file: what it writes reads back, and writing
the same thing twice leaves one row (idempotent upserts)."""

from __future__ import annotations

import os

import pytest

from store.analysis import articles_to_analyze, save_analysis
from store.articles import (
    crawl_run_records,
    error_reasons,
    get_link_hint,
    get_raw_page,
    get_validators,
    iter_raw_pages,
    last_fetched,
    mark_seen,
    put_validators,
    raw_page_urls,
    record_crawl_run,
    save_article,
    save_link_hints,
    save_raw_page,
    transient_errors,
    upsert_sources,
)
from store.db import apply_derived, open_db
from store.digests import (
    busiest_week,
    largest_amounts,
    new_organisations,
    relevant_stories,
    save_digest,
    troubled_sources,
)
from store.job_runs import (
    abandon_interrupted_runs,
    abandon_own_runs,
    finish_job_run,
    flagged_sources,
    last_runs,
    never_run_sources,
    start_job_run,
)
from store.reviews import (
    ReviewError,
    articles_by_id,
    insert_reviews,
    label_scores_by_article,
    labels_of,
    latest_reviews,
    review_candidates,
    reviewed_article_ids,
)
from store.text import content_hash, fold, hamming, shingle_similarity, simhash
from tests.store.test_store import BODY, analysis, article


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "obs.db")
    upsert_sources(database, [{"id": "demo", "name": "Demo", "kind": "portal"},
                              {"id": "quiet", "name": "Quiet", "kind": "local_news"}])
    return database


@pytest.fixture
def analyzed(db):
    res = save_article(db, article("https://example.org/a"))
    save_analysis(db, res.article_id, BODY, analysis())
    return res.article_id


# ---------------------------------------------------------------- sources, pages, validators


def test_upserting_sources_twice_keeps_one_row_each_with_the_new_values(db):
    upsert_sources(db, [{"id": "demo", "name": "Demo 2", "kind": "portal"}])
    assert db["sources"].count == 2
    assert db["sources"].get("demo")["name"] == "Demo 2"


def test_raw_pages_round_trip_compressed_and_replace_by_url(db):
    for body in (b"<html>uno</html>", b"<html>due</html>"):
        save_raw_page(db, "https://example.org/a", source_id="demo", http_status=200,
                      content_type="text/html", encoding="utf-8", headers={"x": "1"}, body=body)
    save_raw_page(db, "https://example.org/b", source_id="quiet", http_status=200,
                  content_type="text/html", encoding=None, headers={}, body=b"<p>b</p>")
    assert raw_page_urls(db) == ["https://example.org/a", "https://example.org/b"]
    assert raw_page_urls(db, "quiet") == ["https://example.org/b"]
    assert get_raw_page(db, "https://example.org/a")["body"] == b"<html>due</html>"
    assert get_raw_page(db, "https://example.org/zzz") is None
    assert [p["url"] for p in iter_raw_pages(db, "demo")] == ["https://example.org/a"]


def test_validators_are_replaced_and_remember_when_they_were_fetched(db):
    assert get_validators(db, "https://example.org/feed") == {}
    assert last_fetched(db, "https://example.org/feed") is None
    put_validators(db, "https://example.org/feed", '"v1"', None, 200)
    put_validators(db, "https://example.org/feed", '"v2"', "Mon, 07 Dec 2026 10:00:00 GMT", 200)
    assert get_validators(db, "https://example.org/feed") == {
        "etag": '"v2"', "last_modified": "Mon, 07 Dec 2026 10:00:00 GMT"}
    assert last_fetched(db, "https://example.org/feed")


def test_link_hints_keep_a_dated_hint_against_a_later_undated_one(db):
    url = "https://example.org/a"
    save_link_hints(db, [{"url": url, "origin": "feed", "published": "2026-11-10",
                          "title": "Titolo", "tags": ["welfare"]}])
    save_link_hints(db, [{"url": url, "origin": "listing", "published": None, "title": "",
                          "tags": []}])
    hint = get_link_hint(db, url)
    assert hint["published"] == "2026-11-10" and hint["tags"] == ["welfare"]
    assert db["link_hints"].count == 1
    assert get_link_hint(db, "https://example.org/none") == {}


def test_errors_are_told_apart_transient_from_permanent(db):
    mark_seen(db, "https://example.org/t", "demo", "error", "timeout")
    mark_seen(db, "https://example.org/5", "demo", "error", "http_503", http_status=503)
    mark_seen(db, "https://example.org/4", "demo", "error", "http_404", http_status=404)
    mark_seen(db, "https://example.org/ok", "demo", "article")
    assert sorted(transient_errors(db, "demo")) == [("https://example.org/5", "http_503"),
                                                    ("https://example.org/t", "timeout")]
    assert transient_errors(db, "quiet") == []
    assert error_reasons(db, ["https://example.org/4", "https://example.org/ok"]) == {
        "https://example.org/4": "http_404"}


def test_crawl_run_records_are_one_per_source_and_run(db):
    for requests in (3, 5):
        record_crawl_run(db, {"run_id": "r1", "source_id": "demo", "status": "ok",
                              "requests": requests, "errors_by_kind": {"http_404": 1}})
    record_crawl_run(db, {"run_id": "r1", "source_id": "quiet", "status": "failed"})
    records = crawl_run_records(db, "r1")
    assert set(records) == {"demo", "quiet"}
    assert records["demo"]["requests"] == 5
    assert records["demo"]["errors_by_kind"] == {"http_404": 1}
    assert crawl_run_records(db, "other") == {}


# ---------------------------------------------------------------- analysis and reviews


def test_articles_to_analyze_are_the_unanalyzed_ones_unless_all(db, analyzed):
    other = save_article(db, article("https://example.org/b", text=BODY.replace(
        "Lecco", "Como") + " Un altro avviso."))
    assert [a["id"] for a in articles_to_analyze(db)] == [other.article_id]
    assert {a["id"] for a in articles_to_analyze(db, everything=True)} == {
        analyzed, other.article_id}
    assert len(articles_to_analyze(db, everything=True, limit=1)) == 1


def test_reviews_are_validated_stored_and_the_latest_wins(db, analyzed):
    with pytest.raises(ReviewError, match="compito sconosciuto"):
        insert_reviews(db, [{"article_id": analyzed, "task": "colour", "label": "x",
                             "value": 1, "reviewer": "anna"}])
    with pytest.raises(ReviewError, match="nessun articolo"):
        insert_reviews(db, [{"article_id": "nope", "task": "relevance", "label": "relevant",
                             "value": 1, "reviewer": "anna"}])
    assert review_candidates(db)[0]["id"] == analyzed
    insert_reviews(db, [{"article_id": analyzed, "task": "policy_area", "label": "abitare",
                         "value": 1, "reviewer": "anna", "reviewed_at": "2026-11-20"}])
    insert_reviews(db, [{"article_id": analyzed, "task": "policy_area", "label": "abitare",
                         "value": 0, "reviewer": "bruno", "reviewed_at": "2026-11-21"}])
    assert latest_reviews(db) == {analyzed: {("policy_area", "abitare"): 0}}
    assert reviewed_article_ids(db) == {analyzed}
    assert review_candidates(db) == []


def test_labels_read_back_per_article(db, analyzed):
    assert {(r["task"], r["label"]) for r in labels_of(db, analyzed)} >= {
        ("practice_type", "coprogettazione"), ("policy_area", "abitare")}
    scores = label_scores_by_article(db)
    assert set(scores) == {analyzed}
    assert {r["label"] for r in scores[analyzed]} >= {"coprogettazione", "abitare"}
    row = articles_by_id(db, [analyzed, "missing"])[analyzed]
    assert row["practice_types"] == ["coprogettazione"] and row["policy_areas"] == ["abitare"]


# ---------------------------------------------------------------- digest reads and writes


def test_digest_reads_the_week_and_stores_one_digest_per_week(db, analyzed):
    db["articles"].update(analyzed, {"relevant": 1, "relevance_score": 0.97})
    stories = relevant_stories(db, "2026-11-09", "2026-11-15")
    assert [s["id"] for s in stories] == [analyzed] and stories[0]["copies"] == 1
    assert relevant_stories(db, "2026-11-16", "2026-11-22") == []
    assert [a["value"] for a in largest_amounts(db, "2026-11-09", "2026-11-15")] == [1200000.0]
    first_seen = db["organisations"].get("comune-di-lecco")["first_seen"]
    assert [o["id"] for o in new_organisations(db, first_seen[:10], "2999-12-31")] == [
        "comune-di-lecco"]
    assert busiest_week(db) == "2026-W46"
    for title in ("Prima", "Seconda"):
        save_digest(db, "2026-W46", title, "# md", "<p>html</p>", {"stories": 1})
    assert db["digests"].count == 1 and db["digests"].get("2026-W46")["title"] == "Seconda"


def test_source_health_reads_for_the_digest_and_the_health_job(db):
    for run in ("r1", "r2", "r3"):
        record_crawl_run(db, {"run_id": run, "source_id": "demo", "status": "failed",
                              "started": f"2026-11-0{run[-1]}T08:00:00"})
    assert flagged_sources(db) == ["demo"]
    assert never_run_sources(db) == ["quiet"]
    assert {r["source_id"] for r in troubled_sources(db, "2026-10-01")} == {"demo", "quiet"}


def test_empty_database_has_no_busiest_week(db):
    assert busiest_week(db) is None


# ---------------------------------------------------------------- job runs


def test_job_runs_start_finish_and_abandon(db):
    run_id = start_job_run(db, "raccolta", "every 6 h")
    assert db["job_runs"].get(run_id)["status"] == "running"
    finish_job_run(db, run_id, "ok", {"new_articles": 3})
    assert last_runs(db)["raccolta"]["status"] == "ok"
    mine = start_job_run(db, "digest")
    abandon_own_runs(db, "scheduler stopped while the job ran")
    assert db["job_runs"].get(mine)["status"] == "abandoned"
    db["job_runs"].insert({"id": "ghost", "job": "salute", "started": "2026-01-01",
                           "status": "running", "pid": 2**22 + os.getpid()})
    assert abandon_interrupted_runs(db) == 1
    assert db["job_runs"].get("ghost")["status"] == "abandoned"


def test_derived_objects_can_be_applied_again(db):
    apply_derived(db)
    apply_derived(db)
    assert "articles_fts" in db.table_names() and "public_articles" in db.view_names()


# ---------------------------------------------------------------- text


def test_text_helpers():
    assert fold("Disabilità E ÀNZIANI") == "disabilita e anziani"
    assert content_hash("Il  Comune,  di Lecco") == content_hash("il comune di lecco")
    same, edited = simhash(BODY), simhash(BODY.replace("dodici", "12"))
    assert len(same) == 16 and hamming(same, same) == 0
    assert hamming(same, edited) < hamming(same, simhash("Partita di calcio " * 20))
    assert shingle_similarity(BODY, BODY) == 1.0
    assert shingle_similarity(BODY, "Partita di calcio allo stadio " * 5) == 0.0


# ---------------------------------------------------------------- procedures (section 7)


def test_procedure_events_and_amount_roles_are_stored_and_replaced(db):
    res = save_article(db, article("https://example.org/p"))
    result = {
        **analysis(),
        "amounts": [{"text": "1,2 milioni di euro", "start": 260, "end": 279, "kind": "money",
                     "value": 1200000.0, "role": "budget"}],
        "procedure": {"instrument": "coprogettazione",
                      "ente_procedente": {"text": "Comune di Lecco",
                                          "canonical": "Comune di Lecco"},
                      "subject": "educativa di strada", "stage": "avviso",
                      "deadline": "2027-01-15T12:00", "partners": ["Cooperativa Sociale Sineresi"],
                      "territory": ["Lecco"], "duration": "36 mesi", "evidence": "avviso"},
        "events": [{"type": "tavolo", "title": None, "start": "2026-12-17T17:30", "end": None,
                    "place": "Lecco", "venue": "Sala Ticozzi", "online": False,
                    "organisers": ["Comune di Lecco"], "registration": None, "past": False,
                    "text": "Un tavolo il 17 dicembre.", "start_char": 40, "end_char": 65}],
    }
    for _ in range(2):  # idempotent
        save_analysis(db, res.article_id, BODY, result)
    proc = db["article_procedures"].get(res.article_id)
    assert (proc["instrument"], proc["ente"], proc["stage"], proc["deadline"]) == (
        "coprogettazione", "Comune di Lecco", "avviso", "2027-01-15T12:00")
    assert proc["partners"] == '["Cooperativa Sociale Sineresi"]'
    assert proc["pipeline_version"] == "p1"
    (event,) = db["events"].rows
    assert (event["type"], event["start"], event["online"], event["past"]) == (
        "tavolo", "2026-12-17T17:30", 0, 0)
    assert db["amounts"].get(f"{res.article_id}:260")["role"] == "budget"
    save_analysis(db, res.article_id, BODY, {**result, "procedure": None, "events": []})
    assert db["article_procedures"].count == 0 and db["events"].count == 0  # re-analysis replaces
