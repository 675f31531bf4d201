"""Cross-validated non-negative reweighting (CV-NNLS) of participant RDMs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls
from scipy.spatial.distance import squareform

from repalign.core.validation import check_finite, check_int, check_seed
from repalign.inference.effects import _subject_stack
from repalign.rdm.compute import check_same_items, to_condensed

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
        Per-fold scores of the plain mean.
    intercepts : numpy.ndarray
        ``(n_folds,)`` fitted intercepts (all 0 unless ``fit_intercept=True``).
    """

    weights: np.ndarray
    predicted: np.ndarray
    score: float
    fold_scores: np.ndarray
    average_score: float
    average_fold_scores: np.ndarray
    intercepts: np.ndarray | None = None

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


def _nnls_fit(x: np.ndarray, y: np.ndarray, fit_intercept: bool) -> tuple[np.ndarray, float]:
    """Non-negative weights ``w`` (and a free intercept ``b`` if asked) minimising ``||y - b - x.T @ w||``."""
    if not fit_intercept:
        return nnls(x.T, y)[0], 0.0
    # with b free, the optimal b for any w is mean(y - x.T w): the problem is NNLS on centred data
    xm, ym = x.mean(axis=1), y.mean()
    w = nnls((x - xm[:, None]).T, y - ym)[0]
    return w, float(ym - xm @ w)


def cv_nnls(participant_rdms, target, *, n_folds: int = 10, fit_intercept: bool = False, seed=0) -> CVNNLSResult:
    """Predict a target RDM from participants' RDMs with non-negative least squares, cross-validated over stimuli.

    In each fold the weights are fitted on the pairs of the training stimuli only (every pair that
    touches a held-out stimulus is held out) and the score is the **Pearson correlation** between the
    predicted and the observed held-out dissimilarities: it judges the group-level prediction, not any
    individual participant.

    About the intercept: by default (``fit_intercept=False``, the book's choice) the
    prediction is ``participant_rdms.T @ w`` with ``w >= 0`` and no constant. The Pearson score of a
    *given* prediction does not change when a constant is added, but the intercept changes which weights
    NNLS finds: without it, the weights must also reproduce the target's overall level, which
    favours participants whose dissimilarities sit at the target's scale. With ``fit_intercept=True``
    a free (unconstrained) constant absorbs the level, the weights only fit the pattern, and the
    held-out score can be higher (on the 92-object data, 16 behavioural RDMs -> the mean human IT RDM,
    about 0.45 -> 0.52).

    Parameters
    ----------
    participant_rdms : array-like
        ``(n_participants, n_items, n_items)`` or condensed ``(n_participants, n_pairs)``.
    target : array-like
        Square or condensed target RDM over the same items.
    n_folds : int
        Number of stimulus folds (2 ≤ n_folds ≤ n_items).
    fit_intercept : bool, default False
        Also fit a free constant (see above); the weights stay non-negative.
    seed : int or numpy.random.Generator
        Fold assignment.

    Returns
    -------
    CVNNLSResult
    """
    if not isinstance(fit_intercept, (bool, np.bool_)):
        raise TypeError(f"fit_intercept must be a bool; got {type(fit_intercept).__name__}")
    x = _subject_stack(participant_rdms, "participant_rdms")
    y = to_condensed(target, name="target")
    n_items = check_same_items(x, y, names=("participant_rdms", "target"))
    check_finite(x, "participant_rdms")
    if np.ptp(y) == 0:
        raise ValueError("target is constant; there is nothing to predict")
    folds = stimulus_folds(n_items, n_folds=n_folds, seed=seed)
    iu, ju = np.triu_indices(n_items, k=1)
    sums = np.zeros(y.size)
    counts = np.zeros(y.size)
    weights, intercepts, scores, avg_scores = [], [], [], []
    for held in folds:
        out = np.zeros(n_items, dtype=bool)
        out[held] = True
        test = out[iu] | out[ju]
        train = ~test
        w, b = _nnls_fit(x[:, train], y[train], bool(fit_intercept))
        pred = x[:, test].T @ w + b
        weights.append(w)
        intercepts.append(b)
        scores.append(_pearson(pred, y[test]))
        avg_scores.append(_pearson(x[:, test].mean(0), y[test]))
        sums[test] += pred
        counts[test] += 1
    predicted = squareform(sums / np.maximum(counts, 1), checks=False)
    scores, avg_scores = np.array(scores), np.array(avg_scores)
    return CVNNLSResult(
        np.array(weights),
        predicted,
        float(np.nanmean(scores)),
        scores,
        float(np.nanmean(avg_scores)),
        avg_scores,
        np.array(intercepts),
    )
