"""Calibrated scores and the per-label decision threshold."""

from __future__ import annotations

import numpy as np


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
