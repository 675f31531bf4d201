"""Aligning two representation spaces item by item: Procrustes maps, retrieval, CKA, mutual k-NN.

Two systems describe the same ``n`` items (images and their captions, ImageNet classes and their
names): ``X`` is ``(n, dx)``, ``Y`` is ``(n, dy)`` and row ``i`` of both is item ``i``.

- :func:`procrustes` learns the orthogonal map ``R`` with ``X @ R ≈ Y`` (Schönemann 1966).
- :func:`retrieve` ranks candidates ``Y`` for each mapped query, by cosine (``"nn"``) or by
  cross-domain similarity local scaling (``"csls"``, Conneau et al. 2018).
- :func:`cv_retrieval` fits the map on training pairs and measures precision at ``k`` on held-out
  pairs, with a shuffled-pairs and a random-orthogonal-map baseline (the setting of Li et al. 2024).
- :func:`linear_cka` and :func:`mutual_knn` score alignment without fitting a map.

Imports flow one way: this module uses only ``_validation`` (plus numpy, scipy, scikit-learn).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validation import check_choice, check_int, check_matrix, check_seed

__all__ = [
    "RETRIEVAL_METHODS",
    "DIM_MATCH",
    "RetrievalResult",
    "procrustes",
    "retrieve",
    "hit_ranks",
    "precision_at_k",
    "cv_retrieval",
    "random_orthogonal",
    "linear_cka",
    "mutual_knn",
]

RETRIEVAL_METHODS = ("nn", "csls")
DIM_MATCH = ("pca", "pad")
CANDIDATES = ("test", "all")


# --------------------------------------------------------------------------------------------
# validation helpers
def _check_pair(X, Y, min_rows: int = 2) -> tuple[np.ndarray, np.ndarray]:
    X = check_matrix(X, "X", min_rows=min_rows)
    Y = check_matrix(Y, "Y", min_rows=min_rows)
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X and Y must have the same number of rows (paired items); got {X.shape[0]} and {Y.shape[0]}")
    return X, Y


def _check_ks(ks) -> tuple[int, ...]:
    if isinstance(ks, (int, np.integer)) and not isinstance(ks, bool):
        ks = (ks,)
    try:
        ks = tuple(ks)
    except TypeError:
        raise TypeError(f"ks must be a sequence of positive integers; got {type(ks).__name__}") from None
    if not ks:
        raise ValueError("ks is empty")
    ks = tuple(check_int(k, "ks", minimum=1) for k in ks)
    if len(set(ks)) != len(ks):
        raise ValueError(f"ks contains duplicates: {ks}")
    return tuple(sorted(ks))


def _unit_rows(a: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(a, axis=1, keepdims=True)
    return a / np.where(norm == 0, 1.0, norm)


# --------------------------------------------------------------------------------------------
# Procrustes
def _pca_basis(a: np.ndarray, d: int) -> np.ndarray:
    """Top-``d`` principal axes (columns) of the centred rows of ``a``; deterministic signs."""
    from sklearn.decomposition import PCA

    return PCA(n_components=d, svd_solver="full").fit(a).components_.T  # thin SVD: ~2x faster than eigh here


def procrustes(X, Y, center: bool = True, scale: bool = False, dim_match: str = "pca") -> np.ndarray:
    """Orthogonal Procrustes map ``R`` minimising ``||X R - Y||_F`` over orthogonal ``R``.

    Parameters
    ----------
    X : array-like, shape (n, dx)
        Source patterns (e.g. image features), one row per item.
    Y : array-like, shape (n, dy)
        Target patterns (e.g. text embeddings) of the same items, in the same order.
    center : bool
        Subtract each side's column means before fitting (the usual choice). Apply the map to
        centred data: ``(X - X.mean(0)) @ R`` approximates ``Y - Y.mean(0)``.
    scale : bool
        Also fit the least-squares isotropic scale ``s`` and return ``s * R`` (a similarity
        transform). With ``False`` the returned map is (semi-)orthogonal.
    dim_match : {"pca", "pad"}
        How spaces of different widths are matched (ignored when ``dx == dy``):

        - ``"pca"`` (as Li et al. 2024 do): the wider side is projected onto its top ``d`` principal
          axes, ``d = min(dx, dy, n - 1)`` (both sides are reduced when ``n - 1`` is smallest),
          the square orthogonal map is fitted there, and the returned ``(dx, dy)`` matrix composes
          projection, rotation and back-projection.
        - ``"pad"``: the narrower side is zero-padded to the wider width and the square problem
          is solved (as ``scipy.linalg.orthogonal_procrustes`` would), keeping the ``(dx, dy)``
          block. This equals the semi-orthogonal polar factor of ``X.T @ Y``, which is what is
          computed.

    Returns
    -------
    numpy.ndarray, shape (dx, dy)
        ``R`` with orthonormal columns (``dx >= dy``) or rows (``dx < dy``), times ``s`` if
        ``scale``. For ``dx == dy`` and centred input this equals
        ``scipy.linalg.orthogonal_procrustes(X, Y)[0]``.
    """
    X, Y = _check_pair(X, Y)
    check_choice(dim_match, "dim_match", DIM_MATCH)
    return _procrustes(X, Y, bool(center), bool(scale), dim_match)


def _bases(X: np.ndarray, Y: np.ndarray, dim_match: str, center: bool):
    """PCA bases ``(Px, Py)`` that bring centred X and Y to a common width (``None``: no reduction)."""
    dx, dy = X.shape[1], Y.shape[1]
    if dim_match == "pad" or dx == dy:
        return None
    d = min(dx, dy, X.shape[0] - 1 if center else X.shape[0])
    Px = _pca_basis(X, d) if d < dx else np.eye(dx)
    Py = _pca_basis(Y, d) if d < dy else np.eye(dy)
    return Px, Py


def _rotation(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, float]:
    """Procrustes rotation of ``A`` onto ``B`` and the sum of singular values of ``A.T @ B``.

    Equal widths: scipy's ``orthogonal_procrustes``. Different widths: the semi-orthogonal polar
    factor ``U V.T`` of ``A.T @ B`` (thin SVD), i.e. scipy's solution on zero-padded inputs
    without the padded SVD.
    """
    if A.shape[1] == B.shape[1]:
        from scipy.linalg import orthogonal_procrustes

        R, sv_sum = orthogonal_procrustes(A, B)
        return R, float(sv_sum)
    U, s, Vt = np.linalg.svd(A.T @ B, full_matrices=False)
    return U @ Vt, float(s.sum())


def _procrustes(X: np.ndarray, Y: np.ndarray, center: bool, scale: bool, dim_match: str, bases=None) -> np.ndarray:
    if center:
        X, Y = X - X.mean(0), Y - Y.mean(0)
    if bases is None:
        bases = _bases(X, Y, dim_match, center)
    if bases is None:
        R, sv_sum = _rotation(X, Y)
        norm_x = np.sum(X ** 2)
    else:
        Px, Py = bases
        Xr = X @ Px
        Rs, sv_sum = _rotation(Xr, Y @ Py)
        R = Px @ Rs @ Py.T
        norm_x = np.sum(Xr ** 2)
    if scale:
        R = R * (sv_sum / norm_x if norm_x > 0 else 1.0)
    return R


def random_orthogonal(dx: int, dy: int, seed=0) -> np.ndarray:
    """A Haar-random semi-orthogonal ``(dx, dy)`` matrix (QR of a Gaussian matrix, signs fixed).

    Orthonormal columns when ``dx >= dy``, orthonormal rows otherwise; square ones are orthogonal.
    """
    dx = check_int(dx, "dx", minimum=1)
    dy = check_int(dy, "dy", minimum=1)
    rng = check_seed(seed)
    q, r = np.linalg.qr(rng.standard_normal((max(dx, dy), min(dx, dy))))
    q = q * np.sign(np.diag(r))
    return q if dx >= dy else q.T


# --------------------------------------------------------------------------------------------
# retrieval
def _scores(Q: np.ndarray, C: np.ndarray, method: str, csls_k: int) -> np.ndarray:
    """Query-by-candidate score matrix: cosine, or CSLS without the per-query constant."""
    sim = _unit_rows(Q) @ _unit_rows(C).T
    if method == "nn":
        return sim
    kc = min(csls_k, sim.shape[0])
    # r_S(y): mean cosine of candidate y to its csls_k nearest queries. The query term r_T(x) is the
    # same for every candidate of a query, so it does not change the ranking and is left out.
    r_c = -np.partition(-sim, kc - 1, axis=0)[:kc].mean(axis=0)
    return 2 * sim - r_c[None, :]


def _check_query_candidates(X_mapped, Y):
    Q = check_matrix(X_mapped, "X_mapped")
    C = check_matrix(Y, "Y")
    if Q.shape[1] != C.shape[1]:
        raise ValueError(f"X_mapped and Y must have the same number of columns; got {Q.shape[1]} and {C.shape[1]}")
    return Q, C


def retrieve(X_mapped, Y, k: int, method: str = "nn", csls_k: int = 10) -> np.ndarray:
    """Rank the candidates ``Y`` for each query row of ``X_mapped``.

    Parameters
    ----------
    X_mapped : array-like, shape (n_queries, d)
        Queries already in ``Y``'s space (e.g. ``(X - mx) @ procrustes(X, Y)``).
    Y : array-like, shape (n_candidates, d)
        Candidates.
    k : int
        Number of candidates to return per query (``1 <= k <= n_candidates``).
    method : {"nn", "csls"}
        ``"nn"``: cosine similarity. ``"csls"``: cross-domain similarity local scaling
        ``2 cos(x, y) - r_T(x) - r_S(y)``, where ``r_S(y)`` is the mean cosine of candidate ``y``
        to its ``csls_k`` nearest queries and ``r_T(x)`` that of query ``x`` to its ``csls_k``
        nearest candidates. It penalises "hub" candidates that are near every query.
    csls_k : int
        Neighbourhood size of CSLS (capped at the number of queries/candidates).

    Returns
    -------
    numpy.ndarray of int, shape (n_queries, k)
        Candidate indices, best first (ties broken by the lower index).
    """
    Q, C = _check_query_candidates(X_mapped, Y)
    check_choice(method, "method", RETRIEVAL_METHODS)
    k = check_int(k, "k", minimum=1)
    if k > C.shape[0]:
        raise ValueError(f"k must be <= the number of candidates ({C.shape[0]}); got {k}")
    csls_k = check_int(csls_k, "csls_k", minimum=1)
    s = _scores(Q, C, method, csls_k)
    return np.argsort(-s, axis=1, kind="stable")[:, :k]


def hit_ranks(X_mapped, Y, method: str = "nn", csls_k: int = 10, targets=None) -> np.ndarray:
    """0-based rank of each query's true candidate (``targets[i]``, default ``i``) among all candidates.

    Ties count against the query (a tie with the true candidate ranks it lower), so a
    constant score gives the worst rank, never a lucky hit.
    """
    Q, C = _check_query_candidates(X_mapped, Y)
    check_choice(method, "method", RETRIEVAL_METHODS)
    csls_k = check_int(csls_k, "csls_k", minimum=1)
    if targets is None:
        if Q.shape[0] != C.shape[0]:
            raise ValueError("targets is required when X_mapped and Y have different numbers of rows")
        targets = np.arange(Q.shape[0])
    targets = np.asarray(targets)
    if targets.shape != (Q.shape[0],) or not np.issubdtype(targets.dtype, np.integer):
        raise ValueError(f"targets must hold one integer per query ({Q.shape[0]})")
    if targets.min() < 0 or targets.max() >= C.shape[0]:
        raise ValueError(f"targets must lie in [0, {C.shape[0]})")
    return _ranks(_scores(Q, C, method, csls_k), targets)


def _ranks(s: np.ndarray, targets: np.ndarray) -> np.ndarray:
    true = s[np.arange(s.shape[0]), targets][:, None]
    return (s >= true).sum(axis=1) - 1


def precision_at_k(ranks, ks) -> dict:
    """``{k: fraction of ranks < k}`` for 0-based hit ranks."""
    ranks = check_matrix(ranks, "ranks", ndim=1)
    return {k: float(np.mean(ranks < k)) for k in _check_ks(ks)}


# --------------------------------------------------------------------------------------------
# cross-validated retrieval
@dataclass(frozen=True)
class RetrievalResult:
    """Cross-validated retrieval scores (from :func:`cv_retrieval`).

    Attributes
    ----------
    precision : dict
        ``{k: P@k}``, the mean over folds.
    per_fold : dict
        ``{k: array of P@k, one per fold}``.
    ci : dict
        ``{k: (low, high)}``, a 95 % t-interval of the fold mean, clipped to [0, 1] (folds are not
        independent, as their training sets overlap: read it as a spread, not an exact interval).
    chance : dict
        ``{k: expected P@k of a random ranking}``, i.e. ``k / pool`` averaged over folds.
    pool : float
        Mean number of candidates per query (the test fold size for ``candidates="test"``,
        ``n`` for ``"all"``).
    baselines : dict
        ``{name: {k: P@k}}`` for ``"shuffled"`` (map fitted on training pairs whose partners were
        permuted) and ``"random_orthogonal"`` (a random map instead of the fitted one).
    baselines_per_fold : dict
        ``{name: {k: array}}``.
    ranks : numpy.ndarray of int, shape (n,)
        0-based rank of each item's true partner in its test fold (``precision_at_k(ranks, ks)``
        over any subset of items gives that subset's P@k).
    top : numpy.ndarray of int, shape (n, max(ks))
        Indices (into ``Y``) of each item's best candidates, best first.
    fold : numpy.ndarray of int, shape (n,)
        The test fold of each item.
    method, n_folds, ks, candidates :
        The settings used.
    """

    precision: dict
    per_fold: dict
    ci: dict
    chance: dict
    pool: float
    baselines: dict
    baselines_per_fold: dict
    ranks: np.ndarray = field(repr=False)
    top: np.ndarray = field(repr=False)
    fold: np.ndarray = field(repr=False)
    method: str = "nn"
    n_folds: int = 5
    ks: tuple = ()
    candidates: str = "test"

    def __repr__(self) -> str:
        parts = ", ".join(f"P@{k}={self.precision[k]:.3f} (chance {self.chance[k]:.3f})" for k in self.ks)
        return f"RetrievalResult({self.method}, {self.n_folds} folds, pool {self.pool:.0f}: {parts})"

    def table(self):
        """A pandas DataFrame: one row per k with P@k, CI, chance and baselines."""
        import pandas as pd

        rows = {k: {"P@k": self.precision[k], "ci_low": self.ci[k][0], "ci_high": self.ci[k][1],
                    "chance": self.chance[k], **{b: v[k] for b, v in self.baselines.items()}}
                for k in self.ks}
        return pd.DataFrame(rows).T.rename_axis("k")


def _fold_ci(values: np.ndarray) -> tuple[float, float]:
    from scipy.stats import t

    m = float(values.mean())
    if values.size < 2:
        return m, m
    half = t.ppf(0.975, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size)
    return max(0.0, m - half), min(1.0, m + half)  # a proportion: clip to [0, 1]


def _fold_eval(X, Y, tr, te, R, method, csls_k, candidates):
    """Map the test queries with ``R`` (train means) and rank every candidate; returns (ranks, scores)."""
    Q = (X[te] - X[tr].mean(0)) @ R
    if candidates == "test":
        C, targets = Y[te] - Y[tr].mean(0), np.arange(te.size)
    else:
        C, targets = Y - Y[tr].mean(0), te
    s = _scores(Q, C, method, csls_k)
    return _ranks(s, targets), s


def cv_retrieval(X, Y, n_folds: int = 5, ks=(1, 5, 10, 30, 50, 100), method: str = "nn", seed=0,
                 csls_k: int = 10, dim_match: str = "pca", candidates: str = "test",
                 normalize: bool = True, baselines: bool = True) -> RetrievalResult:
    """Cross-validated retrieval of ``Y`` items from ``X`` items through a Procrustes map.

    For each of ``n_folds`` folds (scikit-learn ``KFold``, shuffled with ``seed``), an orthogonal
    map is fitted on the training pairs (:func:`procrustes`, centred with the training means) and
    every test item of ``X`` is mapped and ranks the candidates; it scores a hit at ``k`` when its own
    partner in ``Y`` is among the first ``k``. Swap ``X`` and ``Y`` for the other direction.

    Parameters
    ----------
    X, Y : array-like, shapes (n, dx) and (n, dy)
        Paired items (row ``i`` of both is item ``i``).
    n_folds : int
        Number of folds (``2 <= n_folds <= n / 2``).
    ks : sequence of int
        Cut-offs for P@k; each must be ``<=`` the smallest candidate pool.
    method : {"nn", "csls"}
        Ranking by cosine or by CSLS (see :func:`retrieve`).
    seed : int or numpy.random.Generator
        Seeds the folds and the baselines (results are deterministic given the seed).
    csls_k : int
        Neighbourhood size for CSLS.
    dim_match : {"pca", "pad"}
        See :func:`procrustes`; PCA axes are fitted on the training pairs only.
    candidates : {"test", "all"}
        The pool: ``"test"`` (default) ranks only the test fold's ``Y`` items (chance ``k / fold
        size``); ``"all"`` ranks all ``n`` items of ``Y``, training ones included (chance ``k / n``).
    normalize : bool
        Scale every row of ``X`` and ``Y`` to unit length first (items are compared by cosine).
    baselines : bool
        Also score the shuffled-pairs and random-orthogonal-map baselines.

    Returns
    -------
    RetrievalResult
    """
    from sklearn.model_selection import KFold

    X, Y = _check_pair(X, Y, min_rows=4)
    n = X.shape[0]
    n_folds = check_int(n_folds, "n_folds", minimum=2, maximum=n // 2)
    ks = _check_ks(ks)
    check_choice(method, "method", RETRIEVAL_METHODS)
    check_choice(dim_match, "dim_match", DIM_MATCH)
    check_choice(candidates, "candidates", CANDIDATES)
    csls_k = check_int(csls_k, "csls_k", minimum=1)
    rng = check_seed(seed)
    smallest_pool = n // n_folds if candidates == "test" else n
    if ks[-1] > smallest_pool:
        raise ValueError(f"ks must be <= the candidate pool ({smallest_pool} items); got k={ks[-1]}")
    if normalize:
        X, Y = _unit_rows(X), _unit_rows(Y)

    folds = list(KFold(n_folds, shuffle=True, random_state=int(rng.integers(2**31 - 1))).split(X))
    names = ("fitted", "shuffled", "random_orthogonal") if baselines else ("fitted",)
    per_fold = {b: {k: np.empty(n_folds) for k in ks} for b in names}
    ranks, fold_of = np.empty(n, dtype=int), np.empty(n, dtype=int)
    top = np.empty((n, ks[-1]), dtype=int)
    pools = np.empty(n_folds)
    for f, (tr, te) in enumerate(folds):
        bases = _bases(X[tr] - X[tr].mean(0), Y[tr] - Y[tr].mean(0), dim_match, True)
        maps = {"fitted": _procrustes(X[tr], Y[tr], True, False, dim_match, bases)}
        if baselines:  # shuffling pairs leaves each side's PCA axes unchanged: reuse them
            maps["shuffled"] = _procrustes(X[tr], Y[rng.permutation(tr)], True, False, dim_match, bases)
            maps["random_orthogonal"] = random_orthogonal(X.shape[1], Y.shape[1], rng)
        for b, R in maps.items():
            r, s = _fold_eval(X, Y, tr, te, R, method, csls_k, candidates)
            for k in ks:
                per_fold[b][k][f] = np.mean(r < k)
            if b == "fitted":
                ranks[te], fold_of[te], pools[f] = r, f, s.shape[1]
                idx = np.argsort(-s, axis=1, kind="stable")[:, :ks[-1]]
                top[te] = te[idx] if candidates == "test" else idx
    weights = np.array([te.size for _, te in folds]) / n
    return RetrievalResult(
        precision={k: float(np.sum(per_fold["fitted"][k] * weights)) for k in ks},
        per_fold=per_fold["fitted"],
        ci={k: _fold_ci(per_fold["fitted"][k]) for k in ks},
        chance={k: float(np.sum(k / pools * weights)) for k in ks},
        pool=float(np.sum(pools * weights)),
        baselines={b: {k: float(np.sum(per_fold[b][k] * weights)) for k in ks} for b in names if b != "fitted"},
        baselines_per_fold={b: per_fold[b] for b in names if b != "fitted"},
        ranks=ranks, top=top, fold=fold_of, method=method, n_folds=n_folds, ks=ks, candidates=candidates,
    )


# --------------------------------------------------------------------------------------------
# map-free alignment scores
def linear_cka(X, Y) -> float:
    """Linear centred kernel alignment (Kornblith et al. 2019).

    ``CKA = ||Yc.T Xc||_F^2 / (||Xc.T Xc||_F ||Yc.T Yc||_F)`` with column-centred ``Xc, Yc``;
    in ``[0, 1]``, invariant to orthogonal transforms and isotropic scaling of either side.
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


def mutual_knn(X, Y, k: int = 10) -> float:
    """Mutual k-nearest-neighbour alignment (Huh et al. 2024).

    For each item, its ``k`` nearest other items by cosine in ``X`` and in ``Y``; the score is the
    mean fraction of shared neighbours. Identical spaces give 1; unrelated ones about
    ``k / (n - 1)``.
    """
    X, Y = _check_pair(X, Y)
    k = check_int(k, "k", minimum=1, maximum=X.shape[0] - 1)
    nx, ny = _knn_sets(X, k), _knn_sets(Y, k)
    n = X.shape[0]
    mx = np.zeros((n, n), dtype=bool)
    mx[np.arange(n)[:, None], nx] = True
    return float(mx[np.arange(n)[:, None], ny].sum() / (n * k))


# --------------------------------------------------------------------------------------------
# many spaces at once: generalized Procrustes, per-stimulus agreement, cross-modal scores
# (Gower 1975; Saha, He & Khosla 2026)
INSTANCE_METHODS = ("pairwise", "barycenter")


def _check_spaces(Xs, name: str = "Xs", min_spaces: int = 2, min_rows: int = 3) -> list[np.ndarray]:
    """A list of >= ``min_spaces`` finite 2-D arrays with the same number of rows (stimuli)."""
    if isinstance(Xs, np.ndarray) or not isinstance(Xs, (list, tuple)):
        raise TypeError(f"{name} must be a list or tuple of 2-D arrays (one per space); got {type(Xs).__name__}")
    if len(Xs) < min_spaces:
        raise ValueError(f"{name} must hold at least {min_spaces} space(s); got {len(Xs)}")
    out = [check_matrix(X, f"{name}[{i}]", min_rows=min_rows) for i, X in enumerate(Xs)]
    n = out[0].shape[0]
    for i, X in enumerate(out):
        if X.shape[0] != n:
            raise ValueError(f"{name}[{i}] has {X.shape[0]} rows but {name}[0] has {n}: every space must describe "
                             "the same stimuli, in the same order")
    return out


def _check_dim(dim, spaces: list[np.ndarray]) -> int:
    n, widest = spaces[0].shape[0], max(X.shape[1] for X in spaces)
    limit = min(widest, n - 1)
    if dim is None:
        return min(min(X.shape[1] for X in spaces), n - 1)
    return check_int(dim, "dim", minimum=1, maximum=limit)


def _reduce(X: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Centre ``X``, bring it to ``dim`` columns (PCA or zero-padding) and unit Frobenius norm.

    Returns ``(Z, P)`` with ``Z = (X - X.mean(0)) @ P``, ``P`` of shape ``(d, dim)``.
    """
    Xc = X - X.mean(0)
    d = X.shape[1]
    if d > dim:
        P = _pca_basis(Xc, dim)
    else:  # pad: the space keeps its own coordinates and fills the first d axes
        P = np.eye(d, dim)
    norm = np.linalg.norm(Xc @ P)
    if norm == 0:
        raise ValueError("a space is constant across stimuli (zero variance after centring)")
    P = P / norm
    return Xc @ P, P


def _principal_gauge(B: np.ndarray) -> np.ndarray:
    """Rotation to the principal axes of ``B`` (largest variance first), each axis' largest loading positive."""
    _, _, Vt = np.linalg.svd(B, full_matrices=True)
    Q = Vt.T
    proj = B @ Q
    signs = np.sign(proj[np.argmax(np.abs(proj), axis=0), np.arange(Q.shape[1])])
    return Q * np.where(signs == 0, 1.0, signs)


def generalized_procrustes(Xs, dim=None, n_iter: int = 1000, tol: float = 1e-8, seed=0):
    """Generalized Procrustes analysis: rotate many spaces onto their common barycenter.

    Each space ``X_i`` (the same ``n`` stimuli in its rows, any width ``d_i``) is centred, brought
    to ``dim`` columns (its top ``dim`` principal axes when ``d_i > dim``; zero-padded when
    ``d_i < dim``) and scaled to unit Frobenius norm, giving ``Z_i``. Starting from one space as
    the reference, every ``Z_i`` is rotated onto the current mean by orthogonal Procrustes and the
    mean is recomputed, until the objective ``sum_i ||Z_i R_i - B||_F^2`` stops decreasing
    (Gower 1975). Both steps minimise that objective, so it never increases. This is the
    barycentric alignment of Saha, He & Khosla (2026) with the orthogonal group.

    The barycenter is defined up to one global rotation; it is returned in its principal axes
    (largest variance first, signs fixed), so the result does not depend on ``seed`` beyond the
    convergence tolerance.

    Parameters
    ----------
    Xs : list of array-like, shapes (n, d_i)
        At least two spaces over the same stimuli, in the same row order.
    dim : int, optional
        Width of the universal space, ``1 <= dim <= min(max_i d_i, n - 1)``. Default: the
        narrowest width, capped at ``n - 1``.
    n_iter : int
        Maximum number of alternations (spaces of real networks and brains converge in about
        100–500; each alternation costs milliseconds).
    tol : float
        Stop when the objective's relative decrease falls below ``tol``.
    seed : int or numpy.random.Generator
        Orientation of the starting reference (a random rotation of the first space). It fixes
        nothing in the answer but the path to it.

    Returns
    -------
    barycenter : numpy.ndarray, shape (n, dim)
        The mean of the aligned spaces.
    maps : list of numpy.ndarray, shapes (d_i, dim)
        ``(X_i - X_i.mean(0)) @ maps[i]`` is space ``i`` aligned into the universal space
        (projection or padding, scaling and rotation in one matrix). Apply it to new stimuli
        the same way, centring them with the fitting stimuli's mean.

    Warns
    -----
    RuntimeWarning
        If the objective has not converged after ``n_iter`` alternations.
    """
    import warnings

    spaces = _check_spaces(Xs)
    dim = _check_dim(dim, spaces)
    n_iter = check_int(n_iter, "n_iter", minimum=1)
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating)) or not tol >= 0:
        raise ValueError(f"tol must be a number >= 0; got {tol!r}")
    rng = check_seed(seed)
    Zs, Ps = zip(*(_reduce(X, dim) for X in spaces))
    B = Zs[0] @ random_orthogonal(dim, dim, rng)
    Rs = [np.eye(dim)] * len(Zs)
    previous = np.inf
    converged = False
    for _ in range(n_iter):
        Rs = [_rotation(Z, B)[0] for Z in Zs]
        aligned = [Z @ R for Z, R in zip(Zs, Rs)]
        B = np.mean(aligned, axis=0)
        objective = sum(float(np.sum((A - B) ** 2)) for A in aligned)
        if previous - objective <= tol * objective:
            converged = True
            break
        previous = objective
    if not converged:
        warnings.warn(f"generalized_procrustes did not converge in {n_iter} iterations "
                      f"(objective {objective:.6g})", RuntimeWarning, stacklevel=2)
    Q = _principal_gauge(B)
    return B @ Q, [P @ R @ Q for P, R in zip(Ps, Rs)]


@dataclass(frozen=True)
class InstanceSimilarity:
    """Per-stimulus agreement of many spaces in their universal space (from :func:`instance_similarity`).

    Attributes
    ----------
    scores : numpy.ndarray, shape (n,)
        Agreement per stimulus (a cosine similarity, in [-1, 1]).
    ci : numpy.ndarray, shape (n, 2)
        Bootstrap interval over spaces (resampled with replacement, within each group when
        ``groups`` is given) with the alignment held fixed.
    per_space : numpy.ndarray, shape (k, n)
        Each space's contribution: its mean cosine to the other spaces (``"pairwise"``; only those of
        other groups when ``groups`` is given) or to the barycenter (``"barycenter"``).
    cosines : numpy.ndarray, shape (k, k, n)
        Cosine between the aligned embeddings of every pair of spaces, per stimulus.
    barycenter : numpy.ndarray, shape (n, dim)
    maps : list of numpy.ndarray
        As returned by :func:`generalized_procrustes`.
    method : str
    groups : tuple or None
    """

    scores: np.ndarray
    ci: np.ndarray = field(repr=False)
    per_space: np.ndarray = field(repr=False)
    cosines: np.ndarray = field(repr=False)
    barycenter: np.ndarray = field(repr=False)
    maps: list = field(repr=False)
    method: str = "pairwise"
    groups: tuple | None = None

    def __repr__(self) -> str:
        return (f"InstanceSimilarity({self.method}, {self.cosines.shape[0]} spaces, {self.scores.size} stimuli, "
                f"mean {self.scores.mean():.3f}, range [{self.scores.min():.3f}, {self.scores.max():.3f}])")


def _instance_scores(G: np.ndarray, C: np.ndarray, w: np.ndarray, method: str, between: np.ndarray) -> np.ndarray:
    """Scores for space weights ``w`` (B, k) from the per-stimulus Gram ``G`` and cosines ``C`` (k, k, n)."""
    if method == "pairwise":
        W = w[:, :, None] * w[:, None, :] * between[None]  # (B, k, k): pairs of distinct (other-group) spaces
        den = W.sum(axis=(1, 2))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.einsum("bij,ijs->bs", W, C) / den[:, None]
    # barycenter: b = sum_j w_j a_j / sum w; cos(a_i, b) from the Gram matrix alone
    norms = np.sqrt(np.einsum("iis->is", G))  # (k, n)
    dots = np.einsum("bj,ijs->bis", w, G)  # a_i . (sum_j w_j a_j)
    bnorm = np.sqrt(np.maximum(np.einsum("bi,bis->bs", w, dots), 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = dots / (norms[None] * bnorm[:, None])
        return np.einsum("bi,bis->bs", w, cos) / w.sum(1)[:, None]


def instance_similarity(Xs, method: str = "pairwise", groups=None, dim=None, n_boot: int = 1000,
                        confidence: float = 0.95, n_iter: int = 1000, tol: float = 1e-8, seed=0) -> InstanceSimilarity:
    """Agreement of many spaces about each stimulus, after aligning them into one universal space.

    The spaces are aligned by :func:`generalized_procrustes`; then, for every stimulus, the
    aligned embeddings it receives from the ``k`` spaces are compared by cosine similarity
    (Saha, He & Khosla 2026). A stimulus on which the spaces converge scores near 1; one on which
    they diverge scores near 0.

    Parameters
    ----------
    Xs : list of array-like, shapes (n, d_i)
        At least two spaces over the same stimuli.
    method : {"pairwise", "barycenter"}
        ``"pairwise"``: the mean cosine over pairs of distinct spaces. ``"barycenter"``: the mean
        cosine of each space's embedding to the barycenter (the mean embedding of all spaces).
    groups : sequence of str, optional
        A label per space (e.g. ``"vision"``, ``"language"``). With ``"pairwise"`` only pairs of
        spaces from *different* groups count (between-group agreement), and the bootstrap
        resamples spaces within each group. Needs at least two groups.
    dim, n_iter, tol : see :func:`generalized_procrustes`
    n_boot : int
        Bootstrap resamples of the spaces (0: no interval; ``ci`` is then NaN).
    confidence : float
        Level of the percentile interval.
    seed : int or numpy.random.Generator
        Seeds the alignment's start and the bootstrap.

    Returns
    -------
    InstanceSimilarity
    """
    spaces = _check_spaces(Xs)
    check_choice(method, "method", INSTANCE_METHODS)
    n_boot = check_int(n_boot, "n_boot", minimum=0)
    confidence = _check_confidence(confidence)
    k = len(spaces)
    if groups is not None:
        from ._validation import check_strings

        groups = tuple(check_strings(groups, "groups"))
        if len(groups) != k:
            raise ValueError(f"groups has {len(groups)} labels for {k} spaces")
        if len(set(groups)) < 2:
            raise ValueError("groups must contain at least two different labels")
        if method != "pairwise":
            raise ValueError("groups is only supported with method='pairwise'")
    rng = check_seed(seed)
    B, maps = generalized_procrustes(spaces, dim=dim, n_iter=n_iter, tol=tol, seed=rng)
    aligned = np.stack([(X - X.mean(0)) @ M for X, M in zip(spaces, maps)])  # (k, n, dim)
    G = np.einsum("isd,jsd->ijs", aligned, aligned)
    norms = np.sqrt(np.einsum("iis->is", G))
    with np.errstate(invalid="ignore", divide="ignore"):
        C = np.nan_to_num(G / (norms[:, None] * norms[None, :]))  # a zero embedding agrees with nothing
    labels = np.array(groups if groups is not None else range(k), dtype=object)
    between = (labels[:, None] != labels[None, :]).astype(float)
    scores = _instance_scores(G, C, np.ones((1, k)), method, between)[0]
    if method == "pairwise":
        per_space = np.einsum("ij,ijs->is", between, C) / between.sum(1)[:, None]
    else:
        bnorm = np.linalg.norm(B, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            per_space = np.nan_to_num(np.einsum("isd,sd->is", aligned, B) / (norms * bnorm[None]))
    ci = np.full((scores.size, 2), np.nan)
    if n_boot:
        strata = [np.flatnonzero(labels == g) for g in dict.fromkeys(labels)] if groups is not None else [np.arange(k)]
        draws = np.zeros((n_boot, k))
        for members in strata:
            pick = members[rng.integers(0, members.size, size=(n_boot, members.size))]
            np.add.at(draws, (np.arange(n_boot)[:, None], pick), 1.0)
        boot = np.concatenate([_instance_scores(G, C, draws[b:b + 100], method, between)
                               for b in range(0, n_boot, 100)])
        ci = np.column_stack(_percentile_ci(boot, confidence))
    return InstanceSimilarity(scores=scores, ci=ci, per_space=per_space, cosines=C, barycenter=B, maps=maps,
                              method=method, groups=groups)


def _check_split(train, n: int) -> tuple[np.ndarray, np.ndarray]:
    arr = np.asarray(train)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise ValueError(f"train as a boolean mask must have one entry per stimulus ({n}); got shape {arr.shape}")
        mask = arr
    else:
        if arr.ndim != 1 or arr.size == 0 or not np.issubdtype(arr.dtype, np.integer):
            raise TypeError("train must be a boolean mask or a 1-D sequence of integer indices")
        if arr.min() < 0 or arr.max() >= n or np.unique(arr).size != arr.size:
            raise ValueError(f"train must hold distinct indices in [0, {n})")
        mask = np.zeros(n, dtype=bool)
        mask[arr] = True
    if mask.sum() < 3 or (~mask).sum() < 1:
        raise ValueError("train must leave at least 3 training and 1 held-out stimulus")
    return np.flatnonzero(mask), np.flatnonzero(~mask)


def cross_modal_scores(image_spaces, text_spaces, train, test_texts=None, dim=None, n_iter: int = 1000,
                       tol: float = 1e-8, seed=0) -> np.ndarray:
    """Image–text similarity scores through a universal space fitted on training stimuli only.

    All image and text spaces of the training stimuli are aligned together by
    :func:`generalized_procrustes`. A held-out image is then embedded by every image space's map and
    the embeddings are averaged; a text likewise through the text spaces; the score of an image and
    a text is the cosine of the two (Saha, He & Khosla 2026: post-hoc aligned unimodal models as an
    image–text scorer). Nothing of the held-out stimuli is used in the fit.

    Parameters
    ----------
    image_spaces : list of array-like, shapes (n, d_i)
        Features of the ``n`` stimuli' images, one array per vision model or layer.
    text_spaces : list of array-like, shapes (n, d_j)
        Embeddings of the same stimuli' texts (e.g. the mean of each scene's captions), one array
        per language model or layer.
    train : array-like of bool (n,) or of int
        The training stimuli; the others are held out and scored.
    test_texts : list of array-like, shapes (m, d_j), optional
        Texts to score instead of the held-out stimuli' own rows of ``text_spaces`` (e.g. single
        captions or other writers' captions), embedded by the same models, one array per text space.
    dim, n_iter, tol, seed : see :func:`generalized_procrustes`.

    Returns
    -------
    numpy.ndarray, shape (n_test, n_test) or (n_test, m)
        Cosine scores, held-out images (in stimulus order) by texts.
    """
    image_spaces = _check_spaces(image_spaces, "image_spaces", min_spaces=1)
    text_spaces = _check_spaces(text_spaces, "text_spaces", min_spaces=1)
    spaces = image_spaces + text_spaces
    if text_spaces[0].shape[0] != image_spaces[0].shape[0]:
        raise ValueError(f"image_spaces and text_spaces describe {image_spaces[0].shape[0]} and "
                         f"{text_spaces[0].shape[0]} stimuli; they must be the same stimuli")
    tr, te = _check_split(train, spaces[0].shape[0])
    n_img = len(image_spaces)
    if test_texts is None:
        test_texts = [T[te] for T in text_spaces]
    else:
        if not isinstance(test_texts, (list, tuple)) or len(test_texts) != len(text_spaces):
            raise ValueError(f"test_texts must be a list with one array per text space ({len(text_spaces)})")
        test_texts = [check_matrix(T, f"test_texts[{j}]") for j, T in enumerate(test_texts)]
        for j, (T, S) in enumerate(zip(test_texts, text_spaces)):
            if T.shape[1] != S.shape[1] or T.shape[0] != test_texts[0].shape[0]:
                raise ValueError(f"test_texts[{j}] must have shape (m, {S.shape[1]}) with the same m for every space")
    _, maps = generalized_procrustes([X[tr] for X in spaces], dim=dim, n_iter=n_iter, tol=tol, seed=seed)
    means = [X[tr].mean(0) for X in spaces]
    img = np.mean([(X[te] - mu) @ M for X, mu, M in zip(spaces[:n_img], means, maps)], axis=0)
    txt = np.mean([(T - mu) @ M for T, mu, M in zip(test_texts, means[n_img:], maps[n_img:])], axis=0)
    return _unit_rows(img) @ _unit_rows(txt).T


def caption_agreement(embeddings) -> np.ndarray:
    """How much the writers of each item agree: mean pairwise cosine of its texts' embeddings.

    Parameters
    ----------
    embeddings : array-like, shape (n, m, d)
        ``m >= 2`` texts (e.g. the five COCO captions) per item, embedded by one model.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Mean cosine over the ``m (m - 1) / 2`` pairs of each item's texts.
    """
    E = check_matrix(embeddings, "embeddings", ndim=3)
    if E.shape[1] < 2:
        raise ValueError(f"embeddings must hold at least 2 texts per item; got {E.shape[1]}")
    norm = np.linalg.norm(E, axis=2, keepdims=True)
    U = E / np.where(norm == 0, 1.0, norm)
    G = np.einsum("imd,ikd->imk", U, U)
    m = E.shape[1]
    return (G.sum(axis=(1, 2)) - np.einsum("imm->i", G)) / (m * (m - 1))


__all__ += ["INSTANCE_METHODS", "InstanceSimilarity", "generalized_procrustes", "instance_similarity",
            "cross_modal_scores", "caption_agreement"]


# ============================================================================================
# Layer sweeps, forced choice and exemplar averaging (chapter 7; He, Trott & Khosla 2025)
LAYER_METRICS = ("rsa", "cka", "mutual_knn")
DIRECTIONS = ("i2c", "c2i")
DIFFICULTIES = ("hard", "easy")


def _check_layers(layers, name: str) -> tuple[list, list]:
    if not isinstance(layers, dict) or not layers:
        raise TypeError(f"{name} must be a non-empty dict mapping layer names to (n, d) arrays")
    arrays = [check_matrix(v, f"{name}[{k!r}]", min_rows=4) for k, v in layers.items()]
    return [str(k) for k in layers], arrays


def _prepare(F: np.ndarray, metric: str):
    """Per-layer data every (re)sample is read from.

    rsa: the condensed correlation-distance RDM, its sort order and its groups of tied values (so
    that any weighting of the pairs can be ranked in linear time); cka: the Gram matrix;
    mutual_knn: the cosine-similarity matrix.
    """
    if metric == "rsa":
        from scipy.spatial.distance import pdist

        d = pdist(F, "correlation")
        order = np.argsort(d, kind="stable")
        ds = d[order]
        starts = np.flatnonzero(np.r_[True, ds[1:] != ds[:-1]])
        group = np.cumsum(np.r_[True, ds[1:] != ds[:-1]]) - 1   # tie group of each sorted position
        return F.shape[0], order, starts, group
    if metric == "cka":
        return F @ F.T
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


def _vector(P, metric: str, idx: np.ndarray, k: int, w=None) -> np.ndarray:
    """A unit-scaled vector of one layer on the (re)sampled items ``idx``: the score of two layers is their dot product.

    rsa: weighted, centred ranks of the dissimilarities over all pairs of distinct items (pairs of
    an item with its own bootstrap copy are dropped), so the dot product is Spearman's rho. cka: the
    double-centred Gram matrix over its norm (linear CKA; entries pairing an item with its own
    bootstrap copy are zeroed). mutual_knn: the k-NN indicator matrix over sqrt(n k) (a copy of an
    item is never its neighbour).
    """
    n = idx.size
    if metric == "rsa":
        return _rank_vector(P, _pair_weights(idx, P[0]) if w is None else w)
    sub = P[np.ix_(idx, idx)]
    if metric == "cka":
        sub = sub - sub.mean(0) - sub.mean(1)[:, None] + sub.mean()
        copies = (idx[:, None] == idx[None, :]) & ~np.eye(n, dtype=bool)
        if copies.any():  # an item and its copy agree perfectly in both spaces: leave those entries out
            sub[copies] = 0.0
        norm = np.linalg.norm(sub)
        return (sub / norm).ravel() if norm > 0 else np.full(n * n, np.nan)
    sub = np.where(idx[:, None] == idx[None, :], -np.inf, sub)
    nn = np.argpartition(-sub, k - 1, axis=1)[:, :k]
    a = np.zeros((n, n), dtype=np.float32)
    a[np.arange(n)[:, None], nn] = 1.0
    return a.ravel() / np.sqrt(n * k)


def _grid(prep_a: list, prep_b: list, metric: str, idx: np.ndarray, k: int) -> np.ndarray:
    w = _pair_weights(idx, prep_a[0][0]) if metric == "rsa" else None  # shared by every layer
    A = np.stack([_vector(p, metric, idx, k, w) for p in prep_a])
    B = np.stack([_vector(p, metric, idx, k, w) for p in prep_b])
    return A @ B.T


def _boot_grids(prep_a, prep_b, metric, idx, k, n_boot, rng, progress, desc="bootstrap") -> np.ndarray:
    """Scores of every layer pair on ``n_boot`` bootstrap resamples of the items ``idx``."""
    from ._progress import progress_bar

    out = np.empty((n_boot, len(prep_a), len(prep_b)))
    for b in progress_bar(range(n_boot), enabled=progress, desc=desc):
        out[b] = _grid(prep_a, prep_b, metric, idx[rng.integers(0, idx.size, idx.size)], k)
    return out


def _percentile_ci(dist: np.ndarray, confidence: float, axis: int = 0):
    alpha = (1 - confidence) / 2
    return np.nanquantile(dist, alpha, axis=axis), np.nanquantile(dist, 1 - alpha, axis=axis)


def _check_metric_k(metric: str, k: int, n: int) -> int:
    check_choice(metric, "metric", LAYER_METRICS)
    k = check_int(k, "k", minimum=1)
    if metric == "mutual_knn" and k > max(1, n // 4):
        raise ValueError(f"k must be <= {max(1, n // 4)} (a quarter of the {n} items) for mutual_knn; got {k}")
    return k



def _check_confidence(confidence) -> float:
    if not isinstance(confidence, (float, int)) or isinstance(confidence, bool) or not 0 < confidence < 1:
        raise ValueError(f"confidence must be a number in (0, 1); got {confidence!r}")
    return float(confidence)


def alignment_score(X, Y, metric: str = "rsa", k: int = 10) -> float:
    """One alignment score between two representations of the same items.

    ``"rsa"``: Spearman correlation of the two correlation-distance RDMs (as
    ``compare_rdms(compute_rdm(X), compute_rdm(Y))``); ``"cka"``: :func:`linear_cka`;
    ``"mutual_knn"``: :func:`mutual_knn` with ``k`` neighbours.
    """
    X, Y = _check_pair(X, Y, min_rows=4)
    k = _check_metric_k(metric, k, X.shape[0])
    idx = np.arange(X.shape[0])
    return float(_grid([_prepare(X, metric)], [_prepare(Y, metric)], metric, idx, k)[0, 0])


def bootstrap_alignment(X, Y, metric: str = "rsa", n_boot: int = 1000, seed=0, k: int = 10,
                        confidence: float = 0.95, progress: bool = False):
    """Alignment score with a bootstrap-over-items percentile interval.

    Items are resampled with replacement; an item's copies are never compared with each other (RSA
    drops their pairs, mutual k-NN never counts a copy as a neighbour). Two calls with the same
    ``seed`` on the same number of items draw the same resamples, so the difference of their
    ``distribution`` arrays is a *paired* bootstrap of the difference of two scores.

    Returns
    -------
    repalign.stats.BootstrapResult
        ``method="percentile"``.
    """
    from .stats import BootstrapResult

    X, Y = _check_pair(X, Y, min_rows=4)
    k = _check_metric_k(metric, k, X.shape[0])
    n_boot = check_int(n_boot, "n_boot", minimum=10)
    confidence = _check_confidence(confidence)
    rng = check_seed(seed)
    pa, pb = [_prepare(X, metric)], [_prepare(Y, metric)]
    idx = np.arange(X.shape[0])
    est = float(_grid(pa, pb, metric, idx, k)[0, 0])
    dist = _boot_grids(pa, pb, metric, idx, k, n_boot, rng, progress)[:, 0, 0]
    lo, hi = _percentile_ci(dist, confidence)
    return BootstrapResult(est, float(lo), float(hi), float(np.nanstd(dist, ddof=1)), dist, confidence, "percentile")


@dataclass(frozen=True)
class LayerAlignmentResult:
    """Scores of every (vision layer, text layer) pair, and a best pair chosen on held-out items.

    Attributes
    ----------
    metric : str
    vision_names, text_names : list of str
        Row and column labels.
    scores, ci_low, ci_high : numpy.ndarray, shape (n_vision, n_text)
        Scores on all items and their bootstrap-over-items percentile interval.
    selection_scores, test_scores : numpy.ndarray, shape (n_vision, n_text)
        Scores on the selection items and on the held-out test items.
    best : tuple of str
        ``(vision layer, text layer)`` with the highest score on the selection items.
    selection_score : float
        That pair's score on the selection items (optimistic: it was chosen there).
    heldout_score : float
        That pair's score on the test items: the number to report.
    heldout_ci : tuple of float
        Bootstrap-over-test-items percentile interval of ``heldout_score``.
    in_sample_best : tuple of str
        The pair that is best on *all* items (what selecting and reporting on the same data picks).
    in_sample_score : float
        Its score on all items.
    select_idx, test_idx : numpy.ndarray of int
        The two disjoint item sets.
    n_boot, confidence, k :
        Settings.
    """

    metric: str
    vision_names: list
    text_names: list
    scores: np.ndarray = field(repr=False)
    ci_low: np.ndarray = field(repr=False)
    ci_high: np.ndarray = field(repr=False)
    selection_scores: np.ndarray = field(repr=False)
    test_scores: np.ndarray = field(repr=False)
    best: tuple = ()
    selection_score: float = float("nan")
    heldout_score: float = float("nan")
    heldout_ci: tuple = ()
    in_sample_best: tuple = ()
    in_sample_score: float = float("nan")
    select_idx: np.ndarray = field(default=None, repr=False)
    test_idx: np.ndarray = field(default=None, repr=False)
    n_boot: int = 0
    confidence: float = 0.95
    k: int = 10

    def table(self, which: str = "scores"):
        """A pandas DataFrame (vision layers x text layers) of ``scores``, ``selection_scores`` or ``test_scores``."""
        import pandas as pd

        check_choice(which, "which", ("scores", "selection_scores", "test_scores", "ci_low", "ci_high"))
        return pd.DataFrame(getattr(self, which), index=self.vision_names, columns=self.text_names)


def layer_alignment(vision_layers, text_layers, metric: str = "rsa", select_on="half", n_boot: int = 100,
                    k: int = 10, seed=0, confidence: float = 0.95, progress: bool = True) -> LayerAlignmentResult:
    """Alignment of every vision layer with every text layer, with a best pair chosen on held-out items.

    Picking the best of many layer pairs and reporting its score on the same items inflates the
    score (the maximum of noisy estimates). Here the pair is chosen on one set of items
    (``select_on``) and its score is reported on the others.

    Parameters
    ----------
    vision_layers, text_layers : dict of str -> array-like, shape (n, d_layer)
        Features of the same ``n`` items (same order) per layer, e.g. from
        ``image_features(images, layer=[...])`` and ``encode_text(captions, layer=[...])``.
    metric : {"rsa", "cka", "mutual_knn"}
        See :func:`alignment_score`.
    select_on : "half" or array-like of int
        ``"half"``: a random half of the items (seeded) selects, the other half tests. An index
        array names the selection items explicitly; the remaining items test.
    n_boot : int
        Bootstrap resamples of the items for the intervals (``>= 10``).
    k : int
        Neighbours for ``"mutual_knn"`` (at most a quarter of the smaller item set).
    seed : int or numpy.random.Generator
        Seeds the split and the bootstrap.
    confidence : float
        Level of the percentile intervals.
    progress : bool
        Show a progress bar over bootstrap resamples.

    Returns
    -------
    LayerAlignmentResult
    """
    v_names, v_arrays = _check_layers(vision_layers, "vision_layers")
    t_names, t_arrays = _check_layers(text_layers, "text_layers")
    n = v_arrays[0].shape[0]
    for name, arrays in (("vision_layers", v_arrays), ("text_layers", t_arrays)):
        bad = [nm for nm, a in zip(v_names if arrays is v_arrays else t_names, arrays) if a.shape[0] != n]
        if bad:
            raise ValueError(f"{name}[{bad[0]!r}] has a different number of items than the others (expected {n})")
    check_choice(metric, "metric", LAYER_METRICS)
    n_boot = check_int(n_boot, "n_boot", minimum=10)
    confidence = _check_confidence(confidence)
    rng = check_seed(seed)
    if isinstance(select_on, str):
        check_choice(select_on, "select_on", ("half",))
        select_idx = np.sort(rng.permutation(n)[: n // 2])
    else:
        select_idx = np.asarray(select_on)
        if select_idx.ndim != 1 or select_idx.size == 0 or not np.issubdtype(select_idx.dtype, np.integer):
            raise TypeError("select_on must be 'half' or a 1-D array of item indices")
        if select_idx.min() < 0 or select_idx.max() >= n or np.unique(select_idx).size != select_idx.size:
            raise ValueError(f"select_on must hold distinct indices in [0, {n})")
        select_idx = np.sort(select_idx)
    test_idx = np.setdiff1d(np.arange(n), select_idx)
    if min(select_idx.size, test_idx.size) < 4:
        raise ValueError(f"select_on leaves {select_idx.size} selection and {test_idx.size} test items; both need >= 4")
    k = _check_metric_k(metric, k, min(select_idx.size, test_idx.size))

    pv = [_prepare(a, metric) for a in v_arrays]
    pt = [_prepare(a, metric) for a in t_arrays]
    scores = _grid(pv, pt, metric, np.arange(n), k)
    lo, hi = _percentile_ci(_boot_grids(pv, pt, metric, np.arange(n), k, n_boot, rng, progress), confidence)
    sel = _grid(pv, pt, metric, select_idx, k)
    test = _grid(pv, pt, metric, test_idx, k)
    bi, bj = np.unravel_index(np.nanargmax(sel), sel.shape)
    dist = _boot_grids([pv[bi]], [pt[bj]], metric, test_idx, k, n_boot, rng, False)[:, 0, 0]
    ai, aj = np.unravel_index(np.nanargmax(scores), scores.shape)
    return LayerAlignmentResult(
        metric=metric, vision_names=v_names, text_names=t_names, scores=scores, ci_low=lo, ci_high=hi,
        selection_scores=sel, test_scores=test, best=(v_names[bi], t_names[bj]),
        selection_score=float(sel[bi, bj]), heldout_score=float(test[bi, bj]),
        heldout_ci=tuple(float(x) for x in _percentile_ci(dist, confidence)),
        in_sample_best=(v_names[ai], t_names[aj]), in_sample_score=float(scores[ai, aj]),
        select_idx=select_idx, test_idx=test_idx, n_boot=n_boot, confidence=confidence, k=k)


# --------------------------------------------------------------------------------------------
# forced choice
def category_distractors(categories, difficulty: str = "hard", n_distractors: int = 1, per_target=1,
                         seed=0) -> np.ndarray:
    """Forced-choice trials whose distractors do or do not share a COCO category with the target.

    Parameters
    ----------
    categories : sequence of sequences of str
        Category labels per scene (e.g. ``StimulusSet.categories``).
    difficulty : {"hard", "easy"}
        ``"hard"``: every distractor shares at least one category with the target scene;
        ``"easy"``: none does. Scenes without categories are never targets or distractors.
    n_distractors : int
        Distractors per trial (chance is ``1 / (1 + n_distractors)``).
    per_target : int or None
        Trials per target scene, each with its own distinct distractors drawn at random; ``None``
        (only with ``n_distractors=1``) makes one trial for *every* admissible distractor.
    seed : int or numpy.random.Generator

    Returns
    -------
    numpy.ndarray of int, shape (n_trials, 1 + n_distractors)
        Column 0 the target scene, the others its distractors. Targets with too few admissible
        distractors get no trial.
    """
    if isinstance(categories, str) or not hasattr(categories, "__len__") or len(categories) < 2:
        raise ValueError("categories must be a sequence of category lists, one per scene (at least 2)")
    sets = []
    for i, cs in enumerate(categories):
        if isinstance(cs, str) or not hasattr(cs, "__iter__"):
            raise TypeError(f"categories[{i}] must be a list of category names; got {type(cs).__name__}")
        sets.append(set(cs))
    check_choice(difficulty, "difficulty", DIFFICULTIES)
    n_distractors = check_int(n_distractors, "n_distractors", minimum=1)
    if per_target is None:
        if n_distractors != 1:
            raise ValueError("per_target=None (every admissible distractor) needs n_distractors=1")
    else:
        per_target = check_int(per_target, "per_target", minimum=1)
    rng = check_seed(seed)
    n = len(sets)
    trials = []
    for t in range(n):
        if not sets[t]:
            continue
        ok = np.array([j != t and bool(sets[j]) and (bool(sets[t] & sets[j]) == (difficulty == "hard"))
                       for j in range(n)])
        pool = np.flatnonzero(ok)
        if per_target is None:
            trials.extend([t, int(j)] for j in pool)
            continue
        if pool.size < n_distractors * per_target:
            continue
        pick = rng.choice(pool, size=n_distractors * per_target, replace=False).reshape(per_target, n_distractors)
        trials.extend([t, *map(int, row)] for row in pick)
    if not trials:
        raise ValueError(f"no scene has enough {difficulty} distractors for these settings")
    return np.array(trials, dtype=int)


@dataclass(frozen=True)
class ForcedChoiceResult:
    """Accuracy of a forced choice between a true partner and distractors (from :func:`forced_choice`).

    Attributes
    ----------
    accuracy : float
        Fraction of correct choices over all trials (and caption exemplars).
    ci : tuple of float
        Percentile interval from a bootstrap over target scenes (trials of one target are resampled
        together, so it is valid when a target has several trials or captions).
    ci_binomial : tuple of float
        Clopper–Pearson interval treating every choice as independent (exact for one trial per target
        and one caption per scene; too narrow otherwise).
    p_value : float
        One-sided binomial test of accuracy > chance, same independence assumption as ``ci_binomial``.
    chance : float
        ``1 / (1 + n_distractors)``.
    per_exemplar : numpy.ndarray, shape (m,)
        Accuracy separately for each caption exemplar (``m = 1`` for 2-D ``caption_emb``).
    correct : numpy.ndarray of bool, shape (n_trials, m)
    n_trials, n_targets : int
    direction : str
    """

    accuracy: float
    ci: tuple
    ci_binomial: tuple
    p_value: float
    chance: float
    per_exemplar: np.ndarray = field(repr=False)
    correct: np.ndarray = field(repr=False)
    n_trials: int = 0
    n_targets: int = 0
    direction: str = "i2c"

    def __repr__(self) -> str:
        return (f"ForcedChoiceResult({self.direction}: accuracy={self.accuracy:.3f} "
                f"[{self.ci[0]:.3f}, {self.ci[1]:.3f}], chance={self.chance:.3f}, {self.n_trials} trials)")


def forced_choice(image_emb, caption_emb, candidates, train, direction: str = "i2c", n_boot: int = 1000,
                  seed=0, confidence: float = 0.95, dim_match: str = "pca", normalize: bool = True) -> ForcedChoiceResult:
    """Pick the true partner among distractors, after a Procrustes map fitted on other scenes.

    A map ``R`` is fitted on the training pairs (:func:`procrustes`, centred with the training
    means). Test images are mapped into the caption space and compared by cosine similarity.
    ``"i2c"``: the image of the target scene chooses among the captions of the trial's scenes;
    ``"c2i"``: the target's caption chooses among their images. A choice is correct when the true
    partner scores strictly higher than every distractor (a tie counts as wrong).

    Parameters
    ----------
    image_emb : array-like, shape (n, dx)
        Test images.
    caption_emb : array-like, shape (n, dy) or (n, m, dy)
        Test captions; with ``m`` captions per scene every trial is run once per caption exemplar
        ``j`` (the options are the scenes' captions ``j``), the many-to-many setting.
    candidates : array-like of int, shape (n_trials, 1 + n_distractors)
        Trials: column 0 the target scene, the others distractor scenes (see
        :func:`category_distractors`); indices into the test scenes, distinct within a row.
    train : tuple of two array-likes, shapes (n_train, dx) and (n_train, dy)
        Training images and captions (other scenes than the test ones) for the map.
    direction : {"i2c", "c2i"}
    n_boot : int
        Bootstrap resamples of target scenes for ``ci``.
    seed : int or numpy.random.Generator
    confidence : float
    dim_match : {"pca", "pad"}
        See :func:`procrustes`.
    normalize : bool
        Scale every embedding to unit length before fitting and comparing.

    Returns
    -------
    ForcedChoiceResult
    """
    from scipy.stats import binomtest

    img = check_matrix(image_emb, "image_emb", min_rows=2)
    cap = np.asarray(caption_emb)
    if cap.ndim == 2:
        cap = check_matrix(cap, "caption_emb", min_rows=2)[:, None, :]
    elif cap.ndim == 3:
        cap = check_matrix(cap.reshape(cap.shape[0], -1), "caption_emb", min_rows=2).reshape(cap.shape)
    else:
        raise ValueError(f"caption_emb must be 2-D (n, d) or 3-D (n, m, d); got shape {cap.shape}")
    if cap.shape[0] != img.shape[0]:
        raise ValueError(f"image_emb and caption_emb must describe the same scenes; got {img.shape[0]} and {cap.shape[0]}")
    if not isinstance(train, (tuple, list)) or len(train) != 2:
        raise TypeError("train must be a tuple (train_image_emb, train_caption_emb)")
    Xtr = check_matrix(train[0], "train[0]", min_rows=3)
    Ytr = check_matrix(train[1], "train[1]", min_rows=3)
    if Xtr.shape[0] != Ytr.shape[0]:
        raise ValueError(f"train pairs must have the same number of rows; got {Xtr.shape[0]} and {Ytr.shape[0]}")
    if Xtr.shape[1] != img.shape[1] or Ytr.shape[1] != cap.shape[2]:
        raise ValueError(f"train widths ({Xtr.shape[1]}, {Ytr.shape[1]}) must match image_emb and caption_emb "
                         f"({img.shape[1]}, {cap.shape[2]})")
    trials = np.asarray(candidates)
    if trials.ndim != 2 or trials.shape[1] < 2 or trials.shape[0] == 0 or not np.issubdtype(trials.dtype, np.integer):
        raise ValueError("candidates must be a 2-D integer array (n_trials, 1 + n_distractors) with >= 1 distractor")
    if trials.min() < 0 or trials.max() >= img.shape[0]:
        raise ValueError(f"candidates must index the {img.shape[0]} test scenes")
    if any(np.unique(row).size != row.size for row in trials):
        raise ValueError("candidates rows must hold distinct scenes (a distractor equal to its target, or repeated)")
    check_choice(direction, "direction", DIRECTIONS)
    check_choice(dim_match, "dim_match", DIM_MATCH)
    n_boot = check_int(n_boot, "n_boot", minimum=10)
    confidence = _check_confidence(confidence)
    rng = check_seed(seed)

    if normalize:
        img, Xtr, Ytr = _unit_rows(img), _unit_rows(Xtr), _unit_rows(Ytr)
        cap = _unit_rows(cap.reshape(-1, cap.shape[2])).reshape(cap.shape)
    R = _procrustes(Xtr, Ytr, True, False, dim_match)
    mapped = _unit_rows((img - Xtr.mean(0)) @ R)
    capc = _unit_rows((cap - Ytr.mean(0)).reshape(-1, cap.shape[2])).reshape(cap.shape)
    m = cap.shape[1]
    correct = np.empty((trials.shape[0], m), dtype=bool)
    for j in range(m):
        c = capc[:, j, :]
        if direction == "i2c":   # the target image against each option's caption j
            s = np.einsum("td,tod->to", mapped[trials[:, 0]], c[trials])
        else:                    # the target's caption j against each option's image
            s = np.einsum("td,tod->to", c[trials[:, 0]], mapped[trials])
        correct[:, j] = s[:, 0] > s[:, 1:].max(axis=1)

    chance = 1.0 / trials.shape[1]
    k, total = int(correct.sum()), correct.size
    targets, inv = np.unique(trials[:, 0], return_inverse=True)
    hits = np.bincount(inv, weights=correct.sum(1), minlength=targets.size)
    counts = np.bincount(inv, minlength=targets.size) * m
    draws = rng.integers(0, targets.size, (n_boot, targets.size))
    lo, hi = _percentile_ci(hits[draws].sum(1) / counts[draws].sum(1), confidence)
    test = binomtest(k, total, chance, alternative="greater")
    ci_b = test.proportion_ci(confidence_level=confidence, method="exact")
    return ForcedChoiceResult(
        accuracy=k / total, ci=(float(lo), float(hi)), ci_binomial=(float(ci_b.low), float(ci_b.high)),
        p_value=float(test.pvalue), chance=chance, per_exemplar=correct.mean(0), correct=correct,
        n_trials=int(trials.shape[0]), n_targets=int(targets.size), direction=direction)


# --------------------------------------------------------------------------------------------
# exemplar averaging
@dataclass(frozen=True)
class ExemplarResult:
    """Alignment against the number of exemplars averaged per item (from :func:`exemplar_average`).

    Attributes
    ----------
    counts : numpy.ndarray of int
        ``1 .. m``.
    scores : numpy.ndarray, shape (m, n_draws)
        Score for each count and each random draw of which exemplars are averaged.
    mean, sd : numpy.ndarray, shape (m,)
        Mean and standard deviation over draws.
    gain : float
        Score with all ``m`` exemplars averaged minus the mean score of single exemplars.
    gain_ci : tuple of float
        Paired bootstrap-over-items percentile interval of ``gain``.
    side : str
        ``"images"`` or ``"captions"``: which side was averaged.
    metric : str
    """

    counts: np.ndarray
    scores: np.ndarray = field(repr=False)
    mean: np.ndarray = field(repr=False)
    sd: np.ndarray = field(repr=False)
    gain: float = float("nan")
    gain_ci: tuple = ()
    side: str = "captions"
    metric: str = "rsa"

    def curve(self) -> dict:
        """``{count: (mean, sd)}``, e.g. for ``plotting.curves_with_bands``."""
        return {int(c): (float(m), float(s)) for c, m, s in zip(self.counts, self.mean, self.sd)}


def exemplar_average(image_emb, caption_emb, metric: str = "rsa", n_draws: int = 20, n_boot: int = 200,
                     k: int = 10, seed=0, confidence: float = 0.95) -> ExemplarResult:
    """Alignment as a function of how many exemplars of each item are averaged.

    Exactly one side carries exemplars: ``caption_emb`` of shape ``(n, m, d)`` (``m`` captions per
    scene) or ``image_emb`` of shape ``(n, m, d)`` (``m`` views per image). For each count
    ``c = 1..m`` and each of ``n_draws`` draws, ``c`` of the ``m`` exemplars are chosen at random for
    every item (independently per item), averaged, and the result is scored against the other side.

    Parameters
    ----------
    image_emb, caption_emb : array-like
        One of shape ``(n, m, d)``, the other ``(n, d)``.
    metric : {"rsa", "cka", "mutual_knn"}
    n_draws : int
        Random exemplar subsets per count (the count ``m`` has only one subset; it is repeated).
    n_boot : int
        Bootstrap resamples of items for ``gain_ci``.
    k : int
        Neighbours for ``"mutual_knn"``.
    seed : int or numpy.random.Generator
    confidence : float

    Returns
    -------
    ExemplarResult
    """
    a, b = np.asarray(image_emb), np.asarray(caption_emb)
    if (a.ndim == 3) == (b.ndim == 3) or {a.ndim, b.ndim} != {2, 3}:
        raise ValueError(f"exactly one of image_emb and caption_emb must be 3-D (n, m, d), the other 2-D; "
                         f"got shapes {a.shape} and {b.shape}")
    side = "images" if a.ndim == 3 else "captions"
    ex, other = (a, b) if side == "images" else (b, a)
    ex_name, other_name = ("image_emb", "caption_emb") if side == "images" else ("caption_emb", "image_emb")
    ex = check_matrix(ex.reshape(ex.shape[0], -1), ex_name, min_rows=4).reshape(ex.shape)
    other = check_matrix(other, other_name, min_rows=4)
    if ex.shape[0] != other.shape[0]:
        raise ValueError(f"image_emb and caption_emb must describe the same items; got {a.shape[0]} and {b.shape[0]}")
    n, m = ex.shape[:2]
    if m < 2:
        raise ValueError(f"{ex_name} needs at least 2 exemplars per item; got {m}")
    k = _check_metric_k(metric, k, n)
    n_draws = check_int(n_draws, "n_draws", minimum=1)
    n_boot = check_int(n_boot, "n_boot", minimum=10)
    confidence = _check_confidence(confidence)
    rng = check_seed(seed)

    idx = np.arange(n)
    p_other = [_prepare(other, metric)]
    scores = np.empty((m, n_draws))
    for c in range(1, m + 1):
        for d in range(n_draws):
            pick = np.argsort(rng.random((n, m)), axis=1)[:, :c]
            avg = ex[np.arange(n)[:, None], pick].mean(axis=1)
            scores[c - 1, d] = _grid([_prepare(avg, metric)], p_other, metric, idx, k)[0, 0]
    singles = [_prepare(ex[:, j], metric) for j in range(m)] + [_prepare(ex.mean(1), metric)]
    full = _grid(singles, p_other, metric, idx, k)[:, 0]
    boots = _boot_grids(singles, p_other, metric, idx, k, n_boot, rng, False)[:, :, 0]
    lo, hi = _percentile_ci(boots[:, -1] - boots[:, :-1].mean(1), confidence)
    return ExemplarResult(counts=np.arange(1, m + 1), scores=scores, mean=scores.mean(1), sd=scores.std(1),
                          gain=float(full[-1] - full[:-1].mean()), gain_ci=(float(lo), float(hi)), side=side, metric=metric)


__all__ += ["LAYER_METRICS", "alignment_score", "bootstrap_alignment", "LayerAlignmentResult", "layer_alignment",
            "category_distractors", "ForcedChoiceResult", "forced_choice", "ExemplarResult", "exemplar_average"]
