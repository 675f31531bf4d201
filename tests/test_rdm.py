"""RDMs: computation, comparison and conversion checked against scipy, rsatoolbox and brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.spatial.distance import pdist, squareform
from scipy.stats import pearsonr, spearmanr

from repalign import rdm as R

rsatoolbox = pytest.importorskip("rsatoolbox")
from rsatoolbox.data import Dataset  # noqa: E402
from rsatoolbox.rdm import RDMs, calc_rdm  # noqa: E402
from rsatoolbox.rdm import compare as rsa_compare


def _patterns(n=12, p=30, seed=0):
    return np.random.default_rng(seed).normal(size=(n, p))


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


# --------------------------------------------------------------------------------------------
# compute_rdm
# --------------------------------------------------------------------------------------------


class TestComputeRdm:
    @pytest.mark.parametrize("metric", ["correlation", "euclidean", "cosine"])
    def test_matches_scipy(self, metric):
        x = _patterns(15, 40, seed=3)
        d = R.compute_rdm(x, metric=metric)
        np.testing.assert_allclose(d, squareform(pdist(x, metric=metric)), rtol=1e-10, atol=1e-12)
        assert d.shape == (15, 15)
        np.testing.assert_array_equal(np.diag(d), 0.0)
        np.testing.assert_array_equal(d, d.T)

    def test_default_metric_is_correlation(self):
        x = _patterns()
        np.testing.assert_array_equal(R.compute_rdm(x), R.compute_rdm(x, metric="correlation"))

    def test_correlation_invariant_to_row_affine_maps(self):
        x = _patterns(8, 20, seed=1)
        y = x * np.arange(1, 9)[:, None] + 5.0  # scale and shift each row
        np.testing.assert_allclose(R.compute_rdm(x), R.compute_rdm(y), atol=1e-12)

    def test_hand_computed_values(self):
        x = np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 0.0]])
        d = R.compute_rdm(x, metric="euclidean")
        np.testing.assert_allclose(squareform(d), [5.0, 1.0, np.sqrt(20.0)])
        x = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0], [2.0, 4.0, 6.0]])
        d = R.compute_rdm(x, metric="correlation")
        np.testing.assert_allclose(squareform(d), [2.0, 0.0, 2.0], atol=1e-12)

    def test_correlation_matches_rsatoolbox(self):
        x = _patterns(10, 25, seed=5)
        ref = calc_rdm(Dataset(x), method="correlation").get_matrices()[0]
        np.testing.assert_allclose(R.compute_rdm(x, metric="correlation"), ref, rtol=1e-10, atol=1e-12)

    def test_euclidean_matches_rsatoolbox_squared_normalised(self):
        x = _patterns(10, 25, seed=6)
        ref = calc_rdm(Dataset(x), method="euclidean").get_matrices()[0]  # squared / n_features
        np.testing.assert_allclose(R.compute_rdm(x, metric="euclidean") ** 2 / x.shape[1], ref, rtol=1e-9, atol=1e-12)


class TestComputeRdmErrors:
    @pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
    def test_non_finite(self, bad):
        x = _patterns(5, 4)
        x[2, 1] = bad
        with pytest.raises(ValueError, match=r"^patterns contains 1 NaN or infinite"):
            R.compute_rdm(x)

    def test_one_dimensional(self):
        with pytest.raises(ValueError, match=r"^patterns must be 2-D"):
            R.compute_rdm(np.arange(5.0), metric="euclidean")

    def test_one_row(self):
        with pytest.raises(ValueError, match=r"^patterns must have at least 2 rows"):
            R.compute_rdm(np.ones((1, 5)), metric="euclidean")

    def test_one_feature_with_correlation(self):
        with pytest.raises(ValueError, match=r"^patterns needs at least 2 features"):
            R.compute_rdm(np.arange(5.0)[:, None], metric="correlation")
        # fine for euclidean: |a - b|
        np.testing.assert_allclose(R.compute_rdm(np.arange(3.0)[:, None], metric="euclidean")[0], [0, 1, 2])

    @pytest.mark.parametrize("value", [0.0, 1.0, 2.5])
    def test_constant_rows_with_correlation(self, value):
        x = _patterns(5, 7)
        x[1] = value
        x[3] = value
        with pytest.raises(ValueError, match=r"^patterns has 2 constant row\(s\); metric='correlation'"):
            R.compute_rdm(x, metric="correlation")

    @pytest.mark.parametrize("value", [0.1, 0.3, 1e-3])
    def test_constant_rows_not_exactly_centred(self, value):
        # BUG: the constant-row check is `norm == 0` after centring; for values such as 0.1 the
        # centred row is ~1e-17 (rounding), so the row slips through and silently gets
        # correlation distance 1.0 to every other row instead of the documented ValueError.
        x = _patterns(5, 7)
        x[1] = value
        with pytest.raises(ValueError, match=r"constant row"):
            R.compute_rdm(x, metric="correlation")

    def test_zero_rows_with_cosine(self):
        x = _patterns(4, 3)
        x[0] = 0
        with pytest.raises(ValueError, match=r"^patterns has 1 all-zero row\(s\); metric='cosine'"):
            R.compute_rdm(x, metric="cosine")
        x[0] = 2.0  # constant but non-zero is fine for cosine
        assert np.all(np.isfinite(R.compute_rdm(x, metric="cosine")))

    def test_unknown_metric(self):
        with pytest.raises(ValueError, match=r"^metric must be one of"):
            R.compute_rdm(_patterns(), metric="manhattan")

    def test_string_patterns(self):
        with pytest.raises(TypeError, match=r"^patterns must hold numbers"):
            R.compute_rdm("not an array")

    def test_ragged_patterns(self):
        with pytest.raises(TypeError, match=r"^patterns must"):
            R.compute_rdm([[1.0, 2.0], [3.0]])


# --------------------------------------------------------------------------------------------
# condensed / square helpers
# --------------------------------------------------------------------------------------------


class TestForms:
    def test_round_trip(self):
        d = R.compute_rdm(_patterns(9, 5), metric="euclidean")
        v = R.to_condensed(d)
        assert v.shape == (36,)
        np.testing.assert_array_equal(v, squareform(d, checks=False))
        np.testing.assert_array_equal(R.to_square(v), d)
        np.testing.assert_array_equal(R.to_condensed(v), v)  # condensed passes through
        np.testing.assert_array_equal(R.to_square(d), d)

    def test_condensed_order_is_scipys(self):
        d = np.array([[0, 1, 2, 3], [1, 0, 4, 5], [2, 4, 0, 6], [3, 5, 6, 0]], float)
        np.testing.assert_array_equal(R.to_condensed(d), [1, 2, 3, 4, 5, 6])

    @pytest.mark.parametrize("n", [2, 3, 10, 100])
    def test_n_items_from_condensed(self, n):
        assert R.n_items_from_condensed(n * (n - 1) // 2) == n

    @pytest.mark.parametrize("length", [2, 4, 7, 44])
    def test_invalid_condensed_length(self, length):
        with pytest.raises(ValueError, match=rf"^rdm has length {length}, which is not n\*\(n-1\)/2"):
            R.to_square(np.ones(length))
        with pytest.raises(ValueError, match=rf"^b has length {length}"):
            R.to_condensed(np.ones(length), name="b")

    def test_empty_condensed(self):
        with pytest.raises(ValueError, match=r"^rdm must have at least 1 rows; got 0$"):
            R.to_square(np.ones(0))

    def test_non_square(self):
        with pytest.raises(ValueError, match=r"^rdm must be square; got shape \(3, 4\)$"):
            R.to_condensed(np.zeros((3, 4)))

    def test_too_small_square(self):
        with pytest.raises(ValueError, match=r"^rdm must hold at least 2 items"):
            R.to_square(np.zeros((1, 1)))

    def test_asymmetric(self):
        d = R.compute_rdm(_patterns(5, 4), metric="euclidean")
        d[0, 3] += 0.01
        with pytest.raises(ValueError, match=r"^rdm is not symmetric \(max \|A - A.T\| = 0.01\)$"):
            R.to_condensed(d)

    def test_tiny_asymmetry_tolerated(self):
        d = R.compute_rdm(_patterns(5, 4), metric="euclidean")
        d[0, 3] += 1e-12
        np.testing.assert_allclose(R.to_condensed(d), squareform(d, checks=False))

    def test_nonzero_diagonal(self):
        d = R.compute_rdm(_patterns(5, 4), metric="euclidean")
        d[2, 2] = 0.5
        with pytest.raises(ValueError, match=r"^a has a non-zero diagonal"):
            R.to_square(d, name="a")

    def test_three_d_and_strings(self):
        with pytest.raises(ValueError, match=r"^rdm must be 2-D; got shape \(2, 3, 3\)$"):
            R.to_condensed(np.zeros((2, 3, 3)))
        with pytest.raises(TypeError, match=r"^rdm must hold numbers"):
            R.to_square("abc")


# --------------------------------------------------------------------------------------------
# compare_rdms and kendall_tau_a
# --------------------------------------------------------------------------------------------


class TestCompareRdms:
    def setup_method(self):
        x = _patterns(14, 30, seed=11)
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
        assert R.compare_rdms(self.a, self.b, method=method) == pytest.approx(R.compare_rdms(self.b, self.a, method=method))
        assert R.compare_rdms(self.a, self.a, method=method) == pytest.approx(1.0)

    def test_rank_methods_ignore_monotonic_transforms(self):
        for m in ("spearman", "kendall_tau_a"):
            assert R.compare_rdms(self.a, np.expm1(3 * self.b), method=m) == pytest.approx(R.compare_rdms(self.a, self.b, method=m))
        assert R.compare_rdms(self.a, np.expm1(3 * self.b), method="pearson") != pytest.approx(
            R.compare_rdms(self.a, self.b, method="pearson"))

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


# --------------------------------------------------------------------------------------------
# MDS
# --------------------------------------------------------------------------------------------


class TestMds:
    def setup_method(self):
        rng = np.random.default_rng(4)
        self.coords = rng.normal(size=(16, 2)) * [3.0, 1.0]
        self.rdm = R.compute_rdm(self.coords, metric="euclidean")

    def test_shape_deterministic_and_faithful(self):
        a = R.mds(self.rdm, seed=1)
        b = R.mds(R.to_condensed(self.rdm), seed=1)
        assert a.shape == (16, 2)
        np.testing.assert_array_equal(a, b)
        rho = spearmanr(pdist(a), R.to_condensed(self.rdm)).statistic
        assert rho > 0.95  # a planted 2-D configuration is recovered
        # metric MDS of Euclidean 2-D distances reproduces them closely
        np.testing.assert_allclose(pdist(a), R.to_condensed(self.rdm), rtol=0.05, atol=0.05)

    def test_seed_changes_only_rigid_motion(self):
        a, b = R.mds(self.rdm, seed=1), R.mds(self.rdm, seed=2)
        assert spearmanr(pdist(a), pdist(b)).statistic > 0.99

    def test_generator_seed_and_components(self):
        c = R.mds(self.rdm, n_components=3, seed=np.random.default_rng(0))
        assert c.shape == (16, 3)

    def test_bad_arguments(self):
        with pytest.raises(ValueError, match=r"^n_components must be >= 1"):
            R.mds(self.rdm, n_components=0)
        with pytest.raises(TypeError, match=r"^seed must be an int"):
            R.mds(self.rdm, seed=None)
        with pytest.raises(ValueError, match=r"^rdm is not symmetric"):
            R.mds(self.rdm + np.triu(np.ones((16, 16)), 1))


# --------------------------------------------------------------------------------------------
# rsatoolbox conversion
# --------------------------------------------------------------------------------------------


class TestRsatoolbox:
    def test_single_round_trip(self):
        d = R.compute_rdm(_patterns(7, 9), metric="cosine")
        r = R.to_rsatoolbox(d, descriptor="cosine", pattern_descriptors={"coco_id": list(range(7))})
        assert isinstance(r, RDMs)
        assert r.n_rdm == 1 and r.n_cond == 7
        assert r.dissimilarity_measure == "cosine"
        assert list(r.pattern_descriptors["coco_id"]) == list(range(7))
        np.testing.assert_allclose(r.dissimilarities[0], R.to_condensed(d), rtol=0, atol=0)
        back = R.from_rsatoolbox(r)
        assert back.shape == (7, 7)
        np.testing.assert_allclose(back, d, rtol=0, atol=1e-15)

    def test_condensed_input(self):
        v = R.to_condensed(R.compute_rdm(_patterns(6, 9)))
        r = R.to_rsatoolbox(v)
        assert r.n_rdm == 1
        np.testing.assert_allclose(R.from_rsatoolbox(r), R.to_square(v))

    def test_stack_round_trip(self):
        stack = np.stack([R.compute_rdm(_patterns(8, 10, seed=s)) for s in range(3)])
        r = R.to_rsatoolbox(stack)
        assert r.n_rdm == 3 and r.n_cond == 8
        back = R.from_rsatoolbox(r)
        assert back.shape == (3, 8, 8)
        np.testing.assert_allclose(back, stack, atol=1e-15)
        # a stack of condensed vectors
        r2 = R.to_rsatoolbox(np.stack([R.to_condensed(m) for m in stack]))
        np.testing.assert_allclose(R.from_rsatoolbox(r2), stack, atol=1e-15)

    def test_bad_stack_member_is_named(self):
        stack = np.stack([R.compute_rdm(_patterns(5, 6, seed=s)) for s in range(2)])
        stack[1, 0, 2] += 1
        with pytest.raises(ValueError, match=r"^rdms\[1\] is not symmetric"):
            R.to_rsatoolbox(stack)
        with pytest.raises(ValueError, match=r"^rdms must be 1-, 2- or 3-D"):
            R.to_rsatoolbox(np.zeros((2, 2, 3, 3)))

    def test_square_rdm_with_nonzero_diagonal_is_refused(self):
        # BUG: a 2-D square array whose diagonal is not ~0 is silently taken as a *stack of
        # condensed RDMs*. For n = 10 (10 = 5*4/2) a damaged 10x10 RDM becomes 10 RDMs over
        # 5 items instead of raising "non-zero diagonal".
        d = R.compute_rdm(_patterns(10, 6), metric="euclidean")
        d[np.diag_indices(10)] = 1e-3
        with pytest.raises(ValueError, match="diagonal"):
            R.to_rsatoolbox(d)

    def test_from_rsatoolbox_type_error(self):
        with pytest.raises(TypeError, match=r"^rdms must be an rsatoolbox.rdm.RDMs; got ndarray$"):
            R.from_rsatoolbox(np.zeros((3, 3)))


# --------------------------------------------------------------------------------------------
# category_rdm / cluster_order
# --------------------------------------------------------------------------------------------


def test_category_rdm_is_jaccard_distance():
    from repalign.rdm import category_rdm

    cats = [["dog", "person"], ["dog"], ["pizza"], ["person", "dog"]]
    d = category_rdm(cats)
    assert d.shape == (4, 4)
    assert d[0, 1] == pytest.approx(0.5)      # {dog} / {dog, person}
    assert d[0, 2] == pytest.approx(1.0)      # disjoint
    assert d[0, 3] == pytest.approx(0.0)      # same set, other order
    assert d[1, 3] == pytest.approx(0.5)
    np.testing.assert_array_equal(d, d.T)
    np.testing.assert_array_equal(np.diag(d), 0)


@pytest.mark.parametrize("cats, exc, match", [
    ([["dog"], []], ValueError, r"categories\[1\] is empty"),
    ([["dog"], "cat"], TypeError, r"categories\[1\] is a string"),
    ([["dog"]], ValueError, "at least 2"),
    ("dog", TypeError, "categories"),
])
def test_category_rdm_bad_input(cats, exc, match):
    from repalign.rdm import category_rdm

    with pytest.raises(exc, match=match):
        category_rdm(cats)


def test_cluster_order_groups_planted_clusters():
    from repalign.rdm import cluster_order

    rng = np.random.default_rng(1)
    centres = rng.normal(size=(3, 20)) * 5
    labels = np.repeat([0, 1, 2], 8)
    perm = rng.permutation(labels.size)
    x = centres[labels[perm]] + rng.normal(size=(labels.size, 20))
    order = cluster_order(R.compute_rdm(x, metric="euclidean"))
    assert sorted(order) == list(range(labels.size))
    ordered = labels[perm][order]
    assert np.count_nonzero(np.diff(ordered)) == 2  # each cluster is one contiguous run
    with pytest.raises(ValueError, match="linkage"):
        cluster_order(R.compute_rdm(x), linkage="ward")
