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
        msg = r"^method must be one of \(.spearman., .pearson., .kendall_tau_a., .rho_a., .cosine., .corr_cov., .cosine_cov.\)"
        with pytest.raises(ValueError, match=msg):
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


class TestKendallTauASquareAndNaN:
    def test_square_rdms_are_read_as_rdms(self):
        # today's bug: square input was flattened (diagonal and both triangles): 0.284 instead of 0.127
        a, b = _random_rdm(10, 1), _random_rdm(10, 2)
        ref = R.compare_rdms(a, b, method="kendall_tau_a")
        assert R.kendall_tau_a(a, b) == ref
        assert R.kendall_tau_a(a, b) == pytest.approx(_tau_a_brute(squareform(a), squareform(b)), abs=1e-12)
        assert R.kendall_tau_a(a, b) != pytest.approx(_tau_a_brute(a.ravel(), b.ravel()), abs=1e-3)

    def test_nan_refused_naming_the_argument(self):
        with pytest.raises(ValueError, match=r"^b contains 1 NaN"):
            R.kendall_tau_a([1.0, 2.0, 3.0], [1.0, np.nan, 2.0])
        with pytest.raises(ValueError, match=r"^a and b must have the same length"):
            R.kendall_tau_a([1.0, 2.0, 3.0], [1.0, 2.0])
        with pytest.raises(TypeError, match=r"^a must hold real numbers"):
            R.kendall_tau_a(np.array([1, 2, 3j]), [1.0, 2.0, 3.0])


def _double_centred_brute(v):
    n = squareform(v).shape[0]
    h = np.eye(n) - 1 / n
    return h @ squareform(v) @ h


class TestNewMethods:
    def setup_method(self):
        x = synthetic.patterns(12, 20, seed=4)
        self.a = R.compute_rdm(x)
        self.b = R.compute_rdm(x + np.random.default_rng(5).normal(scale=1.5, size=x.shape))
        self.va, self.vb = squareform(self.a, checks=False), squareform(self.b, checks=False)

    def test_rho_a_formula_and_ties(self):
        m = self.va.size
        ra, rb = np.argsort(np.argsort(self.va)) + 1.0, np.argsort(np.argsort(self.vb)) + 1.0
        expected = 12 * np.dot(ra - ra.mean(), rb - rb.mean()) / (m**3 - m)
        assert R.compare_rdms(self.a, self.b, method="rho_a") == pytest.approx(expected, abs=1e-12)
        # without ties rho-a is Spearman's rho
        assert R.compare_rdms(self.a, self.b, method="rho_a") == pytest.approx(spearmanr(self.va, self.vb)[0])
        # a tie-heavy model: rho-a < Spearman (predicted ties are not rewarded), and rho-a of the data with itself
        # broken into 2 categories is below 1
        model = (self.va > np.median(self.va)).astype(float)
        assert R.compare_rdms(model, self.vb, method="rho_a") < R.compare_rdms(model, self.vb, method="spearman")
        assert R.compare_rdms(model, model, method="rho_a") == pytest.approx(0.75, abs=0.01)

    def test_cosine_keeps_the_zero_point(self):
        expected = self.va @ self.vb / np.linalg.norm(self.va) / np.linalg.norm(self.vb)
        assert R.compare_rdms(self.a, self.b, method="cosine") == pytest.approx(expected, abs=1e-14)
        # adding a constant changes the cosine but not the correlation
        # the cosine counts the shared offset of the dissimilarities as agreement; the correlation ignores it
        shifted = self.b + 5 * (1 - np.eye(12))
        assert R.compare_rdms(self.a, shifted, method="cosine") > R.compare_rdms(self.a, self.b, method="cosine") > 0.9
        assert R.compare_rdms(self.a, self.b, method="pearson") < 0.5
        assert R.compare_rdms(self.a, self.b + 5 * (1 - np.eye(12)), method="pearson") == pytest.approx(
            R.compare_rdms(self.a, self.b, method="pearson")
        )

    def test_whitened_methods_compare_double_centred_rdms(self):
        ga, gb = _double_centred_brute(self.va), _double_centred_brute(self.vb)
        cos = np.sum(ga * gb) / np.sqrt(np.sum(ga * ga) * np.sum(gb * gb))
        assert R.compare_rdms(self.a, self.b, method="cosine_cov") == pytest.approx(cos, abs=1e-12)
        ca, cb = _double_centred_brute(self.va - self.va.mean()), _double_centred_brute(self.vb - self.vb.mean())
        corr = np.sum(ca * cb) / np.sqrt(np.sum(ca * ca) * np.sum(cb * cb))
        assert R.compare_rdms(self.a, self.b, method="corr_cov") == pytest.approx(corr, abs=1e-12)
        # on squared Euclidean RDMs, -HDH/2 is the centred Gram matrix: cosine_cov is linear CKA of the patterns
        rng = np.random.default_rng(0)
        x, y = rng.standard_normal((10, 6)), rng.standard_normal((10, 4))
        y[:, :2] += x[:, :2]
        dx, dy = R.compute_rdm(x, metric="euclidean") ** 2, R.compute_rdm(y, metric="euclidean") ** 2
        xc, yc = x - x.mean(0), y - y.mean(0)
        cka = np.sum((xc.T @ yc) ** 2) / np.linalg.norm(xc.T @ xc) / np.linalg.norm(yc.T @ yc)
        assert R.compare_rdms(dx, dy, method="cosine_cov") == pytest.approx(cka, abs=1e-12)
        assert abs(R.compare_rdms(dx, dy, method="cosine") - cka) > 0.05  # unwhitened: a different number

    @pytest.mark.parametrize("method", ["rho_a", "cosine", "corr_cov", "cosine_cov"])
    def test_match_rsatoolbox_and_correlate(self, method):
        rsa = {"rho_a": "rho-a", "cosine": "cosine", "corr_cov": "corr_cov", "cosine_cov": "cosine_cov"}[method]
        ref = rsa_compare(RDMs(self.va[None]), RDMs(self.vb[None]), method=rsa)[0, 0]
        ours = R.compare_rdms(self.a, self.b, method=method)
        assert ours == pytest.approx(ref, abs=1e-12)
        assert R.correlate(self.va, self.vb, method=method) == ours
        assert R.compare_rdms(self.a, self.a, method=method) == pytest.approx(1.0)

    def test_degenerate_inputs_refused(self):
        const = np.ones(15)
        with pytest.raises(ValueError, match=r"^a is all zero"):
            R.compare_rdms(np.zeros(15), self.vb[:15], method="cosine")
        assert R.compare_rdms(const, self.vb[:15], method="cosine") > 0  # a constant RDM has a cosine
        with pytest.raises(ValueError, match=r"^a is constant"):
            R.compare_rdms(const, self.vb[:15], method="corr_cov")
        with pytest.raises(ValueError, match=r"^b is all zero"):
            R.compare_rdms(self.va[:15], np.zeros(15), method="cosine_cov")
        assert R.compare_rdms(const, self.vb[:15], method="cosine_cov") > 0  # whitened, a constant RDM is not 0

    def test_old_methods_unchanged(self):
        # bit-identical to the scipy calls of the previous implementation
        assert R.correlate(self.va, self.vb, method="spearman") == float(spearmanr(self.va, self.vb).statistic)
        assert R.correlate(self.va, self.vb, method="pearson") == float(pearsonr(self.va, self.vb).statistic)
