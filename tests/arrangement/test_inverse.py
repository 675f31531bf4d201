"""Tests of ``repalign.arrangement.inverse``: inverse MDS."""

from __future__ import annotations

import importlib
import time

import numpy as np
import pytest

import synthetic
from repalign import arrangement as A
from repalign.rdm import compare_rdms, compute_rdm

IM = importlib.import_module("repalign.arrangement.inverse")  # the module (the package attribute is the function)


def _true_trials(x, subsets):
    """Noiseless trials that show each subset at its exact (scaled) 2-D geometry."""
    out = []
    for s in subsets:
        p = x[s] - x[s].mean(0)
        out.append((np.asarray(s), p / np.linalg.norm(p, axis=1).max()))
    return out


GOOD = (np.array([0, 1, 2]), np.array([[0.0, 0], [0.5, 0], [0, 0.5]]))


@pytest.mark.parametrize("estimator", A.ESTIMATORS)
def test_planted_2d_truth_recovered_exactly(estimator):
    x = synthetic.space(20)
    rng = np.random.default_rng(1)
    trials = _true_trials(x, [np.arange(20)] + [np.sort(rng.choice(20, 6, replace=False)) for _ in range(8)])
    est = A.inverse_mds(trials, 20, estimator=estimator)
    assert est.shape == (20, 20) and np.allclose(est, est.T) and np.all(np.diag(est) == 0)
    assert compare_rdms(est, compute_rdm(x, metric="euclidean"), method="pearson") > 0.9999


def test_iterative_with_least_squares_scaling_would_be_biased():
    # Why the trials are scaled by root-sum-of-squares: a least-squares scale shrinks each trial by its
    # correlation with the estimate, so a trial that fits badly (a noisy one here) comes out too small.
    x = synthetic.space(12, 2, seed=1)
    clean = _true_trials(x, [np.arange(12)])[0]
    noisy = (clean[0], clean[1] + np.random.default_rng(0).normal(scale=0.8, size=clean[1].shape))
    st = IM._stack([clean, noisy], 12)
    est = IM._rms_normalise(IM._average(st))
    scaled = IM._trial_scaled(st, est)
    half = st.trial_of == 1
    e = est[st.pair[half]]
    ls = (st.dist[half] @ e) / (st.dist[half] @ st.dist[half]) * st.dist[half]
    assert np.sum(scaled[half] ** 2) == pytest.approx(np.sum(e**2))  # matched energy
    assert np.sum(ls**2) < 0.95 * np.sum(e**2)  # least squares shrinks


@pytest.mark.parametrize("estimator", A.ESTIMATORS)
def test_unestimable_pairs_are_nan_with_warning(estimator):
    trials = [
        (np.array([0, 1, 2]), np.array([[0.0, 0], [1, 0], [0, 1]])),
        (np.array([2, 3, 4]), np.array([[0.0, 0], [1, 0], [0, 1]])),
    ]
    with pytest.warns(RuntimeWarning, match="never shown together"):
        est = A.inverse_mds(trials, 5, estimator=estimator)
    assert np.isnan(est[0, 3]) and np.isnan(est[3, 0]) and np.isfinite(est[0, 1]) and est[0, 0] == 0


@pytest.mark.parametrize(
    "trials, err, match",
    [
        ([(np.array([0, 1, 2]), np.zeros((3, 3)))], ValueError, r"trials\[0\] positions must have shape \(3, 2\)"),
        ([(np.array([0, 1, 2]), np.zeros(3))], ValueError, r"trials\[0\] positions must be 2-D"),
        ([(np.array([0, 1, 9]), np.zeros((3, 2)))], ValueError, r"trials\[0\] item_indices must lie in \[0, 5\)"),
        ([(np.array([-1, 1, 2]), np.zeros((3, 2)))], ValueError, r"must lie in"),
        ([GOOD, (np.array([0, 1, 1]), np.zeros((3, 2)))], ValueError, r"trials\[1\] item_indices contains repeated"),
        (
            [(np.array([0, 1]), np.zeros((2, 2)))],
            ValueError,
            r"trials\[0\] holds 2 item\(s\); a trial needs at least 3",
        ),
        ([(np.array([0, 1, 2]), np.array([[0.0, 0], [np.nan, 0], [0, 1]]))], ValueError, r"NaN or infinite"),
        ([(np.array([0, 1, 2]), np.array([[0.0, 0], [np.inf, 0], [0, 1]]))], ValueError, r"NaN or infinite"),
        ([(np.array([0.0, 1, 2]), np.zeros((3, 2)))], TypeError, r"item_indices must be a 1-D integer array"),
        ([np.zeros((3, 2))], TypeError, r"trials\[0\] must be a pair"),
        ([], ValueError, r"trials is empty"),
        ("abc", TypeError, r"trials must be a sequence"),
    ],
)
def test_bad_trials(trials, err, match):
    with pytest.raises(err, match=match):
        A.inverse_mds(trials, 5)


def test_iterative_is_fast_on_100_items_60_trials():
    rng = np.random.default_rng(0)
    trials = [(np.arange(100), rng.uniform(-0.7, 0.7, (100, 2)))]
    trials += [
        (np.sort(rng.choice(100, k, replace=False)), rng.uniform(-0.7, 0.7, (k, 2))) for k in rng.integers(5, 30, 59)
    ]
    t0 = time.perf_counter()
    A.inverse_mds(trials, 100, estimator="iterative")
    assert time.perf_counter() - t0 < 5.0
