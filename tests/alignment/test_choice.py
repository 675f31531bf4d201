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
