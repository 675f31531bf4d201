"""Tests of ``repalign.inference.reweight``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import pdist, squareform

from repalign import inference

N_ITEMS = 30


def test_cv_nnls_recovers_planted_weights():
    rng = np.random.default_rng(3)
    x = np.stack([pdist(rng.standard_normal((40, 6))) for _ in range(6)])
    target = 2.0 * x[1] + 0.5 * x[4] + 0.01 * rng.standard_normal(x.shape[1])
    fit = inference.cv_nnls(x, target, n_folds=5, seed=0)
    assert fit.weights.shape == (5, 6)
    assert np.all(fit.weights >= 0)
    np.testing.assert_allclose(fit.weights.mean(0), [0, 2.0, 0, 0, 0.5, 0], atol=0.05)
    assert fit.score > 0.99
    assert fit.score > fit.average_score
    assert fit.predicted.shape == (40, 40)
    assert np.corrcoef(squareform(fit.predicted), target)[0, 1] > 0.99


def test_cv_nnls_folds_hold_out_stimuli():
    folds = inference.stimulus_folds(23, n_folds=4, seed=1)
    assert sorted(np.concatenate(folds).tolist()) == list(range(23))
    assert [len(f) for f in folds] == [6, 6, 6, 5]
    # weights from training pairs only: changing a held-out pair's target cannot change that fold's weights
    rng = np.random.default_rng(4)
    x = np.stack([pdist(rng.standard_normal((12, 4))) for _ in range(3)])
    y = x[0] + x[2] + 0.1 * rng.standard_normal(x.shape[1])
    f1 = inference.cv_nnls(x, y, n_folds=3, seed=7)
    held = inference.stimulus_folds(12, n_folds=3, seed=7)[0]
    sq = squareform(y)
    sq[held[0], :] += 5.0
    sq[:, held[0]] += 5.0
    np.fill_diagonal(sq, 0)
    f2 = inference.cv_nnls(x, sq, n_folds=3, seed=7)
    np.testing.assert_allclose(f1.weights[0], f2.weights[0])
    assert not np.allclose(f1.weights[1], f2.weights[1])


def test_cv_nnls_random_target_scores_near_zero(groups):
    a, _ = groups
    rng = np.random.default_rng(9)
    scores = [inference.cv_nnls(a, pdist(rng.standard_normal((N_ITEMS, 10))), seed=k).score for k in range(12)]
    assert abs(np.mean(scores)) < 0.05
    assert max(np.abs(scores)) < 0.25


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(n_folds=1), ValueError, "n_folds"),
        (dict(n_folds=31), ValueError, "n_folds"),
        (dict(n_folds=2.5), TypeError, "n_folds"),
    ],
)
def test_cv_nnls_bad_folds(groups, kwargs, exc, match):
    a, b = groups
    with pytest.raises(exc, match=match):
        inference.cv_nnls(a, b[0], **kwargs)


def test_cv_nnls_bad_inputs(groups):
    a, b = groups
    with pytest.raises(ValueError, match="different numbers of items"):
        inference.cv_nnls(a, pdist(np.random.default_rng(0).standard_normal((N_ITEMS + 1, 3))))
    with pytest.raises(ValueError, match="constant"):
        inference.cv_nnls(a, np.ones(a.shape[1]))
    bad = a.copy()
    bad[0, 3] = np.nan
    with pytest.raises(ValueError, match="participant_rdms"):
        inference.cv_nnls(bad, b[0])
    with pytest.raises(ValueError, match="stack of RDMs"):
        inference.cv_nnls(a[0], b[0])


def test_cv_nnls_intercept_recovers_a_planted_offset():
    rng = np.random.default_rng(3)
    x = np.stack([pdist(rng.standard_normal((40, 6))) for _ in range(6)])
    target = 5.0 + 2.0 * x[1] + 0.5 * x[4] + 0.01 * rng.standard_normal(x.shape[1])
    free = inference.cv_nnls(x, target, n_folds=5, seed=0, fit_intercept=True)
    np.testing.assert_allclose(free.intercepts, 5.0, atol=0.1)
    np.testing.assert_allclose(free.weights.mean(0), [0, 2.0, 0, 0, 0.5, 0], atol=0.05)
    assert free.score > 0.99
    plain = inference.cv_nnls(x, target, n_folds=5, seed=0)  # default: no intercept, as before
    np.testing.assert_array_equal(plain.intercepts, np.zeros(5))
    assert plain.score < free.score
    # the fitted level enters the predictions, not only the weights
    assert squareform(free.predicted).mean() == pytest.approx(target.mean(), rel=0.01)


def test_cv_nnls_intercept_equals_scipy_nnls_with_a_free_constant(groups):
    """Each fold equals scipy's nnls with the constant as two non-negative columns (+1 and -1)."""
    from scipy.optimize import nnls

    a, b = groups
    target = b.mean(0)
    fit = inference.cv_nnls(a, target, n_folds=4, seed=2, fit_intercept=True)
    n = squareform(target).shape[0]
    iu, ju = np.triu_indices(n, k=1)
    for k, held in enumerate(inference.stimulus_folds(n, n_folds=4, seed=2)):
        out = np.isin(np.arange(n), held)
        train = ~(out[iu] | out[ju])
        design = np.column_stack([a[:, train].T, np.ones(train.sum()), -np.ones(train.sum())])
        coef, _ = nnls(design, target[train])
        np.testing.assert_allclose(fit.weights[k], coef[:-2], atol=1e-8)
        assert fit.intercepts[k] == pytest.approx(coef[-2] - coef[-1], abs=1e-8)


def test_cv_nnls_refuses_a_single_square_rdm_and_a_non_bool_intercept(groups):
    a, b = groups
    rng = np.random.default_rng(0)
    single = squareform(pdist(rng.standard_normal((6, 3))))  # 6 x 6 rows would pass as RDMs of 4 items
    with pytest.raises(ValueError, match=r"^participant_rdms is a single 6x6 RDM where a stack is needed"):
        inference.cv_nnls(single, pdist(rng.standard_normal((4, 3))), n_folds=2)
    with pytest.raises(TypeError, match="fit_intercept must be a bool"):
        inference.cv_nnls(a, b[0], fit_intercept="yes")
