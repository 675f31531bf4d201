"""Tests of ``repalign.inference.correlation``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import pearsonr, spearmanr

from repalign.core.intervals import Interval
from repalign.inference import BootstrapResult, bootstrap_correlation


def _pairs(n=300, r=0.5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return x, r * x + np.sqrt(1 - r**2) * rng.normal(size=n)


def test_estimate_is_the_correlation_and_ci_covers_it():
    x, y = _pairs()
    res = bootstrap_correlation(x, y, n_boot=500, seed=1)
    assert isinstance(res, BootstrapResult) and isinstance(res.ci, Interval)
    assert res.estimate == pytest.approx(spearmanr(x, y).statistic)
    assert res.ci.low < res.estimate < res.ci.high and res.ci.level == 0.95
    assert res.distribution.size == 500 and res.interval == "bc"
    # the bootstrap SE of a correlation from n pairs is near (1 - r^2) / sqrt(n)
    assert res.se == pytest.approx((1 - 0.5**2) / np.sqrt(300), rel=0.35)
    p = bootstrap_correlation(x, y, method="pearson", n_boot=200, interval="percentile", seed=1)
    assert p.estimate == pytest.approx(pearsonr(x, y).statistic) and p.interval == "percentile"


def test_deterministic_given_seed_and_nan_pairs_dropped():
    x, y = _pairs(n=100)
    a = bootstrap_correlation(x, y, n_boot=100, seed=3)
    b = bootstrap_correlation(x, y, n_boot=100, seed=np.random.default_rng(3))
    assert a.ci == b.ci
    xn, yn = np.append(x, np.nan), np.append(y, 1.0)
    c = bootstrap_correlation(xn, yn, n_boot=100, seed=3)
    assert c.estimate == a.estimate and c.ci == a.ci


def test_independent_pairs_ci_covers_zero():
    rng = np.random.default_rng(5)
    res = bootstrap_correlation(rng.normal(size=400), rng.normal(size=400), n_boot=400, seed=0)
    assert 0 in res.ci


@pytest.mark.parametrize(
    ("x", "y", "kw"),
    [
        ([1, 2, 3], [1, 2], {}),
        ([1, 2], [1, 2], {}),
        ([1, 1, 1, 1], [1, 2, 3, 4], {}),
        ([1, 2, 3, 4], [1, 2, 3, 5], {"method": "corr_cov"}),
        ([1, 2, 3, 4], [1, 2, 3, 5], {"method": "tau_b"}),
        ([1, 2, 3, 4], [1, 2, 3, 5], {"n_boot": 2}),
        ([1, 2, 3, 4], [1, 2, 3, 5], {"confidence": 1.5}),
        ([1, 2, 3, 4], [1, 2, 3, 5], {"interval": "auto"}),
    ],
)
def test_bad_input(x, y, kw):
    with pytest.raises(ValueError):
        bootstrap_correlation(x, y, **kw)
