"""Reliability of a group of RDMs: pairwise agreement, split halves, Spearman–Brown, group-size curves."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from repalign.core.intervals import Interval, percentile_interval
from repalign.core.validation import check_choice, check_int
from repalign.inference.effects import GroupSizeCurve, _checked_draws, _subject_stack
from repalign.rdm.compare import COMPARE_METHODS, correlate
from repalign.rdm.compute import check_same_items, condensed_stack

__all__ = [
    "SplitHalfReliability",
    "agreement_matrix",
    "reference_size_curve",
    "spearman_brown",
    "split_half_reliability",
]


def spearman_brown(r, factor):
    """Spearman–Brown prophecy: the reliability of a mean over ``factor`` times as many participants.

    Parameters
    ----------
    r : float or array-like
        Reliability (a correlation between two parallel measurements) at the original size.
    factor : float or array-like
        Ratio of the new number of participants to the original one (2 turns a split-half
        correlation into the reliability of the full group).

    Returns
    -------
    float or numpy.ndarray
        ``factor * r / (1 + (factor - 1) * r)``.
    """
    r, factor = np.asarray(r, dtype=float), np.asarray(factor, dtype=float)
    if np.any(factor <= 0):
        raise ValueError("factor must be positive")
    out = factor * r / (1 + (factor - 1) * r)
    return float(out) if out.ndim == 0 else out


def agreement_matrix(rdms, *, method: str = "spearman") -> np.ndarray:
    """Correlation of every participant's RDM with every other participant's.

    Parameters
    ----------
    rdms : array-like
        A stack ``(n_participants, n, n)`` or ``(n_participants, n_pairs)``.
    method : str (one of :data:`repalign.rdm.COMPARE_METHODS`)
        The RDM comparison.

    Returns
    -------
    numpy.ndarray, shape (n_participants, n_participants)
        Symmetric, with 1 on the diagonal. Its off-diagonal entries are the between-person agreements
        (``values[np.triu_indices(n, 1)]`` lists each pair once).
    """
    check_choice(method, "method", COMPARE_METHODS)
    x = _subject_stack(rdms, "rdms", nonconstant=True)
    n = x.shape[0]
    out = np.eye(n)
    for i in range(n):
        for j in range(i + 1, n):
            out[i, j] = out[j, i] = correlate(x[i], x[j], method=method)
    return out


@dataclass(frozen=True)
class SplitHalfReliability:
    """Split-half reliability of a group-mean RDM (see :func:`split_half_reliability`).

    Attributes
    ----------
    splits : numpy.ndarray
        Correlation between the two half-group mean RDMs, one per random split.
    half : float
        Mean of ``splits``: the reliability of a mean over ``n_participants // 2`` people.
    full : float
        ``half`` stepped up by Spearman–Brown to the whole group (factor ``n_participants / (n_participants // 2)``).
    ci : repalign.core.Interval
        Percentile interval of ``splits`` (the spread over random splits, not a sampling interval).
    n_participants : int
        Participants in the group.
    method : str
        The RDM comparison used.
    """

    splits: np.ndarray
    half: float
    full: float
    ci: Interval
    n_participants: int
    method: str = "spearman"

    def predicted(self, n) -> float | np.ndarray:
        """Spearman–Brown reliability of a mean over ``n`` participants, from the split-half value.

        Parameters
        ----------
        n : int or array-like of int
            Group sizes (they may exceed the group measured: an extrapolation).

        Returns
        -------
        float or numpy.ndarray
        """
        return spearman_brown(self.half, np.asarray(n, dtype=float) / (self.n_participants // 2))

    def participants_needed(self, target: float) -> int:
        """Smallest group whose predicted (Spearman–Brown) reliability reaches ``target``.

        Parameters
        ----------
        target : float
            Reliability to reach, in (0, 1).

        Returns
        -------
        int
        """
        if not 0 < target < 1:
            raise ValueError(f"target must lie in (0, 1); got {target}")
        if self.half <= 0:
            raise ValueError("the split-half reliability is not positive: no group size reaches the target")
        per_person = spearman_brown(self.half, 1 / (self.n_participants // 2))
        return int(np.ceil(target * (1 - per_person) / (per_person * (1 - target)) - 1e-12))

    def __repr__(self) -> str:
        return (
            f"SplitHalfReliability(half={self.half:.3f}, full={self.full:.3f}, "
            f"n_participants={self.n_participants}, n_splits={self.splits.size})"
        )


def split_half_reliability(rdms, *, n_splits: int = 100, method: str = "spearman", seed=0) -> SplitHalfReliability:
    """Split-half reliability of a group-mean RDM over random splits of the participants.

    Each split divides the participants at random into two halves of ``n // 2`` (one left out when
    ``n`` is odd), averages each half and correlates the two mean RDMs. The mean over splits is
    stepped up to the whole group with the Spearman–Brown formula.

    Parameters
    ----------
    rdms : array-like
        A stack ``(n_participants, n, n)`` or ``(n_participants, n_pairs)``, at least 4 participants.
    n_splits : int
        Random splits.
    method : str (one of :data:`repalign.rdm.COMPARE_METHODS`)
        The RDM comparison of the two half-group mean RDMs.
    seed : int or numpy.random.Generator
        Seed of the splits.

    Returns
    -------
    SplitHalfReliability
        The correlation of every split, their mean and its Spearman–Brown step-up.
    """
    n_splits, rng = _checked_draws(method, n_splits, "n_splits", seed)
    x = _subject_stack(rdms, "rdms")
    n = x.shape[0]
    if n < 4:
        raise ValueError(f"split_half_reliability needs at least 4 participants; got {n}")
    h = n // 2
    vals = np.empty(n_splits)
    for s in range(n_splits):
        perm = rng.permutation(n)
        vals[s] = correlate(x[perm[:h]].mean(0), x[perm[h : 2 * h]].mean(0), method=method)
    half = float(vals.mean())
    return SplitHalfReliability(vals, half, spearman_brown(half, n / h), percentile_interval(vals, 0.95), n, method)


def reference_size_curve(
    rdms, reference, *, sizes, n_rep: int = 50, method: str = "spearman", seed=0
) -> GroupSizeCurve:
    """Correlation of a ``k``-participant mean RDM with one fixed reference RDM, against ``k``.

    Where :func:`repalign.inference.group_size_curve` averages ``k`` participants of *both* stacks,
    this keeps the reference fixed (for example the mean of all brain RDMs) and asks how many
    participants a behavioural group needs to match it.

    Parameters
    ----------
    rdms : array-like
        A stack ``(n_participants, n, n)`` or ``(n_participants, n_pairs)``.
    reference : array-like
        One RDM, square ``(n, n)`` or condensed ``(n_pairs,)``, over the same stimuli.
    sizes : sequence of int
        Group sizes, each at most the number of participants. For the full group every draw is the same.
    n_rep : int
        Random draws of participants (without replacement) per size.
    method : str (one of :data:`repalign.rdm.COMPARE_METHODS`)
        The RDM comparison.
    seed : int or numpy.random.Generator
        Seed of the draws.

    Returns
    -------
    GroupSizeCurve
    """
    n_rep, rng = _checked_draws(method, n_rep, "n_rep", seed)
    x = _subject_stack(rdms, "rdms")
    ref = condensed_stack(np.asarray(reference)[None], name="reference")
    check_same_items(x, ref, names=("rdms", "reference"))
    ks, means, sds = [], [], []
    for k in sizes:
        k = check_int(k, "sizes", minimum=1, maximum=x.shape[0])
        vals = [
            correlate(x[rng.choice(x.shape[0], k, replace=False)].mean(0), ref[0], method=method) for _ in range(n_rep)
        ]
        ks.append(k)
        means.append(float(np.mean(vals)))
        sds.append(float(np.std(vals)))
    return GroupSizeCurve(np.array(ks, dtype=int), np.array(means), np.array(sds))
