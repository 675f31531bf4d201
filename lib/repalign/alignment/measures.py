"""Alignment measures between two spaces (RSA, linear CKA, mutual k-NN and the peers' measures), with a bootstrap over items."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from repalign.alignment.orthogonal import _check_nonzero_rows, _check_pair, _unit_rows
from repalign.alignment.peer_measures import (
    _cknna_grid,
    _orth_basis,
    _score_cknna,
    _score_procrustes,
    _score_svcca,
    _state_cknna,
    _state_procrustes,
    _svd_reduce,
    _u_center,
)
from repalign.core.intervals import Interval, check_level, percentile_interval
from repalign.core.validation import check_choice, check_int, check_seed

__all__ = [
    "DISTANCE_MEASURES",
    "MEASURES",
    "AlignmentBootstrap",
    "alignment_score",
    "bootstrap_alignment",
    "linear_cka",
    "mutual_knn",
]

#: Alignment measures between two spaces of the same items.
MEASURES = ("rsa", "cka", "mutual_knn", "unbiased_cka", "cknna", "svcca", "procrustes_distance")
#: The measures that are distances (0 = identical shapes, larger = less aligned); the others are similarities.
DISTANCE_MEASURES = ("procrustes_distance",)
_DOT = ("rsa", "cka", "mutual_knn", "unbiased_cka")  # scores are dot products of per-space unit vectors
_PAIR_SCORES = {"cknna": _score_cknna, "svcca": _score_svcca, "procrustes_distance": _score_procrustes}


# --------------------------------------------------------------------------------------------
# map-free alignment scores
def linear_cka(X, Y) -> float:
    """Linear centred kernel alignment (Kornblith et al. 2019).

    ``CKA = ||Yc.T Xc||_F^2 / (||Xc.T Xc||_F ||Yc.T Yc||_F)`` with column-centred ``Xc, Yc``;
    in ``[0, 1]``, invariant to orthogonal transforms and isotropic scaling of either side.

    Parameters
    ----------
    X, Y : array-like, shapes (n, dx) and (n, dy)
        Two representations of the same ``n`` items.

    Returns
    -------
    float
    """
    X, Y = _check_pair(X, Y)
    X, Y = X - X.mean(0), Y - Y.mean(0)
    if X.shape[0] < max(X.shape[1], Y.shape[1]):  # Gram form is cheaper when n < width
        K, L = X @ X.T, Y @ Y.T
        num, den = np.sum(K * L), np.linalg.norm(K) * np.linalg.norm(L)
    else:
        num = np.linalg.norm(Y.T @ X) ** 2
        den = np.linalg.norm(X.T @ X) * np.linalg.norm(Y.T @ Y)
    if den == 0:
        raise ValueError("X or Y is constant across items: CKA is undefined")
    return float(num / den)


def _knn_sets(a: np.ndarray, k: int) -> np.ndarray:
    sim = _unit_rows(a) @ _unit_rows(a).T
    np.fill_diagonal(sim, -np.inf)
    return np.argsort(-sim, axis=1, kind="stable")[:, :k]


def mutual_knn(X, Y, *, k: int = 10) -> float:
    """Mutual k-nearest-neighbour alignment (Huh et al. 2024).

    For each item, its ``k`` nearest other items by cosine in ``X`` and in ``Y``; the score is the
    mean fraction of shared neighbours. Identical spaces give 1; unrelated ones about
    ``k / (n - 1)``.

    Parameters
    ----------
    X, Y : array-like, shapes (n, dx) and (n, dy)
        Two representations of the same ``n`` items (no all-zero rows: they have no cosine).
    k : int
        Neighbours per item (``1 <= k <= n - 1``).

    Returns
    -------
    float
    """
    X, Y = _check_pair(X, Y)
    _check_nonzero_rows(X, "X"), _check_nonzero_rows(Y, "Y")
    k = check_int(k, "k", minimum=1, maximum=X.shape[0] - 1)
    nx, ny = _knn_sets(X, k), _knn_sets(Y, k)
    n = X.shape[0]
    mx = np.zeros((n, n), dtype=bool)
    mx[np.arange(n)[:, None], nx] = True
    return float(mx[np.arange(n)[:, None], ny].sum() / (n * k))


# ============================================================================================
# the resampling engine of layer sweeps and exemplar averaging (chapter 7; He, Trott & Khosla 2025)
def _prepare(F: np.ndarray, measure: str, name: str = "X"):
    """Per-layer data every (re)sample is read from.

    rsa: the condensed correlation-distance RDM, its sort order and its groups of tied values (so
    that any weighting of the pairs can be ranked in linear time); cka, unbiased_cka: the Gram
    matrix; mutual_knn, cknna: the cosine-similarity matrix; svcca: the SVD-reduced data (99 % of
    the variance, reduced once on all items); procrustes_distance: the data.
    """
    if measure == "rsa":
        from scipy.spatial.distance import pdist

        d = pdist(F, "correlation")
        order = np.argsort(d, kind="stable")
        ds = d[order]
        starts = np.flatnonzero(np.r_[True, ds[1:] != ds[:-1]])
        group = np.cumsum(np.r_[True, ds[1:] != ds[:-1]]) - 1  # tie group of each sorted position
        return F.shape[0], order, starts, group
    if measure in ("cka", "unbiased_cka"):
        return F @ F.T
    if measure == "svcca":
        return _svd_reduce(F, 0.99, None, name)
    if measure == "procrustes_distance":
        return F
    _check_nonzero_rows(F, name)
    return _unit_rows(F) @ _unit_rows(F).T


def _pair_weights(idx: np.ndarray, n_items: int) -> np.ndarray:
    """How often each pair of distinct items (condensed order) occurs among the pairs of a (re)sample.

    Pairs of an item with its own bootstrap copy carry no information and are left out.
    """
    iu, ju = np.triu_indices(idx.size, k=1)
    a, b = idx[iu], idx[ju]
    keep = a != b
    lo, hi = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
    cidx = n_items * lo - lo * (lo + 1) // 2 + (hi - lo - 1)
    return np.bincount(cidx, minlength=n_items * (n_items - 1) // 2).astype(float)


def _rank_vector(prep, w: np.ndarray) -> np.ndarray:
    """Unit vector whose dot products are Spearman correlations over the pairs weighted by ``w``.

    Equivalent to ranking the (re)sampled pairs, copies included, with average ranks for ties
    (``scipy.stats.rankdata``) and taking Pearson's r, in linear time: the ranks follow from the
    pairs' fixed sort order and cumulative weights.
    """
    _, order, starts, group = prep
    ws = w[order]
    wg = np.add.reduceat(ws, starts)
    rank = ((np.cumsum(wg) - wg) + (wg + 1) / 2)[group]
    total = ws.sum()
    centred = rank - np.dot(ws, rank) / total
    v = np.sqrt(ws) * centred
    norm = np.linalg.norm(v)
    out = np.empty_like(v)
    out[order] = v / norm if norm > 0 else np.nan
    return out


def _vector(P, measure: str, idx: np.ndarray, k: int, w=None) -> np.ndarray:
    """A unit-scaled vector of one layer on the (re)sampled items ``idx``: the score of two layers is their dot product.

    rsa: weighted, centred ranks of the dissimilarities over all pairs of distinct items (pairs of
    an item with its own bootstrap copy are dropped), so the dot product is Spearman's rho. cka: the
    double-centred Gram matrix over its norm (linear CKA; entries pairing an item with its own
    bootstrap copy are zeroed). mutual_knn: the k-NN indicator matrix over sqrt(n k) (a copy of an
    item is never its neighbour).
    """
    n = idx.size
    if measure == "rsa":
        return _rank_vector(P, _pair_weights(idx, P[0]) if w is None else w)
    copies = (idx[:, None] == idx[None, :]) & ~np.eye(n, dtype=bool)
    if measure in ("svcca", "procrustes_distance"):  # per-space states of the pairwise measures
        try:
            return _orth_basis(P[idx]) if measure == "svcca" else _state_procrustes(P[idx])
        except ValueError:  # a degenerate resample: its score is NaN
            return None
    sub = P[np.ix_(idx, idx)]
    if measure == "cknna":
        try:
            return _state_cknna(sub, k, copies if copies.any() else None)
        except ValueError:
            return None
    if measure in ("cka", "unbiased_cka"):
        if measure == "cka":
            sub = sub - sub.mean(0) - sub.mean(1)[:, None] + sub.mean()
        else:
            sub = _u_center(sub)
        if copies.any():  # an item and its copy agree perfectly in both spaces: leave those entries out
            sub[copies] = 0.0
        norm = np.linalg.norm(sub)
        return (sub / norm).ravel() if norm > 0 else np.full(n * n, np.nan)
    sub = np.where(idx[:, None] == idx[None, :], -np.inf, sub)
    nn = np.argpartition(-sub, k - 1, axis=1)[:, :k]
    a = np.zeros((n, n), dtype=np.float32)
    a[np.arange(n)[:, None], nn] = 1.0
    return a.ravel() / np.sqrt(n * k)


def _perm_index(measure: str, perm: np.ndarray) -> np.ndarray:
    """Indices that reorder a dot-product state (on all items, in order) to the items ``perm``.

    rsa: the condensed pairs ``i < j`` of the reordered items; the others: the flattened ``n x n`` matrix.
    """
    n = perm.size
    if measure == "rsa":
        i, j = np.triu_indices(n, k=1)
        lo, hi = np.minimum(perm[i], perm[j]), np.maximum(perm[i], perm[j])
        return n * lo - lo * (lo + 1) // 2 + (hi - lo - 1)
    return (perm[:, None] * n + perm[None, :]).ravel()


def _score_states(A: list, B: list, measure: str, perm=None) -> np.ndarray:
    """Scores of every state of ``A`` with every state of ``B``.

    With ``perm``, the items of ``B`` are reordered by it first (``B``'s states are on all items, in
    order); the per-state work (Gram matrices, neighbour sets, bases) is reused, not recomputed.
    """
    if measure in _DOT:
        b = np.stack(B)
        return np.stack(A) @ (b if perm is None else np.take(b, _perm_index(measure, perm), axis=1)).T
    if measure == "cknna":
        return _cknna_grid(A, B, perm)
    if perm is not None:
        B = [None if b is None else b[perm] for b in B]
    fn = _PAIR_SCORES[measure]
    return np.array([[np.nan if a is None or b is None else fn(a, b) for b in B] for a in A], dtype=float)


def _check_measure_k(measure: str, k: int, n: int) -> int:
    check_choice(measure, "measure", MEASURES)
    k = check_int(k, "k", minimum=1)
    if measure in ("mutual_knn", "cknna") and k > max(1, n // 4):
        raise ValueError(f"k must be <= {max(1, n // 4)} (a quarter of the {n} items) for {measure}; got {k}")
    return k


def alignment_score(X, Y, *, measure: str = "rsa", k: int = 10) -> float:
    """One alignment score between two representations of the same items.

    Parameters
    ----------
    X, Y : array-like, shapes (n, dx) and (n, dy)
        Two representations of the same ``n >= 4`` items.
    measure : {"rsa", "cka", "mutual_knn", "unbiased_cka", "cknna", "svcca", "procrustes_distance"}
        ``"rsa"``: Spearman correlation of the two correlation-distance RDMs (as
        ``compare_rdms(compute_rdm(X), compute_rdm(Y))``); ``"cka"``: :func:`linear_cka`;
        ``"mutual_knn"``: :func:`mutual_knn` with ``k`` neighbours; ``"unbiased_cka"``,
        ``"cknna"`` (``k`` neighbours), ``"svcca"`` (99 % of the variance) and
        ``"procrustes_distance"``: the functions of these names in
        :mod:`~repalign.alignment.peer_measures`. ``"procrustes_distance"`` is a distance (see
        :data:`DISTANCE_MEASURES`): smaller means more aligned.
    k : int
        Neighbours for ``"mutual_knn"`` and ``"cknna"`` (at most a quarter of the items).

    Returns
    -------
    float
    """
    X, Y = _check_pair(X, Y, min_rows=4)
    k = _check_measure_k(measure, k, X.shape[0])
    idx = np.arange(X.shape[0])
    score = float(_grid([_prepare(X, measure, "X")], [_prepare(Y, measure, "Y")], measure, idx, k)[0, 0])
    if np.isnan(score):
        raise ValueError(f"X or Y has no variation between items that {measure} can use: the score is undefined")
    return score


@dataclass(frozen=True)
class AlignmentBootstrap:
    """An alignment score with its bootstrap-over-items interval (from :func:`bootstrap_alignment`).

    Attributes
    ----------
    estimate : float
        The score on all items.
    ci : Interval
        Percentile interval of the bootstrap distribution.
    se : float
        Standard deviation of the bootstrap distribution.
    distribution : numpy.ndarray, shape (n_boot,)
        The score on every resample (paired across calls with the same ``seed`` and item count).
    measure : str
    """

    estimate: float
    ci: Interval
    se: float
    distribution: np.ndarray = field(repr=False)
    measure: str = "rsa"

    def __repr__(self) -> str:
        return (
            f"AlignmentBootstrap({self.measure}: estimate={self.estimate:.3f}, "
            f"{self.ci.level:.0%} CI=[{self.ci.low:.3f}, {self.ci.high:.3f}], n={self.distribution.size})"
        )


def bootstrap_alignment(
    X,
    Y,
    *,
    measure: str = "rsa",
    n_boot: int = 1000,
    seed=0,
    k: int = 10,
    confidence: float = 0.95,
    progress: bool = False,
) -> AlignmentBootstrap:
    """Alignment score with a bootstrap-over-items percentile interval.

    Items are resampled with replacement; an item's copies are never compared with each other (RSA
    drops their pairs, mutual k-NN never counts a copy as a neighbour). Two calls with the same
    ``seed`` on the same number of items draw the same resamples, so the difference of their
    ``distribution`` arrays is a *paired* bootstrap of the difference of two scores.

    Parameters
    ----------
    X, Y : array-like, shapes (n, dx) and (n, dy)
        Two representations of the same ``n >= 4`` items.
    measure : str
        One of :data:`MEASURES`; see :func:`alignment_score`. For ``"svcca"`` the SVD reduction is
        fitted once on all items; ``"cknna"`` never counts a copy as a neighbour. ``"svcca"`` and
        ``"procrustes_distance"`` depend on the number of *distinct* items, which a resample lowers
        (to about 63 %): their bootstrap distributions are shifted (more alignment) and the percentile
        interval need not contain the estimate. Use :func:`~repalign.alignment.calibrated_score` to
        test them.
    n_boot : int
        Bootstrap resamples (``>= 10``).
    seed : int or numpy.random.Generator
        Seeds the resamples.
    k : int
        Neighbours for ``"mutual_knn"``.
    confidence : float
        Level of the percentile interval.
    progress : bool
        Show a progress bar.

    Returns
    -------
    AlignmentBootstrap
    """
    X, Y = _check_pair(X, Y, min_rows=4)
    k = _check_measure_k(measure, k, X.shape[0])
    n_boot = check_int(n_boot, "n_boot", minimum=10)
    confidence = check_level(confidence, "confidence")
    rng = check_seed(seed)
    pa, pb = [_prepare(X, measure, "X")], [_prepare(Y, measure, "Y")]
    idx = np.arange(X.shape[0])
    est = float(_grid(pa, pb, measure, idx, k)[0, 0])
    dist = _boot_grids(pa, pb, measure, idx, k, n_boot, rng, progress)[:, 0, 0]
    return AlignmentBootstrap(est, percentile_interval(dist, confidence), float(np.nanstd(dist, ddof=1)), dist, measure)


def _states(prep: list, measure: str, idx: np.ndarray, k: int) -> list:
    """Per-layer states (unit vectors or pairwise states) on the (re)sampled items ``idx``."""
    w = _pair_weights(idx, prep[0][0]) if measure == "rsa" else None  # shared by every layer
    return [_vector(p, measure, idx, k, w) for p in prep]


def _grid(prep_a: list, prep_b: list, measure: str, idx: np.ndarray, k: int) -> np.ndarray:
    return _score_states(_states(prep_a, measure, idx, k), _states(prep_b, measure, idx, k), measure)


def _boot_grids(prep_a, prep_b, measure, idx, k, n_boot, rng, progress, desc="bootstrap") -> np.ndarray:
    """Scores of every layer pair on ``n_boot`` bootstrap resamples of the items ``idx``."""
    from repalign.core.progress import progress_bar

    out = np.empty((n_boot, len(prep_a), len(prep_b)))
    for b in progress_bar(range(n_boot), enabled=progress, desc=desc):
        out[b] = _grid(prep_a, prep_b, measure, idx[rng.integers(0, idx.size, idx.size)], k)
    return out
