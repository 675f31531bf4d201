"""Tests of ``repalign.inference.crossed``: random effects with both groups of participants as samples."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import t as t_dist

from repalign.inference import crossed_random_effects, random_effects


def _group(truth, scales, rng, person=None):
    """Condensed RDMs ``truth + scale * noise`` (noise partly shared with ``person`` when given)."""
    noise = rng.normal(size=(len(scales), truth.size))
    if person is not None:
        noise = 0.6 * person + 0.8 * noise
    return truth + scales[:, None] * noise


def test_estimate_is_the_mean_of_all_cross_correlations_and_matches_random_effects():
    rng = np.random.default_rng(0)
    truth = rng.normal(size=45)
    a, b = _group(truth, rng.uniform(0.5, 2, 6), rng), _group(truth, rng.uniform(0.5, 2, 7), rng)
    res = crossed_random_effects(a, b, n_boot=200, seed=0)
    ref = random_effects(a, b, pairing="all", n_perm=10)
    assert res.correlations.shape == (6, 7)
    np.testing.assert_allclose(res.correlations, ref.correlations, atol=1e-12)  # fast Spearman == scipy's
    assert res.estimate == pytest.approx(ref.mean, abs=1e-12)
    assert res.ci.low < res.estimate < res.ci.high and res.ci.level == 0.95
    assert res.within_person is None
    # the same seed gives the same interval
    again = crossed_random_effects(a, b, n_boot=200, seed=0)
    assert (again.ci.low, again.ci.high) == (res.ci.low, res.ci.high)


def test_paired_design_leaves_out_the_same_person():
    rng = np.random.default_rng(1)
    truth, person = rng.normal(size=45), rng.normal(size=(5, 45))
    scales = rng.uniform(0.5, 2, 5)
    a, b = _group(truth, scales, rng, person), _group(truth, scales, rng, person)
    res = crossed_random_effects(a, b, paired=True, n_boot=200, seed=0)
    c = res.correlations
    off = ~np.eye(5, dtype=bool)
    assert res.estimate == pytest.approx(c[off].mean())
    assert res.within_person == pytest.approx(np.diag(c).mean())
    assert res.within_person > res.estimate  # a person agrees with themself more than with others


def test_two_way_bootstrap_se_matches_the_sampling_sd_where_row_means_are_too_narrow():
    """Monte Carlo: both groups drawn afresh each time; participants differ in noise (row and column effects)."""
    rng = np.random.default_rng(1)
    truth = rng.normal(size=45)
    est, se, rows_se, est_p, se_p = [], [], [], [], []
    for k in range(120):
        a, b = _group(truth, rng.uniform(0.3, 3, 8), rng), _group(truth, rng.uniform(0.3, 3, 8), rng)
        r = crossed_random_effects(a, b, n_boot=300, seed=k)
        est.append(r.estimate)
        se.append(r.se)
        rows_se.append(r.rows_only_ci.width / 2 / t_dist.ppf(0.975, 7))
        scales, person = rng.uniform(0.3, 3, 12), rng.normal(size=(12, 45))
        a, b = _group(truth, scales, rng, person), _group(truth, scales, rng, person)
        p = crossed_random_effects(a, b, paired=True, n_boot=300, seed=k)
        est_p.append(p.estimate)
        se_p.append(p.se)
    true_sd, true_sd_p = np.std(est), np.std(est_p)
    assert 0.8 < np.mean(se) / true_sd < 1.25  # measured: 0.054 vs 0.059
    assert np.mean(rows_se) < 0.75 * true_sd  # the row-means interval treats group b as fixed: too narrow
    assert 0.75 < np.mean(se_p) / true_sd_p < 1.25


def test_bad_input_is_refused_naming_the_argument():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(4, 10)), rng.normal(size=(5, 10))
    with pytest.raises(ValueError, match="paired"):
        crossed_random_effects(a, b, paired=True)
    with pytest.raises(TypeError, match="paired"):
        crossed_random_effects(a, b, paired="yes")
    with pytest.raises(ValueError, match="method"):
        crossed_random_effects(a, b, method="cosine-ish")
    with pytest.raises(ValueError, match="n_boot"):
        crossed_random_effects(a, b, n_boot=1)
    with pytest.raises(ValueError, match="level"):
        crossed_random_effects(a, b, level=95)
    with pytest.raises(ValueError, match="rdms_a"):
        crossed_random_effects(a[:1], b)
    with pytest.raises(ValueError, match="rdms"):
        crossed_random_effects(a, rng.normal(size=(5, 15)))


def test_kendall_tau_a_path_agrees_with_the_loop():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(3, 15)), rng.normal(size=(3, 15))
    res = crossed_random_effects(a, b, method="kendall_tau_a", n_boot=50)
    ref = random_effects(a, b, method="kendall_tau_a", n_perm=10)
    np.testing.assert_allclose(res.correlations, ref.correlations)


def test_single_square_rdm_and_constant_participants_are_refused():
    import numpy as np
    import pytest

    from repalign.inference import crossed_random_effects

    rng = np.random.default_rng(0)
    x = rng.random((4, 10))
    square = np.zeros((10, 10))
    square[np.triu_indices(10, 1)] = rng.random(45)
    square = square + square.T
    with pytest.raises(ValueError, match="single 10x10 RDM"):
        crossed_random_effects(square, x[:, :10] if False else rng.random((4, 45)), n_boot=10)
    flat = x.copy()
    flat[1] = 0.5
    with pytest.raises(ValueError, match=r"rdms_a\[1\] is constant"):
        crossed_random_effects(flat, rng.random((4, 10)), n_boot=10)
