"""The independent held-out set stays apart from training data: no shared id, title or text."""

from __future__ import annotations

from nlp.classify import CORPUS_DIR, HELDOUT_DIR, heldout_examples, load_corpus
from nlp.text_norm import normalize


def test_heldout_set_never_overlaps_the_training_corpus():
    train = load_corpus(CORPUS_DIR)
    held = heldout_examples()
    assert HELDOUT_DIR.is_dir() and len(held) >= 150
    assert {e.id for e in train} & {e.id for e in held} == set()
    def key(e):
        return normalize(e.text)[:200]
    assert {key(e) for e in train} & {key(e) for e in held} == set()
    assert {normalize(e.title) for e in train} & {normalize(e.title) for e in held} == set()


def test_no_two_labelled_texts_share_a_template():
    """Varied writing, not templates: no pair of texts (training corpus and independent held-out
    set) shares more than a third of the word 4-grams of the shorter one (measured max: ~0.2)."""
    from collections import Counter, defaultdict

    examples = load_corpus(CORPUS_DIR) + heldout_examples()
    texts = [(e.id, normalize(e.text).split()) for e in examples]
    grams = {i: {" ".join(w[k:k + 4]) for k in range(len(w) - 3)} for i, w in texts}
    owners = defaultdict(list)
    for i, shingles in grams.items():
        for s in shingles:
            owners[s].append(i)
    shared = Counter()
    for ids in owners.values():
        if 1 < len(ids) < 50:  # stock phrases shared by many texts are not templates
            for a in range(len(ids)):
                for b in range(a + 1, len(ids)):
                    shared[ids[a], ids[b]] += 1
    worst = max(((n / min(len(grams[a]), len(grams[b])), a, b) for (a, b), n in shared.items()),
                default=(0.0, "", ""))
    assert worst[0] < 1 / 3, worst
