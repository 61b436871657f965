"""The weekly digest built from a real database: sections, stories not copies, idempotence,
an honest empty week, untrusted titles escaped."""

from __future__ import annotations

from datetime import date

import pytest

from digest.build import DigestError, previous_week, write_digest
from store.db import open_db


def test_week_digest_counts_stories_not_copies(digest_db, tmp_path):
    result = write_digest(digest_db, "2026-W46", tmp_path / "out", base_url="http://obs.test")
    md = result.markdown
    assert result.stories == 2  # the copy on a second site joins its story; sport is irrelevant
    assert "**2** storie rilevanti (3 articoli, contando le ripubblicazioni)" in md
    assert "## Co-progettazione" in md and "## Patti di collaborazione" in md
    assert "Derby" not in md
    assert "2 copie" in md or "(2 copie)" in md
    assert "1.200.000 €" in md  # largest amounts
    assert "Comune di Bergamo (Ente pubblico)" in md  # first seen this week
    assert "Cronache Locali (errore all'ultimo crawl)" in md  # staff health line
    assert "http://obs.test/osservatorio/articles/" in md
    assert result.markdown_path.read_text(encoding="utf-8") == md


def test_rerun_replaces_the_week(digest_db, tmp_path):
    write_digest(digest_db, "2026-W46", tmp_path / "out")
    write_digest(digest_db, "2026-W46", tmp_path / "out")
    assert open_db(digest_db)["digests"].count == 1


def test_empty_week_is_short_and_honest(digest_db, tmp_path):
    result = write_digest(digest_db, "2026-W30", tmp_path / "out")
    assert result.stories == 0
    assert "non ha raccolto notizie rilevanti" in result.markdown
    assert "non ha raccolto notizie rilevanti" in result.html


def test_hostile_title_cannot_inject_markup(digest_db, tmp_path):
    result = write_digest(digest_db, "2026-W46", tmp_path / "out")
    assert "<script>" not in result.html
    assert "&lt;script&gt;" in result.html
    assert "<script>" not in result.markdown
    assert "<script" not in result.html.lower().replace("&lt;script", "")


def test_html_is_email_ready(digest_db, tmp_path):
    html = write_digest(digest_db, "2026-W46", tmp_path / "out").html
    assert "<style" not in html and "<link" not in html  # inline CSS only
    assert 'style="' in html


def test_bad_week_and_unwritable_folder_are_clear_errors(digest_db, tmp_path):
    with pytest.raises(DigestError, match="AAAA-Wss"):
        write_digest(digest_db, "2026-46", tmp_path / "out")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(DigestError, match="impossibile scrivere il digest"):
        write_digest(digest_db, "2026-W46", blocker / "sub")
    assert open_db(digest_db)["digests"].count == 0  # nothing half-written


def test_previous_week():
    assert previous_week(date(2026, 11, 23)) == "2026-W47"
    assert previous_week(date(2026, 1, 5)) == "2026-W01"



def test_calls_closing_agenda_and_procedures_that_moved(digest_db, tmp_path):
    """Section 7 in the digest: calls closing and events in the fortnight after the week, and
    a line per procedure that reached a new stage during the week."""
    from nlp.procedures.relink import relink
    from store.analysis import save_analysis
    from store.articles import save_article

    db = open_db(digest_db)
    proc = {"instrument": "coprogettazione",
            "ente_procedente": {"text": "Comune di Lecco", "canonical": "Comune di Lecco"},
            "subject": "Centro per le Famiglie", "deadline": "2026-11-25T12:00", "partners": [],
            "territory": ["Lecco"], "duration": None, "evidence": ""}
    event = {"type": "tavolo", "title": "Famiglie al centro", "start": "2026-11-19T17:30",
             "end": None, "place": "Lecco", "venue": "Sala Ticozzi", "online": False,
             "organisers": [], "registration": None, "past": False, "text": "",
             "start_char": 0, "end_char": 10}
    for n, (day, stage, events) in enumerate((("2026-10-05", "avviso", []),
                                              ("2026-11-12", "istruttoria", [event]))):
        url = f"https://www.comune.lecco.it/famiglie-{n}"
        text = f"Il Comune di Lecco e la co-progettazione del Centro per le Famiglie ({n})."
        res = save_article(db, {"url": url, "fetched_url": url, "source_id": "portal",
                                "title": f"Centro per le Famiglie, passo {n}", "text": text,
                                "published": day, "date_method": "meta"})
        result = {"relevant": True, "relevance_score": 0.9, "practice_types": [],
                  "policy_areas": [], "organisations": [], "places": [], "amounts": [],
                  "procedure": {**proc, "stage": stage}, "events": events,
                  "model_version": "m", "pipeline_version": "p"}
        save_analysis(db, res.article_id, text, result)
    relink(db)
    result = write_digest(digest_db, "2026-W46", tmp_path / "out")
    md = result.markdown
    assert "## Procedure che sono andate avanti" in md
    assert "istruttoria e tavoli il 12 novembre 2026" in md.lower()
    assert "## Avvisi in scadenza" in md and "25 novembre 2026, ore 12:00**" in md
    assert "## Agenda" in md and "Tavolo «Famiglie al centro», Lecco (Sala Ticozzi)" in md
    assert "Avvisi in scadenza" in result.html and "Agenda" in result.html
