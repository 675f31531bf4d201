"""The alignment measures of platonic-rep and netrep: unbiased CKA, CKNNA, SVCCA and the angular Procrustes distance.

Each measure is written as a per-space *state* (computed once per space and item set) and a score of
two states, so that layer sweeps, bootstraps and permutation nulls (:mod:`~repalign.alignment.measures`,
:mod:`~repalign.alignment.calibration`) reuse the per-space work. The public functions score two spaces.
"""

from __future__ import annotations

import numpy as np

from repalign.alignment.orthogonal import _check_nonzero_rows, _check_pair, _unit_rows
from repalign.core.validation import check_int

__all__ = ["cknna", "procrustes_distance", "svcca", "unbiased_cka"]


# --------------------------------------------------------------------------------------------
# unbiased (debiased) HSIC and CKA: Song et al. 2012, eq. 5; the U-centring of Szekely & Rizzo 2014
def _u_center(K: np.ndarray) -> np.ndarray:
    """U-centred copy of a square matrix (zero diagonal).

    For ``i != j``: ``K_ij - r_i/(n-2) - r_j/(n-2) + t/((n-1)(n-2))`` with ``r`` the row sums and ``t``
    the total of ``K`` with its diagonal set to zero. The inner product of two U-centred matrices over
    ``n(n-3)`` is Song et al.'s unbiased HSIC estimator.
    """
    n = K.shape[0]
    K = K.copy()
    np.fill_diagonal(K, 0.0)
    r = K.sum(1)
    U = K - r[:, None] / (n - 2) - r[None, :] / (n - 2) + r.sum() / ((n - 1) * (n - 2))
    np.fill_diagonal(U, 0.0)
    return U


def _hsic_unbiased(K: np.ndarray, L: np.ndarray) -> float:
    """Song et al.'s unbiased HSIC (eq. 5), as written (it also serves CKNNA's non-symmetric masked kernels).

    ``[tr(Kt Lt) + 1'Kt1 1'Lt1 / ((n-1)(n-2)) - 2 1'Kt Lt1 / (n-2)] / (n(n-3))`` with ``Kt``, ``Lt`` the
    kernels with zero diagonals; ``tr(Kt Lt)`` is taken as the elementwise sum ``sum(Kt * Lt)``, as
    platonic-rep does (equal for symmetric kernels).
    """
    n = K.shape[0]
    Kt, Lt = K.copy(), L.copy()
    np.fill_diagonal(Kt, 0.0)
    np.fill_diagonal(Lt, 0.0)
    value = np.sum(Kt * Lt) + Kt.sum() * Lt.sum() / ((n - 1) * (n - 2)) - 2.0 * (Kt.sum(0) @ Lt.sum(1)) / (n - 2)
    return float(value / (n * (n - 3)))


def unbiased_cka(X, Y) -> float:
    """Unbiased (debiased) linear CKA: CKA with Song et al.'s unbiased HSIC estimator.

    ``HSIC_u(K, L) / sqrt(HSIC_u(K, K) HSIC_u(L, L))`` with linear kernels ``K = X X.T`` and
    ``L = Y Y.T`` and ``HSIC_u`` the unbiased estimator of Song et al. (2012, eq. 5), computed as
    the inner product of the U-centred kernels (platonic-rep's ``"unbiased_cka"``; Nguyen et al.
    2021 and Murphy et al. 2024 for its use with CKA). Unlike :func:`~repalign.alignment.linear_cka`,
    whose plug-in estimate is biased upwards when the width is large relative to the number of items,
    its expected value between independent spaces is about 0. It can be slightly negative.

    Parameters
    ----------
    X, Y : array-like, shapes (n, dx) and (n, dy)
        Two representations of the same ``n >= 4`` items.

    Returns
    -------
    float
    """
    X, Y = _check_pair(X, Y, min_rows=4)
    return _score_unbiased_cka(_state_unbiased_cka(X @ X.T, "X"), _state_unbiased_cka(Y @ Y.T, "Y"))


def _state_unbiased_cka(K: np.ndarray, name: str = "X") -> np.ndarray:
    """The U-centred kernel over its Frobenius norm (``ValueError`` if it is zero)."""
    U = _u_center(K)
    norm = np.linalg.norm(U)
    if norm == 0:
        raise ValueError(f"{name} has no variation between items: unbiased CKA is undefined")
    return U / norm


def _score_unbiased_cka(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sum(a * b))


# --------------------------------------------------------------------------------------------
# CKNNA: Huh et al. 2024 (platonic-rep's "cknna"): unbiased HSIC restricted to mutual k-NN pairs
def _knn_mask(K: np.ndarray, k: int, exclude=None) -> np.ndarray:
    """Indicator (n, n) of each row's ``k`` largest off-diagonal entries (``exclude``: more entries to skip)."""
    n = K.shape[0]
    Kh = K.copy()
    np.fill_diagonal(Kh, -np.inf)
    if exclude is not None:
        Kh[exclude] = -np.inf
    nn = np.argsort(-Kh, axis=1, kind="stable")[:, :k]
    mask = np.zeros((n, n))
    mask[np.arange(n)[:, None], nn] = 1.0
    return mask


def _state_cknna(K: np.ndarray, k: int, exclude=None, name: str = "X"):
    mask = _knn_mask(K, k, exclude)
    self_sim = _hsic_unbiased(mask * K, mask * K)
    if not self_sim > 0:
        raise ValueError(f"{name} gives a non-positive CKNNA self-similarity ({self_sim:.3g}): CKNNA is undefined")
    return K, mask, self_sim


def _score_cknna(a, b) -> float:
    (K, mk, sk), (L, ml, sl) = a, b
    mask = mk * ml
    return _hsic_unbiased(mask * K, mask * L) / np.sqrt(sk * sl)


def cknna(X, Y, *, k: int = 10) -> float:
    """Centred kernel nearest-neighbour alignment (CKNNA; Huh et al. 2024, platonic-rep's ``"cknna"``).

    CKA restricted to the pairs of items that are mutual neighbours: with ``K`` and ``L`` the
    cosine-similarity kernels (rows scaled to unit length, as platonic-rep normalises features before
    its metrics), ``M_K`` and ``M_L`` the indicators of each item's ``k`` nearest other items, and
    ``M = M_K * M_L``::

        CKNNA = HSIC_u(M K, M L) / sqrt(HSIC_u(M_K K, M_K K) HSIC_u(M_L L, M_L L))

    with ``HSIC_u`` the unbiased estimator (Song et al. 2012). Platonic-rep adds ``1e-6`` to the
    denominator; this function does not.

    Parameters
    ----------
    X, Y : array-like, shapes (n, dx) and (n, dy)
        Two representations of the same ``n >= 4`` items (no all-zero rows).
    k : int
        Neighbours per item (``1 <= k <= n - 1``).

    Returns
    -------
    float
    """
    X, Y = _check_pair(X, Y, min_rows=4)
    _check_nonzero_rows(X, "X"), _check_nonzero_rows(Y, "Y")
    k = check_int(k, "k", minimum=1, maximum=X.shape[0] - 1)
    Xu, Yu = _unit_rows(X), _unit_rows(Y)
    return _score_cknna(_state_cknna(Xu @ Xu.T, k, name="X"), _state_cknna(Yu @ Yu.T, k, name="Y"))


# --------------------------------------------------------------------------------------------
# SVCCA: Raghu et al. 2017
def _svd_reduce(F: np.ndarray, variance: float, n_components, name: str = "X") -> np.ndarray:
    """Centred ``F`` projected on its top singular directions (``U_k S_k``): ``n_components`` or ``variance``."""
    F = F - F.mean(0)
    u, s, _ = np.linalg.svd(F, full_matrices=False)
    s = s[s > s[0] * max(F.shape) * np.finfo(float).eps] if s.size and s[0] > 0 else s[:0]
    if s.size == 0:
        raise ValueError(f"{name} is constant across items: SVCCA is undefined")
    if n_components is None:
        keep = int(np.searchsorted(np.cumsum(s**2) / np.sum(s**2), variance - 1e-12) + 1)
    else:
        keep = min(n_components, s.size)
    return u[:, :keep] * s[:keep]


def _orth_basis(R: np.ndarray) -> np.ndarray:
    """Orthonormal basis of the column space of the centred ``R`` (numerical rank)."""
    R = R - R.mean(0)
    u, s, _ = np.linalg.svd(R, full_matrices=False)
    tol = s[0] * max(R.shape) * np.finfo(float).eps if s.size else 0.0
    return u[:, s > tol]


def _score_svcca(a: np.ndarray, b: np.ndarray) -> float:
    rho = np.linalg.svd(a.T @ b, compute_uv=False)
    return float(np.mean(np.clip(rho[: min(a.shape[1], b.shape[1])], 0.0, 1.0)))


def svcca(X, Y, *, variance: float = 0.99, n_components: int | None = None) -> float:
    """Singular vector canonical correlation analysis (SVCCA; Raghu et al. 2017).

    Each side is centred and reduced by SVD to the top directions that keep ``variance`` of its
    variance (or to ``n_components`` directions); the score is the mean of the ``min(kx, ky)``
    canonical correlations between the two reduced spaces (the singular values of ``Qx.T Qy`` with
    ``Q`` orthonormal bases of the reduced data). Invariant to invertible linear maps of the kept
    subspaces; when ``kx + ky`` approaches ``n`` the canonical correlations approach 1 whatever the
    data (calibrate it: :func:`~repalign.alignment.calibrated_score`).

    Parameters
    ----------
    X, Y : array-like, shapes (n, dx) and (n, dy)
        Two representations of the same ``n >= 4`` items.
    variance : float
        Share of each side's variance the kept directions must explain (``0 < variance <= 1``).
    n_components : int or None
        Keep this many directions per side instead (at most the rank).

    Returns
    -------
    float
        In ``[0, 1]``.
    """
    X, Y = _check_pair(X, Y, min_rows=4)
    if isinstance(variance, bool) or not isinstance(variance, (int, float, np.integer, np.floating)):
        raise TypeError(f"variance must be a number in (0, 1]; got {type(variance).__name__}")
    if not 0 < variance <= 1:
        raise ValueError(f"variance must be in (0, 1]; got {variance}")
    if n_components is not None:
        n_components = check_int(n_components, "n_components", minimum=1)
    a = _orth_basis(_svd_reduce(X, variance, n_components, "X"))
    b = _orth_basis(_svd_reduce(Y, variance, n_components, "Y"))
    return _score_svcca(a, b)


# --------------------------------------------------------------------------------------------
# angular Procrustes shape distance: Williams et al. 2021 (netrep's LinearMetric(alpha=1), "angular")
def _state_procrustes(F: np.ndarray, name: str = "X") -> np.ndarray:
    """Centred ``F`` at unit Frobenius norm, in the coordinates of its row space (``U S``: same nuclear norms)."""
    F = F - F.mean(0)
    norm = np.linalg.norm(F)
    if norm == 0:
        raise ValueError(f"{name} is constant across items: the Procrustes distance is undefined")
    F = F / norm
    if F.shape[1] <= F.shape[0]:
        return F
    u, s, _ = np.linalg.svd(F, full_matrices=False)
    return u * s


def _score_procrustes(a: np.ndarray, b: np.ndarray) -> float:
    nuc = np.linalg.svd(a.T @ b, compute_uv=False).sum()
    return float(np.arccos(np.clip(nuc, -1.0, 1.0)))


def procrustes_distance(X, Y) -> float:
    """Angular Procrustes shape distance (Williams et al. 2021; netrep's ``LinearMetric(alpha=1)``, angular score).

    Both sides are centred and scaled to unit Frobenius norm (``Xn``, ``Yn``); the distance is
    ``arccos(||Xn.T Yn||_*)``, the angle between the two shapes after the best rotation (the nuclear
    norm is the Procrustes fit; different widths are zero-padded, which leaves it unchanged). A
    *distance*: 0 for spaces equal up to rotation, translation and isotropic scale; at most ``pi/2``.
    It satisfies the triangle inequality.

    Parameters
    ----------
    X, Y : array-like, shapes (n, dx) and (n, dy)
        Two representations of the same ``n >= 4`` items.

    Returns
    -------
    float
        In ``[0, pi / 2]`` (radians).
    """
    X, Y = _check_pair(X, Y, min_rows=4)
    return _score_procrustes(_state_procrustes(X, "X"), _state_procrustes(Y, "Y"))
