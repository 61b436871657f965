"""Procedures across articles: linking rules, staff decisions, procedure rows, and the store
round trip (a real SQLite file)."""

from __future__ import annotations

import json

from nlp.procedures.linking import link, pairwise_f1, procedure_rows, same_procedure
from nlp.procedures.procedure import STAGES
from nlp.procedures.relink import record_decision, relink
from store.analysis import save_analysis
from store.articles import save_article, upsert_sources
from store.db import open_db
from tests.store.test_store import BODY, analysis, article


def item(aid: str, published: str, stage: str, *, ente: str | None = "Comune di Lecco",
         subject: str | None = "Centro per le Famiglie", instrument: str = "coprogettazione",
         territory=("Lecco",), cluster: str | None = None) -> dict:
    return {"article_id": aid, "published": published, "stage": stage, "ente": ente,
            "subject": subject, "instrument": instrument, "territory": list(territory),
            "cluster_id": cluster or aid, "deadline": None, "partners": [], "regioni": [],
            "duration": None, "budget": None}


ARC = [item("a1", "2026-09-01", "avviso", subject="coprogettazione del Centro per le famiglie"),
       item("a2", "2026-10-05", "istruttoria", subject="centro famiglie distrettuale"),
       item("a3", "2026-11-09", "esito", ente="Comune di LECCO"),
       item("a4", "2026-12-01", "accordo", subject=None)]


def groups(result: list[list[str]]) -> set[frozenset[str]]:
    return {frozenset(g) for g in result}


def test_an_arc_of_articles_is_one_procedure():
    assert groups(link(ARC)) == {frozenset({"a1", "a2", "a3", "a4"})}


def test_other_bodies_instruments_subjects_and_years_are_other_procedures():
    others = [item("b1", "2026-10-01", "avviso", ente="Comune di Como"),
              item("b2", "2026-10-01", "avviso", instrument="accreditamento"),
              item("b3", "2026-10-01", "avviso", subject="orti urbani nei quartieri"),
              item("b4", "2029-01-01", "avviso")]
    result = groups(link(ARC + others))
    assert frozenset({"a1", "a2", "a3", "a4"}) in result
    assert all(frozenset({b}) in result for b in ("b1", "b2", "b3", "b4"))


def test_a_republished_story_is_one_procedure_whatever_its_fields():
    a = item("s1", "2026-10-01", "avviso", cluster="story")
    b = item("s2", "2026-10-02", "avviso", ente=None, subject=None, cluster="story",
             instrument="convenzione")
    assert groups(link([a, b])) == {frozenset({"s1", "s2"})}


def test_staff_merge_and_split_win_and_a_split_wins_over_a_merge():
    far = item("x", "2026-10-01", "avviso", ente="Comune di Como", subject="orti urbani")
    assert groups(link(ARC + [far], merges=[("a1", "x")])) == {frozenset({"a1", "a2", "a3",
                                                                           "a4", "x"})}
    split = groups(link(ARC, splits=[("a1", "a4")]))
    assert not any({"a1", "a4"} <= g for g in split)
    both = groups(link(ARC + [far], merges=[("a4", "x")], splits=[("x", "a1")]))
    assert not any({"x", "a1"} <= g for g in both)


def test_one_body_unknown_needs_a_close_subject_in_the_same_place():
    known = item("k", "2026-10-01", "avviso", subject="emporio solidale di quartiere")
    unknown = item("u", "2026-10-20", "esito", ente=None, subject="emporio solidale")
    stranger = item("v", "2026-10-20", "esito", ente=None, subject="trasporto sociale")
    assert same_procedure(known, unknown) and not same_procedure(known, stranger)


def test_procedure_rows_tell_the_stages_and_the_current_one():
    items = {i["article_id"]: i for i in ARC}
    items["a3"]["budget"] = 312000.0
    (row,), members = procedure_rows([["a1", "a2", "a3", "a4"]], items, STAGES)
    assert row["stage"] == "accordo" and row["stage_changed"] == "2026-12-01"
    assert [s["stage"] for s in json.loads(row["stages"])] == ["avviso", "istruttoria",
                                                                 "esito", "accordo"]
    assert (row["first_seen"], row["last_seen"], row["articles_count"]) == (
        "2026-09-01", "2026-12-01", 4)
    assert row["budget"] == 312000.0 and row["ente"] == "Comune di Lecco"
    assert len(members) == 4
    items["a4"]["stage"] = "sospeso"
    (row,), _ = procedure_rows([["a1", "a2", "a3", "a4"]], items, STAGES)
    assert row["stage"] == "sospeso"


def test_pairwise_f1():
    assert pairwise_f1([["a", "b"], ["c"]], [["a", "b", "c"]])[2] == 0.5
    assert pairwise_f1([["a", "b", "c"]], [["a", "b", "c"]]) == (1.0, 1.0, 1.0)


def _procedure_result(stage: str) -> dict:
    return {**analysis(), "procedure": {
        "instrument": "coprogettazione",
        "ente_procedente": {"text": "Comune di Lecco", "canonical": "Comune di Lecco"},
        "subject": "Centro per le Famiglie", "stage": stage, "deadline": None, "partners": [],
        "territory": ["Lecco"], "duration": None, "evidence": ""}, "events": []}


def test_stored_procedures_follow_analyses_and_staff_decisions(tmp_path):
    db = open_db(tmp_path / "obs.db")
    upsert_sources(db, [{"id": "demo", "name": "Demo", "kind": "portal"}])
    ids = []
    for n, stage in enumerate(("avviso", "esito", "accordo")):
        art = article(f"https://example.org/p{n}")
        art["published"] = f"2026-1{n}-01"
        art["text"] = f"{BODY} ({n})"
        res = save_article(db, art)
        save_analysis(db, res.article_id, art["text"], _procedure_result(stage))
        ids.append(res.article_id)
    assert relink(db) == 1
    (proc,) = db["procedures"].rows
    assert (proc["stage"], proc["articles_count"]) == ("accordo", 3)
    assert record_decision(db, "split", ids[0], ids[2], "redazione") == 2
    assert relink(db) == 2  # a re-run keeps the decision
    assert db["procedure_articles"].count == 3
    assert db["procedure_decisions"].count == 1
