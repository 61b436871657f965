"""Fitting: one calibrated logistic regression per label, out-of-fold, for each task."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from nlp.classify.corpus import TASK_LABELS, TASKS, Example, label_matrix
from nlp.classify.model import ModelBundle, TaskModel
from nlp.classify.predict import Decisions, decisions_from_probabilities
from nlp.classify.scoring import SetReport, score_decisions
from nlp.classify.thresholds import _sigmoid, best_threshold
from nlp.features import FeatureConfig, Featurizer, load_rules
from nlp.text_norm import document


@dataclass(frozen=True)
class ModelConfig:
    features: FeatureConfig = field(default_factory=FeatureConfig)
    c_relevance: float = 10.0
    c_practice: float = 10.0
    c_policy: float = 10.0
    inner_folds: int = 5
    class_weight: str | None = "balanced"
    at_least_one: bool = True  # a relevant article gets its best practice type / policy area

    def to_dict(self) -> dict:
        return asdict(self)


def _logistic(c: float, class_weight: str | None) -> LogisticRegression:
    return LogisticRegression(C=c, solver="liblinear", class_weight=class_weight, max_iter=2000)


@dataclass
class LabelFit:
    coef: np.ndarray
    intercept: float
    cal_a: float
    cal_b: float
    threshold: float
    oof_prob: np.ndarray


def fit_binary(x, y: np.ndarray, w: np.ndarray, c: float, config: ModelConfig) -> LabelFit | None:
    """Out-of-fold scores -> Platt calibration -> threshold; then the model on all data."""
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    folds = min(config.inner_folds, positives, negatives)
    if folds < 2:
        return None
    oof = np.zeros(len(y))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for train_idx, test_idx in splitter.split(np.zeros(len(y)), y):
        model = _logistic(c, config.class_weight)
        model.fit(x[train_idx], y[train_idx], sample_weight=w[train_idx])
        oof[test_idx] = model.decision_function(x[test_idx])
    calibrator = LogisticRegression(C=1e4).fit(oof.reshape(-1, 1), y, sample_weight=w)
    cal_a, cal_b = float(calibrator.coef_[0, 0]), float(calibrator.intercept_[0])
    prob = _sigmoid(cal_a * oof + cal_b)
    final = _logistic(c, config.class_weight).fit(x, y, sample_weight=w)
    return LabelFit(final.coef_[0].astype(np.float32), float(final.intercept_[0]), cal_a, cal_b,
                    best_threshold(y, prob), prob)


def fit_task(x, y: np.ndarray, w: np.ndarray, labels: Sequence[str], c: float,
             config: ModelConfig) -> tuple[TaskModel, np.ndarray]:
    """Fit every label of a task; return the model and its out-of-fold probabilities."""
    n, f = x.shape
    coef = np.zeros((len(labels), f), dtype=np.float32)
    params = np.zeros((4, len(labels)))  # intercept, cal_a, cal_b, threshold
    params[3] = 1.0
    fitted = np.zeros(len(labels), dtype=bool)
    oof = np.zeros((n, len(labels)))
    for j in range(len(labels)):
        fit = fit_binary(x, y[:, j], w, c, config)
        if fit is None:
            continue
        coef[j], fitted[j], oof[:, j] = fit.coef, True, fit.oof_prob
        params[:, j] = (fit.intercept, fit.cal_a, fit.cal_b, fit.threshold)
    return TaskModel(list(labels), coef, *params, fitted), oof


@dataclass
class FitResult:
    bundle: ModelBundle
    oof_report: SetReport


def fit_bundle(examples: Sequence[Example], config: ModelConfig | None = None,
               *, rules_path: Path | None = None) -> FitResult:
    """Fit all three tasks on `examples`; label tasks only see the relevant ones."""
    config = config or ModelConfig()
    rules = load_rules(rules_path) if rules_path else load_rules()
    docs = [document(e.title, e.text) for e in examples]
    featurizer = Featurizer.fit(docs, rules, config.features)
    x = featurizer.transform(docs)
    w = np.array([e.weight for e in examples])
    tasks: dict[str, TaskModel] = {}
    oof: dict[str, np.ndarray] = {}
    rows: dict[str, np.ndarray] = {}
    for task in TASKS:
        # Label tasks learn from relevant texts whose labels for that task are known.
        keep = [task == "relevance" or (e.relevant and bool(e.labels(task))) for e in examples]
        rows[task] = np.flatnonzero(keep)
        y = label_matrix([examples[i] for i in rows[task]], task)
        c = {"relevance": config.c_relevance, "practice_type": config.c_practice,
             "policy_area": config.c_policy}[task]
        tasks[task], oof[task] = fit_task(x[rows[task]], y, w[rows[task]], TASK_LABELS[task], c,
                                          config)
    bundle = ModelBundle(featurizer, tasks, config.to_dict())
    oof_decisions = _oof_decisions(tasks, oof, rows, config.at_least_one)
    report = score_decisions("validazione incrociata (fuori partizione, addestramento)", examples,
                             oof_decisions)
    return FitResult(bundle, report)


def _oof_decisions(tasks: dict[str, TaskModel], oof: dict[str, np.ndarray],
                   rows: dict[str, np.ndarray], at_least_one: bool) -> Decisions:
    """Out-of-fold decisions; label probabilities exist only for the rows a task learned from."""
    rel_prob = oof["relevance"][:, 0]
    labels = {}
    for task in ("practice_type", "policy_area"):
        full = np.zeros((len(rel_prob), len(TASK_LABELS[task])))
        full[rows[task]] = oof[task]
        labels[task] = full
    return decisions_from_probabilities(tasks, rel_prob, labels, at_least_one=at_least_one)
