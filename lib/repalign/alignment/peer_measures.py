"""The alignment measures of platonic-rep and netrep: unbiased CKA, CKNNA, SVCCA and the angular Procrustes distance.

Each measure is written as a per-space *state* (computed once per space and item set) and a score of
two states, so that layer sweeps, bootstraps and permutation nulls (:mod:`~repalign.alignment.measures`,
:mod:`~repalign.alignment.calibration`) reuse the per-space work. The public functions score two spaces.
"""

from __future__ import annotations

import functools

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
def _knn_cols(K: np.ndarray, k: int, exclude=None) -> np.ndarray:
    """Columns (n, k), ascending per row, of each row's ``k`` largest off-diagonal entries (``exclude``: more to skip).

    The set a stable ``argsort`` of ``-K`` row by row would pick (ties go to the lower column), found
    with a partition.
    """
    neg = -K
    np.fill_diagonal(neg, np.inf)
    if exclude is not None:
        neg[exclude] = np.inf
    cols = np.argpartition(neg, k - 1, axis=1)[:, :k]
    kth = np.take_along_axis(neg, cols, axis=1).max(1, keepdims=True)
    tied = np.flatnonzero(np.count_nonzero(neg <= kth, axis=1) > k)  # rows whose k-th value is tied
    if tied.size:  # all entries below the k-th value, then the tied ones by column
        sub, at = neg[tied], kth[tied]
        below, equal = sub < at, sub == at
        take = below | (equal & (np.cumsum(equal, axis=1) <= k - below.sum(1, keepdims=True)))
        cols[tied] = np.nonzero(take)[1].reshape(-1, k)
    return np.sort(cols, axis=1)


def _add_in_order(out: np.ndarray, keys: np.ndarray, vals: np.ndarray) -> None:
    """``out[key] += val`` for every entry in turn (entries sharing a key are added in their order)."""
    if keys.size == 0:
        return
    order = np.argsort(keys, kind="stable")
    keys, vals = keys[order], vals[order]
    pos = np.arange(keys.size)
    rank = pos - np.maximum.accumulate(np.where(np.r_[True, keys[1:] != keys[:-1]], pos, 0))
    for r in range(int(rank.max()) + 1):
        at = rank == r
        out[keys[at]] += vals[at]


_PW_BLOCK = 128  # numpy's PW_BLOCKSIZE: a block of its pairwise summation is summed by 8 interleaved accumulators


@functools.lru_cache(maxsize=32)
def _pairwise_plan(size: int):
    """The tree of numpy's pairwise summation of ``size`` contiguous numbers.

    Returns the leaves' starts and unrolled lengths (summed by 8 interleaved accumulators; the rest
    is added one by one), the merges height by height as ``(parent, left, right)`` node indices
    (leaves first), the root's index and the number of nodes.
    """
    starts, unrolled = [], []

    def build(start, n):
        if n <= _PW_BLOCK:
            starts.append(start)
            unrolled.append(n - n % 8 if n >= 8 else 0)
            return len(starts) - 1
        half = n // 2 - (n // 2) % 8
        return build(start, half), build(start + half, n - half)

    tree = build(0, size)
    levels, count = {}, [len(starts)]

    def number(node):
        if not isinstance(node, tuple):
            return node, 0
        (left, hl), (right, hr) = number(node[0]), number(node[1])
        count[0] += 1
        levels.setdefault(max(hl, hr) + 1, []).append((count[0] - 1, left, right))
        return count[0] - 1, max(hl, hr) + 1

    root, height = number(tree)
    merges = [tuple(np.array(c, dtype=np.intp) for c in zip(*levels[h])) for h in range(1, height + 1)]
    return np.array(starts), np.array(unrolled), merges, root, count[0]


def _sparse_sums(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n_rows: int, size: int) -> np.ndarray:
    """``A.sum(axis=1)`` of the C-ordered (n_rows, size) ``A`` holding ``vals`` at ``(rows, cols)``, zeros elsewhere.

    Bit for bit what numpy returns for the dense ``A``: its pairwise summation is replayed on the
    non-zero entries (adding a zero is exact). Entries must be distinct, those of a row in column order.
    """
    starts, unrolled, merges, root, n_nodes = _pairwise_plan(size)
    n_leaves = starts.size
    leaf = np.searchsorted(starts, cols, side="right") - 1
    offset = cols - starts[leaf]
    cells, cell = np.unique(rows * n_leaves + leaf, return_inverse=True)  # the leaves that hold entries
    lane = offset < unrolled[leaf]
    acc = np.zeros((cells.size, 8))
    _add_in_order(acc.reshape(-1), cell[lane] * 8 + offset[lane] % 8, vals[lane])
    sums = ((acc[:, 0] + acc[:, 1]) + (acc[:, 2] + acc[:, 3])) + ((acc[:, 4] + acc[:, 5]) + (acc[:, 6] + acc[:, 7]))
    _add_in_order(sums, cell[~lane], vals[~lane])
    nodes = np.zeros((n_nodes, n_rows))
    nodes[cells % n_leaves, cells // n_leaves] = sums
    for parent, left, right in merges:
        nodes[parent] = nodes[left] + nodes[right]
    return 0.0 + nodes[root]


def _hsic_groups(group, rows, cols, kv, lv, n: int, n_groups: int) -> np.ndarray:
    """:func:`_hsic_unbiased` of ``n_groups`` pairs of (n, n) kernels, zero but for ``kv`` and ``lv`` at ``(rows, cols)``.

    Bit for bit the dense computation, in time linear in the entries (off-diagonal, distinct within
    a group, sorted by group, then row-major).
    """
    flat, g3 = rows * n + cols, 3 * group
    total = _sparse_sums(
        np.concatenate([g3, g3 + 1, g3 + 2]), np.tile(flat, 3), np.concatenate([kv * lv, kv, lv]), 3 * n_groups, n * n
    ).reshape(n_groups, 3)
    col_k = np.zeros((n_groups, n))
    _add_in_order(col_k.reshape(-1), group * n + cols, kv)  # K.sum(0) adds the rows in turn
    row_l = _sparse_sums(group * n + rows, cols, lv, n_groups * n, n).reshape(n_groups, n)
    dots = np.array([c @ r for c, r in zip(col_k, row_l)])
    value = total[:, 0] + total[:, 1] * total[:, 2] / ((n - 1) * (n - 2)) - 2.0 * dots / (n - 2)
    return value / (n * (n - 3))


def _state_cknna(K: np.ndarray, k: int, exclude=None, name: str = "X"):
    """The kernel, its k-NN indicator (flat, boolean), the CKNNA self-similarity and the k-NN columns (n, k)."""
    n = K.shape[0]
    nn = _knn_cols(K, k, exclude)
    rows, cols = np.repeat(np.arange(n), k), nn.ravel()
    member = np.zeros(n * n, dtype=bool)
    member[rows * n + cols] = True
    rows, cols = rows[rows != cols], cols[rows != cols]
    kv = K[rows, cols]
    self_sim = float(_hsic_groups(np.zeros_like(rows), rows, cols, kv, kv, n, 1)[0])
    if not self_sim > 0:
        raise ValueError(f"{name} gives a non-positive CKNNA self-similarity ({self_sim:.3g}): CKNNA is undefined")
    return K, member, self_sim, nn


def _cknna_pairs(state, perm=None) -> tuple:
    """The k-NN pairs of a CKNNA state with its items reordered by ``perm``.

    Returns their flat (row-major) indices in the reordered items and in the state's own order.
    """
    nn = state[3]
    n, k = nn.shape
    rows = np.repeat(np.arange(n), k)
    if perm is None:
        flat = rows * n + nn.ravel()
        return flat, flat
    inv = np.empty(n, dtype=np.intp)
    inv[perm] = np.arange(n)
    moved = nn[perm]
    return rows * n + inv[moved].ravel(), np.repeat(perm, k) * n + moved.ravel()


def _cknna_grid(A: list, B: list, perm=None) -> np.ndarray:
    """CKNNA of every state of ``A`` with every state of ``B``, whose items are reordered by ``perm`` if given.

    ``None`` states score NaN. All pairs are scored together, on their mutual neighbours only.
    """
    out = np.full((len(A), len(B)), np.nan)
    ia = [i for i, a in enumerate(A) if a is not None]
    ib = [j for j, b in enumerate(B) if b is not None]
    if not ia or not ib:
        return out
    n, nb = A[ia[0]][0].shape[0], len(ib)
    flat, source = (np.stack(x) for x in zip(*(_cknna_pairs(B[j], perm) for j in ib)))  # (nb, n k)
    keep = np.stack([A[i][1] for i in ia])[:, flat] & (flat // n != flat % n)  # mutual neighbours, off the diagonal
    ai, bj, e = np.nonzero(keep)
    group = ai * nb + bj
    order = np.argsort(group * (n * n) + flat[bj, e])  # by pair, then row-major
    group, ai, bj, flat, source = group[order], ai[order], bj[order], flat[bj, e][order], source[bj, e][order]
    kv, lv = np.empty(flat.size), np.empty(flat.size)
    for t, i in enumerate(ia):
        at = ai == t
        kv[at] = A[i][0].reshape(-1)[flat[at]]
    for t, j in enumerate(ib):
        at = bj == t
        lv[at] = B[j][0].reshape(-1)[source[at]]
    hsic = _hsic_groups(group, flat // n, flat % n, kv, lv, n, len(ia) * nb).reshape(len(ia), nb)
    sk = np.array([A[i][2] for i in ia])[:, None]
    sl = np.array([B[j][2] for j in ib])[None, :]
    out[np.ix_(ia, ib)] = hsic / np.sqrt(sk * sl)
    return out


def _score_cknna(a, b) -> float:
    """CKNNA of two states."""
    return _cknna_grid([a], [b])[0, 0]


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
