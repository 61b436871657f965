"""Unit tests of the classifier package: normalization, rules, corpus, fitting, persistence."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio

from nlp.classify import (
    CORPUS_DIR,
    MODEL_DIR,
    MODEL_FILE,
    POLICY_AREAS,
    PRACTICE_TYPES,
    SIDECAR_FILE,
    CorpusError,
    Example,
    ModelConfig,
    ModelError,
    TrainReport,
    best_threshold,
    format_train,
    load_classifiers,
    load_corpus,
    parse_example,
    split_holdout,
    train,
)
from nlp.features import RulesError, load_rules, parse_rules, rule_matrix
from nlp.text_norm import normalize, sentences
from nlp.types import Classification

GUIDELINE_PRACTICE_TYPES = {
    "coprogrammazione", "coprogettazione", "accreditamento", "convenzione", "partenariato",
    "patto_collaborazione", "comunita_pratica", "formazione_evento", "ricerca_valutazione",
    "bando_finanziamento", "normativa",
}
GUIDELINE_POLICY_AREAS = {
    "poverta_inclusione", "immigrazione", "disabilita", "anziani", "minori_famiglie", "abitare",
    "lavoro", "salute", "giovani", "cultura_comunita", "ambiente_beni_comuni", "welfare_generale",
}


def test_label_sets_are_the_guidelines_ids():
    assert set(PRACTICE_TYPES) == GUIDELINE_PRACTICE_TYPES and len(PRACTICE_TYPES) == 11
    assert set(POLICY_AREAS) == GUIDELINE_POLICY_AREAS and len(POLICY_AREAS) == 12


@pytest.mark.parametrize("variant", [
    "co-progettazione", "Co-Progettazione", "coprogettazione", "co progettazione",
    "co – progettazione", "co‐progettazione",
])
def test_hyphenation_variants_normalize_to_one_word(variant):
    assert normalize(f"La {variant} dei servizi") == "la coprogettazione dei servizi"


def test_accents_and_apostrophes_are_folded():
    assert normalize("Disabilità e comunità: l’ente") == "disabilita e comunita: l ente"


def test_sentences_keep_legal_abbreviations_together():
    text = ("Il Comune ha pubblicato l'avviso ai sensi dell'art. 55 del d.lgs. 117/2017. "
            "Le proposte scadono il 30 novembre.\n\nSeguirà un incontro pubblico.")
    assert sentences(text) == [
        "Il Comune ha pubblicato l'avviso ai sensi dell'art. 55 del d.lgs. 117/2017.",
        "Le proposte scadono il 30 novembre.",
        "Seguirà un incontro pubblico.",
    ]


def test_committed_rules_load_and_count_matches():
    rules = {r.name: r.pattern for r in load_rules()}
    assert {"art55", "art56", "istruttoria_pubblica", "patto_collaborazione",
            "accreditamento"} <= set(rules)
    docs = [normalize("Avviso ex art. 55, comma 3 e istruttoria pubblica; art. 55 ancora"),
            normalize("Il campionato riprende domenica")]
    m = rule_matrix(docs, [rules["art55"], rules["art55_comma3"], rules["istruttoria_pubblica"]])
    counts = np.expm1(m.toarray()).round()
    assert counts.tolist() == [[2, 1, 1], [0, 0, 0]]


@pytest.mark.parametrize("data, problem", [
    ({"rule": [{"name": "x", "pattern": "a", "weight": 2}]}, "chiavi sconosciute"),
    ({"rule": [{"name": "x", "pattern": "a"}, {"name": "x", "pattern": "b"}]}, "nome ripetuto"),
    ({"rule": [{"name": "x", "pattern": "("}]}, "pattern errato"),
    ({"rule": [{"name": "Bad Name", "pattern": "a"}]}, "snake_case"),
    ({"rules": []}, "chiavi di primo livello sconosciute"),
])
def test_malformed_rules_are_rejected(data, problem):
    with pytest.raises(RulesError, match=problem):
        parse_rules(data, "test.toml")


def _raw(**overrides):
    raw = {"id": "t1", "title": "T", "text": "Testo.", "source_type": "local_news",
           "relevant": True, "practice_types": ["coprogettazione"], "policy_areas": ["anziani"]}
    return raw | overrides


@pytest.mark.parametrize("overrides, problem", [
    ({"practice_types": ["coprogetazione"]}, "practice_types sconosciuti"),
    ({"policy_areas": ["sport"]}, "policy_areas sconosciuti"),
    ({"relevant": False}, "non pertinente non può avere"),
    ({"practice_types": []}, "richiede almeno un tipo di pratica"),
    ({"relevant": "yes"}, "true o false"),
    ({"extra": 1}, "chiavi sconosciute"),
    ({"text": "  "}, "testo vuoto"),
])
def test_bad_corpus_records_name_the_problem(overrides, problem):
    with pytest.raises(CorpusError, match=f"f.jsonl:3: .*{problem}"):
        parse_example(_raw(**overrides), "f.jsonl:3")


def test_corpus_loads_with_unique_ids_and_known_labels():
    corpus = load_corpus(CORPUS_DIR)
    assert len(corpus) >= 200
    assert len({e.id for e in corpus}) == len(corpus)
    assert any(e.relevant for e in corpus) and any(not e.relevant for e in corpus)


def test_duplicate_ids_across_files_are_rejected(tmp_path):
    line = json.dumps(_raw())
    (tmp_path / "a.jsonl").write_text(line + "\n")
    (tmp_path / "b.jsonl").write_text(line + "\n")
    with pytest.raises(CorpusError, match="già usato"):
        load_corpus(tmp_path)


def test_holdout_split_is_deterministic_disjoint_and_stratified():
    corpus = load_corpus(CORPUS_DIR)
    train_a, held_a = split_holdout(corpus)
    train_b, held_b = split_holdout(list(reversed(corpus)))
    assert {e.id for e in held_a} == {e.id for e in held_b}
    assert not {e.id for e in train_a} & {e.id for e in held_a}
    assert len(train_a) + len(held_a) == len(corpus)
    share_rel = sum(e.relevant for e in held_a) / len(held_a)
    assert abs(share_rel - sum(e.relevant for e in corpus) / len(corpus)) < 0.08
    assert 0.15 < len(held_a) / len(corpus) < 0.25


def test_best_threshold_separates_perfectly_separable_scores():
    y = np.array([0, 0, 0, 1, 1])
    prob = np.array([0.1, 0.2, 0.3, 0.7, 0.9])
    assert best_threshold(y, prob) == pytest.approx(0.5)


def small_corpus(tmp_path: Path, per_class: int = 30) -> Path:
    """A reduced copy of the real corpus (fast to train): the first texts of each kind."""
    corpus = load_corpus(CORPUS_DIR)
    relevant = [e for e in corpus if e.relevant][:per_class]
    irrelevant = [e for e in corpus if not e.relevant][:per_class]
    out = tmp_path / "corpus"
    out.mkdir()
    with (out / "small.jsonl").open("w", encoding="utf-8") as f:
        for e in relevant + irrelevant:
            f.write(json.dumps({"id": e.id, "title": e.title, "text": e.text,
                                "source_type": e.source_type, "relevant": e.relevant,
                                "practice_types": list(e.practice_types),
                                "policy_areas": list(e.policy_areas)}, ensure_ascii=False) + "\n")
    return out


FAST = ModelConfig(inner_folds=3)


@pytest.fixture(scope="module")
def small_training(tmp_path_factory) -> TrainReport:
    tmp = tmp_path_factory.mktemp("clf")
    return train(small_corpus(tmp), tmp / "model", config=FAST)


@pytest.fixture(scope="module")
def small_model(small_training) -> Path:
    return small_training.model_dir


def test_train_report_says_what_was_trained(small_training):
    assert small_training.examples == 60 and small_training.relevant == 30
    assert small_training.reviewed == 0
    assert small_training.model_version.startswith("clf-")
    text = format_train(small_training)
    assert small_training.model_version in text and "relevance_f1" in text
    assert "soglie practice_type: coprogrammazione" in text


def test_model_file_holds_no_untrusted_types(small_model):
    assert sio.get_untrusted_types(file=small_model / MODEL_FILE) == []


def test_sidecar_describes_the_model(small_model):
    sidecar = json.loads((small_model / SIDECAR_FILE).read_text())
    classifiers = load_classifiers(small_model)
    assert sidecar["model_version"] == classifiers.version
    assert sidecar["labels"]["practice_type"] == list(PRACTICE_TYPES)
    assert len(sidecar["training_data"]["sha256"]) == 64
    assert {"scikit-learn", "numpy", "skops"} <= set(sidecar["library_versions"])
    assert "relevance_f1" in sidecar["cross_validated_metrics"]
    assert 0 < sidecar["thresholds"]["relevance"]["relevant"] < 1


def test_round_trip_gives_identical_predictions(small_model, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(small_model, copy)
    corpus = load_corpus(CORPUS_DIR)[-10:]
    pairs = [(e.title, e.text) for e in corpus]
    assert load_classifiers(small_model).predict_many(pairs) == \
        load_classifiers(copy).predict_many(pairs)


def test_missing_model_file_is_a_clear_error(small_model, tmp_path):
    copy = tmp_path / "m"
    shutil.copytree(small_model, copy)
    (copy / MODEL_FILE).unlink()
    with pytest.raises(ModelError, match=MODEL_FILE):
        load_classifiers(copy)


def test_corrupt_model_file_is_a_clear_error(small_model, tmp_path):
    copy = tmp_path / "m"
    shutil.copytree(small_model, copy)
    (copy / MODEL_FILE).write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ModelError, match=f"{MODEL_FILE}: file del modello danneggiato"):
        load_classifiers(copy)


def test_sidecar_of_another_model_is_rejected(small_model, tmp_path):
    copy = tmp_path / "m"
    shutil.copytree(small_model, copy)
    sidecar = json.loads((copy / SIDECAR_FILE).read_text())
    sidecar["model_version"] = "clf-000000000000"
    (copy / SIDECAR_FILE).write_text(json.dumps(sidecar))
    with pytest.raises(ModelError, match="descrive clf-000000000000"):
        load_classifiers(copy)


@pytest.fixture(scope="module")
def committed():
    return load_classifiers()


def test_committed_model_loads_from_the_repository(committed):
    assert (MODEL_DIR / MODEL_FILE).is_file()
    assert committed.version.startswith("clf-")


def test_predictions_have_the_shared_types_and_evidence_from_the_text(committed):
    title = "Anziani soli, il Comune apre la co-progettazione con il Terzo settore"
    text = ("Il Comune di Cremona ha pubblicato un avviso di istruttoria pubblica ai sensi "
            "dell'art. 55 del Codice del Terzo settore per co-progettare servizi di compagnia e "
            "sostegno domiciliare agli anziani soli. Gli enti del terzo settore interessati "
            "potranno presentare una proposta progettuale entro il 15 dicembre.\n\n"
            "Il tavolo di coprogettazione partirà a gennaio con le associazioni di volontariato.")
    result = committed.predict(title, text)
    assert isinstance(result, Classification)
    assert result.relevant and result.relevance_score > 0.5
    assert "coprogettazione" in [s.label for s in result.practice_types]
    assert "anziani" in [s.label for s in result.policy_areas]
    for score in result.practice_types + result.policy_areas:
        assert 0 <= score.score <= 1
        assert score.evidence and score.evidence in " ".join(text.split())
    assert result.model_version == committed.version


def test_irrelevant_articles_get_no_practice_or_policy_labels(committed):
    result = committed.predict(
        "Derby, il Lecco batte il Como all'ultimo minuto",
        "Finisce 2-1 la partita di campionato giocata ieri sera al Rigamonti-Ceppi. "
        "Decide un gol al novantesimo; in classifica i blucelesti salgono al quinto posto.",
    )
    assert not result.relevant
    assert result.practice_types == [] and result.policy_areas == []


def test_predict_many_matches_predict(committed):
    corpus = load_corpus(CORPUS_DIR)[:6]
    pairs = [(e.title, e.text) for e in corpus]
    assert committed.predict_many(pairs) == [committed.predict(t, x) for t, x in pairs]
    assert committed.predict_many([]) == []


def test_empty_input_is_classified_not_crashed(committed):
    result = committed.predict("", "")
    assert not result.relevant and 0 <= result.relevance_score <= 1


def test_example_labels_per_task():
    e = Example("x", "t", "x", True, ("coprogettazione",), ("anziani",))
    assert e.labels("relevance") == ("relevant",)
    assert e.labels("practice_type") == ("coprogettazione",)
    assert e.labels("policy_area") == ("anziani",)
