"""Tests of ``repalign.rdm.crossnobis``."""

from __future__ import annotations

import numpy as np
import pytest

from repalign import rdm as R


def _runs(n_cond=5, n_runs=4, p=30, noise=1.0, seed=0):
    rng = np.random.default_rng(seed)
    truth = rng.standard_normal((n_cond, p))
    data = np.concatenate([truth + noise * rng.standard_normal((n_cond, p)) for _ in range(n_runs)])
    return truth, data, np.tile(np.arange(n_cond), n_runs), np.repeat(np.arange(n_runs), n_cond)


def test_crossnobis_by_hand_two_runs():
    # two runs: each fold gives (a_i - a_j)(b_i - b_j) / p, the mean of the two folds is the same number
    a = np.array([[0.0, 1.0], [2.0, 0.0], [1.0, 1.0]])
    b = np.array([[1.0, 1.0], [2.0, 1.0], [0.0, 0.0]])
    rdm = R.crossnobis_rdm(np.vstack([a, b]), conditions=[0, 1, 2] * 2, runs=[0] * 3 + [1] * 3)
    expected = np.array([[np.dot(a[i] - a[j], b[i] - b[j]) / 2 for j in range(3)] for i in range(3)])
    np.testing.assert_allclose(rdm, expected, atol=1e-14)
    assert rdm[0, 2] == pytest.approx(-0.5)  # unbiased distances can be negative


def test_crossnobis_is_unbiased_for_the_true_squared_distance():
    truth, data, cond, runs = _runs(n_cond=4, n_runs=2, p=2000, noise=1.0, seed=3)
    rdm = R.crossnobis_rdm(data, conditions=cond, runs=runs)
    true = ((truth[:, None] - truth[None]) ** 2).sum(-1) / truth.shape[1]
    noisy = ((data[:4, None] - data[None, :4]) ** 2).sum(-1) / truth.shape[1]
    off = ~np.eye(4, dtype=bool)
    assert np.max(np.abs(rdm - true)[off]) < 0.15  # the cross-validated estimate is near the truth (~2)
    assert np.min((noisy - true)[off]) > 1.5  # the plain squared distance is inflated by 2 sigma^2 = 2


def test_crossnobis_label_order_and_identity_noise():
    _, data, cond, runs = _runs(seed=1)
    labels = np.array(list("edcba"))[cond]  # rows follow numpy.unique(conditions): a..e = conditions 4..0
    base = R.crossnobis_rdm(data, conditions=cond, runs=runs)
    np.testing.assert_allclose(R.crossnobis_rdm(data, conditions=labels, runs=runs), base[::-1, ::-1], atol=1e-14)
    np.testing.assert_allclose(R.crossnobis_rdm(data, conditions=cond, runs=runs, noise=np.eye(30)), base, atol=1e-14)


def test_crossnobis_refuses_bad_input():
    _, data, cond, runs = _runs()
    with pytest.raises(ValueError, match="runs"):
        R.crossnobis_rdm(data, conditions=cond, runs=np.zeros_like(runs))
    with pytest.raises(ValueError, match="runs: run 3 lacks"):
        R.crossnobis_rdm(data[:-1], conditions=cond[:-1], runs=runs[:-1])
    with pytest.raises(ValueError, match="conditions"):
        R.crossnobis_rdm(data, conditions=cond[:-1], runs=runs)
    with pytest.raises(ValueError, match="noise"):
        R.crossnobis_rdm(data, conditions=cond, runs=runs, noise=np.eye(3))
    with pytest.raises(ValueError, match="data"):
        R.crossnobis_rdm(np.full_like(data, np.nan), conditions=cond, runs=runs)
    with pytest.raises(TypeError, match="conditions"):
        R.crossnobis_rdm(data, conditions=cond.astype(float), runs=runs)


def test_noise_precision_recovers_a_diagonal_covariance():
    rng = np.random.default_rng(5)
    sd = np.array([1.0, 2.0, 0.5])
    res = rng.standard_normal((20000, 3)) * sd
    for shrinkage in R.SHRINKAGE_TARGETS:
        prec = R.noise_precision(res, shrinkage=shrinkage)
        assert prec.shape == (3, 3)
        if shrinkage == "diag":
            np.testing.assert_allclose(np.diag(prec), 1 / sd**2, rtol=0.05)
    # "eye" shrinks towards the mean variance: with few residuals the estimate is pulled there
    few = res[:4]
    prec_eye = R.noise_precision(few, shrinkage="eye")
    assert np.all(np.linalg.eigvalsh(prec_eye) > 0)


def test_noise_precision_refuses_bad_input():
    res = np.random.default_rng(0).standard_normal((10, 3))
    with pytest.raises(ValueError, match="shrinkage"):
        R.noise_precision(res, shrinkage="full")
    res[:, 1] = 2.0
    with pytest.raises(ValueError, match="residuals has 1 constant"):
        R.noise_precision(res)
    with pytest.raises(TypeError, match="dof"):
        R.noise_precision(np.random.default_rng(0).standard_normal((10, 3)), dof=2.5)
