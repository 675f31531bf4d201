"""The searchlight's rank scores: Spearman with exact average ranks for ties, model by model."""

import numpy as np
from scipy.stats import rankdata, spearmanr

from repalign.searchlight.scoring import _rank_scores


def _models(m, k, rng):
    raw = rng.random((m, k))
    ranked = np.apply_along_axis(rankdata, 0, raw)
    ranked -= ranked.mean(0)
    return raw, ranked / np.linalg.norm(ranked, axis=0)


def test_rank_scores_equal_scipy_with_and_without_ties():
    rng = np.random.default_rng(3)
    v = rng.random((12, 780))
    v[3, :100] = v[3, 100:200]  # a block of ties
    v[5] = np.round(v[5], 2)  # many ties
    v[7] = 0.5  # one value only: ranks all equal, the score is undefined
    raw, cols = _models(780, 2, rng)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = _rank_scores(v, cols)
    for i in range(12):
        for k in range(2):
            ref = spearmanr(v[i], raw[:, k]).statistic
            if i == 7:
                assert np.isnan(r[i, k])
            else:
                assert abs(r[i, k] - ref) < 1e-12


def test_rank_scores_do_not_depend_on_the_other_models():
    rng = np.random.default_rng(4)
    v = rng.random((20, 435))
    v[2, :50] = v[2, 50:100]
    _, cols = _models(435, 3, rng)
    both = _rank_scores(v, cols)
    for k in range(3):
        assert np.array_equal(both[:, k], _rank_scores(v, np.ascontiguousarray(cols[:, k : k + 1]))[:, 0])
