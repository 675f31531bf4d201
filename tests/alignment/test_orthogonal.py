"""Tests of ``repalign.alignment.orthogonal``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import orthogonal_procrustes

from repalign import alignment as A


def _planted(n=300, dx=20, dy=20, noise=0.1, seed=0):
    """Y = X @ R_true + noise, with R_true a random (semi-)orthogonal map."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, dx))
    R = A.random_orthogonal(dx, dy, seed=seed + 1)
    return X, X @ R + noise * rng.normal(size=(n, dy)), R


# --------------------------------------------------------------------------------------------
# procrustes
class TestProcrustes:
    def test_equals_scipy_on_centred_inputs(self):
        rng = np.random.default_rng(1)
        X, Y = rng.normal(size=(50, 8)), rng.normal(size=(50, 8)) + 3
        Xc, Yc = X - X.mean(0), Y - Y.mean(0)
        np.testing.assert_allclose(A.procrustes(X, Y), orthogonal_procrustes(Xc, Yc)[0], atol=1e-12)
        np.testing.assert_allclose(A.procrustes(Xc, Yc, center=False), orthogonal_procrustes(Xc, Yc)[0], atol=1e-12)

    def test_orthogonal_and_recovers_planted_map(self):
        X, Y, R_true = _planted(noise=0.01)
        R = A.procrustes(X, Y)
        np.testing.assert_allclose(R.T @ R, np.eye(R.shape[1]), atol=1e-10)
        np.testing.assert_allclose(R, R_true, atol=0.01)

    def test_scale_gives_least_squares_similarity(self):
        X, Y, R_true = _planted(noise=0.0)
        R = A.procrustes(X, 2.5 * Y, scale=True)
        np.testing.assert_allclose(R, 2.5 * R_true, atol=1e-8)

    @pytest.mark.parametrize("dx,dy", [(12, 7), (7, 12)])
    def test_pad_equals_scipy_on_zero_padded_inputs(self, dx, dy):
        rng = np.random.default_rng(2)
        X, Y = rng.normal(size=(60, dx)), rng.normal(size=(60, dy))
        Xc, Yc = X - X.mean(0), Y - Y.mean(0)
        d = max(dx, dy)
        Xp, Yp = np.zeros((60, d)), np.zeros((60, d))
        Xp[:, :dx], Yp[:, :dy] = Xc, Yc
        expected = orthogonal_procrustes(Xp, Yp)[0][:dx, :dy]
        R = A.procrustes(X, Y, dim_match="pad")
        assert R.shape == (dx, dy)
        np.testing.assert_allclose(R, expected, atol=1e-10)

    @pytest.mark.parametrize("dx,dy", [(30, 10), (10, 30)])
    def test_pca_matches_procrustes_in_the_pca_space(self, dx, dy):
        from sklearn.decomposition import PCA

        rng = np.random.default_rng(3)
        X, Y = rng.normal(size=(80, dx)), rng.normal(size=(80, dy))
        R = A.procrustes(X, Y, dim_match="pca")
        assert R.shape == (dx, dy)
        d = min(dx, dy)
        Xc, Yc = X - X.mean(0), Y - Y.mean(0)
        Px = PCA(d).fit(X).components_.T if dx > d else np.eye(dx)
        Py = PCA(d).fit(Y).components_.T if dy > d else np.eye(dy)
        Rs = orthogonal_procrustes(Xc @ Px, Yc @ Py)[0]
        np.testing.assert_allclose(Xc @ R, Xc @ Px @ Rs @ Py.T, atol=1e-8)
        sv = np.linalg.svd(R, compute_uv=False)  # semi-orthogonal: d unit singular values
        np.testing.assert_allclose(sv[:d], 1, atol=1e-10)

    def test_pca_caps_dimension_at_n_minus_1(self):
        rng = np.random.default_rng(4)
        R = A.procrustes(rng.normal(size=(10, 30)), rng.normal(size=(10, 20)))
        assert R.shape == (30, 20)
        assert np.linalg.matrix_rank(R) == 9


class TestProcrustesEstimator:
    @pytest.mark.parametrize("kw", [{}, {"scale": True}, {"dim_match": "pad"}, {"center": False}])
    @pytest.mark.parametrize("dx,dy", [(8, 8), (12, 7), (7, 12)])
    def test_fit_returns_self_and_matches_functional_form(self, kw, dx, dy):
        rng = np.random.default_rng(20)
        X, Y = rng.normal(size=(60, dx)) + 1, rng.normal(size=(60, dy)) - 2
        est = A.Procrustes(**kw)
        assert est.fit(X[:40], Y[:40]) is est
        R = A.procrustes(X[:40], Y[:40], **kw)
        np.testing.assert_array_equal(est.map_, R)  # the thin wrapper: bit-identical
        mx = X[:40].mean(0) if kw.get("center", True) else 0.0
        np.testing.assert_array_equal(est.transform(X[40:]), (X[40:] - mx) @ R)  # new rows, training mean
        np.testing.assert_array_equal(est.fit_transform(X[:40], Y[:40]), (X[:40] - mx) @ R)

    def test_learned_attributes(self):
        rng = np.random.default_rng(21)
        X, Y = rng.normal(size=(50, 30)), rng.normal(size=(50, 10))
        est = A.Procrustes(scale=True).fit(X, Y)
        np.testing.assert_array_equal(est.mean_x_, X.mean(0))
        np.testing.assert_array_equal(est.mean_y_, Y.mean(0))
        assert est.rotation_.shape == (30, 10) and est.n_components_ == 10 and est.n_features_in_ == 30
        np.testing.assert_allclose(est.rotation_.T @ est.rotation_, np.eye(10), atol=1e-10)
        assert est.scale_ > 0 and est.components_x_.shape == (30, 10) and est.components_y_.shape == (10, 10)
        np.testing.assert_array_equal(est.map_, est.rotation_ * est.scale_)
        pad = A.Procrustes(dim_match="pad").fit(X, Y)
        assert pad.components_x_ is None and pad.scale_ == 1.0

    def test_get_params_round_trip(self):
        from sklearn.base import clone

        est = A.Procrustes(scale=True, dim_match="pad")
        assert est.get_params() == {"center": True, "scale": True, "dim_match": "pad"}
        assert est.set_params(center=False) is est and est.center is False
        assert clone(est).get_params() == est.get_params()
        with pytest.raises(TypeError):
            A.Procrustes(True)  # keyword-only

    def test_errors(self):
        from sklearn.exceptions import NotFittedError

        rng = np.random.default_rng(22)
        X, Y = rng.normal(size=(20, 4)), rng.normal(size=(20, 3))
        with pytest.raises(NotFittedError, match="not fitted"):
            A.Procrustes().transform(X)
        with pytest.raises(ValueError, match="same number of rows"):
            A.Procrustes().fit(X, Y[:10])
        with pytest.raises(ValueError, match="X has 3 columns but the map was fitted on 4"):
            A.Procrustes().fit(X, Y).transform(Y)
        with pytest.raises(ValueError, match="dim_match must be one of"):
            A.Procrustes(dim_match="crop").fit(X, Y)


class TestUncentredPcaAndFlags:
    """Issue 17: ``center=False`` with ``dim_match="pca"`` and non-bool flags."""

    @pytest.mark.parametrize("dx,dy", [(10, 8), (8, 10), (30, 20)])
    def test_uncentred_pca_map_is_stable_under_tiny_changes(self, dx, dy):
        rng = np.random.default_rng(30)
        X, Y = rng.normal(size=(5, dx)) + 0.5, rng.normal(size=(5, dy))
        R1 = A.procrustes(X, Y, center=False)
        R2 = A.procrustes(X + 1e-13 * rng.normal(size=X.shape), Y, center=False)
        assert np.abs(R1 - R2).max() < 1e-8  # was 0.16-0.28 (a direction the data do not support)

    def test_uncentred_pca_uses_uncentred_axes_and_n_components(self):
        rng = np.random.default_rng(31)
        X, Y = rng.normal(size=(6, 12)) + 2.0, rng.normal(size=(6, 9)) - 1.0
        est = A.Procrustes(center=False).fit(X, Y)
        assert est.n_components_ == 6  # uncentred data have rank n, not n - 1
        Px = np.linalg.svd(X, full_matrices=False)[2][:6].T
        np.testing.assert_allclose(est.components_x_ @ est.components_x_.T, Px @ Px.T, atol=1e-10)
        # X spans its row space fully, so the reduced fit equals the unreduced least-squares rotation
        Rs = np.linalg.svd((X @ est.components_x_).T @ (Y @ est.components_y_))
        np.testing.assert_allclose(est.rotation_, est.components_x_ @ Rs[0] @ Rs[2] @ est.components_y_.T, atol=1e-10)
        assert A.Procrustes().fit(X, Y).n_components_ == 5  # centred: n - 1

    @pytest.mark.parametrize("kw", [{"center": "no"}, {"center": 1}, {"scale": "yes"}, {"scale": None}])
    def test_non_bool_flags_are_refused(self, kw):
        rng = np.random.default_rng(32)
        X, Y = rng.normal(size=(20, 4)), rng.normal(size=(20, 3))
        name = next(iter(kw))
        with pytest.raises(TypeError, match=f"{name} must be True or False"):
            A.procrustes(X, Y, **kw)
        assert np.isfinite(A.procrustes(X, Y, center=np.bool_(False))).all()
