"""Evaluation as `pipeline.py evaluate-classifier` runs it: cross-validated, held-out
and extra sets."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

from nlp.classify.corpus import (
    CORPUS_DIR,
    REALTEXT_PREFIX,
    REALTEXT_SETS,
    TASK_LABELS,
    Example,
    _weighted_real,
    heldout_examples,
    load_corpus,
    realtext_examples,
)
from nlp.classify.fitting import ModelConfig, fit_bundle
from nlp.classify.model import ModelBundle
from nlp.classify.predict import Decisions, bundle_decisions
from nlp.classify.scoring import SetReport, score_decisions
from nlp.classify.split import split_holdout


@dataclass
class EvalReport:
    sets: list[SetReport]
    folds: int
    corpus_texts: int
    training_texts: int
    heldout_texts: int
    config: dict


def _kfold_decisions(items: Sequence[Example], folds: int,
                     training: Callable[[np.ndarray], list[Example]],
                     config: ModelConfig | None) -> Decisions:
    """Out-of-fold decisions on `items`: each fold is scored by models fitted on
    `training(indices of the other folds)`."""
    n = len(items)
    rel_prob = np.zeros(n)
    relevant = np.zeros(n, dtype=bool)
    prob = {t: np.zeros((n, len(TASK_LABELS[t]))) for t in ("practice_type", "policy_area")}
    chosen = {t: np.zeros((n, len(TASK_LABELS[t])), dtype=bool) for t in prob}
    y = np.array([e.relevant for e in items])
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=42)
    for train_idx, test_idx in splitter.split(np.zeros(n), y):
        bundle = fit_bundle(training(train_idx), config).bundle
        test = [items[i] for i in test_idx]
        d, _ = bundle_decisions(bundle, [e.title for e in test], [e.text for e in test])
        rel_prob[test_idx], relevant[test_idx] = d.relevance_prob, d.relevant
        for t in prob:
            prob[t][test_idx], chosen[t][test_idx] = d.prob[t], d.chosen[t]
    return Decisions(rel_prob, relevant, prob, chosen)


def cross_validate(examples: Sequence[Example], folds: int,
                   config: ModelConfig | None = None) -> SetReport:
    """Outer k-fold: each fold's models (with their own inner CV thresholds) score its test part."""
    d = _kfold_decisions(examples, folds, lambda idx: [examples[i] for i in idx], config)
    return score_decisions(f"validazione incrociata, {folds} partizioni (parte di addestramento)",
                           examples, d)


def score_bundle(name: str, bundle: ModelBundle, examples: Sequence[Example]) -> SetReport:
    d, _ = bundle_decisions(bundle, [e.title for e in examples], [e.text for e in examples])
    return score_decisions(name, examples, d)


def realtext_cross_validate(examples: Sequence[Example], real: Sequence[Example], folds: int,
                            config: ModelConfig | None = None) -> SetReport:
    """Figures on the real dev half when it is part of the training data: each fold of it is
    scored by models trained on the corpus plus the other folds."""
    d = _kfold_decisions(real, folds, lambda idx: [*examples, *_weighted_real(
        [real[i] for i in idx])], config)
    return score_decisions(REALTEXT_SETS["dev"], real, d)


def evaluate(corpus_dir: Path = CORPUS_DIR, *, folds: int = 5,
             config: ModelConfig | None = None,
             extra: dict[str, Sequence[Example]] | None = None,
             demo: Sequence[Example] = ()) -> EvalReport:
    """Cross-validated figures on the training part, figures on the held-out part, and on each
    extra set (default: the real-text test half, the `demo` examples the caller passes in and
    the independent held-out set) with models trained on the whole corpus."""
    examples = load_corpus(corpus_dir)
    train_part, held = split_holdout(examples)
    sets = [cross_validate(train_part, folds, config)]
    if held:
        bundle = fit_bundle(train_part, config).bundle
        sets.append(score_bundle("dati tenuti da parte (mai usati per addestrare)", bundle, held))
    real_dev = realtext_examples("dev")
    if extra is None:
        extra = {REALTEXT_SETS["test"]: realtext_examples("test"),
                 "siti demo (altra scrittura, mai usati per addestrare)": demo,
                 "insieme indipendente tenuto da parte (classifier_heldout/)":
                     heldout_examples()}
        if real_dev:
            sets.append(realtext_cross_validate(examples, real_dev, folds, config))
    if any(extra.values()):
        full = fit_bundle([*examples, *_weighted_real(real_dev)], config).bundle
        sets += [score_bundle(name, full, exs) for name, exs in extra.items() if exs]
    sets.sort(key=lambda s: not s.name.startswith(REALTEXT_PREFIX))  # real text first
    return EvalReport(sets, folds, len(examples), len(train_part), len(held),
                      (config or ModelConfig()).to_dict())
