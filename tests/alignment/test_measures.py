"""Tests of ``repalign.alignment.measures``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ortho_group

from repalign import alignment as A
from repalign.rdm import compare_rdms, compute_rdm


# --------------------------------------------------------------------------------------------
# CKA and mutual k-NN
def _cka_hsic(X, Y):
    """Linear CKA through centred Gram matrices: HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L))."""
    n = len(X)
    H = np.eye(n) - 1 / n
    K, L = H @ X @ X.T @ H, H @ Y @ Y.T @ H
    return np.trace(K @ L) / np.sqrt(np.trace(K @ K) * np.trace(L @ L))


class TestCKA:
    @pytest.mark.parametrize("shape", [(40, 5, 7), (10, 30, 20)])
    def test_matches_gram_formula(self, shape):
        n, dx, dy = shape
        rng = np.random.default_rng(10)
        X, Y = rng.normal(size=(n, dx)), rng.normal(size=(n, dy))
        assert A.linear_cka(X, Y) == pytest.approx(_cka_hsic(X, Y), abs=1e-12)

    def test_invariances(self):
        rng = np.random.default_rng(11)
        X, Y = rng.normal(size=(60, 8)), rng.normal(size=(60, 6))
        Y = Y + X[:, :6]
        base = A.linear_cka(X, Y)
        Q = ortho_group.rvs(8, random_state=12)
        assert A.linear_cka(X @ Q, Y) == pytest.approx(base, abs=1e-12)
        assert A.linear_cka(3.7 * X, 0.2 * Y) == pytest.approx(base, abs=1e-12)
        assert A.linear_cka(X + 5, Y - 2) == pytest.approx(base, abs=1e-12)
        assert A.linear_cka(X, X @ Q) == pytest.approx(1.0)
        assert 0 < base < 1

    def test_constant_input_is_refused(self):
        with pytest.raises(ValueError, match="constant"):
            A.linear_cka(np.ones((5, 3)), np.random.default_rng(0).normal(size=(5, 2)))


class TestMutualKNN:
    def test_identical_and_rotated_spaces_score_one(self):
        X = np.random.default_rng(13).normal(size=(80, 10))
        assert A.mutual_knn(X, X, k=5) == 1.0
        assert A.mutual_knn(X, X @ ortho_group.rvs(10, random_state=1), k=5) == pytest.approx(1.0)

    def test_shuffled_is_near_chance(self):
        rng = np.random.default_rng(14)
        X = rng.normal(size=(400, 10))
        score = A.mutual_knn(X, X[rng.permutation(400)], k=10)
        assert abs(score - 10 / 399) < 0.02

    def test_brute_force(self):
        rng = np.random.default_rng(15)
        X, Y = rng.normal(size=(15, 4)), rng.normal(size=(15, 3))

        def nn(a, i, k):
            sims = [(a[i] @ a[j] / np.linalg.norm(a[i]) / np.linalg.norm(a[j]), j) for j in range(15) if j != i]
            return {j for _, j in sorted(sims, reverse=True)[:k]}

        expected = np.mean([len(nn(X, i, 3) & nn(Y, i, 3)) / 3 for i in range(15)])
        assert A.mutual_knn(X, Y, k=3) == pytest.approx(expected)


# --------------------------------------------------------------------------------------------
# scores match the module's single-pair functions and their oracles
class TestScores:
    def test_rsa_is_spearman_of_correlation_rdms(self):
        rng = np.random.default_rng(1)
        X, Y = rng.normal(size=(30, 6)), rng.normal(size=(30, 9))
        Y[:, :3] += X[:, :3]
        expected = compare_rdms(compute_rdm(X), compute_rdm(Y), method="spearman")
        assert A.alignment_score(X, Y, measure="rsa") == pytest.approx(expected, abs=1e-12)

    def test_cka_and_mutual_knn_match_module_functions(self):
        rng = np.random.default_rng(2)
        X = rng.normal(size=(60, 12))
        Y = X @ rng.normal(size=(12, 7)) + rng.normal(size=(60, 7))
        assert A.alignment_score(X, Y, measure="cka") == pytest.approx(A.linear_cka(X, Y), abs=1e-12)
        assert A.alignment_score(X, Y, measure="mutual_knn", k=5) == pytest.approx(A.mutual_knn(X, Y, k=5), abs=1e-12)

    def test_bootstrap_copies_never_neighbours_and_ci_brackets(self):
        rng = np.random.default_rng(3)
        X = rng.normal(size=(80, 10))
        Y = X + 0.5 * rng.normal(size=(80, 10))
        for measure in A.MEASURES:
            b = A.bootstrap_alignment(X, Y, measure=measure, n_boot=60, seed=0, k=5)
            assert b.ci.low < b.estimate < b.ci.high, measure
        # mutual k-NN of unrelated spaces stays near chance under resampling (copies excluded)
        Z = rng.normal(size=(80, 10))
        b = A.bootstrap_alignment(X, Z, measure="mutual_knn", n_boot=40, seed=0, k=5)
        assert b.distribution.mean() < 0.15

    def test_same_seed_gives_paired_resamples(self):
        rng = np.random.default_rng(4)
        X, Y = rng.normal(size=(40, 5)), rng.normal(size=(40, 5))
        a = A.bootstrap_alignment(X, Y, measure="cka", n_boot=20, seed=7)
        b = A.bootstrap_alignment(X, X + Y, measure="cka", n_boot=20, seed=7)
        again = A.bootstrap_alignment(X, Y, measure="cka", n_boot=20, seed=7)
        np.testing.assert_array_equal(a.distribution, again.distribution)
        assert not np.allclose(a.distribution, b.distribution)

    @pytest.mark.parametrize("measure", ["rsa", "cka"])
    def test_bootstrap_ci_coverage(self, measure, n=60, min_covered=17):
        """95% intervals from samples of 60 items cover the population value in most of 20 repetitions.

        (Without leaving an item's copy out of the resampled Gram matrix, CKA's interval sits too
        high and covered about 15/20.)
        """
        rng = np.random.default_rng(5)
        pop_x = rng.normal(size=(4000, 4))
        pop_y = pop_x + 1.0 * rng.normal(size=(4000, 4))
        truth = A.alignment_score(pop_x[:1000], pop_y[:1000], measure=measure)  # the population value, closely
        covered = 0
        for rep in range(20):
            pick = rng.choice(4000, n, replace=False)
            b = A.bootstrap_alignment(pop_x[pick], pop_y[pick], measure=measure, n_boot=100, seed=rep)
            covered += b.ci.low <= truth <= b.ci.high
        assert covered >= min_covered


# --------------------------------------------------------------------------------------------
# issue 17: zero rows, the peers' measures through the same entry point
class TestZeroRowsAndNewMeasures:
    def test_mutual_knn_refuses_all_zero_rows(self):
        rng = np.random.default_rng(40)
        X, Y = rng.normal(size=(30, 5)), rng.normal(size=(30, 4))
        X[3] = 0.0
        with pytest.raises(ValueError, match="X has 1 all-zero row"):
            A.mutual_knn(X, Y, k=3)
        with pytest.raises(ValueError, match="all-zero row"):
            A.alignment_score(Y, X[:, :4], measure="mutual_knn", k=3)
        with pytest.raises(ValueError, match="all-zero row"):
            A.cknna(Y, X[:, :4], k=3)

    @pytest.mark.parametrize("measure", ["unbiased_cka", "cknna", "svcca", "procrustes_distance"])
    def test_entry_point_equals_the_functions(self, measure):
        rng = np.random.default_rng(41)
        X = rng.normal(size=(40, 12))
        Y = X @ rng.normal(size=(12, 9)) + rng.normal(size=(40, 9))
        fn = getattr(A, measure)
        kw = {"k": 5} if measure == "cknna" else {}
        assert A.alignment_score(X, Y, measure=measure, **kw) == pytest.approx(fn(X, Y, **kw), abs=1e-12)
        b = A.bootstrap_alignment(X, Y, measure=measure, n_boot=20, seed=0, **kw)
        assert b.estimate == pytest.approx(fn(X, Y, **kw), abs=1e-12) and np.isfinite(b.distribution).all()

    def test_distance_measure_is_listed_and_zero_for_identical_shapes(self):
        assert A.DISTANCE_MEASURES == ("procrustes_distance",) and set(A.DISTANCE_MEASURES) <= set(A.MEASURES)
        rng = np.random.default_rng(42)
        X = rng.normal(size=(30, 6))
        assert (
            A.alignment_score(X, 3 * X @ ortho_group.rvs(6, random_state=1) + 2, measure="procrustes_distance") < 1e-6
        )
