"""Precision, recall and F1 from counts: the one implementation that the classifier's and the
entity extractor's evaluations both report with.

    >>> s = Scores(tp=3, fp=1, fn=2)
    >>> round(s.precision, 3), round(s.recall, 3), round(s.f1, 3)
    (0.75, 0.6, 0.667)
    >>> s.add(Scores(1, 0, 0)); s
    Scores(tp=4, fp=1, fn=2)
    >>> LabelMetrics("coprogettazione", support=6, tp=0, fp=0, fn=6).f1
    0.0
"""

from __future__ import annotations

from dataclasses import dataclass


class PrecisionRecall:
    """Precision, recall and F1 of a class with `tp`, `fp` and `fn` counts (0.0 when undefined)."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp else 0.0


@dataclass
class Scores(PrecisionRecall):
    """Counts that accumulate (entity spans of one type over many texts)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Scores) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn


@dataclass
class LabelMetrics(PrecisionRecall):
    """The counts of one classifier label, with its support (gold texts that carry it)."""

    label: str
    support: int
    tp: int
    fp: int
    fn: int


@dataclass
class Ratio:
    """A share of right answers (accuracy of a matched span's type, value, link...)."""

    right: int = 0
    total: int = 0

    @property
    def value(self) -> float:
        return self.right / self.total if self.total else 0.0

    def add(self, right: bool) -> None:
        self.right += int(right)
        self.total += 1
