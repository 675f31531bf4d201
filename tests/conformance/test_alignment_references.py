"""Conformance of the alignment measures with platonic-rep and netrep (issue 17).

Neither peer is on PyPI, so each is re-implemented here from its paper's formula (and the peers'
published code, whose structure these follow), in plain numpy and independently of the library:

- platonic-rep (Huh et al. 2024, ``metrics.py``): ``hsic_biased`` (Gretton et al. 2005:
  ``tr(K H L H) / (n-1)^2``), ``hsic_unbiased`` (Song et al. 2012, eq. 5), ``cka`` (biased and
  unbiased), ``mutual_knn`` and ``cknna`` on L2-normalised features (platonic-rep normalises the
  features before its metrics). Platonic-rep adds 1e-6 to CKNNA's denominator; the reference here
  does not (it is not part of the definition).
- SVCCA (Raghu et al. 2017): SVD keeping 99 % of the variance, then CCA from covariances,
  ``svd(Sxx^-1/2 Sxy Syy^-1/2)``, averaged.
- netrep (Williams et al. 2021): ``LinearMetric(alpha=1, center_columns=True, score_method="angular")``:
  centre, whiten with alpha=1 (nothing), zero-pad to the same width, scale to unit Frobenius norm,
  fit the rotation by ``scipy.linalg.orthogonal_procrustes``, angle ``arccos(<X R, Y>)``; and the
  Procrustes (Frechet) mean of many spaces by netrep's iterated averaging.

Checked on random data and on the real 92-object data (rows of the mean behavioural and human IT
RDMs used as feature vectors). The maximum differences measured are printed by ``-s``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import orthogonal_procrustes

from repalign import alignment as A


# --------------------------------------------------------------------------------------------
# reference implementations
def ref_hsic_biased(K, L):
    n = K.shape[0]
    H = np.eye(n) - 1 / n
    return np.trace(K @ H @ L @ H) / (n - 1) ** 2


def ref_hsic_unbiased(K, L):
    """Song et al. (2012), eq. 5 (platonic-rep's ``hsic_unbiased``)."""
    m = K.shape[0]
    Kt, Lt = K.copy(), L.copy()
    np.fill_diagonal(Kt, 0.0)
    np.fill_diagonal(Lt, 0.0)
    value = np.sum(Kt * Lt) + Kt.sum() * Lt.sum() / ((m - 1) * (m - 2)) - 2 * np.sum(Kt @ Lt) / (m - 2)
    return value / (m * (m - 3))


def ref_cka(X, Y, unbiased=False):
    K, L = X @ X.T, Y @ Y.T
    h = ref_hsic_unbiased if unbiased else ref_hsic_biased
    return h(K, L) / np.sqrt(h(K, K) * h(L, L))


def _normalise(X):
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def _knn_mask(K, k):
    Kh = K.copy()
    np.fill_diagonal(Kh, -1e8)
    idx = np.argsort(-Kh, axis=1)[:, :k]
    mask = np.zeros_like(K)
    np.put_along_axis(mask, idx, 1.0, axis=1)
    return mask


def ref_mutual_knn(X, Y, k):
    ma, mb = _knn_mask(_normalise(X) @ _normalise(X).T, k), _knn_mask(_normalise(Y) @ _normalise(Y).T, k)
    return np.mean((ma * mb).sum(1) / k)


def ref_cknna(X, Y, k):
    Xn, Yn = _normalise(X), _normalise(Y)
    K, L = Xn @ Xn.T, Yn @ Yn.T

    def sim(K, L):
        mask = _knn_mask(K, k) * _knn_mask(L, k)
        return ref_hsic_unbiased(mask * K, mask * L)

    return sim(K, L) / np.sqrt(sim(K, K) * sim(L, L))


def ref_svcca(X, Y, keep=0.99):
    def reduce(F):
        F = F - F.mean(0)
        u, s, _ = np.linalg.svd(F, full_matrices=False)
        frac = np.cumsum(s**2) / np.sum(s**2)
        d = int(np.argmax(frac >= keep - 1e-12)) + 1
        return u[:, :d] * s[:d]

    def inv_sqrt(S):
        w, v = np.linalg.eigh(S)
        return v @ np.diag(w**-0.5) @ v.T

    a, b = reduce(X), reduce(Y)
    n = a.shape[0]
    Sxx, Syy, Sxy = a.T @ a / (n - 1), b.T @ b / (n - 1), a.T @ b / (n - 1)
    rho = np.linalg.svd(inv_sqrt(Sxx) @ Sxy @ inv_sqrt(Syy), compute_uv=False)
    return float(np.mean(rho[: min(a.shape[1], b.shape[1])]))


def _netrep_prepare(X, width):
    X = X - X.mean(0)
    X = np.pad(X, ((0, 0), (0, width - X.shape[1])))
    return X / np.linalg.norm(X)


def ref_angular_procrustes(X, Y):
    w = max(X.shape[1], Y.shape[1])
    Xp, Yp = _netrep_prepare(X, w), _netrep_prepare(Y, w)
    R, _ = orthogonal_procrustes(Xp, Yp)
    return float(np.arccos(np.clip(np.sum((Xp @ R) * Yp), -1, 1)))


def ref_netrep_barycenter(Xs, n_iter=1500, seed=0):
    """netrep's Procrustes average: iterated running mean of each space rotated onto the current mean."""
    rng = np.random.default_rng(seed)
    Zs = [_netrep_prepare(X, X.shape[1]) for X in Xs]
    bar = Zs[0].copy()
    for it in range(n_iter):
        for i in rng.permutation(len(Zs)):
            R, _ = orthogonal_procrustes(Zs[i], bar)
            bar = bar + (Zs[i] @ R - bar) / (it * len(Zs) + 2)
    return bar


# --------------------------------------------------------------------------------------------
# data
def _random_pairs():
    rng = np.random.default_rng(2025)
    out = []
    for n, dx, dy in [(40, 12, 9), (60, 200, 30), (80, 20, 150)]:
        X = rng.normal(size=(n, dx))
        Y = X @ rng.normal(size=(dx, dy)) / np.sqrt(dx) + rng.normal(size=(n, dy))
        out.append((X, Y))
    return out


@pytest.fixture(scope="module")
def pairs():
    from repalign.datasets import load_kriegeskorte92

    k92 = load_kriegeskorte92()
    real = (k92.behaviour.mean(0), k92.hit.mean(0))  # rows of the mean RDMs as feature vectors (92 x 92)
    return [*_random_pairs(), real]


MAXDIFF: dict = {}


def _check(name, got, want, tol=1e-10):
    diff = abs(got - want)
    MAXDIFF[name] = max(MAXDIFF.get(name, 0.0), diff)
    assert diff < tol, f"{name}: {got} vs reference {want}"


# --------------------------------------------------------------------------------------------
# tests
def test_linear_cka_equals_platonic_biased_cka(pairs):
    for X, Y in pairs:
        _check("linear_cka vs platonic-rep cka", A.linear_cka(X, Y), ref_cka(X, Y))
        _check("alignment_score cka vs platonic-rep cka", A.alignment_score(X, Y, measure="cka"), ref_cka(X, Y))


def test_unbiased_cka_equals_song_et_al_eq5(pairs):
    for X, Y in pairs:
        want = ref_cka(X, Y, unbiased=True)
        _check("unbiased_cka vs platonic-rep unbiased_cka", A.unbiased_cka(X, Y), want)
        _check("unbiased_cka via alignment_score", A.alignment_score(X, Y, measure="unbiased_cka"), want)


@pytest.mark.parametrize("k", [5, 10])
def test_mutual_knn_and_cknna_equal_platonic_rep(pairs, k):
    for X, Y in pairs:
        _check("mutual_knn vs platonic-rep mutual_knn", A.mutual_knn(X, Y, k=k), ref_mutual_knn(X, Y, k))
        _check("cknna vs platonic-rep cknna (no 1e-6)", A.cknna(X, Y, k=k), ref_cknna(X, Y, k))
        _check("cknna via alignment_score", A.alignment_score(X, Y, measure="cknna", k=k), ref_cknna(X, Y, k))


def test_svcca_equals_raghu_et_al(pairs):
    for X, Y in pairs[:1] + pairs[-1:]:  # keep (kx + ky) < n so that the covariance form is well conditioned
        _check("svcca vs SVD(99%) + covariance CCA", A.svcca(X, Y), ref_svcca(X, Y), tol=1e-8)
        _check("svcca via alignment_score", A.alignment_score(X, Y, measure="svcca"), ref_svcca(X, Y), tol=1e-8)


def test_angular_procrustes_equals_netrep(pairs):
    for X, Y in pairs:
        want = ref_angular_procrustes(X, Y)
        _check("procrustes_distance vs netrep angular", A.procrustes_distance(X, Y), want)
        _check("procrustes_distance via alignment_score", A.alignment_score(X, Y, measure="procrustes_distance"), want)


def test_generalized_procrustes_barycenter_equals_netrep_frechet_mean():
    rng = np.random.default_rng(7)
    base = rng.normal(size=(30, 4))
    Xs = [base @ np.linalg.qr(rng.normal(size=(4, 4)))[0] + 0.3 * rng.normal(size=(30, 4)) for _ in range(4)]
    r = A.generalized_procrustes(Xs, n_components=4, tol=1e-14, n_iter=5000)
    ref = ref_netrep_barycenter(Xs)
    R, _ = orthogonal_procrustes(ref, r.barycenter)  # the barycenter is defined up to a rotation
    # netrep's running mean is a stochastic approximation: agreement is to its convergence, not to rounding
    diff = float(np.abs(ref @ R - r.barycenter).max())
    MAXDIFF["GPA barycenter vs netrep Procrustes average"] = diff
    assert diff < 1e-3


def test_print_table():
    print("\nmeasure | reference | max abs difference")
    for name, d in sorted(MAXDIFF.items()):
        print(f"{name} | {d:.2e}")
