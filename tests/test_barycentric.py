"""Barycentric alignment: generalized Procrustes against scipy and a direct implementation, planted
rotations, invariances, per-stimulus agreement, cross-modal scores, caption agreement, bad inputs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.linalg import orthogonal_procrustes
from scipy.spatial import procrustes as scipy_procrustes

from repalign import alignment as A


def _aligned(Xs, maps):
    return [(X - X.mean(0)) @ M for X, M in zip(Xs, maps)]


def _objective(Xs, maps):
    aligned = _aligned(Xs, maps)
    B = np.mean(aligned, axis=0)
    return sum(float(np.sum((a - B) ** 2)) for a in aligned)


def _residual_after_rotation(P, Q):
    """||P R - Q|| for the best rotation R (0 when P and Q differ only by a rotation)."""
    R, _ = orthogonal_procrustes(P, Q)
    return float(np.linalg.norm(P @ R - Q))


def _planted(n=120, d=6, k=5, noise=0.0, widths=None, seed=0):
    """k rotated (and possibly widened) copies of one configuration C, plus noise."""
    rng = np.random.default_rng(seed)
    C = rng.normal(size=(n, d)) * np.linspace(2, 1, d)
    widths = widths or [d] * k
    Xs = []
    for i, w in enumerate(widths):
        emb = np.hstack([C, np.zeros((n, w - d))])
        Xs.append(3.0 * emb @ A.random_orthogonal(w, w, seed=100 + i) + rng.normal(size=w) + noise * rng.normal(size=(n, w)))
    return C, Xs


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
        a, b = _aligned([X, Y], maps)
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
        aligned = _aligned(Xs, maps)
        obj_direct = sum(np.sum((Z - B_direct) ** 2) for Z in
                         (Zr @ orthogonal_procrustes(Zr, B_direct)[0]
                          for Zr in ((X - X.mean(0)) / np.linalg.norm(X - X.mean(0)) for X in Xs)))
        assert _objective(Xs, maps) == pytest.approx(obj_direct, rel=1e-6)
        np.testing.assert_allclose(np.mean(aligned, axis=0), B, atol=1e-12)

    def test_recovers_planted_configuration_up_to_a_global_rotation(self):
        C, Xs = _planted(widths=[6, 6, 9, 12, 6])
        r = A.generalized_procrustes(Xs, n_components=6)
        B, maps = r.barycenter, r.maps
        Cc = C - C.mean(0)
        assert _residual_after_rotation(B, Cc / np.linalg.norm(Cc)) < 1e-8
        for a in _aligned(Xs, maps):  # every space lands exactly on the barycenter
            np.testing.assert_allclose(a, B, atol=1e-8)
        assert _objective(Xs, maps) < 1e-12

    def test_planted_with_noise_recovered_closely(self):
        C, Xs = _planted(k=8, noise=0.3, seed=3)
        r = A.generalized_procrustes(Xs, n_components=6)
        B = r.barycenter
        Cc = C - C.mean(0)
        assert _residual_after_rotation(B / np.linalg.norm(B), Cc / np.linalg.norm(Cc)) < 0.05

    def test_maps_are_scaled_semi_orthogonal(self):
        _, Xs = _planted(widths=[6, 9], noise=0.1)
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
        a = _aligned(Xs, maps)[0]
        Xc = Xs[0] - Xs[0].mean(0)
        # a padded space is only rotated and scaled: its Gram matrix is kept
        np.testing.assert_allclose(a @ a.T, Xc @ Xc.T / np.sum(Xc ** 2), atol=1e-12)

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
        _, Xs = _planted(noise=0.5, seed=7)
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
        a, b = _aligned([C, wide], maps)
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

    @pytest.mark.parametrize("bad, match", [
        (lambda r: [r.normal(size=(20, 3)), r.normal(size=(21, 3))], "same stimuli"),
        (lambda r: [r.normal(size=(20, 3))], "at least 2"),
        (lambda r: [r.normal(size=(20, 3)), np.full((20, 3), np.nan)], "NaN"),
        (lambda r: [r.normal(size=(20, 3)), np.ones((20, 3))], "constant"),
    ])
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
        _, Xs = _planted(widths=[6, 9, 12], noise=0.2, seed=21)
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
        _, Xs = _planted(widths=[6, 9], noise=0.2, seed=22)
        gpa = A.GeneralizedProcrustes(n_components=6).fit([X[:80] for X in Xs])
        for i, X in enumerate(Xs):
            expected = (X[80:] - X[:80].mean(0)) @ gpa.maps_[i]  # the fitting mean, not the new stimuli's
            np.testing.assert_array_equal(gpa.transform(X[80:], space=i), expected)

    def test_transform_a_new_space_lands_on_the_barycenter(self):
        C, Xs = _planted(widths=[6, 8, 10], seed=23)
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

        _, Xs = _planted(widths=[6, 9], seed=24)
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


# --------------------------------------------------------------------------------------------
# instance_similarity
class TestInstanceSimilarity:
    def test_identical_spaces_agree_perfectly(self):
        _, Xs = _planted()
        r = A.instance_similarity(Xs, n_components=6, n_boot=50)
        np.testing.assert_allclose(r.scores, 1.0, atol=1e-8)
        np.testing.assert_allclose(r.per_space, 1.0, atol=1e-8)

    def test_planted_divergent_stimuli_score_lowest(self):
        rng = np.random.default_rng(11)
        C = rng.normal(size=(150, 8))
        Xs = []
        for i in range(6):
            X = C @ A.random_orthogonal(8, 8, seed=i) + 0.2 * rng.normal(size=C.shape)
            X[:15] += 2.5 * rng.normal(size=(15, 8))  # the first 15 stimuli: each space sees something else
            Xs.append(X)
        r = A.instance_similarity(Xs, n_components=8, n_boot=300, seed=1)
        assert r.scores[:15].max() < r.scores[15:].min()
        assert np.all((r.ci.low <= r.scores + 1e-12) & (r.scores <= r.ci.high + 1e-12))
        rb = A.instance_similarity(Xs, n_components=8, reference="barycenter", n_boot=0)
        assert np.all(np.isnan(rb.ci.low)) and np.all(np.isnan(rb.ci.high))
        assert rb.scores[:15].mean() < rb.scores[15:].mean() - 0.3

    def test_scores_equal_brute_force(self):
        rng = np.random.default_rng(12)
        Xs = [rng.normal(size=(25, 4)) + rng.normal(size=(25, 4)) for _ in range(4)]
        r = A.instance_similarity(Xs, n_components=4, n_boot=0)
        rb = A.instance_similarity(Xs, n_components=4, n_boot=0, reference="barycenter")
        a = _aligned(Xs, r.maps)
        unit = [x / np.linalg.norm(x, axis=1, keepdims=True) for x in a]
        pair = np.mean([np.sum(unit[i] * unit[j], 1) for i in range(4) for j in range(4) if i != j], axis=0)
        np.testing.assert_allclose(r.scores, pair, atol=1e-12)
        B = np.mean(a, axis=0)
        bary = np.mean([np.sum(u * B, 1) / np.linalg.norm(B, axis=1) for u in unit], axis=0)
        np.testing.assert_allclose(rb.scores, bary, atol=1e-12)

    def test_groups_count_only_between_group_pairs(self):
        rng = np.random.default_rng(13)
        Xs = [rng.normal(size=(30, 3)) for _ in range(5)]
        groups = ["v", "v", "l", "l", "l"]
        r = A.instance_similarity(Xs, groups=groups, n_components=3, n_boot=200, seed=0)
        a = _aligned(Xs, r.maps)
        unit = [x / np.linalg.norm(x, axis=1, keepdims=True) for x in a]
        between = np.mean([np.sum(unit[i] * unit[j], 1) for i in (0, 1) for j in (2, 3, 4)], axis=0)
        np.testing.assert_allclose(r.scores, between, atol=1e-12)
        assert np.all(np.isfinite(r.ci.low)) and np.all(np.isfinite(r.ci.high))

    def test_bootstrap_ci_is_deterministic_and_narrows_with_more_spaces(self):
        rng = np.random.default_rng(14)
        C = rng.normal(size=(60, 5))
        few = [C + rng.normal(size=C.shape) for _ in range(4)]
        many = few + [C + rng.normal(size=C.shape) for _ in range(28)]
        r1 = A.instance_similarity(few, n_components=5, n_boot=300, seed=3)
        r2 = A.instance_similarity(few, n_components=5, n_boot=300, seed=3)
        np.testing.assert_array_equal(r1.ci.low, r2.ci.low)
        np.testing.assert_array_equal(r1.ci.high, r2.ci.high)
        wide = np.mean(r1.ci.width)
        narrow = np.mean(A.instance_similarity(many, n_components=5, n_boot=300, seed=3).ci.width)
        assert narrow < wide

    def test_bad_arguments(self):
        rng = np.random.default_rng(0)
        Xs = [rng.normal(size=(20, 3)) for _ in range(3)]
        with pytest.raises(ValueError, match="reference"):
            A.instance_similarity(Xs, reference="mean")
        with pytest.raises(ValueError, match="groups"):
            A.instance_similarity(Xs, groups=["a", "b"])
        with pytest.raises(ValueError, match="groups"):
            A.instance_similarity(Xs, groups=["a", "a", "a"])
        with pytest.raises(ValueError, match="groups"):
            A.instance_similarity(Xs, groups=["a", "b", "b"], reference="barycenter")
        with pytest.raises(ValueError, match="confidence"):
            A.instance_similarity(Xs, confidence=1.5)
        with pytest.raises(ValueError, match="at least 2"):
            A.instance_similarity(Xs[:1])


# --------------------------------------------------------------------------------------------
# cross_modal_scores
class TestCrossModalScores:
    def _data(self, n=200, noise=0.3, seed=15):
        rng = np.random.default_rng(seed)
        C = rng.normal(size=(n, 10))
        img = [np.hstack([C, rng.normal(size=(n, 4))]) @ A.random_orthogonal(14, 14, seed=i) for i in range(2)]
        txt = [C @ A.random_orthogonal(10, 10, seed=10 + i) + noise * rng.normal(size=C.shape) for i in range(2)]
        return img, txt

    def test_true_pairs_score_above_mismatched(self):
        img, txt = self._data()
        train = np.arange(200) < 150
        S = A.cross_modal_scores(img, txt, train, n_components=10)
        assert S.shape == (50, 50)
        assert np.mean(np.argmax(S, axis=1) == np.arange(50)) > 0.8  # top-1 matching, chance 0.02
        assert np.diag(S).mean() > 0.7 and abs(S[~np.eye(50, dtype=bool)].mean()) < 0.05

    def test_held_out_stimuli_do_not_affect_the_fit(self):
        img, txt = self._data()
        train = np.arange(150)
        S = A.cross_modal_scores(img, txt, train, n_components=10)
        img2 = [X.copy() for X in img]
        for X in img2:
            X[199] = 100.0  # change one held-out image in every image space
        S2 = A.cross_modal_scores(img2, txt, train, n_components=10)
        np.testing.assert_allclose(S2[:-1], S[:-1], atol=1e-12)

    def test_test_texts_default_equals_held_out_rows(self):
        img, txt = self._data()
        train = np.arange(200) < 150
        S = A.cross_modal_scores(img, txt, train, n_components=10)
        S2 = A.cross_modal_scores(img, txt, train, test_texts=[T[~train] for T in txt], n_components=10)
        np.testing.assert_allclose(S, S2, atol=1e-12)
        S3 = A.cross_modal_scores(img, txt, train, test_texts=[T[:7] for T in txt], n_components=10)
        assert S3.shape == (50, 7)

    def test_one_space_per_modality_is_pairwise_procrustes(self):
        rng = np.random.default_rng(16)
        X, Y = rng.normal(size=(80, 5)), rng.normal(size=(80, 5))
        train = np.arange(60)
        S = A.cross_modal_scores([X], [Y], train, n_components=5)
        R = A.procrustes(X[train], Y[train])
        unit = lambda a: a / np.linalg.norm(a, axis=1, keepdims=True)  # noqa: E731
        expected = unit((X[60:] - X[train].mean(0)) @ R) @ unit(Y[60:] - Y[train].mean(0)).T
        np.testing.assert_allclose(S, expected, atol=1e-8)

    def test_bad_arguments(self):
        img, txt = self._data(n=30)
        with pytest.raises(ValueError, match="train"):
            A.cross_modal_scores(img, txt, np.ones(30, dtype=bool))
        with pytest.raises(ValueError, match="train"):
            A.cross_modal_scores(img, txt, np.array([0, 0, 1, 2]))
        with pytest.raises(TypeError, match="train"):
            A.cross_modal_scores(img, txt, [0.5, 1.5])
        with pytest.raises(ValueError, match="test_texts"):
            A.cross_modal_scores(img, txt, np.arange(20), test_texts=[txt[0][:3]])
        with pytest.raises(ValueError, match="same stimuli"):
            A.cross_modal_scores(img, [t[:20] for t in txt], np.arange(10))
        with pytest.raises(ValueError, match="at least 1"):
            A.cross_modal_scores([], txt, np.arange(20))


# --------------------------------------------------------------------------------------------
# caption_agreement
class TestCaptionAgreement:
    def test_equals_brute_force(self):
        rng = np.random.default_rng(17)
        E = rng.normal(size=(6, 5, 4))
        U = E / np.linalg.norm(E, axis=2, keepdims=True)
        brute = [np.mean([U[i, a] @ U[i, b] for a in range(5) for b in range(5) if a < b]) for i in range(6)]
        np.testing.assert_allclose(A.caption_agreement(E), brute, atol=1e-12)

    def test_identical_texts_agree_fully(self):
        E = np.repeat(np.random.default_rng(18).normal(size=(3, 1, 8)), 5, axis=1)
        np.testing.assert_allclose(A.caption_agreement(E), 1.0)

    def test_bad_input(self):
        with pytest.raises(ValueError, match="embeddings"):
            A.caption_agreement(np.zeros((4, 5)))
        with pytest.raises(ValueError, match="at least 2"):
            A.caption_agreement(np.zeros((4, 1, 3)))
