"""Story clustering in the store, on copies edited the way local sites edit press releases."""

import json
from pathlib import Path

import pytest

from store.articles import save_article
from store.db import open_db

PORTAL = json.loads((Path(__file__).parent / "sites" / "articles.json").read_text("utf-8"))[
    "portal"]
ORIGINAL = PORTAL[0]["paragraphs"]


def _art(url: str, paragraphs: list[str], published: str = "2025-03-04") -> dict:
    return {"url": url, "fetched_url": url, "source_id": "s", "title": "T",
            "text": "\n".join(paragraphs), "published": published, "date_method": "meta",
            "tags": []}


EDITS = {
    "words changed, source line added": [
        ORIGINAL[0].replace("ha pubblicato", "ha diffuso"),
        ORIGINAL[1].replace("Le organizzazioni interessate", "Gli enti interessati"),
        ORIGINAL[2], "Fonte: comunicato stampa dell'Ambito."],
    "new lead, last paragraph dropped": [
        "Nuove opportunità per il Terzo settore del Meratese con l'avviso dell'Ambito.",
        ORIGINAL[0], ORIGINAL[1]],
    "middle paragraph dropped, a week later": [ORIGINAL[0], ORIGINAL[2]],
}


@pytest.mark.parametrize("edit", EDITS)
def test_lightly_edited_copy_joins_the_story(tmp_path, edit):
    db = open_db(tmp_path / "o.db")
    first = save_article(db, _art("https://a.it/1", ORIGINAL))
    published = "2025-03-11" if "week" in edit else "2025-03-05"
    copy = save_article(db, _art("https://b.it/2", EDITS[edit], published))
    assert copy.status == "new" and copy.article_id != first.article_id
    assert copy.cluster_id == first.cluster_id


def test_other_stories_and_distant_dates_stay_apart(tmp_path):
    db = open_db(tmp_path / "o.db")
    first = save_article(db, _art("https://a.it/1", ORIGINAL))
    for n, other in enumerate(PORTAL[1:], start=2):
        result = save_article(db, _art(f"https://a.it/{n}", other["paragraphs"]))
        assert result.cluster_id != first.cluster_id
    late = save_article(db, _art("https://c.it/x", EDITS["words changed, source line added"],
                                 "2025-09-01"))
    assert late.cluster_id != first.cluster_id


def test_exact_copy_is_a_duplicate_not_a_new_row(tmp_path):
    db = open_db(tmp_path / "o.db")
    first = save_article(db, _art("https://a.it/1", ORIGINAL))
    again = save_article(db, _art("https://b.it/1", [p.upper() for p in ORIGINAL]))
    assert again.status == "duplicate" and again.article_id == first.article_id
    assert db["articles"].count == 1
