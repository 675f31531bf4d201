"""Tests of ``repalign.alignment.barycentric``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.linalg import orthogonal_procrustes
from scipy.spatial import procrustes as scipy_procrustes

import synthetic
from repalign import alignment as A


def _objective(Xs, maps):
    aligned = synthetic.aligned(Xs, maps)
    B = np.mean(aligned, axis=0)
    return sum(float(np.sum((a - B) ** 2)) for a in aligned)


def _residual_after_rotation(P, Q):
    """||P R - Q|| for the best rotation R (0 when P and Q differ only by a rotation)."""
    R, _ = orthogonal_procrustes(P, Q)
    return float(np.linalg.norm(P @ R - Q))


def _direct_gpa(Zs, n_sweeps=500):
    """Independent GPA (Ten Berge 1977): rotate each space in turn onto the sum of the others."""
    Zs = [Z - Z.mean(0) for Z in Zs]
    Zs = [Z / np.linalg.norm(Z) for Z in Zs]
    Rs = [np.eye(Z.shape[1]) for Z in Zs]
    for _ in range(n_sweeps):
        for i, Z in enumerate(Zs):
            others = sum(Zj @ Rj for j, (Zj, Rj) in enumerate(zip(Zs, Rs)) if j != i)
            U, _, Vt = np.linalg.svd(Z.T @ others)
            Rs[i] = U @ Vt
    return np.mean([Z @ R for Z, R in zip(Zs, Rs)], axis=0)


# --------------------------------------------------------------------------------------------
# generalized_procrustes
class TestGeneralizedProcrustes:
    def test_two_spaces_equal_scipy_procrustes_disparity(self):
        rng = np.random.default_rng(0)
        X, Y = rng.normal(size=(40, 5)), rng.normal(size=(40, 5)) + 2
        r = A.generalized_procrustes([X, Y], n_components=5)
        B, maps = r.barycenter, r.maps
        a, b = synthetic.aligned([X, Y], maps)
        _, _, disparity = scipy_procrustes(X, Y)  # scipy also fits a scale: disparity = 1 - (sum of s.v.)^2
        assert np.sum((a - b) ** 2) == pytest.approx(2 - 2 * np.sqrt(1 - disparity), rel=1e-8)
        np.testing.assert_allclose(B, (a + b) / 2, atol=1e-12)

    def test_matches_direct_implementation(self):
        rng = np.random.default_rng(1)
        Xs = [rng.normal(size=(60, 4)) + 0.5 * rng.normal(size=(60, 1)) for _ in range(5)]
        r = A.generalized_procrustes(Xs, n_components=4, tol=1e-14, n_iter=5000)
        B, maps = r.barycenter, r.maps
        B_direct = _direct_gpa(Xs)
        assert _residual_after_rotation(B, B_direct) < 1e-6
        aligned = synthetic.aligned(Xs, maps)
        obj_direct = sum(
            np.sum((Z - B_direct) ** 2)
            for Z in (
                Zr @ orthogonal_procrustes(Zr, B_direct)[0]
                for Zr in ((X - X.mean(0)) / np.linalg.norm(X - X.mean(0)) for X in Xs)
            )
        )
        assert _objective(Xs, maps) == pytest.approx(obj_direct, rel=1e-6)
        np.testing.assert_allclose(np.mean(aligned, axis=0), B, atol=1e-12)

    def test_recovers_planted_configuration_up_to_a_global_rotation(self):
        C, Xs = synthetic.rotated_copies(widths=[6, 6, 9, 12, 6])
        r = A.generalized_procrustes(Xs, n_components=6)
        B, maps = r.barycenter, r.maps
        Cc = C - C.mean(0)
        assert _residual_after_rotation(B, Cc / np.linalg.norm(Cc)) < 1e-8
        for a in synthetic.aligned(Xs, maps):  # every space lands exactly on the barycenter
            np.testing.assert_allclose(a, B, atol=1e-8)
        assert _objective(Xs, maps) < 1e-12

    def test_planted_with_noise_recovered_closely(self):
        C, Xs = synthetic.rotated_copies(k=8, noise=0.3, seed=3)
        r = A.generalized_procrustes(Xs, n_components=6)
        B = r.barycenter
        Cc = C - C.mean(0)
        assert _residual_after_rotation(B / np.linalg.norm(B), Cc / np.linalg.norm(Cc)) < 0.05

    def test_maps_are_scaled_semi_orthogonal(self):
        _, Xs = synthetic.rotated_copies(widths=[6, 9], noise=0.1)
        r = A.generalized_procrustes(Xs, n_components=6)
        maps = r.maps
        for X, M in zip(Xs, maps):
            MtM = M.T @ M  # projection/padding, scaling and rotation: a multiple of the identity
            np.testing.assert_allclose(MtM, MtM[0, 0] * np.eye(6), atol=1e-12)
            assert np.linalg.norm((X - X.mean(0)) @ M) == pytest.approx(1.0, abs=1e-12)  # unit total norm

    def test_padding_keeps_a_narrow_space_exactly(self):
        rng = np.random.default_rng(4)
        Xs = [rng.normal(size=(50, 3)), rng.normal(size=(50, 8))]
        r = A.generalized_procrustes(Xs, n_components=8)
        maps = r.maps
        a = synthetic.aligned(Xs, maps)[0]
        Xc = Xs[0] - Xs[0].mean(0)
        # a padded space is only rotated and scaled: its Gram matrix is kept
        np.testing.assert_allclose(a @ a.T, Xc @ Xc.T / np.sum(Xc**2), atol=1e-12)

    def test_invariant_to_rotation_translation_and_scale_of_inputs(self):
        rng = np.random.default_rng(5)
        Xs = [rng.normal(size=(70, 5)) + rng.normal(size=(70, 1)) for _ in range(4)]
        r = A.generalized_procrustes(Xs, n_components=5, tol=1e-14, n_iter=2000)
        B = r.barycenter
        moved = [7.0 * X @ A.random_orthogonal(5, 5, seed=i) - 3.0 for i, X in enumerate(Xs)]
        B2 = A.generalized_procrustes(moved, n_components=5, tol=1e-14, n_iter=2000).barycenter
        np.testing.assert_allclose(B2, B, atol=1e-6)  # principal-axes gauge: equal, not just up to rotation

    def test_objective_decreases_monotonically(self):
        rng = np.random.default_rng(6)
        Xs = [rng.normal(size=(80, 6)) + rng.normal(size=(80, 6)) * (i == 0) for i in range(5)]
        values = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            for it in range(1, 10):
                values.append(_objective(Xs, A.generalized_procrustes(Xs, n_components=6, n_iter=it, tol=0).maps))
        assert all(b <= a + 1e-12 for a, b in zip(values, values[1:]))
        assert values[-1] < values[0]

    def test_deterministic_and_seed_only_changes_the_path(self):
        _, Xs = synthetic.rotated_copies(noise=0.5, seed=7)
        fit1 = A.generalized_procrustes(Xs, n_components=6, seed=0)
        B1, m1 = fit1.barycenter, fit1.maps
        fit1b = A.generalized_procrustes(Xs, n_components=6, seed=0)
        B1b, m1b = fit1b.barycenter, fit1b.maps
        np.testing.assert_array_equal(B1, B1b)
        for a, b in zip(m1, m1b):
            np.testing.assert_array_equal(a, b)
        B2 = A.generalized_procrustes(Xs, n_components=6, seed=123, tol=1e-14, n_iter=2000).barycenter
        np.testing.assert_allclose(B2, B1, atol=1e-5)

    def test_pca_reduction_of_wide_spaces(self):
        rng = np.random.default_rng(8)
        C = rng.normal(size=(90, 4)) * [4, 3, 2, 1]
        wide = np.hstack([C, 0.01 * rng.normal(size=(90, 30))]) @ A.random_orthogonal(34, 34, seed=1)
        r = A.generalized_procrustes([C, wide], n_components=4)
        maps = r.maps
        assert maps[1].shape == (34, 4)
        a, b = synthetic.aligned([C, wide], maps)
        assert np.linalg.norm(a - b) < 0.02

    def test_default_dim_is_narrowest_width(self):
        rng = np.random.default_rng(9)
        r = A.generalized_procrustes([rng.normal(size=(30, 3)), rng.normal(size=(30, 10))])
        B, maps = r.barycenter, r.maps
        assert B.shape == (30, 3) and maps[1].shape == (10, 3)

    def test_warns_when_not_converged(self):
        rng = np.random.default_rng(10)
        with pytest.warns(RuntimeWarning, match="did not converge"):
            A.generalized_procrustes([rng.normal(size=(30, 3)) for _ in range(4)], n_iter=1, tol=0)

    @pytest.mark.parametrize(
        "bad, match",
        [
            (lambda r: [r.normal(size=(20, 3)), r.normal(size=(21, 3))], "same stimuli"),
            (lambda r: [r.normal(size=(20, 3))], "at least 2"),
            (lambda r: [r.normal(size=(20, 3)), np.full((20, 3), np.nan)], "NaN"),
            (lambda r: [r.normal(size=(20, 3)), np.ones((20, 3))], "constant"),
        ],
    )
    def test_bad_spaces(self, bad, match):
        with pytest.raises(ValueError, match=match):
            A.generalized_procrustes(bad(np.random.default_rng(0)))

    def test_bad_arguments(self):
        rng = np.random.default_rng(0)
        Xs = [rng.normal(size=(20, 3)), rng.normal(size=(20, 5))]
        with pytest.raises(ValueError, match="n_components"):
            A.generalized_procrustes(Xs, n_components=6)  # wider than every space
        with pytest.raises(ValueError, match="n_components"):
            A.generalized_procrustes([rng.normal(size=(5, 10))] * 2, n_components=5)  # > n - 1
        with pytest.raises(TypeError, match="Xs"):
            A.generalized_procrustes(np.zeros((2, 20, 3)))
        with pytest.raises(ValueError, match="tol"):
            A.generalized_procrustes(Xs, tol=-1)


class TestGeneralizedProcrustesEstimator:
    def test_fit_returns_self_and_matches_functional_form(self):
        _, Xs = synthetic.rotated_copies(widths=[6, 9, 12], noise=0.2, seed=21)
        gpa = A.GeneralizedProcrustes(n_components=6, seed=3)
        assert gpa.fit(Xs) is gpa
        r = A.generalized_procrustes(Xs, n_components=6, seed=3)
        np.testing.assert_array_equal(gpa.barycenter_, r.barycenter)
        for M, M_fn, X, mu in zip(gpa.maps_, r.maps, Xs, r.means):
            np.testing.assert_array_equal(M, M_fn)
            np.testing.assert_array_equal(mu, X.mean(0))
        assert gpa.n_components_ == 6 and gpa.converged_ and gpa.n_iter_ == r.n_iter >= 1
        for P, R, M in zip(gpa.bases_, gpa.rotations_, gpa.maps_):
            np.testing.assert_allclose(P @ R, M, atol=1e-12)
            np.testing.assert_allclose(R.T @ R, np.eye(6), atol=1e-10)
        aligned = gpa.fit_transform(Xs)
        np.testing.assert_allclose(np.mean(aligned, axis=0), gpa.barycenter_, atol=1e-12)

    def test_transform_new_stimuli_of_a_fitted_space(self):
        _, Xs = synthetic.rotated_copies(widths=[6, 9], noise=0.2, seed=22)
        gpa = A.GeneralizedProcrustes(n_components=6).fit([X[:80] for X in Xs])
        for i, X in enumerate(Xs):
            expected = (X[80:] - X[:80].mean(0)) @ gpa.maps_[i]  # the fitting mean, not the new stimuli's
            np.testing.assert_array_equal(gpa.transform(X[80:], space=i), expected)

    def test_transform_a_new_space_lands_on_the_barycenter(self):
        C, Xs = synthetic.rotated_copies(widths=[6, 8, 10], seed=23)
        gpa = A.GeneralizedProcrustes(n_components=6).fit(Xs[:2])
        new = Xs[2]  # a rotated, widened, shifted copy of the same configuration
        np.testing.assert_allclose(gpa.transform(new), gpa.barycenter_, atol=1e-8)

    def test_get_params_round_trip(self):
        from sklearn.base import clone

        gpa = A.GeneralizedProcrustes(n_components=4, tol=1e-6)
        assert gpa.get_params() == {"n_components": 4, "n_iter": 1000, "tol": 1e-6, "seed": 0}
        assert gpa.set_params(seed=5) is gpa and gpa.seed == 5
        assert clone(gpa).get_params() == gpa.get_params()

    def test_errors(self):
        from sklearn.exceptions import NotFittedError

        _, Xs = synthetic.rotated_copies(widths=[6, 9], seed=24)
        with pytest.raises(NotFittedError, match="not fitted"):
            A.GeneralizedProcrustes().transform(Xs[0], space=0)
        gpa = A.GeneralizedProcrustes(n_components=6).fit(Xs)
        with pytest.raises(ValueError, match="X has 6 columns but space 1 was fitted with 9"):
            gpa.transform(Xs[0], space=1)
        with pytest.raises(ValueError, match="space must be <= 1"):
            gpa.transform(Xs[0], space=2)
        with pytest.raises(ValueError, match="same stimuli"):
            gpa.transform(Xs[0][:50])
        with pytest.raises(ValueError, match="n_components must be <="):
            A.GeneralizedProcrustes(n_components=20).fit(Xs)
