"""The evaluation script's metric functions, checked against hand-computed values."""

from __future__ import annotations

import pytest

from tools.eval.metrics import binary_scores, macro_f1, pearson


def test_binary_scores_by_hand() -> None:
    """Precision, recall and F1 match a hand count (tp=2, fp=1, fn=1)."""
    # GIVEN truth 1,1,1,0,0 and predictions 1,1,0,1,0
    scores = binary_scores([1, 1, 1, 0, 0], [1, 1, 0, 1, 0], 1)
    # THEN precision 2/3, recall 2/3, F1 2/3, support 3
    assert scores.precision == pytest.approx(2 / 3)
    assert scores.recall == pytest.approx(2 / 3)
    assert scores.f1 == pytest.approx(2 / 3)
    assert scores.support == 3


def test_binary_scores_without_predictions_are_zero() -> None:
    """No positive predictions gives 0 precision/F1, not a division error."""
    # GIVEN nothing predicted positive WHEN scoring THEN zeros
    scores = binary_scores([1, 0], [0, 0], 1)
    assert (scores.precision, scores.recall, scores.f1) == (0.0, 0.0, 0.0)


def test_macro_f1_by_hand() -> None:
    """Macro F1 is the plain mean of per-class F1."""
    # GIVEN truth a,a,b,c and predictions a,b,b,c: F1 a=2/3, b=2/3, c=1
    value = macro_f1(["a", "a", "b", "c"], ["a", "b", "b", "c"], ["a", "b", "c"])
    # THEN the mean is 7/9
    assert value == pytest.approx(7 / 9)


def test_pearson_by_hand() -> None:
    """Pearson r is 1 for a line, -1 for its mirror, and a hand value otherwise."""
    # GIVEN simple samples WHEN correlating THEN the known values come out
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert pearson([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    # x = 1,2,3,4; y = 1,3,2,4: cov 4, var_x 5, var_y 5 -> r = 0.8
    assert pearson([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)


def test_pearson_rejects_constant_or_mismatched_samples() -> None:
    """Undefined correlations raise instead of returning a misleading number."""
    # GIVEN a constant sample or unequal lengths WHEN correlating THEN ValueError
    with pytest.raises(ValueError, match="constant"):
        pearson([1, 1, 1], [1, 2, 3])
    with pytest.raises(ValueError, match="same length"):
        pearson([1, 2], [1, 2, 3])
