"""Real crawls of a local albo pretorio in two platform layouts (a table with attachments in
the rows; cards whose attachments are on each act's page), twice into one database: only the
acts matching the observatory's terms are stored, once each, with their fields, the text of
their PDFs and, for each hostile attachment, its error; the crawl completes."""

from __future__ import annotations

import dataclasses
import json

import pytest

from crawler.run import crawl
from demo_sites.albo import load_acts, render_albo
from store.acts import acts_to_analyze, get_acts
from store.db import open_db
from tests.crawler.siteserver import LocalSite, Resource

pytestmark = pytest.mark.slow

HOSTS = {"table": "127.0.0.41", "cards": "127.0.0.42"}
# Matching acts get a second, hostile attachment: each kind once over the two layouts.
HOSTILE = {"table": {"det-498-2026": "truncated", "det-530-2026": "bomb", "dgc-98-2026": "html",
                     "patto-giardino-2026": "disallowed"},
           "cards": {"det-498-2026": "encrypted", "det-530-2026": "missing",
                     "dgc-98-2026": "huge"}}
MAX_BYTES = 100_000
# An act page that fails (503) on the first run: the act is not stored then, but on the second.
FLAKY = "/albo/atti/avviso-cpf-2026.html"


def _routes(layout: str) -> dict[str, Resource]:
    acts = [dataclasses.replace(a, hostile=HOSTILE[layout].get(a.slug)) for a in load_acts()]
    routes = {}
    for rel, body in render_albo(layout, acts).items():
        kind = ("application/pdf" if rel.endswith(".pdf") else
                "text/plain" if rel.endswith(".txt") else "text/html; charset=utf-8")
        routes["/" + rel] = Resource(body, kind)
    routes["/albo/"] = routes["/albo/index.html"]
    routes["/albo/?page=2"] = routes.pop("/albo/page-2.html")
    return routes


UNKNOWN = "127.0.0.43"  # an albo whose listing no layout reads


def _sources(bases: dict[str, str]) -> str:
    out = [f"""
[[source]]
id = "albo-unknown"
name = "Albo pretorio (layout unknown)"
kind = "albo"
start_urls = ["{bases.pop('unknown')}/albo/"]
allowed_domains = ["{UNKNOWN}"]
"""]
    for layout, base in bases.items():
        out.append(f"""
[[source]]
id = "albo-{layout}"
name = "Albo pretorio ({layout})"
kind = "albo"
region = "Emilia-Romagna"
start_urls = ["{base}/albo/"]
allowed_domains = ["{HOSTS[layout]}"]

[source.albo]
platform = "{'auto' if layout == 'cards' else 'table'}"
max_attachment_bytes = {MAX_BYTES}
""")
    return "".join(out)


@pytest.fixture(scope="module")
def albo_runs(tmp_path_factory):
    from tests.crawler.conftest import FAST_SETTINGS

    sites = {layout: LocalSite(_routes(layout), host=host).start()
             for layout, host in HOSTS.items()}
    unknown = LocalSite({"/albo/": Resource(
        b"<html><body><p>Albo pretorio: consultare gli atti con il modulo di ricerca.</p>"
        b"<form><input name='q'></form></body></html>")}, host=UNKNOWN).start()
    folder = tmp_path_factory.mktemp("albo")
    sources = folder / "sources.toml"
    bases = {k: s.base for k, s in sites.items()} | {"unknown": unknown.base}
    sources.write_text(_sources(bases), encoding="utf-8")
    db_path = folder / "obs.db"
    events: list[dict] = []
    flaky = sites["cards"].routes[FLAKY]
    sites["cards"].routes[FLAKY] = Resource(b"<h1>Servizio non disponibile</h1>", status=503)
    first = crawl(sources, db_path, settings=FAST_SETTINGS, timeout_s=120,
                  progress=events.append)
    sites["cards"].routes[FLAKY] = flaky
    first_log = {k: s.paths() for k, s in sites.items()}
    for site in sites.values():
        site.log.clear()
    second = crawl(sources, db_path, settings=FAST_SETTINGS, timeout_s=120)
    second_log = {k: s.paths() for k, s in sites.items()}
    db = open_db(db_path)
    yield {"first": first, "second": second, "db": db, "events": events,
           "first_log": first_log, "second_log": second_log, "sites": sites}
    db.conn.close()
    for site in [*sites.values(), unknown]:
        site.stop()


def _by_number(db, layout: str) -> dict[str, dict]:
    return {a["number"]: a for a in get_acts(db, f"albo-{layout}")}


@pytest.mark.parametrize("layout", list(HOSTS))
def test_only_matching_acts_are_stored_once_each(albo_runs, layout):
    expected = {a.number for a in load_acts() if a.relevant}
    acts = get_acts(albo_runs["db"], f"albo-{layout}")
    assert sorted(a["number"] for a in acts) == sorted(expected)
    for run in ("first", "second"):
        report = {r.source_id: r for r in albo_runs[run].sources}[f"albo-{layout}"]
        assert report.status != "failed"


def test_a_listing_no_layout_reads_fails_the_source_with_a_clear_message(albo_runs):
    report = {r.source_id: r for r in albo_runs["first"].sources}["albo-unknown"]
    assert report.status == "failed" and report.errors_by_kind == {"parse_error": 1}
    assert "no act found" in report.message and "[source.albo] rules" in report.message
    assert get_acts(albo_runs["db"], "albo-unknown") == []


@pytest.mark.parametrize("layout", list(HOSTS))
def test_fields_are_read_from_the_listing(albo_runs, layout):
    acts = _by_number(albo_runs["db"], layout)
    det = acts["412/2026"]
    assert det["type"] == "determinazione"
    assert det["type_label"] == "Determinazione dirigenziale"
    assert det["date"] == "2026-09-22"
    assert (det["published_from"], det["published_to"]) == ("2026-09-23", "2026-10-08")
    assert det["object"].startswith("Approvazione dell'avviso pubblico di manifestazione")
    assert acts["98"]["type"] == "delibera" and acts["1187"]["type"] == "avviso"
    base = albo_runs["sites"][layout].base
    if layout == "cards":
        assert det["url"] == f"{base}/albo/atti/det-412-2026.html"
    else:
        assert det["url"] == f"{base}/albo/allegati/det-412-2026.pdf"


@pytest.mark.parametrize("layout", list(HOSTS))
def test_pdf_text_and_codes_are_extracted(albo_runs, layout):
    det = _by_number(albo_runs["db"], layout)["412/2026"]
    assert "entro le ore 12:00 del 20 ottobre 2026" in det["text"]
    assert det["text"].startswith(det["object"])
    assert det["cup"] == ["E81H26000150006"] and det["cig"] == ["B2C4E6A801"]
    [pdf] = det["attachments"]
    assert pdf["error"] is None and pdf["pages"] == 1 and pdf["bytes"] > 500
    assert pdf["url"].endswith("/albo/allegati/det-412-2026.pdf")


EXPECTED_ERRORS = {"truncated": "unreadable PDF", "bomb": "limit reached",
                   "html": "not a PDF: an HTML page", "encrypted": "encrypted",
                   "missing": "download failed: http_404",
                   "huge": "download failed: too_large",
                   "disallowed": "download failed: disallowed"}


@pytest.mark.parametrize("layout", list(HOSTS))
def test_hostile_attachments_are_recorded_and_lose_nothing_else(albo_runs, layout):
    by_slug = {a.slug: a.number for a in load_acts()}
    acts = _by_number(albo_runs["db"], layout)
    for slug, kind in HOSTILE[layout].items():
        act = acts[by_slug[slug]]
        good, bad = act["attachments"]
        assert good["error"] is None and good["pages"] == 1, (slug, good)
        assert bad["error"].startswith(EXPECTED_ERRORS[kind]), (kind, bad["error"])
        assert bad["url"].endswith(f"{slug}-verbale.pdf")
        assert bad["url"].endswith("/riservato/patto-giardino-2026-verbale.pdf") == (
            kind == "disallowed")
        assert "IL DIRIGENTE" in act["text"] or "LA GIUNTA" in act["text"]
        assert act["text"].count("COMUNE DI FIDENZA") == 1  # the good PDF's text, once


def test_second_run_fetches_only_what_the_first_could_not(albo_runs):
    for layout, paths in albo_runs["second_log"].items():
        pdfs = [p for p in paths if p.endswith(".pdf")]
        assert pdfs == (["/albo/allegati/avviso-cpf-2026.pdf"] if layout == "cards" else [])
        assert "/albo/" in paths
    first_pdfs = [p for p in albo_runs["first_log"]["table"] if p.endswith(".pdf")]
    assert len(first_pdfs) == len(set(first_pdfs)) >= 6
    assert not [p for p in albo_runs["first_log"]["table"]
                if "ord-55" in p or "dgc-120" in p]  # non-matching acts' files never fetched
    relevant = sum(a.relevant for a in load_acts())
    news = [e for e in albo_runs["events"] if e.get("event") == "act"]
    assert len(news) == 2 * relevant - 1
    assert {e["status"] for e in news} == {"new"}
    first = {r.source_id: r for r in albo_runs["first"].sources}
    second = {r.source_id: r for r in albo_runs["second"].sources}
    assert f"acts: {relevant} new, 0 updated" in first["albo-table"].message
    assert first["albo-table"].status == "ok"
    assert f"acts: {relevant - 1} new, 0 updated" in first["albo-cards"].message
    assert first["albo-cards"].errors_by_kind == {"http_503": 1}
    assert "acts:" not in second["albo-table"].message
    assert "acts: 1 new, 0 updated" in second["albo-cards"].message
    assert second["albo-cards"].status == "ok"


def test_both_listing_pages_are_read_and_robots_is_obeyed(albo_runs):
    for paths in albo_runs["first_log"].values():
        assert "/robots.txt" in paths and "/albo/?page=2" in paths
        assert not [p for p in paths if p.startswith("/riservato/")]


def test_acts_are_queued_for_analysis(albo_runs):
    rows = acts_to_analyze(albo_runs["db"])
    assert len(rows) == 2 * sum(a.relevant for a in load_acts())
    assert {"id", "title", "text", "published"} == set(rows[0])
    assert json.dumps(rows)  # plain values only
