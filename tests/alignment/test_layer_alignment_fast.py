"""The reuse of per-layer work in layer sweeps, bootstraps and permutation nulls gives the direct computation's numbers.

The permutation nulls reorder each layer's state (Gram matrix, neighbour sets, basis) instead of
recomputing it, and CKNNA scores only the mutual-neighbour entries of its masked kernels, replaying
numpy's summation of the dense matrices. These tests compare them with a direct computation: the
dense formulas, and the public per-pair measures on permuted rows, with the same permutations.
"""

from __future__ import annotations

import numpy as np
import pytest

from repalign import alignment as A

TOL = 1e-12


# --------------------------------------------------------------------------------------------
# the direct, dense CKNNA (platonic-rep's formulas, as written)
def _unit(a):
    norm = np.linalg.norm(a, axis=1, keepdims=True)
    return a / np.where(norm == 0, 1.0, norm)


def _dense_hsic(K, L):
    n = K.shape[0]
    Kt, Lt = K.copy(), L.copy()
    np.fill_diagonal(Kt, 0.0)
    np.fill_diagonal(Lt, 0.0)
    value = np.sum(Kt * Lt) + Kt.sum() * Lt.sum() / ((n - 1) * (n - 2)) - 2.0 * (Kt.sum(0) @ Lt.sum(1)) / (n - 2)
    return float(value / (n * (n - 3)))


def _dense_mask(K, k, exclude=None):
    Kh = K.copy()
    np.fill_diagonal(Kh, -np.inf)
    if exclude is not None:
        Kh[exclude] = -np.inf
    mask = np.zeros(K.shape)
    mask[np.arange(K.shape[0])[:, None], np.argsort(-Kh, axis=1, kind="stable")[:, :k]] = 1.0
    return mask


def _dense_cknna(K, L, k, exclude=None, perm=None):
    """CKNNA of two kernels; with ``perm``, the second kernel and its neighbour mask reordered by it."""
    mk, ml = _dense_mask(K, k, exclude), _dense_mask(L, k, exclude)
    sk, sl = _dense_hsic(mk * K, mk * K), _dense_hsic(ml * L, ml * L)
    if perm is not None:
        L, ml = L[np.ix_(perm, perm)], ml[np.ix_(perm, perm)]
    return _dense_hsic(mk * ml * K, mk * ml * L) / np.sqrt(sk * sl)


def _layers(n=48, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 4))
    vis = {f"v{i}": np.hstack([w * z @ rng.normal(size=(4, d)), rng.normal(size=(n, d))]) for i, (w, d) in
           enumerate(((0.0, 6), (1.0, 30), (3.0, 70)))}  # fmt: skip
    txt = {f"t{j}": np.hstack([w * z @ rng.normal(size=(4, 12)), rng.normal(size=(n, 40))]) for j, w in
           enumerate((0.5, 3.0))}  # fmt: skip
    return vis, txt


def _replayed_permutations(seed, n, n_boot, n_perm):
    """The permutations ``layer_alignment(select_on="half")`` draws: after the split and both bootstraps."""
    rng = np.random.default_rng(seed)
    test_size = n - n // 2
    rng.permutation(n)
    for _ in range(n_boot):
        rng.integers(0, n, n)
    for _ in range(n_boot):
        rng.integers(0, test_size, test_size)
    return [rng.permutation(n) for _ in range(n_perm)]


# --------------------------------------------------------------------------------------------
class TestCknnaMatchesDenseFormulas:
    @pytest.mark.parametrize("n,k", [(4, 1), (9, 2), (17, 4), (60, 5), (130, 10), (300, 10)])
    def test_score_and_permuted_score(self, n, k):
        rng = np.random.default_rng(n)
        X = rng.normal(size=(n, 8))
        Y = X[:, :5] + rng.normal(size=(n, 5))
        K, L = _unit(X) @ _unit(X).T, _unit(Y) @ _unit(Y).T
        assert abs(A.cknna(X, Y, k=k) - _dense_cknna(K, L, k)) <= TOL
        perm = rng.permutation(n)
        c = A.calibrated_score(X, Y, measure="cknna", k=k, n_perm=10, seed=int(n))
        perms = np.random.default_rng(int(n))
        expected = [_dense_cknna(K, L, k, perm=perms.permutation(n)) for _ in range(10)]
        assert np.max(np.abs(c.null - expected)) <= TOL
        assert np.isfinite(_dense_cknna(K, L, k, perm=perm))

    def test_tied_neighbours_go_to_the_lower_index(self):
        rng = np.random.default_rng(1)
        X = np.repeat(rng.normal(size=(15, 6)), 3, axis=0)  # every item three times: tied similarities
        Y = np.round(X[:, :4] + 0.3 * rng.normal(size=(45, 4)), 1)
        K, L = _unit(X) @ _unit(X).T, _unit(Y) @ _unit(Y).T
        for k in (1, 2, 3, 5, 11):
            assert abs(A.cknna(X, Y, k=k) - _dense_cknna(K, L, k)) <= TOL

    def test_bootstrap_leaves_copies_out_as_the_dense_formulas_do(self):
        rng = np.random.default_rng(2)
        X = rng.normal(size=(40, 10))
        Y = X[:, :6] + 0.8 * rng.normal(size=(40, 6))
        b = A.bootstrap_alignment(X, Y, measure="cknna", k=4, n_boot=15, seed=9)
        draws = np.random.default_rng(9)
        K, L = _unit(X) @ _unit(X).T, _unit(Y) @ _unit(Y).T
        for value in b.distribution:
            idx = draws.integers(0, 40, 40)
            copies = (idx[:, None] == idx[None, :]) & ~np.eye(40, dtype=bool)
            sub = np.ix_(idx, idx)
            assert abs(value - _dense_cknna(K[sub], L[sub], 4, copies if copies.any() else None)) <= TOL


# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("measure", A.MEASURES)
def test_layer_null_matches_the_measure_on_permuted_rows(measure):
    vis, txt = _layers()
    n, n_boot, n_perm, k = 48, 10, 12, 3
    r = A.layer_alignment(vis, txt, measure=measure, n_boot=n_boot, n_perm=n_perm, k=k, seed=5, progress=False)
    null = np.empty((n_perm, len(vis), len(txt)))
    for p, perm in enumerate(_replayed_permutations(5, n, n_boot, n_perm)):
        for i, V in enumerate(vis.values()):
            for j, T in enumerate(txt.values()):
                if measure == "cknna":  # the dense formulas with the state's own neighbour masks, reordered
                    null[p, i, j] = _dense_cknna(_unit(V) @ _unit(V).T, _unit(T) @ _unit(T).T, k, perm=perm)
                else:
                    null[p, i, j] = A.alignment_score(V, T[perm], measure=measure, k=k)
    mean = null.mean(0)
    assert np.max(np.abs(r.null_mean - mean)) <= TOL
    perfect = 0.0 if measure in A.DISTANCE_MEASURES else 1.0
    assert np.max(np.abs(r.calibrated - (r.scores - mean) / (perfect - mean))) <= TOL
    sign = -1.0 if measure in A.DISTANCE_MEASURES else 1.0
    np.testing.assert_array_equal(r.p, (1 + np.sum(sign * null >= sign * r.scores - 1e-12, axis=0)) / (n_perm + 1))
    for i, V in enumerate(vis.values()):
        for j, T in enumerate(txt.values()):
            assert abs(r.scores[i, j] - A.alignment_score(V, T, measure=measure, k=k)) <= TOL


@pytest.mark.parametrize("measure", A.MEASURES)
def test_calibrated_null_matches_the_measure_on_permuted_rows(measure):
    vis, txt = _layers(n=36, seed=3)
    X, Y = vis["v2"], txt["t1"]
    c = A.calibrated_score(X, Y, measure=measure, n_perm=15, k=3, seed=11)
    perms = np.random.default_rng(11)
    expected = [A.alignment_score(X, Y[perms.permutation(36)], measure=measure, k=3) for _ in range(15)]
    assert np.max(np.abs(c.null - expected)) <= TOL


def test_layer_sweep_gives_the_same_numbers_when_run_twice():
    vis, txt = _layers(n=40, seed=8)
    for measure in A.MEASURES:
        a, b = (
            A.layer_alignment(vis, txt, measure=measure, n_boot=10, n_perm=10, k=3, seed=1, progress=False)
            for _ in range(2)
        )
        for name in ("scores", "selection_scores", "test_scores", "null_mean", "calibrated", "p"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
