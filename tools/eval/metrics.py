"""Plain metric functions for the evaluation script (no numpy/sklearn needed)."""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class BinaryScores:
    """Precision, recall and F1 of one positive class."""

    precision: float
    recall: float
    f1: float
    support: int


def binary_scores(
    truth: Sequence[Hashable], predicted: Sequence[Hashable], positive: Hashable
) -> BinaryScores:
    """Precision/recall/F1 of `positive`; 0.0 where a ratio is undefined (no predictions)."""
    if len(truth) != len(predicted):
        raise ValueError("truth and predicted must have the same length")
    tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t == positive and p == positive)
    fp = sum(1 for t, p in zip(truth, predicted, strict=True) if t != positive and p == positive)
    fn = sum(1 for t, p in zip(truth, predicted, strict=True) if t == positive and p != positive)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return BinaryScores(precision, recall, f1, tp + fn)


def macro_f1(
    truth: Sequence[Hashable], predicted: Sequence[Hashable], labels: Sequence[Hashable]
) -> float:
    """Unweighted mean of the per-label F1 scores."""
    if not labels:
        raise ValueError("labels must not be empty")
    return sum(binary_scores(truth, predicted, label).f1 for label in labels) / len(labels)


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Pearson correlation coefficient of two equally long samples."""
    if len(xs) != len(ys) or len(xs) < 2:
        raise ValueError("need two samples of the same length, at least 2 items")
    mean_x = sum(xs) / len(xs)
    mean_y = sum(ys) / len(ys)
    cov = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    var_x = sum((x - mean_x) ** 2 for x in xs)
    var_y = sum((y - mean_y) ** 2 for y in ys)
    if var_x == 0 or var_y == 0:
        raise ValueError("a constant sample has no correlation")
    return cov / math.sqrt(var_x * var_y)
