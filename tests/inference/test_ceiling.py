"""Tests of ``repalign.inference.ceiling``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as st
from scipy.stats import rankdata

from repalign import inference

N_ITEMS = 30


def test_noise_ceiling_brute_force(groups):
    a, _ = groups
    ceiling = inference.noise_ceiling(a, method="pearson")
    lower, upper = ceiling.lower, ceiling.upper
    assert ceiling.method == "pearson"
    z = (a - a.mean(1, keepdims=True)) / a.std(1, keepdims=True)  # Pearson pools z-scored RDMs
    up = np.mean([np.corrcoef(x, z.mean(0))[0, 1] for x in a])
    lo = np.mean([np.corrcoef(a[i], np.delete(z, i, 0).mean(0))[0, 1] for i in range(len(a))])
    assert upper == pytest.approx(up) and lower == pytest.approx(lo)
    assert upper >= np.mean([np.corrcoef(x, a.mean(0))[0, 1] for x in a])  # the raw mean cannot beat it
    ranks = st.rankdata(a, axis=1)
    lo_s = np.mean([st.spearmanr(a[i], np.delete(ranks, i, 0).mean(0)).statistic for i in range(len(a))])
    assert inference.noise_ceiling(a).lower == pytest.approx(lo_s)
    assert lower < upper
    identical = np.stack([a[0]] * 4)
    c = inference.noise_ceiling(identical)
    assert (c.lower, c.upper) == pytest.approx((1.0, 1.0))
    with pytest.raises(ValueError, match="at least 2"):
        inference.noise_ceiling(a[:1])


def _brute_force(x, method, pool):
    """Both bounds from their definition, pooling with ``pool`` (rows -> the rows whose mean is the group RDM)."""
    from repalign.rdm import compare_rdms

    n = len(x)
    up = np.mean([compare_rdms(x[i], pool(x).mean(0), method=method) for i in range(n)])
    lo = np.mean([compare_rdms(x[i], pool(np.delete(x, i, 0)).mean(0), method=method) for i in range(n)])
    return lo, up


def _z(x):
    return (x - x.mean(1, keepdims=True)) / x.std(1, keepdims=True)


def _whitened(x, centre):
    from scipy.spatial.distance import squareform

    x = x - x.mean(1, keepdims=True) if centre else x
    n = squareform(x[0]).shape[0]
    h = np.eye(n) - 1 / n
    norms = [np.linalg.norm(h @ squareform(v) @ h) for v in x]
    return x / np.array(norms)[:, None]


def test_pearson_upper_bound_uses_z_scored_mean_and_cannot_be_beaten():
    # the example: three participants on different scales (condensed RDMs of 4 items)
    x = np.array([[1, 2, 3, 4, 5, 6], [200, 100, 400, 300, 600, 500], [3, 1, 2, 6, 4, 5]], dtype=float)
    nc = inference.noise_ceiling(x, method="pearson")
    raw_mean_score = np.mean([np.corrcoef(v, x.mean(0))[0, 1] for v in x])
    z_mean_score = np.mean([np.corrcoef(v, _z(x).mean(0))[0, 1] for v in x])
    assert raw_mean_score == pytest.approx(0.7766, abs=1e-4)  # today's upper bound, beaten by the z-scored mean
    assert nc.upper == pytest.approx(z_mean_score) and nc.upper == pytest.approx(0.8783, abs=1e-4)
    # no candidate model beats it
    rng = np.random.default_rng(0)
    candidates = np.vstack([rng.standard_normal((2000, 6)), x.mean(0)[None], rankdata(x, axis=1).mean(0)[None]])
    scores = np.array([np.mean([np.corrcoef(v, c)[0, 1] for v in x]) for c in candidates])
    assert scores.max() <= nc.upper + 1e-12


@pytest.mark.parametrize(
    ("method", "pool"),
    [
        ("pearson", _z),
        ("spearman", lambda x: rankdata(x, axis=1)),
        ("kendall_tau_a", lambda x: rankdata(x, axis=1)),
        ("rho_a", lambda x: rankdata(x, axis=1)),
        ("cosine", lambda x: x / np.sqrt((x**2).mean(1, keepdims=True))),
        ("corr_cov", lambda x: _whitened(x, True)),
        ("cosine_cov", lambda x: _whitened(x, False)),
    ],
)
def test_noise_ceiling_pools_per_method(groups, method, pool):
    a, _ = groups
    nc = inference.noise_ceiling(a[:6], method=method)
    np.testing.assert_allclose([nc.lower, nc.upper], _brute_force(a[:6], method, pool), atol=1e-12)
    assert nc.lower < nc.upper and nc.method == method


@pytest.mark.parametrize("method", ["corr_cov", "cosine_cov"])
def test_whitened_upper_bound_beats_the_unwhitened_pool(groups, method):
    from repalign.rdm import compare_rdms

    a, _ = groups
    a = a[:6] * np.arange(1, 7)[:, None]  # different scales per participant
    nc = inference.noise_ceiling(a, method=method)
    for pool in (_z(a).mean(0), (a / np.sqrt((a**2).mean(1, keepdims=True))).mean(0), a.mean(0)):
        assert np.mean([compare_rdms(v, pool, method=method) for v in a]) <= nc.upper + 1e-12


def test_noise_ceiling_refuses_a_single_rdm_and_a_constant_participant(groups):
    a, _ = groups
    from scipy.spatial.distance import squareform

    for n in (3, 6, 10):  # triangular sizes: the rows could pass as condensed RDMs
        rng = np.random.default_rng(n)
        single = squareform(rng.random(n * (n - 1) // 2))
        with pytest.raises(ValueError, match=rf"^rdms is a single {n}x{n} RDM where a stack is needed"):
            inference.noise_ceiling(single)
    bad = a.copy()
    bad[4] = 1.0
    with pytest.raises(ValueError, match=r"^rdms\[4\] is constant; its correlation with anything is undefined$"):
        inference.noise_ceiling(bad)
