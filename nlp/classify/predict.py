"""Inference: decisions for a batch, evidence sentences, and the `Classifiers` that
`nlp/analyze.py` uses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from nlp.classify.model import ModelBundle, TaskModel
from nlp.text_norm import document, evidence_candidates
from nlp.types import Classification, LabelScore


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
