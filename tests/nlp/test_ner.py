"""NER training on KIND: conversion, a short real training run, sidecar and loading.

KIND is read from ../shared/corpora/kind (never copied into the repository); the training
tests skip with a reason when it is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

from nlp.entities import load_extractor
from nlp.ner_train import (
    SIDECAR_NAME,
    TaggedSentence,
    guess_spaces,
    parse_inline,
    read_domain_docs,
    sentence_to_doc,
    train,
)
from tests.shared import shared_path, skip_without_shared

KIND_DIR = shared_path("corpora", "kind", "evalita-2023")
DOMAIN_DIR = Path(__file__).resolve().parents[2] / "nlp" / "data" / "ner_domain"
SHIPPED_MODEL = Path(__file__).resolve().parents[2] / "nlp" / "models" / "ner"


def test_bio_tags_become_entities():
    sentence = TaggedSentence(
        ("Il", "Comune", "di", "Lecco", "e", "Mario", "Rossi", "a", "Pisa", "."),
        ("O", "B-ORG", "I-ORG", "I-ORG", "O", "B-PER", "I-PER", "O", "B-LOC", "O"),
    )
    doc = sentence_to_doc(spacy.blank("it").vocab, sentence)
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Comune di Lecco", "ORG"), ("Mario Rossi", "PER"), ("Pisa", "LOC")
    ]
    assert doc.text == "Il Comune di Lecco e Mario Rossi a Pisa."


def test_spaces_follow_italian_punctuation():
    assert guess_spaces(["l'", "Istituto", ",", "oggi", "(", "sì", ")"]) == [
        False, False, True, True, False, False, False
    ]


def test_inline_domain_markup():
    text, spans = parse_inline("Il [Comune di Lecco|ORG] e [Anna Neri|PER] a [Lecco|LOC].")
    assert text == "Il Comune di Lecco e Anna Neri a Lecco."
    assert [text[s:e] for s, e, _ in spans] == ["Comune di Lecco", "Anna Neri", "Lecco"]


def test_domain_sentences_align_with_the_tokenizer():
    docs = read_domain_docs(spacy.blank("it"), DOMAIN_DIR)
    lines = [line for p in DOMAIN_DIR.glob("*.txt") for line in p.read_text("utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    assert len(docs) == len(lines) >= 60
    marked = sum(len(parse_inline(line)[1]) for line in lines)
    assert sum(len(doc.ents) for doc in docs) == marked


@skip_without_shared("corpora", "kind", "evalita-2023")
def test_short_training_run_writes_a_loadable_model(tmp_path):
    metrics = train(KIND_DIR, tmp_path / "ner", max_epochs=1, max_sentences=150,
                    domain_dir=DOMAIN_DIR)
    assert set(metrics) == {"wn_test", "wn_dev"}
    assert 0.0 <= metrics["wn_test"]["ents_f"] <= 1.0
    sidecar = json.loads((tmp_path / "ner" / SIDECAR_NAME).read_text("utf-8"))
    assert sidecar["licence"].startswith("CC BY-NC 4.0")
    assert len(sidecar["data_sha256"]) == 64 and sidecar["domain_sentences"] >= 60
    extractor = load_extractor(tmp_path / "ner")
    assert "ner" in extractor.nlp.pipe_names
    ents = extractor.extract("Il Comune di Lecco ha stanziato 9 milioni di euro.")
    assert [o.text for o in ents.organisations] == ["Comune di Lecco"]


def test_shipped_model_sidecar_reports_kind_test_scores():
    sidecar_path = SHIPPED_MODEL / SIDECAR_NAME
    if not sidecar_path.is_file():
        pytest.skip("no trained model shipped in nlp/models/ner")
    sidecar = json.loads(sidecar_path.read_text("utf-8"))
    assert sidecar["scores"]["wn_test"]["ents_f"] > 0.6
    assert (SHIPPED_MODEL / "LICENSE.md").is_file()
    size = sum(p.stat().st_size for p in SHIPPED_MODEL.rglob("*") if p.is_file())
    assert size < 15 * 1024 * 1024


def test_shipped_pipeline_round_trips_with_the_model(tmp_path):
    if not (SHIPPED_MODEL / "config.cfg").is_file():
        pytest.skip("no trained model shipped in nlp/models/ner")
    extractor = load_extractor()
    assert extractor.nlp.pipe_names[:2] == ["tok2vec", "ner"]
    text = "Secondo Anna Rossi, il Comune di Brescia e Legacoop Lombardia investono 2 milioni."
    extractor.nlp.to_disk(tmp_path / "pipeline")
    reloaded = spacy.load(tmp_path / "pipeline")
    assert reloaded(text)._.obs_entities == extractor.nlp(text)._.obs_entities
