"""Tests of ``repalign.inference.bootstrap``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import squareform
from scipy.stats import spearmanr

from repalign.core.intervals import Interval, percentile_interval
from repalign.inference import BootstrapResult, bootstrap_rdm_correlation
from repalign.rdm import compare_rdms, compute_rdm, kendall_tau_a

N = 40


def _subject_stack(n_subjects=6, n=20, p=25, noise=1.0, seed=2):
    """Per-subject RDMs: shared patterns plus subject noise; a 'model' RDM from the same patterns."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p))
    subjects = np.stack(
        [compute_rdm(x + noise * rng.normal(size=x.shape), metric="euclidean") for _ in range(n_subjects)]
    )
    models = np.stack(
        [compute_rdm(x + noise * rng.normal(size=x.shape), metric="euclidean") for _ in range(n_subjects)]
    )
    return subjects, models


@pytest.fixture(scope="module")
def planted_boot(planted):
    return bootstrap_rdm_correlation(*planted, n_boot=300, seed=0)


class TestBootstrapBasics:
    def test_result_fields(self, planted, planted_boot):
        r = planted_boot
        assert isinstance(r, BootstrapResult)
        assert isinstance(r.ci, Interval) and r.ci.level == 0.95
        assert r.distribution.shape == (300,)
        assert np.all(np.isfinite(r.distribution))
        assert r.ci.low < r.ci.high
        assert r.interval == "bc"
        # the bias-corrected interval shifts the percentile levels by 2*z0 (Efron 1987)
        from scipy.stats import norm

        z0 = norm.ppf(np.mean(r.distribution < r.estimate))
        lo, hi = np.quantile(r.distribution, norm.cdf(2 * z0 + norm.ppf([0.025, 0.975])))
        assert (r.ci.low, r.ci.high) == (pytest.approx(lo), pytest.approx(hi))
        assert r.se == pytest.approx(r.distribution.std(ddof=1))
        assert "95% CI" in repr(r) and "n=300" in repr(r)

    def test_percentile_interval(self, planted):
        a, b = planted
        r = bootstrap_rdm_correlation(a, b, n_boot=200, seed=3, interval="percentile")
        lo, hi = np.quantile(r.distribution, [0.025, 0.975])
        assert (r.ci.low, r.ci.high) == (pytest.approx(lo), pytest.approx(hi))
        assert r.interval == "percentile"
        with pytest.raises(ValueError, match="interval"):
            bootstrap_rdm_correlation(a, b, n_boot=50, seed=3, interval="bca")

    def test_estimate_equals_compare_rdms(self, planted, planted_boot):
        assert planted_boot.estimate == compare_rdms(*planted)
        for method in ("pearson", "kendall_tau_a"):
            r = bootstrap_rdm_correlation(*planted, n_boot=10, seed=0, method=method)
            assert r.estimate == compare_rdms(*planted, method=method)

    def test_deterministic_given_seed(self, planted, planted_boot):
        again = bootstrap_rdm_correlation(*planted, n_boot=300, seed=0)
        np.testing.assert_array_equal(again.distribution, planted_boot.distribution)
        assert (again.ci.low, again.ci.high) == (planted_boot.ci.low, planted_boot.ci.high)
        other = bootstrap_rdm_correlation(*planted, n_boot=300, seed=1)
        assert not np.array_equal(other.distribution, planted_boot.distribution)
        gen = bootstrap_rdm_correlation(*planted, n_boot=300, seed=np.random.default_rng(0))
        np.testing.assert_array_equal(gen.distribution, planted_boot.distribution)

    def test_planted_relation_ci(self, planted_boot):
        r = planted_boot
        assert r.estimate > 0.5
        assert r.ci.low < r.estimate < r.ci.high
        assert r.ci.low > 0  # excludes zero
        assert 0.005 < r.se < 0.2

    def test_independent_rdms_ci_includes_zero(self, independent):
        r = bootstrap_rdm_correlation(*independent, n_boot=300, seed=0)
        assert abs(r.estimate) < 0.2
        assert r.ci.low < 0 < r.ci.high

    def test_wider_interval_at_higher_confidence(self, planted):
        r90 = bootstrap_rdm_correlation(*planted, n_boot=300, seed=3, confidence=0.8)
        r99 = bootstrap_rdm_correlation(*planted, n_boot=300, seed=3, confidence=0.99)
        np.testing.assert_array_equal(r90.distribution, r99.distribution)
        assert r99.ci.low < r90.ci.low and r99.ci.high > r90.ci.high

    def test_condensed_input_same_as_square(self, planted, planted_boot):
        a, b = planted
        r = bootstrap_rdm_correlation(squareform(a, checks=False), b, n_boot=300, seed=0)
        np.testing.assert_array_equal(r.distribution, planted_boot.distribution)


class TestBootstrapDuplicates:
    @staticmethod
    def _manual(a, b, n_boot, seed, keep_self_pairs):
        rng = np.random.default_rng(seed)
        n = a.shape[0]
        iu, ju = np.triu_indices(n, k=1)
        out, distinct = [], []
        for _ in range(n_boot):
            idx = rng.integers(0, n, n)
            ii, jj = idx[iu], idx[ju]
            keep = np.ones(ii.size, bool) if keep_self_pairs else ii != jj
            distinct.append(bool(np.all(ii[keep] != jj[keep])))
            out.append(spearmanr(a[ii[keep], jj[keep]], b[ii[keep], jj[keep]]).statistic)
        return np.array(out), distinct

    def test_matches_reimplementation_without_self_pairs(self, independent):
        a, b = independent
        r = bootstrap_rdm_correlation(a, b, n_boot=50, seed=7)
        manual, distinct = self._manual(a, b, 50, 7, keep_self_pairs=False)
        assert all(distinct)  # every sample only pairs stimuli with distinct original indices
        np.testing.assert_allclose(r.distribution, manual, rtol=1e-12, atol=1e-14)

    def test_self_pairs_would_inflate_the_correlation(self, independent):
        a, b = independent
        r = bootstrap_rdm_correlation(a, b, n_boot=200, seed=5)
        with_self, _ = self._manual(a, b, 200, 5, keep_self_pairs=True)
        # self-pairs are (0, 0) in both RDMs: shared ties at the bottom of both rankings, which
        # push every resample's correlation up; the function must not count them
        assert np.all(with_self > r.distribution)
        assert with_self.mean() > r.distribution.mean() + 0.05
        # without them, independent RDMs centre on their (near-zero) estimate
        assert abs(r.distribution.mean() - r.estimate) < 0.05

    def test_no_zero_dissimilarity_reaches_the_correlation(self, monkeypatch, independent):
        import repalign.inference.bootstrap as stats_mod

        seen = []

        def spy(x, y, method):
            seen.append(min(x.min(), y.min()))
            return float(spearmanr(x, y).statistic)

        monkeypatch.setattr(stats_mod, "correlate", spy)
        # the value path (Pearson here; Spearman's ranked path shares _resampled_pairs, tested below)
        bootstrap_rdm_correlation(*independent, n_boot=20, seed=0, method="pearson")
        assert len(seen) == 20
        assert min(seen) > 0  # off-diagonal Euclidean distances of distinct stimuli are > 0

    def test_tau_a_on_resamples(self, independent):
        a, b = independent
        r = bootstrap_rdm_correlation(a, b, n_boot=10, seed=4, method="kendall_tau_a")
        rng = np.random.default_rng(4)
        iu, ju = np.triu_indices(N, k=1)
        for k in range(10):
            idx = rng.integers(0, N, N)
            keep = idx[iu] != idx[ju]
            ii, jj = idx[iu[keep]], idx[ju[keep]]
            assert r.distribution[k] == pytest.approx(kendall_tau_a(a[ii, jj], b[ii, jj]), abs=1e-12)


class TestRankedOnce:
    """Spearman and rho-a resamples ranked from one global sort equal the resample-and-rank path bit for bit."""

    @staticmethod
    def _value_path(a, b, n_boot, seed, method):
        import repalign.inference.bootstrap as stats_mod

        rng = np.random.default_rng(seed)
        ma, mb = (stats_mod.square_stack(m, name="m").mean(0) for m in (a, b))
        return np.array(
            [
                stats_mod._resampled_corr(ma, mb, rng.integers(0, ma.shape[0], ma.shape[0]), method)
                for _ in range(n_boot)
            ]
        )

    @pytest.mark.parametrize("method", ["spearman", "rho_a"])
    @pytest.mark.parametrize("ties", [False, True])
    def test_bit_identical_to_ranking_each_resample(self, method, ties):
        rng = np.random.default_rng(11)
        stack = rng.random((3, 40 * 39 // 2))
        other = rng.random(40 * 39 // 2)
        if ties:  # coarse values: large tie groups, as in tag and category RDMs
            stack, other = np.round(stack * 4), np.round(other * 2)
        stack = np.stack([squareform(v) for v in stack])  # a stack of square RDMs (averaged first)
        r = bootstrap_rdm_correlation(stack, other, method=method, n_boot=300, seed=3)
        expected = self._value_path(stack, other, 300, 3, method)
        np.testing.assert_array_equal(r.distribution, expected[np.isfinite(expected)])

    def test_tiny_resamples_give_nan_like_the_value_path(self):
        a = np.array([1.0, 2.0, 3.0])  # 3 stimuli: many resamples have < 3 distinct pairs or constant ranks
        b = np.array([3.0, 1.0, 2.0])
        r = bootstrap_rdm_correlation(a, b, n_boot=200, seed=0)
        expected = self._value_path(a, b, 200, 0, "spearman")
        assert np.isnan(expected).any()
        np.testing.assert_array_equal(r.distribution, expected[np.isfinite(expected)])


class TestBootstrapParticipants:
    def setup_method(self):
        self.subj, self.models = _subject_stack()

    def test_estimate_is_on_subject_means(self):
        r = bootstrap_rdm_correlation(self.subj, self.models, n_boot=50, seed=0, over="participants")
        assert r.estimate == compare_rdms(self.subj.mean(0), self.models.mean(0))
        assert r.estimate > 0.5
        assert 0 < r.ci.low < r.ci.high < 1
        assert r.distribution.size == 50

    @pytest.mark.parametrize("over", ["participants", "both"])
    def test_participant_ci_contains_estimate(self, over):
        # The statistic is the correlation of *subject-averaged* RDMs. A resample with repeated
        # subjects averages fewer distinct subjects, so its mean RDM is noisier and its correlation
        # attenuated: the raw bootstrap distribution sits below the estimate (estimate 0.728,
        # percentile CI [0.38, 0.68] here). The default interval for participant resampling is
        # centred on the estimate, which removes that artefact.
        r = bootstrap_rdm_correlation(self.subj, self.models, n_boot=300, seed=0, over=over)
        assert r.interval == "centred"
        assert r.ci.low < r.estimate < r.ci.high
        assert r.distribution.mean() < r.estimate - 0.05  # the attenuation is real ...
        raw = bootstrap_rdm_correlation(self.subj, self.models, n_boot=300, seed=0, over=over, interval="percentile")
        np.testing.assert_allclose(r.distribution, raw.distribution)
        assert r.ci.high - r.ci.low == pytest.approx(raw.ci.high - raw.ci.low, rel=0.2)  # ... the spread is kept

    def test_participant_ci_covers_planted_group_correlation_at_nominal_rate(self):
        # Planted truth: two population RDMs; each subject sees them plus independent noise. The
        # target of a group-mean correlation with n subjects is its expectation at that n (rho_n,
        # by Monte Carlo). The centred interval covers it at about the nominal 95 %; the
        # bias-corrected (BC) interval, misled by the duplicates' attenuation, does not.
        from scipy.spatial.distance import pdist, squareform

        rng = np.random.default_rng(0)
        x = rng.normal(size=(12, 4))
        truth = [pdist(x), pdist(x + 0.8 * rng.normal(size=x.shape))]

        def group(t, n=8):
            return np.stack([squareform(t + 1.5 * rng.normal(size=t.size)) for _ in range(n)])

        rho_n = np.mean([compare_rdms(group(truth[0]).mean(0), group(truth[1]).mean(0)) for _ in range(300)])
        hits = {"centred": [], "bc": []}
        for rep in range(40):
            r = bootstrap_rdm_correlation(group(truth[0]), group(truth[1]), n_boot=100, seed=rep, over="participants")
            bc = percentile_interval(r.distribution, r.ci.level, kind="bc", estimate=r.estimate)
            hits["centred"].append(r.ci.low <= rho_n <= r.ci.high)
            hits["bc"].append(bc.low <= rho_n <= bc.high)
        assert np.mean(hits["centred"]) >= 0.8  # measured 0.90 (40 replications: SE about 0.05)
        assert np.mean(hits["bc"]) < np.mean(hits["centred"]) - 0.2

    def test_participants_reimplementation(self):
        r = bootstrap_rdm_correlation(self.subj, self.models, n_boot=30, seed=9, over="participants")
        rng = np.random.default_rng(9)
        manual = []
        for _ in range(30):
            ma = self.subj[rng.integers(0, 6, 6)].mean(0)
            mb = self.models[rng.integers(0, 6, 6)].mean(0)
            manual.append(compare_rdms(ma, mb))
        np.testing.assert_allclose(r.distribution, manual, rtol=1e-12)

    def test_both_is_wider_than_participants_alone(self):
        rp = bootstrap_rdm_correlation(self.subj, self.models, n_boot=200, seed=0, over="participants")
        rb = bootstrap_rdm_correlation(self.subj, self.models, n_boot=200, seed=0, over="both")
        rs = bootstrap_rdm_correlation(self.subj, self.models, n_boot=200, seed=0, over="stimuli")
        assert rb.estimate == rp.estimate == rs.estimate
        assert rb.se > rp.se  # stimulus resampling adds variability
        assert rb.ci.low > 0

    def test_single_rdm_needs_stack(self):
        with pytest.raises(ValueError, match=r"^over='participants' needs stacks of at least 2 participants"):
            bootstrap_rdm_correlation(self.subj[0], self.models, n_boot=10, over="participants")
        with pytest.raises(ValueError, match=r"^over='both' needs stacks"):
            bootstrap_rdm_correlation(self.subj, self.models[:1], n_boot=10, over="both")

    def test_stimuli_bootstrap_of_stack_uses_mean(self):
        r = bootstrap_rdm_correlation(self.subj, self.models, n_boot=20, seed=1)
        r2 = bootstrap_rdm_correlation(self.subj.mean(0), self.models.mean(0), n_boot=20, seed=1)
        np.testing.assert_allclose(r.distribution, r2.distribution, rtol=1e-12)


class TestBootstrapErrors:
    def test_n_boot_too_small(self, planted):
        with pytest.raises(ValueError, match=r"^n_boot must be >= 10; got 9$"):
            bootstrap_rdm_correlation(*planted, n_boot=9)
        with pytest.raises(TypeError, match=r"^n_boot must be an integer"):
            bootstrap_rdm_correlation(*planted, n_boot=100.0)

    def test_unknown_over(self, planted):
        with pytest.raises(ValueError, match=r"^over must be one of \('stimuli', 'participants', 'both'\)"):
            bootstrap_rdm_correlation(*planted, over="subjects")

    def test_unknown_method(self, planted):
        with pytest.raises(ValueError, match=r"^method must be one of"):
            bootstrap_rdm_correlation(*planted, method="tau_b")

    @pytest.mark.parametrize("conf", [0, 1, 1.5, -0.1, 95])
    def test_confidence_out_of_range(self, planted, conf):
        with pytest.raises(ValueError, match=r"^confidence must be a number in \(0, 1\)"):
            bootstrap_rdm_correlation(*planted, confidence=conf)

    def test_mismatched_sizes(self, planted):
        a, b = planted
        with pytest.raises(ValueError, match=r"^a and b describe different numbers of stimuli \(40 vs 39\)$"):
            bootstrap_rdm_correlation(a, b[:39, :39])

    def test_bad_rdm_is_named(self, planted):
        a, b = planted
        bad = b.copy()
        bad[0, 1] += 1
        with pytest.raises(ValueError, match=r"^b is not symmetric"):
            bootstrap_rdm_correlation(a, bad)
        stack = np.stack([a, bad])
        with pytest.raises(ValueError, match=r"^a\[1\] is not symmetric"):
            bootstrap_rdm_correlation(stack, np.stack([a, a]), over="participants")

    def test_seed_none_refused(self, planted):
        with pytest.raises(TypeError, match=r"^seed must be an int"):
            bootstrap_rdm_correlation(*planted, seed=None)


@pytest.mark.parametrize("method", ["rho_a", "cosine"])
def test_bootstrap_accepts_the_new_methods(planted, method):
    r = bootstrap_rdm_correlation(*planted, method=method, n_boot=50, seed=0)
    assert r.estimate == pytest.approx(compare_rdms(*planted, method=method), abs=1e-12)
    assert r.ci.low <= r.estimate <= r.ci.high and r.distribution.size == 50


@pytest.mark.parametrize("method", ["corr_cov", "cosine_cov"])
def test_bootstrap_whitened_methods_need_whole_rdms(planted, method):
    with pytest.raises(ValueError, match=rf"method='{method}' needs whole RDMs; with it, use over='participants'"):
        bootstrap_rdm_correlation(*planted, method=method, n_boot=50)
    rng = np.random.default_rng(0)
    a = np.stack([planted[0] + squareform(rng.random(780)) for _ in range(4)])
    b = np.stack([planted[1] + squareform(rng.random(780)) for _ in range(4)])
    r = bootstrap_rdm_correlation(a, b, method=method, over="participants", n_boot=20, seed=0)
    assert r.estimate == pytest.approx(compare_rdms(a.mean(0), b.mean(0), method=method), abs=1e-12)
    assert np.all(np.isfinite(r.distribution)) and r.se > 0
