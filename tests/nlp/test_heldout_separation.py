"""The independent held-out set stays apart from training data: no shared id, title or text."""

from __future__ import annotations

from nlp.classify import CORPUS_DIR, HELDOUT_DIR, heldout_examples, load_corpus
from nlp.text_norm import normalise


def test_heldout_set_never_overlaps_the_training_corpus():
    train = load_corpus(CORPUS_DIR)
    held = heldout_examples()
    assert HELDOUT_DIR.is_dir() and len(held) >= 150
    assert {e.id for e in train} & {e.id for e in held} == set()
    def key(e):
        return normalise(e.text)[:200]
    assert {key(e) for e in train} & {key(e) for e in held} == set()
    assert {normalise(e.title) for e in train} & {normalise(e.title) for e in held} == set()
