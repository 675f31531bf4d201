"""Tests of ``repalign.alignment.agreement``."""

from __future__ import annotations

import numpy as np
import pytest

import synthetic
from repalign import alignment as A


# --------------------------------------------------------------------------------------------
# instance_similarity
class TestInstanceSimilarity:
    def test_identical_spaces_agree_perfectly(self):
        _, Xs = synthetic.rotated_copies()
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
        a = synthetic.aligned(Xs, r.maps)
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
        a = synthetic.aligned(Xs, r.maps)
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


# --------------------------------------------------------------------------------------------
# adjusted_group_means
class TestAdjustedGroupMeans:
    def test_group_difference_explained_by_the_covariate_vanishes(self):
        rng = np.random.default_rng(0)
        x = rng.normal(size=400)
        group = x > 0.5  # the group differs only through its covariate
        y = 0.5 + 0.2 * x + 0.02 * rng.normal(size=400)
        res = A.adjusted_group_means(y, x, {"g": group, "rest": ~group}, n_boot=300, seed=0)
        assert res.means["g"] - res.means["rest"] > 0.15
        assert abs(res.adjusted["g"]) < 0.01 and 0.0 in res.ci["g"]
        assert res.slope == pytest.approx(0.2, abs=0.01) and res.r_squared > 0.95 and res.rho > 0.95
        np.testing.assert_allclose(res.residuals, y - (res.intercept + res.slope * x))

    def test_a_real_group_effect_survives(self):
        rng = np.random.default_rng(1)
        x = rng.normal(size=400)
        group = rng.random(400) < 0.3
        y = 0.2 * x + 0.1 * group + 0.02 * rng.normal(size=400)
        res = A.adjusted_group_means(y, x, {"g": group, "rest": ~group}, n_boot=300, seed=0)
        diff = res.distribution["g"] - res.distribution["rest"]
        assert res.adjusted["g"] - res.adjusted["rest"] == pytest.approx(0.1, abs=0.01)
        assert np.quantile(diff, 0.025) > 0.08 and res.ci["g"].low > 0

    def test_bad_input(self):
        y, x = np.arange(5.0), np.arange(5.0) ** 2
        with pytest.raises(ValueError, match="covariate"):
            A.adjusted_group_means(y, x[:4], {"g": np.ones(5, bool)})
        with pytest.raises(ValueError, match="covariate is constant"):
            A.adjusted_group_means(y, np.ones(5), {"g": np.ones(5, bool)})
        with pytest.raises(ValueError, match="groups\\['g'\\]"):
            A.adjusted_group_means(y, x, {"g": np.ones(5)})
        with pytest.raises(ValueError, match="groups\\['g'\\] holds no item"):
            A.adjusted_group_means(y, x, {"g": np.zeros(5, bool)})
        with pytest.raises(TypeError, match="groups"):
            A.adjusted_group_means(y, x, [np.ones(5, bool)])
        with pytest.raises(ValueError, match="values"):
            A.adjusted_group_means([np.nan, 1, 2], [1, 2, 3], {"g": np.ones(3, bool)})
