"""Simulated participants arranging items from an embedding."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from repalign.arrangement.design import DESIGNS, lift_the_weakest, random_subset
from repalign.arrangement.inverse import ESTIMATORS, inverse_mds
from repalign.arrangement.trials import _evidence
from repalign.core.progress import progress_bar
from repalign.core.validation import check_choice, check_int, check_matrix, check_real, check_seed
from repalign.rdm.compute import compute_rdm
from repalign.rdm.layout import classical_mds

__all__ = ["RecoveryResult", "arrange_subset", "simulate_participant", "simulate_recovery"]


def arrange_subset(dissimilarities, *, noise: float = 0.0, seed=0, max_iter: int = 100) -> np.ndarray:
    """How a simulated participant arranges a subset: 2-D metric MDS (scikit-learn SMACOF) of its internal
    dissimilarities, centred and scaled to fill the arena (farthest item on the rim), plus Gaussian placement
    noise of SD ``noise`` (arena radii); items pushed outside are put back on the rim.

    Parameters
    ----------
    dissimilarities : array-like, shape (k, k)
        The participant's internal dissimilarities among the subset.
    noise : float
        Placement noise SD in arena radii.
    seed : int or numpy.random.Generator
    max_iter : int
        SMACOF iterations.

    Returns
    -------
    numpy.ndarray, shape (k, 2)
    """
    from sklearn.manifold import smacof

    d = check_matrix(dissimilarities, "dissimilarities", ndim=2, min_rows=3)
    if d.shape[0] != d.shape[1]:
        raise ValueError(f"dissimilarities must be square (k, k); got shape {d.shape}")
    if (
        not np.allclose(d, d.T, rtol=1e-7, atol=1e-12)
        or np.any(d < 0)
        or np.any(np.abs(np.diag(d)) > 1e-9 * max(1.0, d.max()))
    ):
        raise ValueError("dissimilarities must be symmetric and non-negative with a zero diagonal")
    noise = check_real(noise, "noise", minimum=0.0)
    rng = check_seed(seed)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    x0 = classical_mds(d)
    x, _ = smacof(d, n_components=2, init=x0, n_init=1, max_iter=max_iter, random_state=0)
    x = x - x.mean(0)
    r = np.linalg.norm(x, axis=1).max()
    x = x / (r if r > 0 else 1.0) * 0.95
    x = x + rng.normal(scale=noise, size=x.shape)
    r = np.linalg.norm(x, axis=1, keepdims=True)
    return np.where(r > 1, x / np.maximum(r, 1e-12), x)


def simulate_participant(
    embedding,
    *,
    n_trials: int = 20,
    design: str = "lift",
    noise: float = 0.05,
    metric: str = "correlation",
    max_items: int | None = None,
    criterion: float = 0.5,
    subset_sizes=None,
    seed=0,
    progress: bool = False,
) -> list:
    """Simulate one MA participant who holds an internal similarity space.

    The first trial shows all items; each later trial shows the subset chosen by :func:`lift_the_weakest`
    (``design="lift"``) or a random subset (``design="random"``, sizes from ``subset_sizes``). The
    participant arranges each subset by :func:`arrange_subset` (2-D SMACOF of its internal distances plus
    placement noise).

    Parameters
    ----------
    embedding : array-like, shape (n_items, d)
        The participant's internal space.
    n_trials : int
        Trial budget (including the first all-items trial); lift-the-weakest may stop earlier when
        every pair reaches the evidence ``criterion``.
    design : {"lift", "random"}
    noise : float
        Placement noise SD in arena radii.
    metric : {"correlation", "euclidean", "cosine"}
        Internal dissimilarity (see :func:`repalign.rdm.compute_rdm`).
    max_items : int, optional
        Largest later subset (lift-the-weakest).
    criterion : float
        Evidence-utility criterion of lift-the-weakest.
    subset_sizes : sequence of int, optional
        Sizes of trials 2, 3, ... for ``design="random"`` (default: 10 items each). Pass the sizes a
        lift-the-weakest run used to compare the designs at equal budget.
    seed : int or numpy.random.Generator
    progress : bool

    Returns
    -------
    list of (item_indices, positions)
    """
    check_choice(design, "design", DESIGNS)
    x = check_matrix(embedding, "embedding", ndim=2, min_rows=3)
    n_trials = check_int(n_trials, "n_trials", minimum=1)
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress must be True or False; got {type(progress).__name__}")
    noise = check_real(noise, "noise", minimum=0.0)
    criterion = check_real(criterion, "criterion", minimum=0.0, maximum=1.0)
    rng = check_seed(seed)
    internal = compute_rdm(x, metric=metric)
    n = internal.shape[0]
    if max_items is not None:
        max_items = check_int(max_items, "max_items", minimum=3, maximum=n)
    if subset_sizes is not None:
        if isinstance(subset_sizes, (str, bytes)) or not hasattr(subset_sizes, "__iter__"):
            raise TypeError(f"subset_sizes must be a sequence of ints; got {type(subset_sizes).__name__}")
        subset_sizes = [check_int(s, "subset_sizes[i]", minimum=3, maximum=n) for s in subset_sizes]
        if not subset_sizes:
            raise ValueError("subset_sizes is empty; pass None for the default (10 items per trial)")
    trials, evidence = [], np.zeros((n, n))
    for t in progress_bar(range(n_trials), enabled=progress, desc="trials", unit="trial"):
        if t == 0:
            idx = np.arange(n)
        elif design == "lift":
            idx = lift_the_weakest(evidence, criterion=criterion, max_items=max_items)
            if idx is None:
                break
        else:
            size = subset_sizes[(t - 1) % len(subset_sizes)] if subset_sizes else min(10, n)
            idx = random_subset(n, size=size, seed=rng)
        pos = arrange_subset(internal[np.ix_(idx, idx)], noise=noise, seed=rng)
        trials.append((idx, pos))
        evidence += _evidence([(idx, pos)], n)
    return trials


@dataclass(frozen=True)
class RecoveryResult:
    """How well inverse MDS recovered a simulated participant's internal RDM (see :func:`simulate_recovery`).

    Attributes
    ----------
    scores : dict of str -> float
        Spearman rho between each estimator's RDM and the internal RDM.
    sizes : list of int
        Items shown in each trial.
    n_trials : int
        Trials actually run (lift-the-weakest may stop before the budget).
    """

    scores: dict
    sizes: list
    n_trials: int


def simulate_recovery(
    embedding,
    *,
    n_trials: int,
    estimators=ESTIMATORS,
    design: str = "lift",
    noise: float = 0.05,
    metric: str = "correlation",
    max_items: int | None = None,
    subset_sizes=None,
    seed=0,
) -> RecoveryResult:
    """Simulate a participant and score each estimator's recovery of the participant's internal RDM.

    Parameters
    ----------
    embedding : array-like, shape (n_items, d)
        The participant's internal space.
    n_trials : int
        Trial budget.
    estimators : sequence of {"average", "iterative"}
        The inverse-MDS estimators to score (see :func:`inverse_mds`).
    design, noise, metric, max_items, subset_sizes, seed
        See :func:`simulate_participant`.

    Returns
    -------
    RecoveryResult
    """
    from repalign.rdm.compare import compare_rdms

    if isinstance(estimators, str) or not hasattr(estimators, "__iter__"):
        raise TypeError(f"estimators must be a sequence of names from {ESTIMATORS}; got {type(estimators).__name__}")
    estimators = list(estimators)
    if not estimators:
        raise ValueError(f"estimators is empty; pass one or more of {ESTIMATORS}")
    for e in estimators:
        check_choice(e, "estimators[i]", ESTIMATORS)
    trials = simulate_participant(
        embedding,
        n_trials=n_trials,
        design=design,
        noise=noise,
        metric=metric,
        max_items=max_items,
        subset_sizes=subset_sizes,
        seed=seed,
    )
    truth = compute_rdm(np.asarray(embedding, dtype=float), metric=metric)
    scores = {e: compare_rdms(inverse_mds(trials, truth.shape[0], estimator=e), truth) for e in estimators}
    return RecoveryResult(scores, [int(idx.size) for idx, _ in trials], len(trials))
