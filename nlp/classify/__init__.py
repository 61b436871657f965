"""Relevance, practice-type and policy-area classifiers: train, evaluate, load, predict.

One linear model per label (logistic regression over `nlp.features`), with Platt-calibrated
scores and a per-label threshold, both chosen from out-of-fold predictions (the equivalent of
`CalibratedClassifierCV(method="sigmoid", ensemble=False)` plus threshold tuning on the same
folds). Practice types and policy areas are learned from relevant articles only and predicted
only for articles judged relevant. Each predicted label comes with the article sentence whose
features contribute most to that label's linear score.

Models persist with skops (no pickle) as plain arrays + scikit-learn vectorizers, loaded with an
explicit trusted-type list, next to a JSON sidecar (labels, versions, data hash, metrics).

One concern per module: `corpus` (labels, examples, labelled sets), `split` (held-out part),
`thresholds`, `model` (fitted arrays), `fitting`, `predict` (inference), `scoring` (figures),
`persist` (skops file + sidecar), `reviews`, `training`, `evaluation`, `report` (what the CLI
prints). This package re-exports their public names.
"""

from nlp.classify.corpus import (
    CORPUS_DIR,
    HELDOUT_DIR,
    PACKAGE_DIR,
    POLICY_AREAS,
    PRACTICE_TYPES,
    REALTEXT_SETS,
    REALTEXT_WEIGHT,
    TASK_LABELS,
    TASKS,
    CorpusError,
    Example,
    data_sha256,
    demo_examples,
    heldout_examples,
    label_matrix,
    load_corpus,
    parse_example,
    realtext_examples,
    with_realtext_dev,
)
from nlp.classify.evaluation import (
    EvalReport,
    cross_validate,
    evaluate,
    realtext_cross_validate,
    score_bundle,
)
from nlp.classify.fitting import (
    FitResult,
    LabelFit,
    ModelConfig,
    fit_binary,
    fit_bundle,
    fit_task,
)
from nlp.classify.model import (
    ModelBundle,
    TaskModel,
)
from nlp.classify.persist import (
    FORMAT,
    MODEL_DIR,
    MODEL_FILE,
    SIDECAR_FILE,
    TRUSTED_TYPES,
    ModelError,
    build_sidecar,
    bundle_from_state,
    bundle_state,
    library_versions,
    load_classifiers,
    model_version,
    save_bundle,
)
from nlp.classify.predict import (
    Classifiers,
    Decisions,
    bundle_decisions,
    decisions_from_probabilities,
    evidence_sentences,
)
from nlp.classify.report import (
    format_eval,
    format_train,
)
from nlp.classify.reviews import (
    REVIEW_WEIGHT,
    apply_reviews,
    reviewed_examples,
)
from nlp.classify.scoring import (
    SetReport,
    TaskMetrics,
    score_decisions,
)
from nlp.classify.split import (
    HOLDOUT_EVERY,
    split_holdout,
)
from nlp.classify.thresholds import (
    best_threshold,
)
from nlp.classify.training import (
    TrainReport,
    train,
)
from nlp.metrics import LabelMetrics

__all__ = [
    "CORPUS_DIR",
    "Classifiers",
    "CorpusError",
    "Decisions",
    "EvalReport",
    "Example",
    "FORMAT",
    "FitResult",
    "HELDOUT_DIR",
    "HOLDOUT_EVERY",
    "LabelFit",
    "LabelMetrics",
    "MODEL_DIR",
    "MODEL_FILE",
    "ModelBundle",
    "ModelConfig",
    "ModelError",
    "PACKAGE_DIR",
    "POLICY_AREAS",
    "PRACTICE_TYPES",
    "REALTEXT_SETS",
    "REALTEXT_WEIGHT",
    "REVIEW_WEIGHT",
    "SIDECAR_FILE",
    "SetReport",
    "TASKS",
    "TASK_LABELS",
    "TRUSTED_TYPES",
    "TaskMetrics",
    "TaskModel",
    "TrainReport",
    "apply_reviews",
    "best_threshold",
    "build_sidecar",
    "bundle_decisions",
    "bundle_from_state",
    "bundle_state",
    "cross_validate",
    "data_sha256",
    "decisions_from_probabilities",
    "demo_examples",
    "evaluate",
    "evidence_sentences",
    "fit_binary",
    "fit_bundle",
    "fit_task",
    "format_eval",
    "format_train",
    "heldout_examples",
    "label_matrix",
    "library_versions",
    "load_classifiers",
    "load_corpus",
    "model_version",
    "parse_example",
    "realtext_cross_validate",
    "realtext_examples",
    "reviewed_examples",
    "save_bundle",
    "score_bundle",
    "score_decisions",
    "split_holdout",
    "train",
    "with_realtext_dev",
]
