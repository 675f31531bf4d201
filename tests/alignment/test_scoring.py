"""Tests of ``repalign.alignment.scoring`` (pooled AUC with a bootstrap interval over rows)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from repalign import alignment


def _scores(n=40, m=3, signal=1.0, seed=0):
    rng = np.random.default_rng(seed)
    owner = np.repeat(np.arange(n), m)
    truth = owner[None, :] == np.arange(n)[:, None]
    scores = rng.normal(size=truth.shape) + signal * truth
    return scores, truth


class TestPooledAuc:
    def test_matches_sklearn_pooled_and_per_row(self):
        scores, truth = _scores()
        scores = np.round(scores, 1)  # ties count one half, as in sklearn
        res = alignment.pooled_auc(scores, truth, n_boot=0)
        assert res.auc == pytest.approx(roc_auc_score(truth.ravel(), scores.ravel()), abs=1e-12)
        per_row = [roc_auc_score(truth[i], scores[i]) for i in range(truth.shape[0])]
        np.testing.assert_allclose(res.per_row, per_row, atol=1e-12)
        assert res.per_row_mean == pytest.approx(np.mean(per_row))
        assert np.isnan(res.ci.low) and res.distribution.size == 0

    def test_bootstrap_samples_are_exact_pooled_aucs_of_resampled_rows(self):
        scores, truth = _scores(n=12, m=2)
        res = alignment.pooled_auc(scores, truth, n_boot=5, seed=3)
        draws = np.random.default_rng(3).integers(0, 12, size=(5, 12))
        for b, rows in enumerate(draws):
            s, t = scores[rows], truth[rows]
            assert res.distribution[b] == pytest.approx(roc_auc_score(t.ravel(), s.ravel()), abs=1e-12)

    def test_interval_is_for_the_pooled_statistic(self):
        # Rows with very different score scales: the pooled AUC is far below the mean per-row AUC, and the
        # interval of each statistic brackets its own estimate, not the other's.
        scores, truth = _scores(n=60, m=3, signal=3.0, seed=1)
        scores = scores * np.linspace(0.2, 5, 60)[:, None] + np.linspace(-6, 6, 60)[:, None]
        res = alignment.pooled_auc(scores, truth, n_boot=500, seed=0)
        assert res.per_row_mean > res.auc + 0.1
        assert res.ci.low < res.auc < res.ci.high
        assert res.per_row_ci.low < res.per_row_mean < res.per_row_ci.high
        assert res.ci.high < res.per_row_ci.low
        assert res.ci.level == 0.95

    def test_same_seed_gives_paired_resamples(self):
        scores, truth = _scores()
        a = alignment.pooled_auc(scores, truth, n_boot=200, seed=7)
        b = alignment.pooled_auc(scores + 0.5 * truth, truth, n_boot=200, seed=7)
        assert np.all(b.distribution >= a.distribution - 1e-12)

    def test_bad_input(self):
        scores, truth = _scores(n=5, m=2)
        with pytest.raises(TypeError, match="truth"):
            alignment.pooled_auc(scores, truth.astype(int))
        with pytest.raises(ValueError, match="truth"):
            alignment.pooled_auc(scores, truth[:, :-1])
        bad = truth.copy()
        bad[2] = False
        with pytest.raises(ValueError, match="truth row 2"):
            alignment.pooled_auc(scores, bad)
        with pytest.raises(ValueError, match="n_boot"):
            alignment.pooled_auc(scores, truth, n_boot=-1)
        with pytest.raises(ValueError, match="scores"):
            alignment.pooled_auc(np.full(scores.shape, np.nan), truth)
