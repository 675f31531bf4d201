"""Tests of ``repalign.alignment.calibration`` (permutation nulls, calibrated scores, calibrated layer sweeps)."""

from __future__ import annotations

import numpy as np
import pytest

from repalign import alignment as A


def _pair(seed=0, n=50, dx=40, dy=30, noise=2.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, dx))
    return X, X @ rng.normal(size=(dx, dy)) / np.sqrt(dx) + noise * rng.normal(size=(n, dy))


@pytest.mark.parametrize("measure", A.MEASURES)
def test_null_is_the_score_of_permuted_rows(measure):
    X, Y = _pair(1)
    c = A.calibrated_score(X, Y, measure=measure, n_perm=10, k=5, seed=3)
    rng = np.random.default_rng(3)
    expected = [A.alignment_score(X, Y[rng.permutation(50)], measure=measure, k=5) for _ in range(10)]
    np.testing.assert_allclose(c.null, expected, atol=1e-10)
    assert c.raw == pytest.approx(A.alignment_score(X, Y, measure=measure, k=5), abs=1e-12)
    perfect = 0.0 if measure in A.DISTANCE_MEASURES else 1.0
    assert c.calibrated == pytest.approx((c.raw - c.null.mean()) / (perfect - c.null.mean()), abs=1e-12)


@pytest.mark.parametrize("measure", ["cka", "svcca", "mutual_knn", "procrustes_distance"])
def test_calibration_removes_the_chance_level_of_wide_unrelated_spaces(measure):
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(40, 200)), rng.normal(size=(40, 200))
    c = A.calibrated_score(X, Y, measure=measure, n_perm=50, k=5, seed=0)
    assert abs(c.calibrated) < 0.1 and c.p > 0.01
    if measure in ("cka", "svcca"):
        assert c.raw > 0.7 and c.null_mean > 0.7  # large raw scores between unrelated spaces


def test_related_spaces_are_significant_and_positive():
    X, Y = _pair(5, noise=0.5)
    for measure in A.MEASURES:
        c = A.calibrated_score(X, Y, measure=measure, n_perm=30, k=5, seed=1)
        assert c.calibrated > 0.2 and c.z > 3 and c.p == pytest.approx(1 / 31), measure


def test_layer_alignment_offers_calibration_and_picks_minimum_of_distances():
    rng = np.random.default_rng(6)
    base = rng.normal(size=(60, 10))
    vis = {"noise": rng.normal(size=(60, 20)), "signal": base @ rng.normal(size=(10, 20)) + rng.normal(size=(60, 20))}
    txt = {"t": base @ rng.normal(size=(10, 15)) + rng.normal(size=(60, 15))}
    r = A.layer_alignment(vis, txt, measure="procrustes_distance", n_boot=10, n_perm=20, progress=False, k=5)
    assert r.best == ("signal", "t") and r.in_sample_best == ("signal", "t")
    assert r.calibrated.shape == (2, 1) and r.calibrated[1, 0] > 0.2 > abs(r.calibrated[0, 0])
    assert r.p[1, 0] == pytest.approx(1 / 21) and r.table("calibrated").shape == (2, 1)
    plain = A.layer_alignment(vis, txt, measure="cka", n_boot=10, progress=False)
    assert plain.calibrated is None
    with pytest.raises(ValueError, match="n_perm > 0"):
        plain.table("calibrated")
    with pytest.raises(ValueError, match="n_perm must be 0 or >= 10"):
        A.layer_alignment(vis, txt, n_boot=10, n_perm=5, progress=False)


def test_bad_input():
    X, Y = _pair(7)
    with pytest.raises(ValueError, match="n_perm must be >= 10"):
        A.calibrated_score(X, Y, n_perm=5)
    with pytest.raises(ValueError, match="measure must be one of"):
        A.calibrated_score(X, Y, measure="cca")
    with pytest.raises(TypeError, match="seed"):
        A.calibrated_score(X, Y, seed="a")
