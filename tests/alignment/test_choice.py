"""Tests of ``repalign.alignment.choice``."""

from __future__ import annotations

import numpy as np
import pytest

from repalign import alignment as A


# --------------------------------------------------------------------------------------------
# forced choice
def _paired_scenes(n=200, seed=0, noise=0.3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 30))
    Y = X @ A.random_orthogonal(30, 20, seed=seed + 1) + noise * rng.normal(size=(n, 20))
    return X, Y


class TestForcedChoice:
    def test_planted_pairs_near_perfect_shuffled_at_chance(self):
        X, Y = _paired_scenes(400)
        train, (Xt, Yt) = (X[:300], Y[:300]), (X[300:], Y[300:])
        cats = [["a"]] * 100
        trials = A.category_distractors(cats, difficulty="hard", per_target=None)
        assert trials.shape == (100 * 99, 2)
        for d in A.DIRECTIONS:
            r = A.forced_choice(Xt, Yt, trials, train, direction=d, n_boot=200)
            assert r.accuracy > 0.99 and r.chance == 0.5
            assert r.ci.low > 0.98 and r.p_value < 1e-10
        rng = np.random.default_rng(9)
        shuffled = A.forced_choice(Xt, Yt, trials, (X[:300], Y[:300][rng.permutation(300)]), n_boot=200)
        assert abs(shuffled.accuracy - 0.5) < 0.06
        assert shuffled.ci.low < 0.5 < shuffled.ci.high + 0.02

    def test_chance_with_more_distractors(self):
        X, Y = _paired_scenes(400, noise=0.0)
        rng = np.random.default_rng(1)
        trials = np.array([[t, *rng.choice(np.delete(np.arange(100), t), 3, replace=False)] for t in range(100)])
        train_shuffled = (X[:300], rng.permutation(Y[:300]))
        r = A.forced_choice(X[300:], Y[300:], trials, train_shuffled, n_boot=100)
        assert r.chance == 0.25 and r.n_trials == 100 and r.n_targets == 100
        assert r.ci_binomial.low <= r.accuracy <= r.ci_binomial.high
        assert 0.1 < r.accuracy < 0.45

    def test_brute_force_decisions_and_many_to_many(self):
        X, Y = _paired_scenes(150, noise=1.0)
        rng = np.random.default_rng(2)
        Yt = np.stack([Y[100:] + 0.5 * rng.normal(size=(50, 20)) for _ in range(3)], axis=1)  # 3 captions per scene
        trials = np.array([[t, (t + 1) % 50] for t in range(50)])
        r = A.forced_choice(X[100:], Yt, trials, (X[:100], Y[:100]), direction="c2i", n_boot=50)
        assert r.correct.shape == (50, 3) and r.per_exemplar.shape == (3,)
        # brute force for exemplar 1, direction c2i
        Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
        Yn = Y / np.linalg.norm(Y, axis=1, keepdims=True)
        R = A.procrustes(Xn[:100], Yn[:100])
        m = (Xn[100:] - Xn[:100].mean(0)) @ R
        c = Yt[:, 1] / np.linalg.norm(Yt[:, 1], axis=1, keepdims=True) - Yn[:100].mean(0)
        cos = lambda a, b: a @ b / np.linalg.norm(a) / np.linalg.norm(b)  # noqa: E731
        expected = [cos(c[t], m[t]) > cos(c[t], m[d]) for t, d in trials]
        np.testing.assert_array_equal(r.correct[:, 1], expected)

    def test_category_distractors(self):
        cats = [["dog", "person"], ["dog"], ["car"], ["car", "person"], ["cat"], []]
        hard = A.category_distractors(cats, difficulty="hard", per_target=None)
        easy = A.category_distractors(cats, difficulty="easy", per_target=None)
        for t, d in hard:
            assert set(cats[t]) & set(cats[d])
        for t, d in easy:
            assert not set(cats[t]) & set(cats[d]) and cats[d]
        assert 5 not in hard and 5 not in easy  # a scene without categories takes no part
        one = A.category_distractors(cats, difficulty="easy", per_target=1, seed=0)
        np.testing.assert_array_equal(one, A.category_distractors(cats, difficulty="easy", per_target=1, seed=0))
        assert np.unique(one[:, 0]).size == one.shape[0]
        with pytest.raises(ValueError, match="^no scene has enough hard distractors"):
            A.category_distractors([["a"], ["b"]], difficulty="hard")
        with pytest.raises(ValueError, match="^per_target=None"):
            A.category_distractors(cats, n_distractors=2, per_target=None)

    def test_bad_input(self):
        X, Y = _paired_scenes(60)
        train = (X[:40], Y[:40])
        ok = np.array([[0, 1], [1, 2]])
        with pytest.raises(ValueError, match="^candidates must index"):
            A.forced_choice(X[40:], Y[40:], np.array([[0, 25]]), train)
        with pytest.raises(ValueError, match="^candidates rows must hold distinct"):
            A.forced_choice(X[40:], Y[40:], np.array([[3, 3]]), train)
        with pytest.raises(ValueError, match="^candidates must be a 2-D integer array"):
            A.forced_choice(X[40:], Y[40:], np.array([0, 1]), train)
        with pytest.raises(TypeError, match="^train must be a tuple"):
            A.forced_choice(X[40:], Y[40:], ok, X[:40])
        with pytest.raises(ValueError, match="^train widths"):
            A.forced_choice(X[40:], Y[40:], ok, (X[:40, :5], Y[:40]))
        with pytest.raises(ValueError, match="^direction must be one of"):
            A.forced_choice(X[40:], Y[40:], ok, train, direction="both")
        with pytest.raises(ValueError, match="^image_emb and caption_emb must describe the same scenes"):
            A.forced_choice(X[40:], Y[41:], ok, train)


class TestExemplarDifference:
    def test_paired_difference_and_interval(self):
        X, Y = _paired_scenes(160, noise=1.0)
        rng = np.random.default_rng(5)
        # exemplar 0: the true caption; exemplar 1: a much noisier one -> 0 is chosen more accurately
        Yt = np.stack([Y[100:], Y[100:] + 3.0 * rng.normal(size=(60, 20))], axis=1)
        trials = np.array([[t, d] for t in range(60) for d in ((t + 1) % 60, (t + 7) % 60)])
        r = A.forced_choice(X[100:], Yt, trials, (X[:100], Y[:100]), n_boot=50)
        d = A.exemplar_difference(r, trials, [0], [1], n_boot=500, seed=0)
        assert d.difference == pytest.approx(r.per_exemplar[0] - r.per_exemplar[1])
        assert d.ci.low > 0 and d.ci.low <= d.difference <= d.ci.high and d.distribution.shape == (500,)
        # the same exemplar against itself: exactly zero in every resample
        z = A.exemplar_difference(r, trials, [0], [0], n_boot=50)
        assert z.difference == 0 and np.all(z.distribution == 0)
        # resampling whole targets: a target's trials move together, so the interval equals a by-hand cluster bootstrap
        draws = np.random.default_rng(0).integers(0, 60, (500, 60))
        per_t = (r.correct[:, 0].astype(float) - r.correct[:, 1]).reshape(60, 2).sum(1)
        np.testing.assert_allclose(d.distribution, per_t[draws].sum(1) / (2 * 60))

    def test_bad_input(self):
        X, Y = _paired_scenes(120)
        trials = np.array([[t, (t + 1) % 20] for t in range(20)])
        r = A.forced_choice(X[100:], Y[100:], trials, (X[:100], Y[:100]), n_boot=20)
        with pytest.raises(ValueError, match="candidates"):
            A.exemplar_difference(r, trials[:5], [0], [0])
        with pytest.raises(ValueError, match="b must"):
            A.exemplar_difference(r, trials, [0], [1])
        with pytest.raises(TypeError, match="result"):
            A.exemplar_difference(0.5, trials, [0], [0])
