"""Tests of ``repalign.alignment.peer_measures`` (unbiased CKA, CKNNA, SVCCA, angular Procrustes distance)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ortho_group

from repalign import alignment as A


def _pair(seed=0, n=60, dx=15, dy=10, noise=1.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, dx))
    return X, X @ rng.normal(size=(dx, dy)) + noise * rng.normal(size=(n, dy))


@pytest.mark.parametrize("measure", ["unbiased_cka", "cknna", "svcca", "procrustes_distance"])
def test_invariant_to_rotation_translation_and_isotropic_scale(measure):
    X, Y = _pair(1)
    fn = getattr(A, measure)
    Q = ortho_group.rvs(10, random_state=2)
    moved = 2.5 * Y @ Q + (0.0 if measure == "cknna" else 7.0)  # cosine k-NN is not translation invariant
    assert fn(X, moved) == pytest.approx(fn(X, Y), abs=1e-9)
    perm = np.random.default_rng(3).permutation(10)
    assert fn(X, Y[:, perm]) == pytest.approx(fn(X, Y), abs=1e-9)


def test_unbiased_cka_is_near_zero_between_independent_wide_spaces_where_linear_cka_is_not():
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(50, 400)), rng.normal(size=(50, 400))
    assert A.linear_cka(X, Y) > 0.7  # the plug-in estimate's bias at width >> n
    assert abs(A.unbiased_cka(X, Y)) < 0.05
    assert A.unbiased_cka(X, X) == pytest.approx(1.0, abs=1e-12)


def test_svcca_sensitive_to_kept_dimensions_and_invertible_maps():
    X, Y = _pair(5, n=80, dx=8, dy=8, noise=0.5)
    M = np.random.default_rng(6).normal(size=(8, 8))
    assert A.svcca(X, Y, n_components=8) == pytest.approx(A.svcca(X, Y @ M, n_components=8), abs=1e-9)
    rng = np.random.default_rng(7)
    Z1, Z2 = rng.normal(size=(40, 30)), rng.normal(size=(40, 30))
    assert A.svcca(Z1, Z2, n_components=2) < 0.45 < 0.55 < A.svcca(Z1, Z2, n_components=19)  # unrelated, many dims
    assert A.svcca(X, X) == pytest.approx(1.0, abs=1e-9)


def test_procrustes_distance_is_a_metric_on_examples():
    rng = np.random.default_rng(8)
    S = [rng.normal(size=(30, 5)) for _ in range(3)]
    d = A.procrustes_distance
    assert d(S[0], S[1]) == pytest.approx(d(S[1], S[0]), abs=1e-12)
    assert d(S[0], S[2]) <= d(S[0], S[1]) + d(S[1], S[2]) + 1e-12
    assert 0 < d(S[0], S[1]) <= np.pi / 2


def test_cknna_is_one_for_identical_and_low_for_shuffled():
    X, _ = _pair(9)
    assert A.cknna(X, X, k=5) == pytest.approx(1.0, abs=1e-12)
    assert abs(A.cknna(X, X[np.random.default_rng(1).permutation(60)], k=5)) < 0.3


def test_bad_input():
    X, Y = _pair(10)
    with pytest.raises(ValueError, match="variance must be in"):
        A.svcca(X, Y, variance=1.5)
    with pytest.raises(TypeError, match="variance"):
        A.svcca(X, Y, variance="all")
    with pytest.raises(TypeError, match="n_components"):
        A.svcca(X, Y, n_components=2.0)
    with pytest.raises(ValueError, match="k must be <="):
        A.cknna(X, Y, k=60)
    with pytest.raises(ValueError, match="Y is constant"):
        A.procrustes_distance(X, np.ones_like(Y))
    with pytest.raises(ValueError, match="Y has no variation"):
        A.unbiased_cka(X, np.ones_like(Y))
    with pytest.raises(ValueError, match="same number of rows"):
        A.svcca(X, Y[:10])
