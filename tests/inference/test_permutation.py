"""Tests of ``repalign.inference.permutation``."""

from __future__ import annotations

import numpy as np
import pytest

import synthetic
from repalign.inference import permutation_test
from repalign.rdm import compare_rdms

N = 40


class TestPermutation:
    def test_planted_relation_is_significant(self, planted):
        res = permutation_test(*planted, n_perm=200, seed=0)
        r, p = res.estimate, res.p
        assert r == compare_rdms(*planted)
        assert p == pytest.approx(1 / 201)  # no permutation reaches a strong real relation

    def test_independent_rdms_not_significant(self, independent):
        p = permutation_test(*independent, n_perm=200, seed=0).p
        assert p > 0.05

    def test_p_values_roughly_uniform_under_null(self):
        ps = [permutation_test(*synthetic.independent_pair(n=12, p=5, seed=s), n_perm=49, seed=s).p for s in range(40)]
        ps = np.array(ps)
        assert np.all(ps >= 1 / 50) and np.all(ps <= 1)
        assert 0.35 < ps.mean() < 0.65
        assert np.mean(ps <= 0.05) <= 0.2

    def test_deterministic_given_seed(self, independent):
        one, two = (
            permutation_test(*independent, n_perm=100, seed=3),
            permutation_test(*independent, n_perm=100, seed=3),
        )
        assert (one.estimate, one.p) == (two.estimate, two.p)
        np.testing.assert_array_equal(one.distribution, two.distribution)
        ps = {permutation_test(*independent, n_perm=100, seed=s).p for s in range(5)}
        assert len(ps) > 1

    def test_reimplementation(self, independent):
        a, b = independent
        res = permutation_test(a, b, n_perm=60, seed=11)
        r, p = res.estimate, res.p
        rng = np.random.default_rng(11)
        null = []
        for _ in range(60):
            perm = rng.permutation(N)
            null.append(compare_rdms(a, b[np.ix_(perm, perm)]))
        assert p == pytest.approx((1 + np.sum(np.array(null) >= r)) / 61)
        np.testing.assert_allclose(res.distribution, null, atol=1e-12)

    def test_two_sided_catches_negative_relation(self, planted):
        a, b = planted
        neg = b.max() - b
        np.fill_diagonal(neg, 0)
        res = permutation_test(a, neg, n_perm=100, seed=0)
        r, p_greater = res.estimate, res.p
        assert r < -0.3
        assert p_greater == pytest.approx(1.0)
        p_two = permutation_test(a, neg, n_perm=100, seed=0, alternative="two-sided").p
        assert p_two == pytest.approx(1 / 101)

    @pytest.mark.parametrize("n_perm", [1, 7, 99])
    def test_p_floor(self, planted, n_perm):
        p = permutation_test(*planted, n_perm=n_perm, seed=0).p
        assert p >= 1 / (n_perm + 1)
        assert p == pytest.approx(1 / (n_perm + 1))

    def test_errors(self, planted):
        a, b = planted
        with pytest.raises(ValueError, match=r"^a and b describe different numbers of stimuli \(40 vs 30\)$"):
            permutation_test(a, b[:30, :30])
        with pytest.raises(ValueError, match=r"^n_perm must be >= 1"):
            permutation_test(a, b, n_perm=0)
        with pytest.raises(ValueError, match=r"^alternative must be one of"):
            permutation_test(a, b, alternative="less")
        with pytest.raises(ValueError, match=r"^method must be one of"):
            permutation_test(a, b, method="kendall")
        with pytest.raises(TypeError, match=r"^seed must be"):
            permutation_test(a, b, seed="0")


class TestSignFlips:
    def test_exact_enumerates_every_non_identity_pattern_once(self):
        from repalign.inference import sign_flips, use_exact_flips

        flips = sign_flips(8, 2000, exact="auto")
        assert flips.shape == (255, 8)
        patterns = {tuple(r) for r in flips}
        assert len(patterns) == 255 and (1.0,) * 8 not in patterns  # all 2**8 - 1, no repeats, no identity
        assert np.array_equal(flips, sign_flips(8, 2000, seed=123, exact="auto"))  # no randomness
        assert sign_flips(8, 200, exact="auto").shape == (200, 8)  # 256 > 200: random draws
        assert sign_flips(3, 5, exact=True).shape == (7, 3)
        assert use_exact_flips(8, 256, exact="auto") and not use_exact_flips(8, 255, exact="auto")
        # today's default draws at random: 2,000 draws of 8 subjects repeat patterns
        drawn = sign_flips(8, 2000, seed=0)
        assert len({tuple(r) for r in drawn}) <= 256 < drawn.shape[0]

    def test_exact_p_of_a_mean(self):
        from repalign.inference import sign_flips

        x = np.array([0.3, 0.5, 0.2, 0.4, 0.1])
        flips = sign_flips(5, 1000, exact="auto")
        p = (1 + np.sum((flips * x).mean(1) >= x.mean())) / (1 + flips.shape[0])
        assert p == pytest.approx(1 / 32)  # only the identity reaches the all-positive mean

    def test_bad_exact_refused(self):
        from repalign.inference import sign_flips

        with pytest.raises(ValueError, match="exact must be one of"):
            sign_flips(4, 10, exact="always")
        with pytest.raises(TypeError, match="exact must be"):
            sign_flips(4, 10, exact=1)
        with pytest.raises(ValueError, match="n_subjects must be <= 20"):
            sign_flips(25, 10, exact=True)
