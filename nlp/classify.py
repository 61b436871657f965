"""Relevance, practice-type and policy-area classifiers: train, evaluate, load, predict.

One linear model per label (logistic regression over `nlp.features`), with Platt-calibrated
scores and a per-label threshold, both chosen from out-of-fold predictions (the equivalent of
`CalibratedClassifierCV(method="sigmoid", ensemble=False)` plus threshold tuning on the same
folds). Practice types and policy areas are learned from relevant articles only and predicted
only for articles judged relevant. Each predicted label comes with the article sentence whose
features contribute most to that label's linear score.

Models persist with skops (no pickle) as plain arrays + scikit-learn vectorizers, loaded with an
explicit trusted-type list, next to a JSON sidecar (labels, versions, data hash, metrics).
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import scipy
import sklearn
import skops
import skops.io as sio
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from nlp.features import FeatureConfig, Featurizer, load_rules
from nlp.metrics import LabelMetrics
from nlp.text_norm import document, evidence_candidates
from nlp.types import Classification, LabelScore
from store.taxonomy import TAXONOMY

PRACTICE_TYPES = TAXONOMY.ids("practice_types")
POLICY_AREAS = TAXONOMY.ids("policy_areas")
TASKS = ("relevance", "practice_type", "policy_area")
TASK_LABELS = {"relevance": ("relevant",), "practice_type": PRACTICE_TYPES,
               "policy_area": POLICY_AREAS}

PACKAGE_DIR = Path(__file__).resolve().parent
CORPUS_DIR = PACKAGE_DIR / "data" / "classifier"
MODEL_DIR = PACKAGE_DIR / "models" / "classifier"
MODEL_FILE = "classifiers.skops"
SIDECAR_FILE = "classifiers.json"
FORMAT = 1
HOLDOUT_EVERY = 5  # one example in five (per stratum, by id hash) is kept out of training data
REVIEW_WEIGHT = 3.0  # a staff decision on a real article outweighs one written example
# Everything the model file may contain; anything else makes loading fail.
TRUSTED_TYPES: list[str] = []  # plain data and numpy arrays only: skops trusts those by default
_CORPUS_KEYS = {"id", "title", "text", "source_type", "relevant", "practice_types",
                "policy_areas"}


class ModelError(Exception):
    """A model file that is missing, corrupt or of another format; the message names the file."""


class CorpusError(ValueError):
    """A malformed labelled example; the message names the file and the line."""


@dataclass(frozen=True)
class Example:
    id: str
    title: str
    text: str
    relevant: bool
    practice_types: tuple[str, ...] = ()
    policy_areas: tuple[str, ...] = ()
    source_type: str = ""
    origin: str = "corpus"  # corpus | review | demo
    weight: float = 1.0

    def labels(self, task: str) -> tuple[str, ...]:
        if task == "relevance":
            return ("relevant",) if self.relevant else ()
        return self.practice_types if task == "practice_type" else self.policy_areas


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


# ---------------------------------------------------------------------------------- corpus


def parse_example(raw: dict, where: str) -> Example:
    """Validate one corpus record (see nlp/data/classifier/README.md)."""
    if missing := _CORPUS_KEYS - set(raw):
        raise CorpusError(f"{where}: missing keys {sorted(missing)}")
    if unknown := set(raw) - _CORPUS_KEYS - {"note"}:
        raise CorpusError(f"{where}: unknown keys {sorted(unknown)}")
    if not isinstance(raw["relevant"], bool):
        raise CorpusError(f"{where}: relevant must be true or false")
    for key, allowed in (("practice_types", PRACTICE_TYPES), ("policy_areas", POLICY_AREAS)):
        if bad := set(raw[key]) - set(allowed):
            raise CorpusError(f"{where}: unknown {key} {sorted(bad)}")
    if not raw["relevant"] and (raw["practice_types"] or raw["policy_areas"]):
        raise CorpusError(f"{where}: an irrelevant text cannot have practice types/policy areas")
    if raw["relevant"] and not raw["practice_types"]:
        raise CorpusError(f"{where}: a relevant text needs at least one practice type")
    if not str(raw["text"]).strip():
        raise CorpusError(f"{where}: empty text")
    return Example(
        id=str(raw["id"]), title=str(raw["title"]), text=str(raw["text"]),
        relevant=raw["relevant"], practice_types=tuple(sorted(set(raw["practice_types"]))),
        policy_areas=tuple(sorted(set(raw["policy_areas"]))), source_type=str(raw["source_type"]),
    )


def load_corpus(corpus_dir: Path = CORPUS_DIR) -> list[Example]:
    """Every `*.jsonl` file of the folder, validated; ids must be unique across files."""
    examples: list[Example] = []
    seen: dict[str, str] = {}
    files = sorted(Path(corpus_dir).glob("*.jsonl"))
    if not files:
        raise CorpusError(f"{corpus_dir}: no *.jsonl files")
    for path in files:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path}:{n}"
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{where}: not JSON ({exc})") from exc
            example = parse_example(raw, where)
            if example.id in seen:
                raise CorpusError(f"{where}: id {example.id} already used at {seen[example.id]}")
            seen[example.id] = where
            examples.append(example)
    return examples


def _id_hash(value: str) -> int:
    return int(hashlib.sha1(value.encode()).hexdigest()[:12], 16)


def _stratum(example: Example) -> tuple[bool, str]:
    return example.relevant, example.practice_types[0] if example.practice_types else ""


def split_holdout(examples: Sequence[Example],
                  every: int = HOLDOUT_EVERY) -> tuple[list[Example], list[Example]]:
    """Deterministic stratified split: per stratum, ordered by id hash, every n-th is held out."""
    strata: dict[tuple[bool, str], list[Example]] = {}
    for example in examples:
        strata.setdefault(_stratum(example), []).append(example)
    held: set[str] = set()
    for members in strata.values():
        ordered = sorted(members, key=lambda e: _id_hash(e.id))
        held.update(e.id for e in ordered[every // 2 :: every])
    return ([e for e in examples if e.id not in held], [e for e in examples if e.id in held])


def data_sha256(examples: Sequence[Example]) -> str:
    rows = sorted((asdict(e) for e in examples), key=lambda r: (r["origin"], r["id"]))
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()


def label_matrix(examples: Sequence[Example], task: str) -> np.ndarray:
    labels = TASK_LABELS[task]
    return np.array([[label in e.labels(task) for label in labels] for e in examples], dtype=int)


# ---------------------------------------------------------------------------------- fitting


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -50, 50)))


def best_threshold(y: np.ndarray, prob: np.ndarray) -> float:
    """Threshold maximising F1 on out-of-fold probabilities, placed midway to the next score."""
    values = np.unique(prob)[::-1]
    best, best_f1 = 0.5, -1.0
    for i, t in enumerate(values):
        pred = prob >= t
        tp = int((pred & (y == 1)).sum())
        f1 = 2 * tp / (pred.sum() + y.sum()) if (pred.sum() + y.sum()) else 0.0
        if f1 > best_f1:
            below = values[i + 1] if i + 1 < len(values) else 0.0
            best, best_f1 = (t + below) / 2, f1
    return float(np.clip(best, 0.05, 0.95))


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


@dataclass
class TaskModel:
    """One task's linear models as arrays: labels x features, plus calibration and thresholds."""

    labels: list[str]
    coef: np.ndarray  # (labels, features) float32
    intercept: np.ndarray
    cal_a: np.ndarray
    cal_b: np.ndarray
    thresholds: np.ndarray
    fitted: np.ndarray  # bool per label: False when the data had too few positives

    def probabilities(self, x) -> np.ndarray:
        raw = np.asarray(x @ self.coef.T, dtype=np.float64) + self.intercept
        prob = _sigmoid(self.cal_a * raw + self.cal_b)
        return np.where(self.fitted, prob, 0.0)

    def decide(self, prob: np.ndarray) -> np.ndarray:
        return (prob >= self.thresholds) & self.fitted

    def to_state(self) -> dict:
        # float16 halves the file; the rounding (1e-3 relative) does not change decisions.
        return {"labels": list(self.labels), "coef": self.coef.astype(np.float16),
                "intercept": self.intercept,
                "cal_a": self.cal_a, "cal_b": self.cal_b, "thresholds": self.thresholds,
                "fitted": self.fitted.astype(np.int64)}

    @classmethod
    def from_state(cls, state: dict) -> TaskModel:
        return cls(list(state["labels"]), np.asarray(state["coef"], dtype=np.float32),
                   *(np.asarray(state[k], dtype=np.float64)
                     for k in ("intercept", "cal_a", "cal_b", "thresholds")),
                   np.asarray(state["fitted"]).astype(bool))


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
class ModelBundle:
    featurizer: Featurizer
    tasks: dict[str, TaskModel]
    config: dict
    version: str = ""


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
    report = score_decisions("cross-validated (out-of-fold, training)", examples, oof_decisions)
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


# ---------------------------------------------------------------------------------- predicting


@dataclass
class Decisions:
    """Predictions for a batch, before gating by relevance: what evaluation scores."""

    relevance_prob: np.ndarray  # (n,)
    relevant: np.ndarray  # (n,) bool
    prob: dict[str, np.ndarray]  # task -> (n, labels)
    chosen: dict[str, np.ndarray]  # task -> (n, labels) bool


def decisions_from_probabilities(tasks: dict[str, TaskModel], rel_prob: np.ndarray,
                                 prob: dict[str, np.ndarray], *, at_least_one: bool) -> Decisions:
    relevant = rel_prob >= tasks["relevance"].thresholds[0]
    chosen = {}
    for task, p in prob.items():
        pick = tasks[task].decide(p)
        if at_least_one:
            rows = np.flatnonzero(~pick.any(axis=1))
            pick[rows, np.argmax(p[rows], axis=1)] = True
        chosen[task] = pick
    return Decisions(rel_prob, relevant, prob, chosen)


def bundle_decisions(bundle: ModelBundle, titles: Sequence[str],
                     texts: Sequence[str]) -> tuple[Decisions, object]:
    x = bundle.featurizer.transform([document(t, x) for t, x in zip(titles, texts, strict=True)])
    rel_prob = bundle.tasks["relevance"].probabilities(x)[:, 0]
    prob = {t: bundle.tasks[t].probabilities(x) for t in ("practice_type", "policy_area")}
    at_least_one = bool(bundle.config.get("at_least_one", True))
    return decisions_from_probabilities(bundle.tasks, rel_prob, prob,
                                        at_least_one=at_least_one), x


def evidence_sentences(bundle: ModelBundle, d: Decisions, titles: Sequence[str],
                       texts: Sequence[str]) -> dict[tuple[int, str], dict[int, str]]:
    """(article, task) -> {label index: sentence}, for the labels chosen in relevant articles.

    The evidence of a label is the candidate sentence with the largest linear contribution to
    that label's score. All sentences of the batch are vectorised in one call."""
    rows = [i for i in range(len(titles)) if d.relevant[i]]
    candidates = {i: evidence_candidates(titles[i], texts[i]) for i in rows}
    flat = [sentence for i in rows for sentence in candidates[i]]
    if not flat:
        return {}
    s = bundle.featurizer.transform(flat)
    out: dict[tuple[int, str], dict[int, str]] = {}
    for task in ("practice_type", "policy_area"):
        contrib = np.asarray(s @ bundle.tasks[task].coef.T.astype(np.float64))
        start = 0
        for i in rows:
            block = contrib[start : start + len(candidates[i])]
            if len(block):
                out[(i, task)] = {int(j): candidates[i][int(np.argmax(block[:, j]))]
                                  for j in np.flatnonzero(d.chosen[task][i])}
            start += len(candidates[i])
    return out


def _label_scores(bundle: ModelBundle, d: Decisions, i: int, task: str,
                  evidence: dict[int, str]) -> list[LabelScore]:
    labels = bundle.tasks[task].labels
    scores = [LabelScore(labels[j], round(float(d.prob[task][i, j]), 4), evidence.get(j, ""))
              for j in np.flatnonzero(d.chosen[task][i])]
    return sorted(scores, key=lambda s: -s.score)


@dataclass
class Classifiers:
    bundle: ModelBundle
    sidecar: dict

    @property
    def version(self) -> str:
        return self.bundle.version

    @property
    def thresholds(self) -> dict[str, dict[str, float]]:
        return {task: dict(zip(m.labels, map(float, m.thresholds), strict=True))
                for task, m in self.bundle.tasks.items()}

    def predict(self, title: str, text: str) -> Classification:
        return self.predict_many([(title, text)])[0]

    def predict_many(self, items: Iterable[tuple[str, str]]) -> list[Classification]:
        """Classify (title, text) pairs in one batch; labels only for relevant articles."""
        pairs = [(t or "", x or "") for t, x in items]
        if not pairs:
            return []
        titles, texts = zip(*pairs, strict=True)
        d, _ = bundle_decisions(self.bundle, titles, texts)
        evidence = evidence_sentences(self.bundle, d, titles, texts)
        out = []
        for i in range(len(pairs)):
            relevant = bool(d.relevant[i])
            labels = {task: _label_scores(self.bundle, d, i, task, evidence.get((i, task), {}))
                      if relevant else [] for task in ("practice_type", "policy_area")}
            out.append(Classification(
                relevant=relevant,
                relevance_score=round(float(d.relevance_prob[i]), 4),
                practice_types=labels["practice_type"],
                policy_areas=labels["policy_area"],
                model_version=self.version,
            ))
        return out


# ---------------------------------------------------------------------------------- metrics


@dataclass
class TaskMetrics:
    task: str
    labels: list[LabelMetrics]
    confused: list[tuple[str, str, int]] = field(default_factory=list)  # (gold, predicted, n)
    end_to_end_micro_f1: float | None = None  # labels gated by predicted relevance, all texts

    @property
    def macro_f1(self) -> float:
        scored = [m.f1 for m in self.labels if m.support]
        return float(np.mean(scored)) if scored else 0.0

    @property
    def macro_precision(self) -> float:
        scored = [m.precision for m in self.labels if m.support]
        return float(np.mean(scored)) if scored else 0.0

    @property
    def macro_recall(self) -> float:
        scored = [m.recall for m in self.labels if m.support]
        return float(np.mean(scored)) if scored else 0.0

    @property
    def micro(self) -> LabelMetrics:
        return LabelMetrics("micro", sum(m.support for m in self.labels),
                            sum(m.tp for m in self.labels), sum(m.fp for m in self.labels),
                            sum(m.fn for m in self.labels))


@dataclass
class SetReport:
    name: str
    n_texts: int
    n_relevant: int
    tasks: dict[str, TaskMetrics]
    relevance_errors: list[tuple[str, str, float]] = field(default_factory=list)  # id, kind, p

    def summary(self) -> dict[str, float]:
        rel = self.tasks["relevance"].labels[0]
        out = {"relevance_precision": rel.precision, "relevance_recall": rel.recall,
               "relevance_f1": rel.f1}
        for task in ("practice_type", "policy_area"):
            m = self.tasks[task]
            out[f"{task}_macro_f1"] = m.macro_f1
            out[f"{task}_micro_f1"] = m.micro.f1
            if m.end_to_end_micro_f1 is not None:
                out[f"{task}_end_to_end_micro_f1"] = m.end_to_end_micro_f1
        return {k: round(v, 4) for k, v in out.items()}


def _count(gold: np.ndarray, pred: np.ndarray, labels: Sequence[str]) -> list[LabelMetrics]:
    tp, fp, fn = (gold & pred).sum(0), (~gold & pred).sum(0), (gold & ~pred).sum(0)
    return [LabelMetrics(label, int(gold[:, j].sum()), int(tp[j]), int(fp[j]), int(fn[j]))
            for j, label in enumerate(labels)]


def _confused(gold: np.ndarray, pred: np.ndarray, labels: Sequence[str],
              top: int = 5) -> list[tuple[str, str, int]]:
    """Pairs (gold label missed, wrong label predicted instead) counted over texts."""
    pairs: Counter[tuple[str, str]] = Counter()
    for g, p in zip(gold, pred, strict=True):
        for a in np.flatnonzero(g & ~p):
            for b in np.flatnonzero(p & ~g):
                pairs[(labels[a], labels[b])] += 1
    return [(a, b, n) for (a, b), n in pairs.most_common(top)]


def score_decisions(name: str, examples: Sequence[Example], d: Decisions) -> SetReport:
    """Relevance over all texts; labels over the gold-relevant texts (plus end-to-end micro F1)."""
    gold_rel = np.array([e.relevant for e in examples], dtype=bool)
    tasks = {"relevance": TaskMetrics("relevance", _count(
        gold_rel[:, None], d.relevant[:, None], ["relevant"]))}
    for task in ("practice_type", "policy_area"):
        labels = TASK_LABELS[task]
        gold = label_matrix(examples, task).astype(bool)
        pred = d.chosen[task]
        tasks[task] = TaskMetrics(task, _count(gold[gold_rel], pred[gold_rel], labels),
                                  _confused(gold[gold_rel], pred[gold_rel], labels))
        gated = pred & d.relevant[:, None]
        tasks[task].end_to_end_micro_f1 = LabelMetrics(
            "e2e", int(gold.sum()), int((gold & gated).sum()), int((~gold & gated).sum()),
            int((gold & ~gated).sum())).f1
    errors = [(e.id, "false positive" if d.relevant[i] else "false negative",
               round(float(d.relevance_prob[i]), 3))
              for i, e in enumerate(examples) if d.relevant[i] != e.relevant]
    return SetReport(name, len(examples), int(gold_rel.sum()), tasks, errors)


# ---------------------------------------------------------------------------------- persistence


def library_versions() -> dict[str, str]:
    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
            "numpy": np.__version__, "scipy": scipy.__version__, "skops": skops.__version__}


def model_version(data_hash: str, bundle: ModelBundle) -> str:
    payload = json.dumps({"data": data_hash, "config": bundle.config,
                          "rules": bundle.featurizer.rule_patterns,
                          "sklearn": sklearn.__version__}, sort_keys=True)
    return "clf-" + hashlib.sha256(payload.encode()).hexdigest()[:12]


def bundle_state(bundle: ModelBundle) -> dict:
    return {"format": FORMAT, "version": bundle.version, "config": json.dumps(bundle.config),
            "featurizer": bundle.featurizer.to_state(),
            "tasks": {t: m.to_state() for t, m in bundle.tasks.items()}}


def bundle_from_state(state: dict) -> ModelBundle:
    return ModelBundle(Featurizer.from_state(state["featurizer"]),
                       {t: TaskModel.from_state(s) for t, s in state["tasks"].items()},
                       json.loads(state["config"]), state["version"])


def save_bundle(bundle: ModelBundle, out_dir: Path, sidecar: dict) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path, sidecar_path = out_dir / MODEL_FILE, out_dir / SIDECAR_FILE
    tmp = model_path.with_suffix(".tmp")
    sio.dump(bundle_state(bundle), tmp, compression=8, compresslevel=9)
    tmp.replace(model_path)
    sidecar_path.write_text(json.dumps(sidecar, indent=2, ensure_ascii=False) + "\n",
                            encoding="utf-8")
    return [model_path, sidecar_path]


def load_classifiers(model_dir: Path | None = None) -> Classifiers:
    """Load the committed (or given) model; a missing or corrupt file raises ModelError."""
    model_dir = Path(model_dir) if model_dir else MODEL_DIR
    model_path, sidecar_path = model_dir / MODEL_FILE, model_dir / SIDECAR_FILE
    for path in (model_path, sidecar_path):
        if not path.is_file():
            raise ModelError(f"{path}: model file missing (run `pipeline.py train`)")
    try:
        sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{sidecar_path}: unreadable sidecar ({exc})") from exc
    try:
        state = sio.load(model_path, trusted=TRUSTED_TYPES)
        bundle = bundle_from_state(state)
    except Exception as exc:  # noqa: BLE001 - any failure here means an unusable model file
        raise ModelError(f"{model_path}: corrupt or untrusted model file ({exc})") from exc
    if state.get("format") != FORMAT:
        raise ModelError(f"{model_path}: format {state.get('format')}, expected {FORMAT}")
    if sidecar.get("model_version") != bundle.version:
        raise ModelError(f"{sidecar_path}: describes {sidecar.get('model_version')}, "
                         f"but {model_path.name} is {bundle.version}")
    return Classifiers(bundle, sidecar)


def build_sidecar(bundle: ModelBundle, examples: Sequence[Example], data_hash: str,
                  cv: SetReport) -> dict:
    origins = Counter(e.origin for e in examples)
    return {
        "model_version": bundle.version,
        "format": FORMAT,
        "trained_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "labels": {task: list(labels) for task, labels in TASK_LABELS.items()},
        "fitted_labels": {t: [lab for lab, ok in zip(m.labels, m.fitted, strict=True) if ok]
                          for t, m in bundle.tasks.items()},
        "thresholds": {t: dict(zip(m.labels, (round(float(v), 4) for v in m.thresholds),
                                   strict=True)) for t, m in bundle.tasks.items()},
        "training_data": {"sha256": data_hash, "examples": len(examples),
                          "relevant": sum(e.relevant for e in examples),
                          "by_origin": dict(origins)},
        "cross_validated_metrics": cv.summary(),
        "config": bundle.config,
        "rules": dict(zip(bundle.featurizer.rule_names, bundle.featurizer.rule_patterns,
                          strict=True)),
        "features": len(bundle.featurizer.feature_names),
        "library_versions": library_versions(),
    }


# ---------------------------------------------------------------------------------- reviews


def apply_reviews(corpus: Sequence[Example], reviewed: dict[str, dict],
                  decisions: dict[str, dict[tuple[str, str], int]]) -> list[Example]:
    """Corpus plus staff reviews: a review overrides the corpus labels of the same article
    (same id, or same text), and a reviewed article not in the corpus becomes a new example
    whose unreviewed labels are the ones the model showed the reviewer."""
    from store.text import content_hash

    by_id = {e.id: e for e in corpus}
    by_text = {content_hash(e.text): e for e in corpus}
    replaced: dict[str, Example] = {}
    added: list[Example] = []
    for article_id, article in sorted(reviewed.items()):
        base = by_id.get(article_id) or by_text.get(content_hash(article["text"] or ""))
        if base is None:
            base = Example(article_id, article["title"] or "", article["text"] or "",
                           bool(article["relevant"]), tuple(article["practice_types"]),
                           tuple(article["policy_areas"]), origin="review")
        updated = _apply_decisions(base, decisions.get(article_id, {}))
        if base.origin == "corpus":
            replaced[base.id] = updated
        else:
            added.append(updated)
    return [replaced.get(e.id, e) for e in corpus] + added


def _apply_decisions(base: Example, decided: dict[tuple[str, str], int]) -> Example:
    relevant = bool(decided.get(("relevance", "relevant"), base.relevant))
    labels = {}
    for task in ("practice_type", "policy_area"):
        current = set(base.labels(task))
        current |= {lab for (t, lab), v in decided.items() if t == task and v}
        current -= {lab for (t, lab), v in decided.items() if t == task and not v}
        labels[task] = tuple(sorted(current & set(TASK_LABELS[task]))) if relevant else ()
    return replace(base, relevant=relevant, practice_types=labels["practice_type"],
                   policy_areas=labels["policy_area"], origin="review", weight=REVIEW_WEIGHT)


def reviewed_examples(db_path: Path, corpus: Sequence[Example]) -> list[Example]:
    """`apply_reviews` fed from the database."""
    from store.db import open_db
    from store.reviews import articles_by_id, latest_reviews

    db = open_db(db_path)
    decisions = latest_reviews(db)
    return apply_reviews(corpus, articles_by_id(db, sorted(decisions)), decisions)


# ---------------------------------------------------------------------------------- train


@dataclass
class TrainReport:
    model_dir: Path
    model_version: str
    examples: int
    relevant: int
    reviewed: int
    data_sha256: str
    thresholds: dict[str, dict[str, float]]
    metrics: dict[str, float]
    files: list[Path]


def train(corpus_dir: Path = CORPUS_DIR, out_dir: Path = MODEL_DIR, *,
          db_path: Path | None = None, config: ModelConfig | None = None,
          realtext: bool = False) -> TrainReport:
    """Train on the corpus (plus staff reviews when `db_path` is given, plus the real-text dev
    half when `realtext`, as `pipeline.py train` does) and save the models."""
    corpus = load_corpus(corpus_dir)
    examples = reviewed_examples(db_path, corpus) if db_path else list(corpus)
    if realtext:
        examples = with_realtext_dev(examples)
    fit = fit_bundle(examples, config)
    data_hash = data_sha256(examples)
    fit.bundle.version = model_version(data_hash, fit.bundle)
    sidecar = build_sidecar(fit.bundle, examples, data_hash, fit.oof_report)
    files = save_bundle(fit.bundle, Path(out_dir), sidecar)
    return TrainReport(Path(out_dir), fit.bundle.version, len(examples),
                       sum(e.relevant for e in examples),
                       sum(e.origin == "review" for e in examples), data_hash,
                       sidecar["thresholds"], sidecar["cross_validated_metrics"], files)


def format_train(report: TrainReport) -> str:
    """What `pipeline.py train` prints: model version, data, thresholds, out-of-fold metrics."""
    lines = [f"model {report.model_version} -> {report.model_dir}",
             f"trained on {report.examples} texts ({report.relevant} relevant, "
             f"{report.reviewed} from staff reviews); data sha256 {report.data_sha256[:16]}...",
             "out-of-fold metrics (thresholds chosen on the same folds, so a little optimistic; "
             "run evaluate-classifier for held-out figures):"]
    lines += [f"  {k:<36} {v:.3f}" for k, v in report.metrics.items()]
    for task, thresholds in report.thresholds.items():
        lines.append(f"thresholds {task}: " + ", ".join(f"{k} {v:.2f}"
                                                        for k, v in thresholds.items()))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------- evaluate


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
    return score_decisions(f"cross-validated, {folds} folds (training part)", examples, d)


def score_bundle(name: str, bundle: ModelBundle, examples: Sequence[Example]) -> SetReport:
    d, _ = bundle_decisions(bundle, [e.title for e in examples], [e.text for e in examples])
    return score_decisions(name, examples, d)


def demo_examples(labelled: Iterable[dict]) -> list[Example]:
    """Examples from labelled articles given as plain dicts (keys id, title, text, relevant,
    practice_types, policy_areas, source_type), such as the demo sites' ground truth
    (`demo_sites.content.labelled_articles()`): the caller passes them in."""
    return [Example(str(a["id"]), a["title"], a["text"], a["relevant"],
                    tuple(a["practice_types"]), tuple(a["policy_areas"]), a["source_type"],
                    origin="demo")
            for a in labelled]


HELDOUT_DIR = CORPUS_DIR.parent / "classifier_heldout"


def heldout_examples() -> list[Example]:
    """The independent held-out set written in another style: scored, never trained on."""
    return load_corpus(HELDOUT_DIR) if HELDOUT_DIR.is_dir() else []


REALTEXT_SETS = {"dev": "real-text dev half (nlp/data/realtext; trained on: 5-fold, each fold "
                        "scored by models trained without it)",
                 "test": "real-text test half (nlp/data/realtext; never trained or tuned on)"}


REALTEXT_WEIGHT = 2.0  # real pages are what the observatory reads, and there are few of them


def realtext_examples(split: str) -> list[Example]:
    """A half of the real-text set (excerpts of real web pages, split by site)."""
    from nlp.realtext import REALTEXT_PATH, classifier_examples

    return classifier_examples(split) if REALTEXT_PATH.is_file() else []


def _weighted_real(examples: Sequence[Example]) -> list[Example]:
    return [replace(e, origin="realtext", weight=REALTEXT_WEIGHT) for e in examples]


def with_realtext_dev(examples: Sequence[Example]) -> list[Example]:
    """Training data plus the real-text **dev** half (never the test half)."""
    return [*examples, *_weighted_real(realtext_examples("dev"))]


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
        sets.append(score_bundle("held-out part (never trained on)", bundle, held))
    real_dev = realtext_examples("dev")
    if extra is None:
        extra = {REALTEXT_SETS["test"]: realtext_examples("test"),
                 "demo sites (other writing, never trained on)": demo,
                 "independent held-out set (classifier_heldout/)": heldout_examples()}
        if real_dev:
            sets.append(realtext_cross_validate(examples, real_dev, folds, config))
    if any(extra.values()):
        full = fit_bundle([*examples, *_weighted_real(real_dev)], config).bundle
        sets += [score_bundle(name, full, exs) for name, exs in extra.items() if exs]
    sets.sort(key=lambda s: not s.name.startswith("real-text"))  # real text first
    return EvalReport(sets, folds, len(examples), len(train_part), len(held),
                      (config or ModelConfig()).to_dict())


def _metric_line(name: str, m: LabelMetrics) -> str:
    return (f"  {name:<24} {m.support:>5} {m.precision:>6.3f} {m.recall:>6.3f} {m.f1:>6.3f}"
            f"   tp={m.tp} fp={m.fp} fn={m.fn}")


def _format_task(metrics: TaskMetrics) -> list[str]:
    lines = [f"  {metrics.task:<24} {'supp':>5} {'prec':>6} {'rec':>6} {'f1':>6}"]
    lines += [_metric_line(m.label, m) for m in metrics.labels]
    if metrics.task != "relevance":
        lines.append(f"  {'macro':<24} {'':>5} {metrics.macro_precision:>6.3f} "
                     f"{metrics.macro_recall:>6.3f} {metrics.macro_f1:>6.3f}")
        lines.append(_metric_line("micro", metrics.micro))
        lines.append(f"  end-to-end micro F1 (gated by predicted relevance): "
                     f"{metrics.end_to_end_micro_f1:.3f}")
        if metrics.confused:
            pairs = ", ".join(f"{a} -> {b} ({n})" for a, b, n in metrics.confused)
            lines.append(f"  most confused (gold missed -> predicted instead): {pairs}")
    return lines


def format_eval(report: EvalReport) -> str:
    """Per-label precision/recall/F1, macro and micro averages, confused pairs, per data set."""
    out = [f"corpus: {report.corpus_texts} texts = {report.training_texts} training + "
           f"{report.heldout_texts} held out"]
    for s in report.sets:
        out += ["", f"== {s.name}: {s.n_texts} texts, {s.n_relevant} relevant"]
        for task in TASKS:
            out += _format_task(s.tasks[task])
        if s.relevance_errors:
            shown = ", ".join(f"{i} ({kind}, p={p})" for i, kind, p in s.relevance_errors[:12])
            out.append(f"  relevance errors: {shown}")
    return "\n".join(out)
