"""Null-calibrated alignment scores: a permutation null of the stimulus correspondence for every measure."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from repalign.alignment.measures import (
    _DOT,
    DISTANCE_MEASURES,
    _check_measure_k,
    _perm_index,
    _prepare,
    _score_states,
    _states,
)
from repalign.alignment.orthogonal import _check_pair
from repalign.core.validation import check_int, check_seed

__all__ = ["CalibratedScore", "calibrated_score"]


@dataclass(frozen=True)
class CalibratedScore:
    """A raw alignment score beside its permutation null (from :func:`calibrated_score`).

    Attributes
    ----------
    measure : str
    raw : float
        The score with the true stimulus correspondence.
    null_mean, null_sd : float
        Mean and standard deviation of the score with the rows of ``Y`` permuted.
    null_q95 : float
        The 95th percentile of the null (the 5th for a distance).
    calibrated : float
        ``(raw - null_mean) / (perfect - null_mean)``: 0 at chance, 1 for a perfect score
        (``perfect`` = 1 for similarities, 0 for distances), negative below chance.
    z : float
        ``(raw - null_mean) / null_sd`` (sign flipped for distances, so larger is better).
    p : float
        One-sided permutation p-value ``(1 + #{null at least as good as raw}) / (n_perm + 1)``.
    n_perm : int
    null : numpy.ndarray, shape (n_perm,)
        The null scores.
    """

    measure: str
    raw: float
    null_mean: float
    null_sd: float
    null_q95: float
    calibrated: float
    z: float
    p: float
    n_perm: int
    null: np.ndarray = field(repr=False)


def _calibrate(raw, null, measure: str) -> dict:
    """Calibrated score, z, p and null summaries of ``raw`` (any shape) against ``null`` (n_perm, *raw.shape)."""
    sign = -1.0 if measure in DISTANCE_MEASURES else 1.0
    perfect = 0.0 if measure in DISTANCE_MEASURES else 1.0
    raw = np.asarray(raw, dtype=float)
    mean, sd = np.nanmean(null, axis=0), np.nanstd(null, axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        calibrated = (raw - mean) / (perfect - mean)
        z = sign * (raw - mean) / sd
    p = (1 + np.sum(sign * null >= sign * raw - 1e-12, axis=0)) / (null.shape[0] + 1)
    q95 = np.nanquantile(null, 0.05 if sign < 0 else 0.95, axis=0)
    return {"null_mean": mean, "null_sd": sd, "null_q95": q95, "calibrated": calibrated, "z": z, "p": p}


def _null_grid(states_a: list, states_b: list, measure: str, n: int, n_perm: int, rng) -> np.ndarray:
    """Scores of every pair of states with the items of the ``B`` side permuted, ``n_perm`` times."""
    out = np.empty((n_perm, len(states_a), len(states_b)))
    if measure in _DOT:  # the states are vectors: stack them once, reorder the B side by indexing
        a, b = np.stack(states_a), np.stack(states_b)
        for i in range(n_perm):
            out[i] = a @ np.take(b, _perm_index(measure, rng.permutation(n)), axis=1).T
        return out
    for i in range(n_perm):
        out[i] = _score_states(states_a, states_b, measure, rng.permutation(n))
    return out


def calibrated_score(X, Y, *, measure: str = "rsa", n_perm: int = 200, k: int = 10, seed=0) -> CalibratedScore:
    """An alignment score, its permutation null and a chance-calibrated score.

    The null shuffles the stimulus correspondence: the rows of ``Y`` are permuted (``n_perm``
    times), which keeps each space's own geometry (its width, spectrum and clustering) and breaks
    only the pairing. That matters because similarity scores grow with width and depth even between
    unrelated spaces (arXiv:2602.14486): linear CKA between independent random spaces is far above 0
    when the width is not small relative to the number of items, SVCCA approaches 1 when the kept
    dimensions approach the number of items, and mutual k-NN's chance level is about ``k / (n - 1)``.
    A raw score is therefore only comparable across layers, models or item counts after its chance
    level is removed.

    The calibrated score is ``(raw - null_mean) / (perfect - null_mean)`` with ``perfect`` = 1 for
    similarities and 0 for distances (the chance correction of Cohen's kappa and the adjusted Rand
    index). It is 0 at chance and 1 for a perfect score, keeps the measure's scale free of the
    chance level, and, unlike a z-score, does not grow with the number of items merely because the
    null narrows (``z`` and ``p`` are reported beside it for testing).

    Parameters
    ----------
    X, Y : array-like, shapes (n, dx) and (n, dy)
        Two representations of the same ``n >= 4`` items.
    measure : str
        One of :data:`~repalign.alignment.MEASURES` (see :func:`~repalign.alignment.alignment_score`).
    n_perm : int
        Permutations of the rows of ``Y`` (``>= 10``).
    k : int
        Neighbours for ``"mutual_knn"`` and ``"cknna"``.
    seed : int or numpy.random.Generator
        Seeds the permutations.

    Returns
    -------
    CalibratedScore
    """
    X, Y = _check_pair(X, Y, min_rows=4)
    k = _check_measure_k(measure, k, X.shape[0])
    n_perm = check_int(n_perm, "n_perm", minimum=10)
    rng = check_seed(seed)
    idx = np.arange(X.shape[0])
    sa = _states([_prepare(X, measure, "X")], measure, idx, k)
    sb = _states([_prepare(Y, measure, "Y")], measure, idx, k)
    raw = float(_score_states(sa, sb, measure)[0, 0])
    if np.isnan(raw):
        raise ValueError(f"X or Y has no variation between items that {measure} can use: the score is undefined")
    null = _null_grid(sa, sb, measure, X.shape[0], n_perm, rng)[:, 0, 0]
    c = _calibrate(raw, null, measure)
    return CalibratedScore(
        measure=measure,
        raw=raw,
        n_perm=n_perm,
        null=null,
        **{key: float(v) for key, v in c.items()},
    )
