"""Tests of ``repalign.inference.attenuation``."""

from __future__ import annotations

import numpy as np
import pytest

from repalign.inference import disattenuate, spearman_brown


def test_formula():
    assert disattenuate(0.3, 0.5, 0.8) == pytest.approx(0.3 / np.sqrt(0.4))
    assert disattenuate(-0.2, 1.0, 1.0) == -0.2
    assert disattenuate(0.9, 0.5, 0.5) == pytest.approx(1.8)  # not clipped


def test_recovers_the_true_correlation_of_noisy_measurements():
    """Two noisy measurements of two correlated quantities: the corrected correlation is the true one."""
    rng = np.random.default_rng(0)
    n, rho = 200_000, 0.6
    x = rng.normal(size=n)
    y = rho * x + np.sqrt(1 - rho**2) * rng.normal(size=n)
    x1, x2 = x + 1.0 * rng.normal(size=(2, n))  # reliability of one x measurement: 1 / (1 + 1) = 0.5
    y1, y2 = y + 0.5 * rng.normal(size=(2, n))  # 1 / 1.25 = 0.8
    observed = np.corrcoef(x1, y1)[0, 1]
    rel_x, rel_y = np.corrcoef(x1, x2)[0, 1], np.corrcoef(y1, y2)[0, 1]
    assert observed == pytest.approx(rho * np.sqrt(0.5 * 0.8), abs=0.01)
    assert disattenuate(observed, rel_x, rel_y) == pytest.approx(rho, abs=0.01)
    # averaging two measurements raises reliability as Spearman-Brown says, and the corrected value is unchanged
    xm, ym = (x1 + x2) / 2, (y1 + y2) / 2
    corrected = disattenuate(np.corrcoef(xm, ym)[0, 1], spearman_brown(rel_x, 2), spearman_brown(rel_y, 2))
    assert corrected == pytest.approx(rho, abs=0.01)


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((0.3, 0.0, 0.5), "reliability_a"),
        ((0.3, 0.5, -0.1), "reliability_b"),
        ((0.3, 1.2, 0.5), "reliability_a"),
        ((1.5, 0.5, 0.5), "r"),
        ((float("nan"), 0.5, 0.5), "r"),
    ],
)
def test_refuses_impossible_values(args, name):
    with pytest.raises(ValueError, match=name):
        disattenuate(*args)


def test_refuses_non_numbers():
    with pytest.raises(TypeError, match="reliability_b"):
        disattenuate(0.3, 0.5, "0.5")
