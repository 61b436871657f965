"""The fitted models as plain arrays: one task's linear models, and the bundle of all three."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nlp.classify.thresholds import _sigmoid
from nlp.features import Featurizer


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


@dataclass
class ModelBundle:
    featurizer: Featurizer
    tasks: dict[str, TaskModel]
    config: dict
    version: str = ""
