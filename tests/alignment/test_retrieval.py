"""Tests of ``repalign.alignment.retrieval``."""

from __future__ import annotations

import numpy as np
import pytest

from repalign import alignment as A
from repalign.alignment.orthogonal import _procrustes
from repalign.core import Interval


def _planted(n=300, dx=20, dy=20, noise=0.1, seed=0):
    """Y = X @ R_true + noise, with R_true a random (semi-)orthogonal map."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, dx))
    R = A.random_orthogonal(dx, dy, seed=seed + 1)
    return X, X @ R + noise * rng.normal(size=(n, dy)), R


# --------------------------------------------------------------------------------------------
# retrieval
def _csls_brute(Q, C, k):
    """CSLS by its definition: 2 cos(x, y) - r_T(x) - r_S(y), loops over every pair."""
    cos = lambda a, b: a @ b / np.linalg.norm(a) / np.linalg.norm(b)  # noqa: E731
    nq, nc = len(Q), len(C)
    r_t = [np.mean(sorted((cos(Q[i], C[j]) for j in range(nc)), reverse=True)[:k]) for i in range(nq)]
    r_s = [np.mean(sorted((cos(Q[i], C[j]) for i in range(nq)), reverse=True)[:k]) for j in range(nc)]
    return np.array([[2 * cos(Q[i], C[j]) - r_t[i] - r_s[j] for j in range(nc)] for i in range(nq)])


class TestRetrieve:
    def test_nn_is_cosine_ranking(self):
        rng = np.random.default_rng(5)
        Q, C = rng.normal(size=(6, 4)), rng.normal(size=(9, 4))
        cos = (Q / np.linalg.norm(Q, axis=1, keepdims=True)) @ (C / np.linalg.norm(C, axis=1, keepdims=True)).T
        np.testing.assert_array_equal(A.retrieve(Q, C, 9), np.argsort(-cos, axis=1))

    @pytest.mark.parametrize("k", [1, 3, 10])
    def test_csls_matches_brute_force(self, k):
        rng = np.random.default_rng(6)
        Q, C = rng.normal(size=(7, 5)), rng.normal(size=(8, 5))
        expected = np.argsort(-_csls_brute(Q, C, min(k, 7)), axis=1, kind="stable")
        np.testing.assert_array_equal(A.retrieve(Q, C, 8, rule="csls", csls_k=k), expected)

    def test_csls_demotes_a_hub(self):
        rng = np.random.default_rng(7)
        C = rng.normal(size=(20, 6))
        hub = C.mean(0) + 0.01 * rng.normal(size=6)
        C = np.vstack([C, 5 * hub])  # a candidate close to everything
        Q = C[:20] + 0.5 * rng.normal(size=(20, 6))
        hub_nn = np.mean(A.retrieve(Q, C, 1, rule="nn")[:, 0] == 20)
        hub_csls = np.mean(A.retrieve(Q, C, 1, rule="csls")[:, 0] == 20)
        assert hub_csls <= hub_nn

    def test_hit_ranks_and_precision(self):
        rng = np.random.default_rng(16)
        Q, C = rng.normal(size=(12, 5)), rng.normal(size=(12, 5))
        order = A.retrieve(Q, C, 12)
        expected = np.array([np.flatnonzero(order[i] == i)[0] for i in range(12)])
        ranks = A.hit_ranks(Q, C)
        np.testing.assert_array_equal(ranks, expected)
        assert A.precision_at_k(ranks, (1, 3)) == {1: np.mean(expected < 1), 3: np.mean(expected < 3)}
        np.testing.assert_array_equal(A.hit_ranks(Q, C[::-1], targets=np.arange(12)[::-1]), expected)

    def test_ties_count_against_the_query(self):
        ranks = A.hit_ranks(np.ones((3, 2)), np.ones((3, 2)))
        np.testing.assert_array_equal(ranks, [2, 2, 2])


# --------------------------------------------------------------------------------------------
# cross-validated retrieval
class TestCVRetrieval:
    def test_planted_truth_is_recovered(self):
        X, Y, _ = _planted(n=300, dx=20, dy=20, noise=0.1)
        res = A.cv_retrieval(X, Y, ks=(1, 5, 10))
        assert res.precision[1] > 0.95
        assert res.pool == 60
        assert res.chance == {1: 1 / 60, 5: 5 / 60, 10: 10 / 60}
        for name in ("shuffled", "random_orthogonal"):
            assert res.baselines[name][10] < 0.35, name
        assert res.per_fold[1].shape == (5,)
        assert res.ci[1].low <= res.precision[1] <= res.ci[1].high
        assert isinstance(res.ci[1], Interval) and res.ci[1].level == 0.95

    @pytest.mark.parametrize("dim_match", ["pca", "pad"])
    @pytest.mark.parametrize("rule", ["nn", "csls"])
    def test_planted_truth_different_widths(self, dim_match, rule):
        rng = np.random.default_rng(8)
        Z = rng.normal(size=(400, 16))  # shared latent, embedded in spaces of 40 and 24 dims
        X = Z @ A.random_orthogonal(16, 40, seed=1) + 0.05 * rng.normal(size=(400, 40))
        Y = Z @ A.random_orthogonal(16, 24, seed=2) + 0.05 * rng.normal(size=(400, 24))
        res = A.cv_retrieval(X, Y, ks=(1, 10), rule=rule, dim_match=dim_match)
        assert res.precision[1] > 0.9

    def test_shuffled_pairs_are_at_chance(self):
        X, Y, _ = _planted(n=500, dx=10, dy=10, noise=0.1)
        Y = Y[np.random.default_rng(9).permutation(500)]
        res = A.cv_retrieval(X, Y, ks=(10, 50))
        for k in (10, 50):
            assert abs(res.precision[k] - res.chance[k]) < 0.06

    def test_deterministic_and_seed_sensitive(self):
        X, Y, _ = _planted(n=200, noise=1.0)
        a, b = A.cv_retrieval(X, Y, ks=(1, 5), seed=3), A.cv_retrieval(X, Y, ks=(1, 5), seed=3)
        assert a.precision == b.precision and a.baselines == b.baselines
        np.testing.assert_array_equal(a.ranks, b.ranks)
        c = A.cv_retrieval(X, Y, ks=(1, 5), seed=4)
        assert not np.array_equal(a.fold, c.fold)

    def test_ranks_top_and_folds_are_consistent(self):
        X, Y, _ = _planted(n=100, noise=1.0)
        res = A.cv_retrieval(X, Y, ks=(1, 5), n_folds=4)
        assert A.precision_at_k(res.ranks, (1, 5)) == pytest.approx(res.precision)
        hit1 = res.top[:, 0] == np.arange(100)
        np.testing.assert_array_equal(hit1, res.ranks == 0)
        assert all(np.all(res.fold[res.top[i]] == res.fold[i]) for i in range(100))
        assert set(res.fold) == {0, 1, 2, 3}

    def test_all_candidates_pool(self):
        X, Y, _ = _planted(n=100, noise=0.05)
        res = A.cv_retrieval(X, Y, ks=(1, 100), candidates="all")
        assert res.pool == 100 and res.chance[100] == 1.0 and res.precision[100] == 1.0
        assert res.precision[1] > 0.9

    def test_table(self):
        X, Y, _ = _planted(n=100)
        t = A.cv_retrieval(X, Y, ks=(1, 5)).table()
        assert list(t.index) == [1, 5]
        assert {"P@k", "ci_low", "ci_high", "chance", "shuffled", "random_orthogonal"} <= set(t.columns)


# --------------------------------------------------------------------------------------------
# bad inputs: one clear error naming the argument
class TestBadInputs:
    X = np.random.default_rng(0).normal(size=(50, 4))

    def test_row_counts_differ(self):
        for fn in (A.procrustes, A.cv_retrieval, A.linear_cka, A.mutual_knn):
            with pytest.raises(ValueError, match="same number of rows"):
                fn(self.X, self.X[:40])

    def test_nans(self):
        bad = self.X.copy()
        bad[3, 1] = np.nan
        for fn in (A.procrustes, A.cv_retrieval, A.linear_cka, A.mutual_knn):
            with pytest.raises(ValueError, match="Y contains 1 NaN"):
                fn(self.X, bad)
        with pytest.raises(ValueError, match="X_mapped contains"):
            A.retrieve(bad, self.X, 1)

    def test_k_larger_than_pool(self):
        with pytest.raises(ValueError, match="ks must be <= the candidate pool \\(10 items\\)"):
            A.cv_retrieval(self.X, self.X, ks=(1, 11))
        with pytest.raises(ValueError, match="k must be <= the number of candidates"):
            A.retrieve(self.X, self.X[:5], 6)
        with pytest.raises(ValueError, match="k must be <= 49"):
            A.mutual_knn(self.X, self.X, k=50)

    def test_n_folds(self):
        with pytest.raises(ValueError, match="n_folds must be >= 2"):
            A.cv_retrieval(self.X, self.X, n_folds=1)
        with pytest.raises(ValueError, match="n_folds must be <= 25"):
            A.cv_retrieval(self.X, self.X, n_folds=26, ks=(1,))
        with pytest.raises(TypeError, match="n_folds must be an integer"):
            A.cv_retrieval(self.X, self.X, n_folds=2.5)

    def test_ks(self):
        with pytest.raises(ValueError, match="ks is empty"):
            A.cv_retrieval(self.X, self.X, ks=())
        with pytest.raises(ValueError, match="ks must be >= 1"):
            A.cv_retrieval(self.X, self.X, ks=(0, 1))
        with pytest.raises(TypeError, match="ks must be an integer"):
            A.cv_retrieval(self.X, self.X, ks=(1.5,))

    def test_choices(self):
        with pytest.raises(ValueError, match="rule must be one of"):
            A.cv_retrieval(self.X, self.X, rule="cosine")
        with pytest.raises(ValueError, match="rule must be one of"):
            A.retrieve(self.X, self.X, 1, rule="knn")
        with pytest.raises(ValueError, match="dim_match must be one of"):
            A.procrustes(self.X, self.X, dim_match="crop")
        with pytest.raises(ValueError, match="candidates must be one of"):
            A.cv_retrieval(self.X, self.X, candidates="train")

    def test_shapes(self):
        with pytest.raises(ValueError, match="X must be 2-D"):
            A.procrustes(self.X[0], self.X[0])
        with pytest.raises(ValueError, match="X_mapped and Y must have the same number of columns"):
            A.retrieve(self.X, self.X[:, :3], 1)
        with pytest.raises(TypeError, match="X must hold numbers"):
            A.linear_cka(np.array([["a"]] * 3), self.X[:3])
        with pytest.raises(ValueError, match="X must have at least 4 rows"):
            A.cv_retrieval(self.X[:3], self.X[:3])

    def test_seed_and_csls_k(self):
        with pytest.raises(TypeError, match="seed must be an int"):
            A.cv_retrieval(self.X, self.X, seed=None)
        with pytest.raises(ValueError, match="csls_k must be >= 1"):
            A.retrieve(self.X, self.X, 1, rule="csls", csls_k=0)


# --------------------------------------------------------------------------------------------
# matched width (n_components)
class TestMatchedWidth:
    def test_full_width_pca_is_a_rotation_and_changes_nothing(self):
        X, Y, _ = _planted(n=200, dx=12, dy=12, noise=1.0, seed=4)
        plain = A.cv_retrieval(X, Y, ks=(1, 10), seed=0, baselines=False)
        matched = A.cv_retrieval(X, Y, ks=(1, 10), seed=0, baselines=False, n_components=12)
        np.testing.assert_array_equal(plain.ranks, matched.ranks)

    def test_both_sides_reduced_on_training_items_only(self, monkeypatch):
        import repalign.alignment.retrieval as retrieval

        seen = []
        original = retrieval._pca_basis

        def spy(a, d, *args, **kwargs):
            seen.append((a.shape, d))
            return original(a, d, *args, **kwargs)

        monkeypatch.setattr(retrieval, "_pca_basis", spy)
        rng = np.random.default_rng(0)
        latent = rng.normal(size=(250, 5))
        X = latent @ rng.normal(size=(5, 20)) + 0.05 * rng.normal(size=(250, 20))
        Y = latent @ rng.normal(size=(5, 60)) + 0.05 * rng.normal(size=(250, 60))
        res = A.cv_retrieval(X, Y, ks=(1, 10), seed=0, n_components=5)
        # per fold: X's and Y's training rows (200 of 250), each reduced to 5 axes
        assert seen.count(((200, 20), 5)) == seen.count(((200, 60), 5)) == 5 and len(seen) == 10
        assert res.precision[1] > 0.9 and res.baselines["shuffled"][10] < 0.35
        assert A.cv_retrieval(X, Y, ks=(1,), seed=0, n_components=1).precision[1] < res.precision[1]

    def test_bad_n_components(self):
        X, Y, _ = _planted(n=40, dx=6, dy=8)
        with pytest.raises(ValueError, match="n_components"):
            A.cv_retrieval(X, Y, ks=(1,), n_components=7)
        with pytest.raises(ValueError, match="n_components"):
            A.cv_retrieval(X, Y, ks=(1,), n_components=0)
        with pytest.raises(TypeError, match="n_components"):
            A.cv_retrieval(X, Y, ks=(1,), n_components=2.5)


# --------------------------------------------------------------------------------------------
# fast fold maps (eigenproblems of the Gram and cross-covariance matrices) vs the SVD path
def _same_result(a, b):
    np.testing.assert_array_equal(a.ranks, b.ranks)
    np.testing.assert_array_equal(a.top, b.top)
    assert a.precision == b.precision and a.baselines == b.baselines


class TestFastFoldMaps:
    @pytest.mark.parametrize(
        ("dx", "dy", "n", "dim_match"),
        [
            (30, 12, 150, "pca"),  # X reduced to Y's width
            (12, 30, 150, "pca"),  # Y reduced: back-projection through Y's axes
            (50, 45, 40, "pca"),  # both reduced to n_train - 1 = 31
            (30, 12, 150, "pad"),
            (12, 30, 150, "pad"),  # wide cross-covariance: polar factor of the transpose
            (16, 16, 150, "pca"),
        ],
    )
    @pytest.mark.parametrize("rule", ["nn", "csls"])
    def test_equal_to_the_svd_path(self, monkeypatch, dx, dy, n, dim_match, rule):
        from repalign.alignment import fold_maps

        rng = np.random.default_rng(dx + dy + n)
        z = rng.normal(size=(n, 4))
        X = z @ rng.normal(size=(4, dx)) + 0.8 * rng.normal(size=(n, dx))
        Y = z @ rng.normal(size=(4, dy)) + 0.8 * rng.normal(size=(n, dy))
        kw = dict(ks=(1, 3, 5), rule=rule, dim_match=dim_match, seed=3, candidates="all")
        fast = A.cv_retrieval(X, Y, **kw)
        calls = []
        monkeypatch.setattr(fold_maps, "_RCOND", np.inf)  # every fold ill-conditioned: the SVD path
        monkeypatch.setattr(fold_maps, "_procrustes", lambda *a: calls.append(1) or _procrustes(*a))
        _same_result(fast, A.cv_retrieval(X, Y, **kw))
        assert len(calls) == 10  # fitted + shuffled map, 5 folds
        assert 0.2 < fast.precision[5] <= 1 and fast.baselines["shuffled"][5] < fast.precision[5]

    def test_rank_deficient_data_try_the_fast_path_once(self, monkeypatch):
        # a fold that needs the SVD path (here: rank-deficient X, as MPNet's embeddings) sends every
        # later fold there directly, instead of failing the fast path again in each
        from repalign.alignment import fold_maps

        rng = np.random.default_rng(5)
        z = rng.normal(size=(120, 4))
        X = z @ rng.normal(size=(4, 30))  # rank 4 of 30
        Y = z @ rng.normal(size=(4, 12)) + 0.5 * rng.normal(size=(120, 12))
        kw = dict(ks=(1, 5), dim_match="pad", seed=2, candidates="all")
        tries = []
        real = fold_maps._fast_queries
        monkeypatch.setattr(fold_maps, "_fast_queries", lambda *a: tries.append(1) or real(*a))
        result = A.cv_retrieval(X, Y, **kw, n_jobs=1)
        assert len(tries) == 1
        tries.clear()
        _same_result(result, A.cv_retrieval(X, Y, **kw, n_jobs=2))
        assert len(tries) <= 2  # the two threads start on folds 0 and 1 together
        monkeypatch.setattr(fold_maps, "_RCOND", np.inf)  # the SVD path throughout
        _same_result(result, A.cv_retrieval(X, Y, **kw))

    @pytest.mark.parametrize(
        ("dx", "dy", "dim_match"), [(15, 15, "pad"), (10, 15, "pad"), (10, 15, "pca"), (15, 15, "pca")]
    )
    def test_threads_give_the_same_result_as_one_fold_after_the_other(self, monkeypatch, dx, dy, dim_match):
        # columns alive in one item only: the folds that hold such an item out are singular and need the SVD
        # path, others not; every fold after the first such fold takes the SVD path whatever n_jobs
        from repalign.alignment import retrieval

        rng = np.random.default_rng(2)
        X = rng.normal(size=(40, dx))
        Y = X[:, : min(dx, dy)] @ rng.normal(size=(min(dx, dy), dy)) + rng.normal(size=(40, dy))
        for i in range(3):
            X[:, i] = 0.0
            X[i * 7, i] = 1.0
        paths = []
        real = retrieval._fold_queries
        monkeypatch.setattr(retrieval, "_fold_queries", lambda *a, **k: (r := real(*a, **k), paths.append(r[1]))[0])
        kw = dict(ks=(1, 5), dim_match=dim_match, seed=3)  # items 0, 7, 14 are held out in folds 1, 2, 3
        one = A.cv_retrieval(X, Y, **kw, n_jobs=1)
        assert list(one.fold[[0, 7, 14]]) == [1, 2, 3]
        sequential, paths[:] = list(paths), []
        two = A.cv_retrieval(X, Y, **kw, n_jobs=2)
        _same_result(one, two)
        assert sequential == [False, True, True, True, True]  # fold 0 fast; fold 1 singular, and every later fold
        # with threads fold 4 may have been tried on the fast path before fold 1 was known to need the SVD
        # path: then it is redone (the result is the same either way)
        assert 5 <= len(paths) <= 6 and paths.count(True) >= 4
        with pytest.raises(ValueError, match="n_jobs must be >= 1"):
            A.cv_retrieval(X, Y, n_jobs=0)

    def test_ill_conditioned_fold_takes_the_svd_path(self, monkeypatch):
        from repalign.alignment import fold_maps

        X, Y, _ = _planted(n=100, dx=8, dy=6, noise=0.3)
        Y = np.hstack([Y, Y[:, :3]])  # X.T @ Y (8 x 9) has rank 6: the eigen-route is refused
        tr, te = np.arange(20, 100), np.arange(20)
        Xc, Yc, Xq = X[tr] - X[tr].mean(0), Y[tr] - Y[tr].mean(0), X[te] - X[tr].mean(0)
        assert fold_maps._fast_queries(Xc, Yc, Xq, [slice(None)], "pad") is None
        assert fold_maps._fast_queries(Xc, Yc[:, :6], Xq, [slice(None)], "pad") is not None
        fast = A.cv_retrieval(X, Y, ks=(1, 5), dim_match="pad")
        monkeypatch.setattr(fold_maps, "_RCOND", np.inf)
        _same_result(fast, A.cv_retrieval(X, Y, ks=(1, 5), dim_match="pad"))
        assert fast.precision[1] > 0.8

    @pytest.mark.parametrize("dim_match", ["pca", "pad"])
    @pytest.mark.parametrize("offset", [0.0, 50.0])  # centred data, or far from the origin (normalize=False)
    @pytest.mark.parametrize("candidates", ["test", "all"])
    def test_shared_products_equal_the_svd_path(self, monkeypatch, dim_match, offset, candidates):
        """More features than training items, as in the issue-20 benchmark: X's PCA axes from the Gram
        matrix of all items, an ill-conditioned square map (QR-corrected), the cross-covariance of all
        items minus the test rows; large means must not cancel digits."""
        from repalign.alignment import fold_maps

        rng = np.random.default_rng(7)
        z = rng.normal(size=(100, 6))
        X = z @ rng.normal(size=(6, 120)) + 2.0 * rng.normal(size=(100, 120)) + offset
        Y = z @ rng.normal(size=(6, 70)) + 2.0 * rng.normal(size=(100, 70)) - offset
        kw = dict(ks=(1, 5), dim_match=dim_match, seed=1, candidates=candidates, normalize=offset == 0)
        calls = []
        monkeypatch.setattr(fold_maps, "_procrustes", lambda *a: calls.append(1) or _procrustes(*a))
        fast = A.cv_retrieval(X, Y, rule="csls", **kw)
        assert not calls  # every fold took the fast path
        monkeypatch.setattr(fold_maps, "_RCOND", np.inf)
        _same_result(fast, A.cv_retrieval(X, Y, rule="csls", **kw))
        assert len(calls) == 10

    @pytest.mark.parametrize(("n", "p", "d"), [(60, 90, 50), (40, 100, 39), (80, 30, 29)])
    def test_gram_basis_spans_the_top_principal_subspace(self, n, p, d):
        """The basis from the bottom eigenpairs only equals the top-d eigenvectors of the Gram matrix up to a
        rotation: same projector, same principal coordinates (T L)(T L).T = U_d s_d**2 U_d.T, orthonormal axes."""
        from scipy.linalg import eigh

        from repalign.alignment.fold_maps import _basis_t_times, _gram_basis, _times_basis

        rng = np.random.default_rng(n + p + d)
        A0 = rng.normal(size=(n, 5)) @ rng.normal(size=(5, p)) + 0.3 * rng.normal(size=(n, p)) + 4.0
        A0 -= A0.mean(0)
        G = A0 @ A0.T
        w, U = eigh(G)
        Ud, wd = U[:, ::-1][:, :d], w[::-1][:d]
        basis = _gram_basis(A0, d)
        for given in (None, G):
            got = _gram_basis(A0, d, given)
            for a, b in zip(got, basis):
                np.testing.assert_array_equal(a, b)
        V, C, L = basis
        T = _times_basis(np.eye(n), basis)
        assert T.shape == (n, d) and V.shape == (n, n - d) and np.allclose(np.triu(L, 1), 0)
        np.testing.assert_allclose(T.T @ T, np.eye(d), atol=1e-13)
        np.testing.assert_allclose(T @ T.T, Ud @ Ud.T, atol=1e-11)  # the same subspace
        np.testing.assert_allclose(L @ L.T, T.T @ G @ T, atol=1e-11 * w[-1])
        np.testing.assert_allclose((T @ L) @ (T @ L).T, (Ud * wd) @ Ud.T, atol=1e-11 * w[-1])
        P = A0.T @ T @ np.linalg.inv(L).T  # the principal axes, up to a rotation: orthonormal
        np.testing.assert_allclose(P.T @ P, np.eye(d), atol=1e-10)
        np.testing.assert_allclose(A0 @ P, T @ L, atol=1e-10 * np.sqrt(w[-1]))
        Z = rng.normal(size=(7, n))
        np.testing.assert_allclose(_times_basis(Z, basis), Z @ T, atol=1e-12)
        np.testing.assert_allclose(_basis_t_times(basis, Z.T), T.T @ Z.T, atol=1e-12)

    def test_gram_basis_refuses_ill_conditioned_subspaces(self):
        from repalign.alignment.fold_maps import _gram_basis

        rng = np.random.default_rng(4)
        A0 = rng.normal(size=(30, 8)) @ rng.normal(size=(8, 40))  # rank 8 (centred: 7 or 8)
        A0 -= A0.mean(0)
        assert _gram_basis(A0, 20) is None  # kept eigenvalues are zero
        assert _gram_basis(A0, 7) is not None
        s = np.ones(29)  # a tie between the last kept and the first dropped eigenvalue
        Q = np.linalg.qr(np.hstack([np.ones((30, 1)), rng.normal(size=(30, 29))]))[0][:, 1:]
        assert _gram_basis(Q * s, 20) is None
        assert _gram_basis(np.zeros((10, 5)), 4) is None

    @pytest.mark.parametrize(("dx", "dy", "n"), [(12, 30, 150), (30, 12, 150), (50, 45, 40), (45, 50, 40)])
    @pytest.mark.parametrize("baselines", [False, True])
    def test_reduced_sides_take_the_fast_path(self, monkeypatch, dx, dy, n, baselines):
        """X reduced, Y reduced (back-projection through Y's basis), or both (to n_train - 1): every fold
        takes the fast path and gives the SVD path's ranks, top lists and P@k."""
        from repalign.alignment import fold_maps

        rng = np.random.default_rng(dx * dy + n)
        z = rng.normal(size=(n, 4))
        X = z @ rng.normal(size=(4, dx)) + 0.8 * rng.normal(size=(n, dx))
        Y = z @ rng.normal(size=(4, dy)) + 0.8 * rng.normal(size=(n, dy))
        kw = dict(ks=(1, 3, 5), seed=5, baselines=baselines)
        calls = []
        monkeypatch.setattr(fold_maps, "_procrustes", lambda *a: calls.append(1) or _procrustes(*a))
        fast = A.cv_retrieval(X, Y, **kw)
        assert not calls
        monkeypatch.setattr(fold_maps, "_RCOND", np.inf)
        _same_result(fast, A.cv_retrieval(X, Y, **kw))
        assert len(calls) == (10 if baselines else 5)

    def test_square_polar_of_an_ill_conditioned_matrix(self):
        from repalign.alignment.orthogonal import _square_polar

        rng = np.random.default_rng(3)
        U, V = A.random_orthogonal(60, 60, seed=1), A.random_orthogonal(60, 60, seed=2)
        M = (U * np.logspace(0, -5, 60)) @ V.T  # condition number 1e5: the eigen-route is off by ~1e-7
        Z = rng.normal(size=(9, 60))
        np.testing.assert_allclose(_square_polar(M, Z, 1e-8), Z @ U @ V.T, atol=1e-10)
        assert _square_polar(M, Z, 1e-4) is None  # relative singular value below rcond
        assert _square_polar((U * np.logspace(0, -7, 60)) @ V.T, Z, 1e-8) is None  # correction too large
        M[:, 0] = M[:, 1]  # singular: the SVD path decides
        assert _square_polar(M, Z, 1e-8) is None

    @pytest.mark.parametrize(("dx", "dy"), [(40, 25), (25, 25), (25, 40)])
    def test_random_orthogonal_baseline_unchanged(self, dx, dy):
        from repalign.alignment.orthogonal import _times_random_orthogonal

        Z = np.random.default_rng(0).normal(size=(7, dx))
        rng_a, rng_b = np.random.default_rng(4), np.random.default_rng(4)
        np.testing.assert_allclose(
            _times_random_orthogonal(Z, dy, rng_a), Z @ A.random_orthogonal(dx, dy, seed=rng_b), atol=1e-13
        )
        assert rng_a.integers(1 << 30) == rng_b.integers(1 << 30)  # the same draws
