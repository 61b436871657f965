"""The review loop on a real temporary database: queue order, stored decisions, the console
walker, and retraining with reviews changing predictions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.classify import ModelConfig, load_classifiers, load_corpus, train
from nlp.review import (
    decision_rows,
    parse_labels,
    record_review,
    review_queue,
    run_review,
)
from store.db import open_db
from store.reviews import ReviewError, latest_reviews
from tests.nlp.test_classify import small_corpus


def add_article(db, article_id: str, *, score: float, relevant: bool, practice=None, policy=None,
                title: str = "", text: str = "Testo dell'articolo.") -> None:
    practice, policy = practice or {}, policy or {}
    db["articles"].insert({
        "id": article_id, "url": f"https://example.org/{article_id}", "title": title or article_id,
        "text": text, "relevant": int(relevant), "relevance_score": score,
        "practice_types": json.dumps(list(practice)), "policy_areas": json.dumps(list(policy)),
        "analyzed_at": "2026-11-20T10:00:00+00:00", "model_version": "clf-test",
    })
    rows = [{"id": f"{article_id}:relevance:relevant", "article_id": article_id,
             "task": "relevance", "label": "relevant", "score": score, "evidence": "",
             "model_version": "clf-test"}]
    for task, labels in (("practice_type", practice), ("policy_area", policy)):
        rows += [{"id": f"{article_id}:{task}:{label}", "article_id": article_id, "task": task,
                  "label": label, "score": s, "evidence": f"Frase che spiega {label}.",
                  "model_version": "clf-test"} for label, s in labels.items()]
    db["labels"].insert_all(rows, pk="id")


@pytest.fixture
def db_path(tmp_path) -> Path:
    path = tmp_path / "obs.db"
    db = open_db(path)
    add_article(db, "sure-yes", score=0.99, relevant=True, practice={"coprogettazione": 0.97},
                policy={"anziani": 0.9})
    add_article(db, "sure-no", score=0.01, relevant=False)
    add_article(db, "unsure-a", score=0.52, relevant=True, practice={"convenzione": 0.55},
                policy={"disabilita": 0.51})
    add_article(db, "unsure-b", score=0.48, relevant=False)
    db["articles"].insert({"id": "not-analyzed", "url": "https://example.org/x", "title": "x"})
    return path


THRESHOLDS_DIR_SIDECAR = {
    "thresholds": {"relevance": {"relevant": 0.5},
                   "practice_type": {"convenzione": 0.5, "coprogettazione": 0.5},
                   "policy_area": {"disabilita": 0.5, "anziani": 0.5}},
}


@pytest.fixture
def model_dir(tmp_path) -> Path:
    path = tmp_path / "model"
    path.mkdir()
    (path / "classifiers.json").write_text(json.dumps(THRESHOLDS_DIR_SIDECAR))
    return path


def test_queue_puts_least_confident_first_and_skips_reviewed(db_path, model_dir):
    db = open_db(db_path)
    queue = review_queue(db, 10, model_dir=model_dir)
    assert [i.article_id for i in queue] == ["unsure-a", "unsure-b", "sure-yes", "sure-no"]
    assert queue[0].relevance_margin == pytest.approx(0.02)
    record_review(db, "unsure-a", "relevance", "relevant", 1, "anna")
    assert [i.article_id for i in review_queue(db, 2, model_dir=model_dir)] == [
        "unsure-b", "sure-yes"]


def test_label_margin_breaks_ties(tmp_path, model_dir):
    db = open_db(tmp_path / "t.db")
    add_article(db, "a", score=0.7, relevant=True, practice={"convenzione": 0.95})
    add_article(db, "b", score=0.7, relevant=True, practice={"convenzione": 0.53})
    assert [i.article_id for i in review_queue(db, 5, model_dir=model_dir)] == ["b", "a"]


def test_record_review_validates_and_stores(db_path):
    db = open_db(db_path)
    with pytest.raises(ReviewError, match="etichetta practice_type sconosciuta"):
        record_review(db, "sure-yes", "practice_type", "coprogetazione", 1, "anna")
    with pytest.raises(ReviewError, match="compito sconosciuto"):
        record_review(db, "sure-yes", "topic", "relevant", 1, "anna")
    with pytest.raises(ReviewError, match="nessun articolo"):
        record_review(db, "missing", "relevance", "relevant", 1, "anna")
    with pytest.raises(ReviewError, match="nome di chi la fa"):
        record_review(db, "sure-yes", "relevance", "relevant", 1, "")
    record_review(db, "sure-yes", "practice_type", "coprogettazione", 0, "anna", note="errore")
    record_review(db, "sure-yes", "practice_type", "coprogettazione", 1, "bruno")
    rows = list(db["reviews"].rows)
    assert [(r["reviewer"], r["value"], r["note"]) for r in rows] == [
        ("anna", 0, "errore"), ("bruno", 1, "")]
    assert latest_reviews(db) == {"sure-yes": {("practice_type", "coprogettazione"): 1}}


def test_reanalysis_keeps_reviews(db_path):
    from store.analysis import save_analysis

    db = open_db(db_path)
    record_review(db, "sure-yes", "relevance", "relevant", 0, "anna")
    result = {"relevant": True, "relevance_score": 0.9, "practice_types": [],
              "policy_areas": [], "organisations": [], "places": [], "amounts": [],
              "model_version": "clf-new", "pipeline_version": "p"}
    save_analysis(db, "sure-yes", "Testo.", result)
    assert db["reviews"].count == 1
    assert db["labels"].get("sure-yes:relevance:relevant")["model_version"] == "clf-new"


def test_decision_rows_record_chosen_and_dropped_labels(db_path, model_dir):
    item = next(i for i in review_queue(open_db(db_path), 5, model_dir=model_dir)
                if i.article_id == "unsure-a")
    assert decision_rows(item, True, {"coprogettazione"}, {"disabilita"}) == [
        ("relevance", "relevant", 1),
        ("practice_type", "convenzione", 0), ("practice_type", "coprogettazione", 1),
        ("policy_area", "disabilita", 1)]
    assert decision_rows(item, False, set(), set()) == [("relevance", "relevant", 0)]


def test_parse_labels_accepts_numbers_and_ids():
    allowed = ("coprogrammazione", "coprogettazione", "accreditamento")
    assert parse_labels("1, accreditamento", allowed) == {"coprogrammazione", "accreditamento"}
    assert parse_labels("", allowed) == set()
    with pytest.raises(ReviewError, match="etichetta sconosciuta '9'"):
        parse_labels("9", allowed)


def scripted(answers: list[str]):
    it = iter(answers)
    return lambda prompt: next(it)


def test_walker_records_decisions_from_keys(db_path, model_dir):
    shown: list[str] = []
    # unsure-a: set practice types to 2 (coprogettazione) with a typo first, then save;
    # unsure-b: not relevant; sure-yes: skip; sure-no: quit.
    answers = ["x", "p", "99", "p", "2", "y", "n", "s", "q"]
    summary = run_review(db_path, limit=10, reviewer="carla", input_fn=scripted(answers),
                         print_fn=shown.append, model_dir=model_dir)
    assert (summary.shown, summary.reviewed, summary.skipped, summary.quit) == (4, 2, 1, True)
    assert summary.reviewed_ids == ["unsure-a", "unsure-b"]
    assert any("Frase che spiega convenzione." in line for line in shown)
    assert any("etichetta sconosciuta '99'" in line for line in shown)
    decisions = latest_reviews(open_db(db_path))
    assert decisions == {
        "unsure-a": {("relevance", "relevant"): 1, ("practice_type", "convenzione"): 0,
                     ("practice_type", "coprogettazione"): 1,
                     ("policy_area", "disabilita"): 1},
        "unsure-b": {("relevance", "relevant"): 0},
    }
    rows = list(open_db(db_path)["reviews"].rows)
    assert {r["reviewer"] for r in rows} == {"carla"}


def test_walker_with_empty_queue_says_so(tmp_path):
    shown: list[str] = []
    summary = run_review(tmp_path / "empty.db", limit=5, reviewer="x",
                         input_fn=scripted([]), print_fn=shown.append)
    assert summary.shown == 0 and "Niente da rivedere" in shown[0]


FALSE_POSITIVE = (
    "Rotatoria di via Roma, via alla co-progettazione con i residenti",
    "Il Comune ha avviato la co-progettazione della nuova rotatoria di via Roma: i residenti "
    "del quartiere e le associazioni di volontariato sono invitati a un tavolo di lavoro sulla "
    "viabilità. Il progetto esecutivo dei lavori pubblici sarà poi affidato con gara d'appalto "
    "a una ditta di ingegneria; il cantiere partirà in primavera.",
)


def test_retraining_with_reviews_flips_a_reviewed_false_positive(tmp_path):
    corpus_dir = small_corpus(tmp_path)
    config = ModelConfig(inner_folds=3)
    before_dir, after_dir = tmp_path / "before", tmp_path / "after"
    train(corpus_dir, before_dir, config=config)
    before = load_classifiers(before_dir).predict(*FALSE_POSITIVE)
    assert before.relevant, "the test article must start as a false positive"

    db_path = tmp_path / "obs.db"
    db = open_db(db_path)
    add_article(db, "fp-1", score=before.relevance_score, relevant=True,
                practice={s.label: s.score for s in before.practice_types},
                title=FALSE_POSITIVE[0], text=FALSE_POSITIVE[1])
    # A staff member also corrects a corpus text (same text, stored under another id).
    corpus_text = next(e for e in load_corpus(corpus_dir) if e.relevant)
    add_article(db, "copy-1", score=0.9, relevant=True, title=corpus_text.title,
                text=corpus_text.text)
    record_review(db, "fp-1", "relevance", "relevant", 0, "anna")
    record_review(db, "copy-1", "relevance", "relevant", 0, "anna")

    report = train(corpus_dir, after_dir, db_path=db_path, config=config)
    assert report.examples == 61 and report.reviewed == 2
    after_model = load_classifiers(after_dir)
    after = after_model.predict(*FALSE_POSITIVE)
    assert not after.relevant
    assert after.relevance_score < before.relevance_score
    assert after_model.version != load_classifiers(before_dir).version
