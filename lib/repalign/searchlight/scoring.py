"""Comparison of searchlight RDMs (one per row) with model RDMs: ranks and the ``method`` scores."""

from __future__ import annotations

import numpy as np

from repalign.searchlight.kernels import HAVE_NUMBA, _sorted_gather

__all__: list[str] = []


def _rank_rows(v, xp, torch):
    """Average ranks (1-based, ties averaged exactly as scipy.stats.rankdata) of each row of ``v``."""
    b, m = v.shape
    if torch is not None:
        sv, order = torch.sort(v, dim=1)
        new = torch.ones((b, m), dtype=torch.bool, device=v.device)
        new[:, 1:] = sv[:, 1:] != sv[:, :-1]
        pos = torch.arange(1, m + 1, dtype=torch.float64, device=v.device).expand(b, m)
        if bool(new.all()):
            ranks_sorted = pos
        else:  # average the positions inside each run of equal values
            gid = torch.cumsum(new, dim=1) - 1 + (torch.arange(b, device=v.device) * m)[:, None]
            gid = gid.reshape(-1)
            tot = torch.zeros(b * m, dtype=torch.float64, device=v.device).index_add_(0, gid, pos.reshape(-1))
            cnt = torch.zeros(b * m, dtype=torch.float64, device=v.device).index_add_(
                0, gid, torch.ones(b * m, dtype=torch.float64, device=v.device)
            )
            ranks_sorted = (tot[gid] / cnt[gid]).reshape(b, m)
        ranks = torch.empty((b, m), dtype=torch.float64, device=v.device)
        ranks.scatter_(1, order, ranks_sorted)
        return ranks
    order = np.argsort(v, axis=1, kind="stable")
    sv = np.take_along_axis(v, order, 1)
    new = np.ones((b, m), dtype=bool)
    new[:, 1:] = sv[:, 1:] != sv[:, :-1]
    pos = np.broadcast_to(np.arange(1, m + 1, dtype=np.float64), (b, m))
    if new.all():
        ranks_sorted = pos
    else:
        gid = (np.cumsum(new, axis=1) - 1 + (np.arange(b) * m)[:, None]).ravel()
        tot = np.bincount(gid, weights=pos.ravel(), minlength=b * m)
        cnt = np.bincount(gid, minlength=b * m)
        ranks_sorted = (tot[gid] / cnt[gid]).reshape(b, m)
    ranks = np.empty((b, m), dtype=np.float64)
    np.put_along_axis(ranks, order, ranks_sorted, 1)
    return ranks


def _rank_scores(v: np.ndarray, models: np.ndarray) -> np.ndarray:
    """Spearman correlations of each row of ``v`` (non-negative float64) with centred, unit-norm model ranks.

    The value bits of ``v`` (monotonic as integers for non-negative floats, the lowest ones dropped)
    go to the high bits of a uint64 key and the column index to the low bits, so one SIMD integer
    sort per row gives the order and exposes ties, which get their average rank as in
    ``scipy.stats.rankdata``. Ranks are never scattered back: the model values are gathered in
    sorted order instead.
    """
    b, m = v.shape
    ibits = _index_bits(m)
    key = v.view(np.uint64) >> np.uint64(ibits)
    key <<= np.uint64(ibits)
    key |= np.arange(m, dtype=np.uint64)
    return _sorted_key_scores(key, models, ibits)


def _index_bits(m: int) -> int:
    """Low bits of a sort key that hold the column index (of ``m`` columns)."""
    return max(1, int(m - 1).bit_length())


def _sorted_key_scores(key: np.ndarray, models: np.ndarray, ibits: int) -> np.ndarray:
    """:func:`_rank_scores` from the keys ``(b, m)`` (sorted here, in place)."""
    b, m = key.shape
    low = np.uint64((1 << ibits) - 1)
    # keys of non-negative finite floats order like the floats themselves, and numpy's SIMD sort of
    # float64 is faster than its uint64 sort: sort the keys as float64 (bits unchanged)
    key.view(np.float64).sort(axis=1)
    if HAVE_NUMBA:  # one pass: the model values in sorted order, and which rows hold ties
        gathered = np.empty((models.shape[1], b, m))
        has_tie = np.empty(b, dtype=bool)
        _sorted_gather(key, ibits, np.ascontiguousarray(models.T), gathered, has_tie)
        tied = np.flatnonzero(has_tie)
    else:
        order = np.bitwise_and(key, low).view(np.intp)
        # model by model (the same bits whatever the number of models): values in sorted order
        gathered = [np.take(np.ascontiguousarray(models[:, k]), order) for k in range(models.shape[1])]
        tied = np.flatnonzero((key[:, 1:] & ~low == key[:, :-1] & ~low).any(1))
    # rows without ties: the ranks are the positions 1..m, the same centred vector for every row
    pos = np.arange(1, m + 1, dtype=np.float64) - (m + 1) / 2.0
    norm = np.sqrt(pos @ pos)
    r = np.stack([g @ pos for g in gathered], axis=1) / norm
    if tied.size:
        vals = key[tied] & ~low  # the value bits alone
        new = np.ones((tied.size, m), dtype=bool)
        new[:, 1:] = vals[:, 1:] != vals[:, :-1]
        at = np.arange(m)
        first = np.maximum.accumulate(np.where(new, at, 0), axis=1)
        last_new = np.ones((tied.size, m), dtype=bool)
        last_new[:, :-1] = new[:, 1:]
        last = np.minimum.accumulate(np.where(last_new, at, m)[:, ::-1], axis=1)[:, ::-1]
        centred = (first + last) / 2.0 + 1.0 - (m + 1) / 2.0
        norm = np.sqrt(np.einsum("ij,ij->i", centred, centred))
        with np.errstate(divide="ignore", invalid="ignore"):  # all tied (an undefined sphere): NaN
            for k, g in enumerate(gathered):
                r[tied, k] = np.einsum("ij,ij->i", centred, g[tied]) / norm
    return r


_WHITENED = ("corr_cov", "cosine_cov")


def _double_centred_rows(v: np.ndarray) -> np.ndarray:
    """Each condensed row's square form ``D`` double-centred, ``H D H``, flattened: ``(b, n_items ** 2)``.

    The whitening of :func:`repalign.rdm.compare.compare_rdms`' ``"corr_cov"`` / ``"cosine_cov"``
    (rsatoolbox's, for i.i.d. pattern noise): the RDMs compared as the second-moment matrices they imply.
    """
    b, m = v.shape
    n = int(round((1 + np.sqrt(1 + 8 * m)) / 2))
    i, j = np.triu_indices(n, k=1)
    d = np.zeros((b, n, n))
    d[:, i, j] = v
    d[:, j, i] = v
    row = d.mean(axis=2, keepdims=True)
    d -= row
    d -= row.transpose(0, 2, 1)
    d += row.mean(axis=1, keepdims=True)
    return d.reshape(b, n * n)


def _model_columns(models: np.ndarray, method: str) -> np.ndarray:
    """Model RDMs ``(n_models, n_pairs)`` -> columns ready for :func:`_compare`.

    Spearman: centred unit-norm ranks; Pearson: centred unit norm; cosine: unit norm; rho-a:
    centred ranks times ``12 / (n³ - n)`` (rsatoolbox's ``compare_rho_a``); ``"corr_cov"`` (centred) and
    ``"cosine_cov"``: double-centred square forms, unit norm (``(n_items ** 2, n_models)``).
    """
    from scipy.stats import rankdata

    if method in _WHITENED:
        if method == "corr_cov":
            models = models - models.mean(1, keepdims=True)
        w = _double_centred_rows(np.asarray(models, dtype=np.float64))
        return (w / np.linalg.norm(w, axis=1, keepdims=True)).T.copy()

    if method in ("spearman", "rho_a"):
        models = np.apply_along_axis(rankdata, 1, models)
    if method != "cosine":
        models = models - models.mean(1, keepdims=True)
    if method == "rho_a":
        n = models.shape[1]
        return (models * (12.0 / (n**3 - n))).T.copy()
    return (models / np.linalg.norm(models, axis=1, keepdims=True)).T.copy()


def _compare(v: np.ndarray, models: np.ndarray, method: str, dtype: str) -> np.ndarray:
    """Scores ``(n_rows, n_models)`` of the RDM rows ``v`` (overwritten) against :func:`_model_columns`."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if method in _WHITENED:
            if method == "corr_cov":
                v = v - v.mean(1, keepdims=True)
            w = _double_centred_rows(np.asarray(v, dtype=np.float64))
            return (w @ models) / np.linalg.norm(w, axis=1)[:, None]
        if method == "spearman" and dtype == "float32" and not (v < 0).any():
            return _rank_scores(v, models)
        if method in ("spearman", "rho_a"):
            v = _rank_rows(v, np, None)
        if method != "cosine":
            v -= v.mean(1, keepdims=True)
        if method == "rho_a":
            return v @ models
        return (v @ models) / np.linalg.norm(v, axis=1)[:, None]
