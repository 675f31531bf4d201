"""Tests of ``repalign.rdm.compare``."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from rsatoolbox.rdm import RDMs
from rsatoolbox.rdm import compare as rsa_compare
from scipy.spatial.distance import squareform
from scipy.stats import pearsonr, spearmanr

import synthetic
from repalign import rdm as R


def _random_rdm(n, seed, rounding=None):
    v = np.random.default_rng(seed).random(n * (n - 1) // 2)
    if rounding is not None:
        v = np.round(v * rounding)
    return squareform(v)


def _tau_a_brute(x, y):
    """Kendall tau-a by counting every pair of pairs: (concordant - discordant) / (n (n-1) / 2)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    s = 0.0
    n = x.size
    for i, j in itertools.combinations(range(n), 2):
        s += np.sign(x[i] - x[j]) * np.sign(y[i] - y[j])
    return s / (n * (n - 1) / 2)


class TestCompareRdms:
    def setup_method(self):
        x = synthetic.patterns(14, 30, seed=11)
        self.a = R.compute_rdm(x)
        self.b = R.compute_rdm(x + np.random.default_rng(12).normal(scale=1.0, size=x.shape))

    def test_spearman_and_pearson_match_scipy(self):
        va, vb = squareform(self.a, checks=False), squareform(self.b, checks=False)
        r_s = R.compare_rdms(self.a, self.b, method="spearman")
        r_p = R.compare_rdms(self.a, self.b, method="pearson")
        assert r_s == pytest.approx(spearmanr(va, vb).statistic, rel=1e-12)
        assert r_p == pytest.approx(pearsonr(va, vb).statistic, rel=1e-12)
        assert R.compare_rdms(self.a, self.b) == r_s  # default is spearman
        assert 0.3 < r_s < 1.0  # noisy copies of the same patterns agree

    @pytest.mark.parametrize("method", ["spearman", "pearson", "kendall_tau_a"])
    def test_square_and_condensed_forms_agree(self, method):
        va, vb = R.to_condensed(self.a), R.to_condensed(self.b)
        ref = R.compare_rdms(self.a, self.b, method=method)
        assert isinstance(ref, float)
        assert R.compare_rdms(va, vb, method=method) == ref
        assert R.compare_rdms(self.a, vb, method=method) == ref
        assert R.compare_rdms(va, self.b, method=method) == ref

    @pytest.mark.parametrize("method", ["spearman", "pearson", "kendall_tau_a"])
    def test_symmetric_and_self_is_one(self, method):
        assert R.compare_rdms(self.a, self.b, method=method) == pytest.approx(
            R.compare_rdms(self.b, self.a, method=method)
        )
        assert R.compare_rdms(self.a, self.a, method=method) == pytest.approx(1.0)

    def test_rank_methods_ignore_monotonic_transforms(self):
        for m in ("spearman", "kendall_tau_a"):
            assert R.compare_rdms(self.a, np.expm1(3 * self.b), method=m) == pytest.approx(
                R.compare_rdms(self.a, self.b, method=m)
            )
        assert R.compare_rdms(self.a, np.expm1(3 * self.b), method="pearson") != pytest.approx(
            R.compare_rdms(self.a, self.b, method="pearson")
        )

    def test_spearman_matches_rsatoolbox(self):
        ref = rsa_compare(R.to_rsatoolbox(self.a), R.to_rsatoolbox(self.b), method="spearman")
        assert ref.shape == (1, 1)
        assert R.compare_rdms(self.a, self.b, method="spearman") == pytest.approx(ref[0, 0], abs=1e-12)

    def test_pearson_matches_rsatoolbox(self):
        ref = rsa_compare(R.to_rsatoolbox(self.a), R.to_rsatoolbox(self.b), method="corr")
        assert R.compare_rdms(self.a, self.b, method="pearson") == pytest.approx(ref[0, 0], abs=1e-12)


class TestKendallTauA:
    @pytest.mark.parametrize("seed", range(4))
    @pytest.mark.parametrize("levels", [None, 4, 10])
    def test_matches_rsatoolbox_and_brute_force_with_ties(self, seed, levels):
        a = _random_rdm(12, seed, rounding=levels)
        b = _random_rdm(12, seed + 100, rounding=levels)
        b = squareform(0.5 * squareform(a) + squareform(b))  # correlated with a
        if levels is not None:
            b = np.round(b)
            assert len(np.unique(squareform(a))) < 66  # there are ties
        va, vb = squareform(a), squareform(b)
        ours = R.compare_rdms(a, b, method="kendall_tau_a")
        ref = rsa_compare(RDMs(va[None]), RDMs(vb[None]), method="tau-a")[0, 0]
        assert ours == pytest.approx(ref, abs=1e-12)
        assert ours == pytest.approx(_tau_a_brute(va, vb), abs=1e-12)
        assert R.kendall_tau_a(va, vb) == ours

    def test_ties_are_penalised_unlike_tau_b(self):
        from scipy.stats import kendalltau

        x = np.array([1, 2, 3, 4, 5, 6], float)
        y = np.array([1, 1, 2, 2, 3, 3], float)  # a model that predicts ties
        tau_a = R.kendall_tau_a(x, y)
        assert tau_a == pytest.approx(12 / 15)  # 3 tied pairs count as neither
        assert tau_a < kendalltau(x, y).statistic

    def test_exact_small_case(self):
        assert R.kendall_tau_a([1, 2, 3], [1, 3, 2]) == pytest.approx(1 / 3)
        assert R.kendall_tau_a([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)

    def test_constant_vector_is_nan(self):
        assert np.isnan(R.kendall_tau_a([1, 1, 1], [1, 2, 3]))

    def test_larger_vectors_fast_path(self):
        rng = np.random.default_rng(3)
        x = rng.integers(0, 20, 300).astype(float)
        y = x + rng.integers(0, 15, 300)
        assert R.kendall_tau_a(x, y) == pytest.approx(_tau_a_brute(x, y), abs=1e-12)


class TestCompareErrors:
    def setup_method(self):
        self.a = _random_rdm(6, 0)

    def test_mismatched_sizes(self):
        with pytest.raises(ValueError, match=r"^a and b describe different numbers of items \(6 vs 5\)$"):
            R.compare_rdms(self.a, _random_rdm(5, 1))

    def test_unknown_method(self):
        with pytest.raises(ValueError, match=r"^method must be one of \('spearman', 'pearson', 'kendall_tau_a'\)"):
            R.compare_rdms(self.a, self.a, method="tau-b")

    def test_too_few_items(self):
        with pytest.raises(ValueError, match=r"^a and b need at least 3 items"):
            R.compare_rdms(np.array([1.0]), np.array([2.0]))

    def test_constant_rdm(self):
        with pytest.raises(ValueError, match=r"^b is constant"):
            R.compare_rdms(self.a, squareform(np.ones(15)))

    def test_bad_forms_name_the_argument(self):
        asym = self.a.copy()
        asym[0, 1] += 1
        with pytest.raises(ValueError, match=r"^b is not symmetric"):
            R.compare_rdms(self.a, asym)
        with pytest.raises(ValueError, match=r"^a has length 14"):
            R.compare_rdms(np.ones(14), self.a)
        with pytest.raises(ValueError, match=r"^a must be square"):
            R.compare_rdms(np.zeros((6, 5)), self.a)
        nan = self.a.copy()
        nan[1, 2] = nan[2, 1] = np.nan
        with pytest.raises(ValueError, match=r"^b contains 2 NaN"):
            R.compare_rdms(self.a, nan)

    def test_string_instead_of_array(self):
        with pytest.raises(TypeError, match=r"^a must hold numbers"):
            R.compare_rdms("rdm", self.a)
