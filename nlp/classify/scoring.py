"""Per-set figures of the classifiers' decisions: per label, macro, micro, end-to-end,
confused pairs (counts and F1 from `nlp/metrics.py`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from nlp.classify.corpus import TASK_LABELS, Example, label_matrix
from nlp.classify.predict import Decisions
from nlp.metrics import LabelMetrics


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
