"""Accuracy metrics."""

import pytest

from forecasts.evaluate import bias, mase, wape


def test_wape_and_bias():
    assert wape([10, 0, 30], [12, 1, 27]) == pytest.approx(6 / 40)
    assert bias([10, 0, 30], [12, 1, 27]) == pytest.approx(0.0)
    assert bias([10, 10], [15, 15]) == pytest.approx(0.5)
    assert wape([0, 0], [0, 0]) == 0.0


def test_mase_is_one_for_the_seasonal_naive_method_on_a_steady_series():
    history = [1, 5, 2, 2, 6, 3]  # season 3, each season-on-season change is one
    assert mase([4, 7, 4], [3, 6, 3], history, season_length=3) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        mase([1], [1], [1, 2], season_length=3)


def test_shapes_must_match():
    with pytest.raises(ValueError, match="shape"):
        wape([1, 2], [1])
