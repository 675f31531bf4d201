"""How well a score matrix separates true from mismatched pairs: the pooled AUC with an interval over rows.

Used to judge image–text scorers (chapter 8): rows are images, columns texts, and ``truth`` marks each
image's own texts. The interval resamples images (rows), the unit the scores were drawn for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from repalign.core.intervals import Interval, check_level, percentile_interval
from repalign.core.validation import check_int, check_matrix, check_seed

__all__ = ["PooledAuc", "pooled_auc"]


@dataclass(frozen=True)
class PooledAuc:
    """A pooled ROC AUC over all (row, column) pairs, with a bootstrap interval over rows (from :func:`pooled_auc`).

    Attributes
    ----------
    auc : float
        The pooled AUC: the probability that a random true pair scores above a random mismatched pair
        (ties count one half), over all entries; equal to ``sklearn.metrics.roc_auc_score(truth.ravel(),
        scores.ravel())``.
    ci : Interval
        Percentile bootstrap interval of the pooled AUC, resampling rows with replacement (NaN bounds when
        ``n_boot=0``).
    per_row : numpy.ndarray, shape (n_rows,)
        The AUC of each row on its own (its true columns against its mismatched ones).
    per_row_mean : float
        The mean of ``per_row`` (a different statistic from ``auc``: every row weighs the same).
    per_row_ci : Interval
        Percentile bootstrap interval of ``per_row_mean`` over the same resampled rows.
    distribution : numpy.ndarray, shape (n_boot,)
        The bootstrap samples of the pooled AUC. Two calls with the same ``seed`` and the same number of
        rows resample the same rows, so differences of two distributions give a paired interval.
    """

    auc: float
    ci: Interval
    per_row: np.ndarray = field(repr=False)
    per_row_mean: float
    per_row_ci: Interval
    distribution: np.ndarray = field(repr=False)


def _row_counts(scores: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every true entry p and row r: the mismatched entries of r that p beats (ties 1/2)."""
    pos_row, pos_col = np.nonzero(truth)
    pos = scores[pos_row, pos_col]
    counts = np.empty((pos.size, scores.shape[0]))
    n_neg = np.empty(scores.shape[0])
    for r in range(scores.shape[0]):
        neg = np.sort(scores[r, ~truth[r]])
        n_neg[r] = neg.size
        below = np.searchsorted(neg, pos, side="left")
        ties = np.searchsorted(neg, pos, side="right") - below
        counts[:, r] = below + 0.5 * ties
    return counts, n_neg, pos_row


def pooled_auc(scores, truth, *, n_boot: int = 1000, level: float = 0.95, seed=0) -> PooledAuc:
    """Pooled ROC AUC of a score matrix, with a bootstrap interval that resamples rows.

    Every entry ``scores[i, j]`` is a pair (row item ``i``, column item ``j``); ``truth[i, j]`` says
    whether it is a true pair. The pooled AUC ranks all entries together; its interval resamples the
    rows (e.g. images) with replacement, keeping all columns of each drawn row, and recomputes the pooled
    AUC exactly (a drawn row counts as often as it is drawn). The mean per-row AUC and its interval come
    from the same resamples, so the two statistics are never mixed up.

    Parameters
    ----------
    scores : array-like, shape (n_rows, n_cols)
        Finite scores; higher means more likely a true pair.
    truth : array-like of bool, shape (n_rows, n_cols)
        True pairs; every row needs at least one true and one mismatched entry.
    n_boot : int
        Bootstrap resamples of the rows (0 skips the intervals).
    level : float
        Confidence level of the intervals.
    seed : int or numpy.random.Generator
        Seeds the resampling.

    Returns
    -------
    PooledAuc

    Raises
    ------
    TypeError
        If ``truth`` is not a boolean array.
    ValueError
        If ``truth`` has another shape than ``scores``, or a row lacks a true or a mismatched entry.
    """
    scores = check_matrix(scores, "scores", min_rows=2)
    truth = np.asarray(truth)
    if truth.dtype != bool:
        raise TypeError(f"truth must be a boolean array; got dtype {truth.dtype}")
    if truth.shape != scores.shape:
        raise ValueError(f"truth must have the shape of scores {scores.shape}; got {truth.shape}")
    n_true = truth.sum(1)
    if np.any(n_true == 0) or np.any(n_true == truth.shape[1]):
        bad = int(np.flatnonzero((n_true == 0) | (n_true == truth.shape[1]))[0])
        raise ValueError(f"truth row {bad} must hold at least one true and one mismatched pair")
    n_boot = check_int(n_boot, "n_boot", minimum=0)
    level = check_level(level, "level")
    rng = check_seed(seed)

    counts, n_neg, pos_row = _row_counts(scores, truth)
    n_rows = scores.shape[0]
    row_of_count = counts[np.arange(pos_row.size), pos_row]  # each true entry against its own row
    per_row = np.bincount(pos_row, weights=row_of_count, minlength=n_rows) / (n_true * n_neg)

    def _pooled(w: np.ndarray) -> np.ndarray:  # w: (b, n_rows) multiplicities
        num = np.einsum("bp,pr,br->b", w[:, pos_row], counts, w)
        den = (w @ n_true) * (w @ n_neg)
        return num / den

    auc = float(_pooled(np.ones((1, n_rows)))[0])
    if n_boot:
        draws = rng.integers(0, n_rows, size=(n_boot, n_rows))
        w = np.zeros((n_boot, n_rows))
        np.add.at(w, (np.repeat(np.arange(n_boot), n_rows), draws.ravel()), 1.0)
        dist = _pooled(w)
        per_row_dist = (w @ per_row) / n_rows
        ci, per_row_ci = percentile_interval(dist, level), percentile_interval(per_row_dist, level)
    else:
        dist = np.empty(0)
        ci = per_row_ci = Interval(np.nan, np.nan, level)
    return PooledAuc(
        auc=auc,
        ci=ci,
        per_row=per_row,
        per_row_mean=float(per_row.mean()),
        per_row_ci=per_row_ci,
        distribution=dist,
    )
