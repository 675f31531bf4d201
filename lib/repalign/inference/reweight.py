"""Cross-validated non-negative reweighting (CV-NNLS) of participant RDMs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls
from scipy.spatial.distance import squareform

from repalign.core.validation import check_finite, check_int, check_seed
from repalign.rdm.compute import check_same_items, condensed_stack, to_condensed

__all__ = ["CVNNLSResult", "cv_nnls", "stimulus_folds"]


@dataclass(frozen=True)
class CVNNLSResult:
    """Result of :func:`cv_nnls`.

    Attributes
    ----------
    weights : numpy.ndarray
        ``(n_folds, n_participants)`` non-negative weights, one row per fold.
    predicted : numpy.ndarray
        ``(n_items, n_items)`` RDM of held-out predictions (a pair held out in two folds gets the
        mean of its two predictions).
    score : float
        Mean over folds of the Pearson correlation between predicted and observed held-out pairs.
    fold_scores : numpy.ndarray
        Per-fold scores.
    average_score : float
        The same score for the plain (unweighted) mean of the participants on the same test pairs.
    average_fold_scores : numpy.ndarray
    """

    weights: np.ndarray
    predicted: np.ndarray
    score: float
    fold_scores: np.ndarray
    average_score: float
    average_fold_scores: np.ndarray

    def __repr__(self) -> str:
        return (
            f"CVNNLSResult(score={self.score:.3f} ± {self.fold_scores.std(ddof=1) / np.sqrt(self.fold_scores.size):.3f}, "
            f"average_score={self.average_score:.3f}, folds={self.fold_scores.size})"
        )


def stimulus_folds(n_items: int, *, n_folds: int, seed=0) -> list[np.ndarray]:
    """Split ``range(n_items)`` into ``n_folds`` shuffled, near-equal groups of held-out stimuli.

    Parameters
    ----------
    n_items : int
        Number of stimuli (at least 2).
    n_folds : int
        Number of folds (2 ≤ n_folds ≤ n_items).
    seed : int or numpy.random.Generator
        The shuffle.

    Returns
    -------
    list of numpy.ndarray
        The sorted item indices of each fold.
    """
    n_items = check_int(n_items, "n_items", minimum=2)
    n_folds = check_int(n_folds, "n_folds", minimum=2, maximum=n_items)
    perm = check_seed(seed).permutation(n_items)
    return [np.sort(f) for f in np.array_split(perm, n_folds)]


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def cv_nnls(participant_rdms, target, *, n_folds: int = 10, seed=0) -> CVNNLSResult:
    """Predict a target RDM from participants' RDMs with non-negative least squares, cross-validated over stimuli.

    Parameters
    ----------
    participant_rdms : array-like
        ``(n_participants, n_items, n_items)`` or condensed ``(n_participants, n_pairs)``.
    target : array-like
        Square or condensed target RDM over the same items.
    n_folds : int
        Number of stimulus folds (2 ≤ n_folds ≤ n_items).
    seed : int or numpy.random.Generator
        Fold assignment.

    Returns
    -------
    CVNNLSResult
    """
    x = condensed_stack(participant_rdms, name="participant_rdms")
    y = to_condensed(target, name="target")
    n_items = check_same_items(x, y, names=("participant_rdms", "target"))
    check_finite(x, "participant_rdms")
    if np.ptp(y) == 0:
        raise ValueError("target is constant; there is nothing to predict")
    folds = stimulus_folds(n_items, n_folds=n_folds, seed=seed)
    iu, ju = np.triu_indices(n_items, k=1)
    sums = np.zeros(y.size)
    counts = np.zeros(y.size)
    weights, scores, avg_scores = [], [], []
    for held in folds:
        out = np.zeros(n_items, dtype=bool)
        out[held] = True
        test = out[iu] | out[ju]
        train = ~test
        w, _ = nnls(x[:, train].T, y[train])
        pred = x[:, test].T @ w
        weights.append(w)
        scores.append(_pearson(pred, y[test]))
        avg_scores.append(_pearson(x[:, test].mean(0), y[test]))
        sums[test] += pred
        counts[test] += 1
    predicted = squareform(sums / np.maximum(counts, 1), checks=False)
    scores, avg_scores = np.array(scores), np.array(avg_scores)
    return CVNNLSResult(
        np.array(weights), predicted, float(np.nanmean(scores)), scores, float(np.nanmean(avg_scores)), avg_scores
    )
