"""Cross-modal retrieval: nearest neighbour and CSLS, precision at k, cross-validated."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from repalign.alignment.fold_maps import _fold_queries, _run_folds, _shared_products
from repalign.alignment.orthogonal import DIM_MATCH, _check_pair, _haar_draw, _pca_basis, _unit_rows
from repalign.core.intervals import Interval, t_interval
from repalign.core.validation import check_choice, check_int, check_jobs, check_matrix, check_seed

__all__ = [
    "CANDIDATES",
    "RETRIEVAL_RULES",
    "RetrievalResult",
    "cv_retrieval",
    "hit_ranks",
    "precision_at_k",
    "retrieve",
]

#: Retrieval rules: cosine nearest neighbour, or cross-domain similarity local scaling.
RETRIEVAL_RULES = ("nn", "csls")

#: Candidate pools of :func:`cv_retrieval`.
CANDIDATES = ("test", "all")


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


# --------------------------------------------------------------------------------------------
# retrieval
def _scores(Q: np.ndarray, C: np.ndarray, rule: str, csls_k: int) -> np.ndarray:
    """Query-by-candidate score matrix: cosine, or CSLS without the per-query constant."""
    sim = _unit_rows(Q) @ _unit_rows(C).T
    if rule == "nn":
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


def retrieve(X_mapped, Y, k: int, *, rule: str = "nn", csls_k: int = 10) -> np.ndarray:
    """Rank the candidates ``Y`` for each query row of ``X_mapped``.

    Parameters
    ----------
    X_mapped : array-like, shape (n_queries, d)
        Queries already in ``Y``'s space (e.g. ``Procrustes().fit(X, Y).transform(X_new)``).
    Y : array-like, shape (n_candidates, d)
        Candidates.
    k : int
        Number of candidates to return per query (``1 <= k <= n_candidates``).
    rule : {"nn", "csls"}
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
    check_choice(rule, "rule", RETRIEVAL_RULES)
    k = check_int(k, "k", minimum=1)
    if k > C.shape[0]:
        raise ValueError(f"k must be <= the number of candidates ({C.shape[0]}); got {k}")
    csls_k = check_int(csls_k, "csls_k", minimum=1)
    s = _scores(Q, C, rule, csls_k)
    return np.argsort(-s, axis=1, kind="stable")[:, :k]


def hit_ranks(X_mapped, Y, *, rule: str = "nn", csls_k: int = 10, targets=None) -> np.ndarray:
    """0-based rank of each query's true candidate (``targets[i]``, default ``i``) among all candidates.

    Ties count against the query (a tie with the true candidate ranks it lower), so a
    constant score gives the worst rank, never a lucky hit.

    Parameters
    ----------
    X_mapped : array-like, shape (n_queries, d)
        Queries already in ``Y``'s space.
    Y : array-like, shape (n_candidates, d)
        Candidates.
    rule : {"nn", "csls"}
        See :func:`retrieve`.
    csls_k : int
        Neighbourhood size of CSLS.
    targets : array-like of int, shape (n_queries,), optional
        The true candidate of each query (default: query ``i`` is candidate ``i``).

    Returns
    -------
    numpy.ndarray of int, shape (n_queries,)
    """
    Q, C = _check_query_candidates(X_mapped, Y)
    check_choice(rule, "rule", RETRIEVAL_RULES)
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
    return _ranks(_scores(Q, C, rule, csls_k), targets)


def _ranks(s: np.ndarray, targets: np.ndarray) -> np.ndarray:
    true = s[np.arange(s.shape[0]), targets][:, None]
    return (s >= true).sum(axis=1) - 1


def precision_at_k(ranks, ks) -> dict:
    """``{k: fraction of ranks < k}`` for 0-based hit ranks.

    Parameters
    ----------
    ranks : array-like of int, shape (n,)
        0-based hit ranks (e.g. :func:`hit_ranks`, ``RetrievalResult.ranks``).
    ks : int or sequence of int
        Cut-offs.

    Returns
    -------
    dict
        ``{k: P@k}``, ``k`` ascending.
    """
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
        ``{k: Interval}``, a 95 % t-interval of the fold mean, clipped to [0, 1] (folds are not
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
    rule, n_folds, ks, candidates :
        The settings used.
    """

    precision: dict
    per_fold: dict
    ci: dict
    chance: dict
    pool: float
    baselines: dict
    baselines_per_fold: dict
    ranks: np.ndarray
    top: np.ndarray
    fold: np.ndarray
    rule: str = "nn"
    n_folds: int = 5
    ks: tuple = ()
    candidates: str = "test"

    def __repr__(self) -> str:
        parts = ", ".join(f"P@{k}={self.precision[k]:.3f} (chance {self.chance[k]:.3f})" for k in self.ks)
        return f"RetrievalResult({self.rule}, {self.n_folds} folds, pool {self.pool:.0f}: {parts})"

    def table(self):
        """A pandas DataFrame: one row per k with P@k, CI, chance and baselines.

        Returns
        -------
        pandas.DataFrame
            Index ``k``; columns ``P@k``, ``ci_low``, ``ci_high``, ``chance`` and one per baseline.
        """
        import pandas as pd

        rows = {
            k: {
                "P@k": self.precision[k],
                "ci_low": self.ci[k].low,
                "ci_high": self.ci[k].high,
                "chance": self.chance[k],
                **{b: v[k] for b, v in self.baselines.items()},
            }
            for k in self.ks
        }
        return pd.DataFrame(rows).T.rename_axis("k")


def _eval_queries(Q, Y, tr, te, rule, csls_k, candidates):
    """Rank every candidate for mapped queries ``Q``; returns (ranks, scores)."""
    if candidates == "test":
        C, targets = Y[te] - Y[tr].mean(0), np.arange(te.size)
    else:
        C, targets = Y - Y[tr].mean(0), te
    s = _scores(Q, C, rule, csls_k)
    return _ranks(s, targets), s


def cv_retrieval(
    X,
    Y,
    *,
    n_folds: int = 5,
    ks=(1, 5, 10, 30, 50, 100),
    rule: str = "nn",
    seed=0,
    csls_k: int = 10,
    dim_match: str = "pca",
    candidates: str = "test",
    normalize: bool = True,
    baselines: bool = True,
    n_components: int | None = None,
    n_jobs: int | None = None,
) -> RetrievalResult:
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
    rule : {"nn", "csls"}
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
    n_components : int, optional
        Matched width: in every fold, reduce *both* ``X`` and ``Y`` to their top ``n_components``
        principal axes, fitted on that fold's training items only, before fitting the map and ranking
        (so spaces of different widths are compared at the same width). ``None`` (default): no reduction
        beyond ``dim_match``.
    n_jobs : int, optional
        Threads that take folds in turn, each with one BLAS thread (``None``, the default: every core this
        process may use; ``1``: one fold after the other with BLAS as configured). The results do not depend
        on it: the random draws are made in fold order first.

    Returns
    -------
    RetrievalResult
    """
    from sklearn.model_selection import KFold

    X, Y = _check_pair(X, Y, min_rows=4)
    n = X.shape[0]
    n_folds = check_int(n_folds, "n_folds", minimum=2, maximum=n // 2)
    ks = _check_ks(ks)
    check_choice(rule, "rule", RETRIEVAL_RULES)
    check_choice(dim_match, "dim_match", DIM_MATCH)
    check_choice(candidates, "candidates", CANDIDATES)
    csls_k = check_int(csls_k, "csls_k", minimum=1)
    if n_components is not None:
        n_components = check_int(n_components, "n_components", minimum=1, maximum=min(X.shape[1], Y.shape[1]))
    n_jobs = check_jobs(n_jobs)
    rng = check_seed(seed)
    smallest_pool = n // n_folds if candidates == "test" else n
    if ks[-1] > smallest_pool:
        raise ValueError(f"ks must be <= the candidate pool ({smallest_pool} items); got k={ks[-1]}")
    if normalize:
        X, Y = _unit_rows(X), _unit_rows(Y)

    folds = list(KFold(n_folds, shuffle=True, random_state=int(rng.integers(2**31 - 1))).split(X))
    names = ("fitted", "shuffled", "random_orthogonal") if baselines else ("fitted",)
    if n_components is not None and (small := [tr.size for tr, _ in folds if n_components > tr.size - 1]):
        raise ValueError(f"n_components must be < the training fold size ({small[0]}); got {n_components}")
    # the random draws in fold order (as one fold after the other would make them), then folds in any order
    draws = [
        (
            rng.permutation(tr),
            _haar_draw(*((X.shape[1], Y.shape[1]) if n_components is None else (n_components,) * 2), rng),
        )
        if baselines
        else None
        for tr, _ in folds
    ]
    full = None if n_components is not None else _shared_products(X, Y, dim_match, folds)

    def one(f, svd=False):
        tr, te = folds[f]
        Xf, Yf = X, Y
        if n_components is not None:  # matched width: PCA of each side, fitted on the training items only
            Xf, Yf = (A - A[tr].mean(0) for A in (X, Y))
            Xf, Yf = Xf @ _pca_basis(Xf[tr], n_components), Yf @ _pca_basis(Yf[tr], n_components)
        queries, used_svd = _fold_queries(Xf, Yf, tr, te, dim_match, draws[f], full, svd)
        out = {}
        for b, Q in queries.items():
            r, sc = _eval_queries(Q, Yf, tr, te, rule, csls_k, candidates)
            out[b] = {k: np.mean(r < k) for k in ks}
            if b == "fitted":
                idx = np.argsort(-sc, axis=1, kind="stable")[:, : ks[-1]]
                out["_fitted"] = (r, sc.shape[1], te[idx] if candidates == "test" else idx)
        return out, used_svd

    results = _run_folds(one, len(folds), n_jobs, propagate_svd=full is not None)
    per_fold = {b: {k: np.array([res[b][k] for res, _ in results]) for k in ks} for b in names}
    ranks, fold_of = np.empty(n, dtype=int), np.empty(n, dtype=int)
    top = np.empty((n, ks[-1]), dtype=int)
    pools = np.empty(len(folds))
    for f, ((_, te), (res, _)) in enumerate(zip(folds, results)):
        r, pools[f], top[te] = res["_fitted"]
        ranks[te], fold_of[te] = r, f
    weights = np.array([te.size for _, te in folds]) / n
    return RetrievalResult(
        precision={k: float(np.sum(per_fold["fitted"][k] * weights)) for k in ks},
        per_fold=per_fold["fitted"],
        ci={k: _fold_interval(per_fold["fitted"][k]) for k in ks},
        chance={k: float(np.sum(k / pools * weights)) for k in ks},
        pool=float(np.sum(pools * weights)),
        baselines={b: {k: float(np.sum(per_fold[b][k] * weights)) for k in ks} for b in names if b != "fitted"},
        baselines_per_fold={b: per_fold[b] for b in names if b != "fitted"},
        ranks=ranks,
        top=top,
        fold=fold_of,
        rule=rule,
        n_folds=n_folds,
        ks=ks,
        candidates=candidates,
    )


def _fold_interval(values: np.ndarray) -> Interval:
    """95 % t-interval of the mean of per-fold proportions, clipped to [0, 1]."""
    return t_interval(values, 0.95, bounds=(0.0, 1.0))
