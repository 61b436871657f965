"""Acts from albo pretorio listings on a real SQLite file: idempotent upsert, keys, the
analysis queue."""

from __future__ import annotations

import pytest

from store.acts import acts_to_analyze, get_acts, known_acts, mark_acts_analyzed, save_act
from store.articles import upsert_sources
from store.db import open_db


def act(**extra) -> dict:
    row = {"source_id": "albo-demo", "type": "determinazione",
           "type_label": "Determinazione dirigenziale", "number": "412/2026",
           "date": "2026-10-05", "object": "Approvazione avviso di coprogettazione",
           "published_from": "2026-10-06", "published_to": "2026-10-21",
           "text": "Approvazione avviso di coprogettazione\n\nIl dirigente determina...",
           "cig": [], "cup": ["B41H26000120006"], "url": "http://127.0.0.9/albo/atto/1",
           "listing_url": "http://127.0.0.9/albo/", "fetched_at": "2026-12-08T01:00:00+00:00",
           "attachments": [{"url": "http://127.0.0.9/a.pdf", "name": "a.pdf", "bytes": 900,
                            "pages": 1, "error": None}]}
    row.update(extra)
    return row


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "obs.db")
    upsert_sources(database, [{"id": "albo-demo", "name": "Albo", "kind": "albo"}])
    yield database
    database.conn.close()


def test_saving_the_same_act_twice_keeps_one_row(db):
    assert save_act(db, act()) == "new"
    assert save_act(db, act(url="http://127.0.0.9/albo/atto/1?x=2")) == "updated"
    rows = get_acts(db)
    assert len(rows) == 1
    assert rows[0]["cup"] == ["B41H26000120006"]
    assert rows[0]["attachments"][0]["pages"] == 1
    assert rows[0]["url"].endswith("?x=2")


def test_same_number_of_another_type_or_date_is_another_act(db):
    save_act(db, act())
    save_act(db, act(type="delibera"))
    save_act(db, act(date="2026-10-06"))
    assert len(get_acts(db)) == 3


def test_an_act_without_number_is_keyed_by_url(db):
    save_act(db, act(number=None, url="http://127.0.0.9/a"))
    save_act(db, act(number=None, url="http://127.0.0.9/a"))
    save_act(db, act(number=None, url="http://127.0.0.9/b"))
    assert len(get_acts(db)) == 2
    assert known_acts(db, "albo-demo", [("determinazione", None, "2026-10-05",
                                         "http://127.0.0.9/a")]) != set()


def test_known_acts_finds_stored_keys_only(db):
    save_act(db, act())
    found = known_acts(db, "albo-demo", [("determinazione", "412/2026", "2026-10-05", "u"),
                                         ("determinazione", "413/2026", "2026-10-05", "v")])
    assert len(found) == 1
    assert known_acts(db, "albo-demo", []) == set()


def test_unknown_fields_are_refused(db):
    with pytest.raises(ValueError, match="unknown act field"):
        save_act(db, act(colour="red"))
    assert get_acts(db) == []


def test_acts_to_analyze_has_the_shape_of_articles_to_analyze(db):
    save_act(db, act())
    rows = acts_to_analyze(db)
    assert rows == [{"id": rows[0]["id"], "title": "Approvazione avviso di coprogettazione",
                     "text": act()["text"], "published": "2026-10-05"}]
    mark_acts_analyzed(db, [rows[0]["id"]])
    assert acts_to_analyze(db) == []
    assert len(acts_to_analyze(db, everything=True)) == 1
    save_act(db, act())  # unchanged text: the analysis stands
    assert acts_to_analyze(db) == []
    save_act(db, act(text="Nuovo testo"))  # changed: analyzed again
    assert len(acts_to_analyze(db)) == 1


def test_an_act_without_date_is_published_on_its_first_day_of_publication(db):
    save_act(db, act(date=None, url="http://127.0.0.9/b"))
    assert [r["published"] for r in acts_to_analyze(db)] == ["2026-10-06"]
