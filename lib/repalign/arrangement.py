"""The Multiple Arrangements (MA) task: trials, evidence, lift-the-weakest, inverse MDS.

In the MA task (Kriegeskorte & Mur 2012) a participant drags items inside a circular arena so that
on-screen distances reflect dissimilarity. The first trial holds all items; later trials hold subsets
chosen adaptively ("lift-the-weakest") to collect evidence where it is weakest. An estimator turns the
partial 2-D arrangements into one RDM over all items.

Conventions
-----------
- A **trial** is ``(item_indices, positions)``: ``k >= 3`` distinct integer indices into the stimulus
  set and their ``(k, 2)`` positions in an arena of radius 1 centred on the origin.
- On-screen distances are measured in **arena diameters** (a pair at opposite rims is 1 apart).
- The **evidence** a trial gives a pair is its squared on-screen distance (placement error is about
  constant, so small distances carry little relative information; Kriegeskorte & Mur 2012). A pair's
  evidence is the sum over the trials that showed it; its **utility** is ``1 - exp(-10 * evidence)``.
- Estimated RDMs are scaled to a root-mean-square dissimilarity of 1 over the estimable pairs; pairs
  never shown together are NaN (with a warning).

Imports flow one way: this module uses :mod:`repalign.rdm` and :mod:`repalign._validation` only.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._progress import progress_bar
from ._validation import check_choice, check_int, check_matrix, check_seed
from .rdm import compute_rdm

__all__ = [
    "ESTIMATORS",
    "DESIGNS",
    "check_trials",
    "trial_distances",
    "evidence_matrix",
    "partial_rdms",
    "evidence_utility",
    "inverse_mds",
    "lift_the_weakest",
    "random_subset",
    "arrange_subset",
    "simulate_participant",
    "simulate_recovery",
    "ArrangementSession",
    "MeadowsMA",
    "load_meadows",
]

ESTIMATORS = ("average", "iterative")
DESIGNS = ("lift", "random")
_WEIGHT_FLOOR = 0.2  # distances below this (in diameters) get this weight when averaging (as rsatoolbox)


# --------------------------------------------------------------------------------------------- trials
def check_trials(trials, n_items: int, name: str = "trials") -> list[tuple[np.ndarray, np.ndarray]]:
    """Validate MA trials and return them as ``[(int indices, float positions), ...]``.

    Parameters
    ----------
    trials : sequence of (item_indices, positions)
        ``item_indices``: ``k >= 3`` distinct integers in ``[0, n_items)``; ``positions``: finite ``(k, 2)``.
    n_items : int
        Size of the stimulus set.
    name : str
        Name used in error messages.

    Returns
    -------
    list of tuple(numpy.ndarray, numpy.ndarray)

    Raises
    ------
    TypeError, ValueError
        With one line naming the offending trial and argument.
    """
    n_items = check_int(n_items, "n_items", minimum=3)
    if isinstance(trials, (str, bytes)) or not hasattr(trials, "__len__"):
        raise TypeError(f"{name} must be a sequence of (item_indices, positions) pairs")
    if len(trials) == 0:
        raise ValueError(f"{name} is empty")
    out = []
    for t, trial in enumerate(trials):
        if not isinstance(trial, (tuple, list)) or len(trial) != 2:
            raise TypeError(f"{name}[{t}] must be a pair (item_indices, positions)")
        idx = np.asarray(trial[0])
        if idx.ndim != 1 or not (np.issubdtype(idx.dtype, np.integer)):
            raise TypeError(f"{name}[{t}] item_indices must be a 1-D integer array; got dtype {idx.dtype}, "
                            f"shape {idx.shape}")
        if idx.size < 3:
            raise ValueError(f"{name}[{t}] holds {idx.size} item(s); a trial needs at least 3")
        if idx.min() < 0 or idx.max() >= n_items:
            raise ValueError(f"{name}[{t}] item_indices must lie in [0, {n_items}); got {int(idx.min())}..{int(idx.max())}")
        if np.unique(idx).size != idx.size:
            raise ValueError(f"{name}[{t}] item_indices contains repeated items")
        pos = check_matrix(trial[1], f"{name}[{t}] positions", ndim=2)
        if pos.shape != (idx.size, 2):
            raise ValueError(f"{name}[{t}] positions must have shape ({idx.size}, 2); got {pos.shape}")
        out.append((idx.astype(np.intp), pos))
    return out


def trial_distances(positions) -> np.ndarray:
    """Condensed on-screen distances of one trial, in arena diameters (positions are in radii)."""
    pos = np.asarray(positions, dtype=float)
    i, j = np.triu_indices(pos.shape[0], k=1)
    return np.linalg.norm(pos[i] - pos[j], axis=1) / 2.0


def _pairs(idx: np.ndarray, n_items: int) -> np.ndarray:
    """Flat indices ``a * n + b`` (a < b in item order) of a trial's pairs, in condensed trial order."""
    i, j = np.triu_indices(idx.size, k=1)
    a, b = np.minimum(idx[i], idx[j]), np.maximum(idx[i], idx[j])
    return a * n_items + b


def evidence_matrix(trials, n_items: int) -> np.ndarray:
    """Per-pair evidence: the sum over trials of the pair's squared on-screen distance (diameters).

    Parameters
    ----------
    trials : sequence of (item_indices, positions)
    n_items : int

    Returns
    -------
    numpy.ndarray, shape (n_items, n_items)
        Symmetric; 0 for pairs never shown together (and on the diagonal).
    """
    trials = check_trials(trials, n_items)
    return _evidence(trials, n_items)


def _evidence(trials, n_items: int) -> np.ndarray:
    ev = np.zeros(n_items * n_items)
    for idx, pos in trials:
        np.add.at(ev, _pairs(idx, n_items), trial_distances(pos) ** 2)
    ev = ev.reshape(n_items, n_items)
    return ev + ev.T


def partial_rdms(trials, n_items: int) -> np.ndarray:
    """Each trial's on-screen distances (diameters) as a condensed RDM over all items, NaN where not shown.

    Returns
    -------
    numpy.ndarray, shape (n_trials, n_items * (n_items - 1) / 2)
        The input rsatoolbox's ``rescale`` expects (``rsatoolbox.rdm.RDMs(partial_rdms(...))``).
    """
    trials = check_trials(trials, n_items)
    iu = np.triu_indices(n_items, k=1)
    out = np.full((len(trials), iu[0].size), np.nan)
    for t, (idx, pos) in enumerate(trials):
        m = np.full((n_items, n_items), np.nan)
        m.flat[_pairs(idx, n_items)] = trial_distances(pos)
        out[t] = m[iu]
    return out


def evidence_utility(evidence, scale: float = 10.0) -> np.ndarray:
    """Utility of evidence, ``1 - exp(-scale * evidence)`` (saturates: more evidence helps less)."""
    return 1.0 - np.exp(-scale * np.asarray(evidence, dtype=float))


# ------------------------------------------------------------------------------------------ estimators
@dataclass
class _Stack:
    """Trials flattened for vectorised estimation: one row per (trial, pair)."""

    n_items: int
    trial_of: np.ndarray   # (n_rows,) trial number of each row
    pair: np.ndarray       # (n_rows,) flat pair index a * n + b
    dist: np.ndarray       # (n_rows,) on-screen distance (diameters)
    weight: np.ndarray     # (n_rows,) averaging weight: max(dist, floor) ** 2
    n_trials: int = 0
    sizes: list = field(default_factory=list)


def _stack(trials, n_items: int) -> _Stack:
    pair = np.concatenate([_pairs(idx, n_items) for idx, _ in trials])
    dist = np.concatenate([trial_distances(pos) for _, pos in trials])
    trial_of = np.concatenate([np.full(idx.size * (idx.size - 1) // 2, t) for t, (idx, _) in enumerate(trials)])
    weight = np.maximum(dist, _WEIGHT_FLOOR) ** 2
    return _Stack(n_items, trial_of, pair, dist, weight, len(trials), [idx.size for idx, _ in trials])


def _rms_normalise(est: np.ndarray) -> np.ndarray:
    ok = np.isfinite(est)
    rms = np.sqrt(np.mean(est[ok] ** 2)) if ok.any() else 1.0
    return est / rms if rms > 0 else est


def _weighted_mean(values, weights, pair, n_flat) -> np.ndarray:
    num = np.bincount(pair, weights * values, minlength=n_flat)
    den = np.bincount(pair, weights, minlength=n_flat)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def _average(st: _Stack, tol: float = 1e-10, max_iter: int = 500) -> np.ndarray:
    """Evidence-weighted, iteratively rescaled average (the rsatoolbox ``rescale(method='evidence')`` scheme)."""
    n_flat = st.n_items ** 2
    # each trial scaled to unit root-sum-of-squares, then averaged (unweighted) as the start
    ss = np.bincount(st.trial_of, st.dist ** 2, minlength=st.n_trials)
    unit = st.dist / np.sqrt(np.maximum(ss, 1e-300))[st.trial_of]
    est = _weighted_mean(unit, np.ones_like(unit), st.pair, n_flat)
    est = est / np.sqrt(np.nansum(est ** 2))
    for _ in range(max_iter):
        target_ss = np.bincount(st.trial_of, est[st.pair] ** 2, minlength=st.n_trials)
        aligned = unit * np.sqrt(target_ss)[st.trial_of]
        new = _weighted_mean(aligned, st.weight, st.pair, n_flat)
        new = new / np.sqrt(np.nansum(new ** 2))
        delta = np.nansum((new - est) ** 2)
        est = new
        if delta < tol:
            break
    return est


def _trial_scaled(st: _Stack, est: np.ndarray) -> np.ndarray:
    """Each trial's distances scaled so their root-sum-of-squares matches the estimate's on the trial's pairs.

    This symmetric "best scaling" is the one the average uses. A least-squares scale (regressing the
    estimate on the trial) would shrink every trial by its correlation with the estimate, so pairs seen
    mostly in poorly fitting (large, distorted) trials would come out too small: a bias.
    """
    ss_est = np.bincount(st.trial_of, est[st.pair] ** 2, minlength=st.n_trials)
    ss_obs = np.bincount(st.trial_of, st.dist ** 2, minlength=st.n_trials)
    return st.dist * np.sqrt(ss_est / np.maximum(ss_obs, 1e-300))[st.trial_of]


def _iterative(st: _Stack, start: np.ndarray, n_iter: int, n_dims: int, n_steps: int = 30) -> np.ndarray:
    """Refine ``start``: the distances of an ``n_dims``-D configuration that best match all trials.

    Minimises ``sum_t sum_p w_tp (s_t d_tp - ||x_a - x_b||) ** 2`` over the configuration ``x``, alternating
    ``n_steps`` weighted SMACOF (Guttman transform) steps, which never increase this disparity for fixed
    scales, with resetting each trial's scale ``s_t`` by matching root-sum-of-squares to the current
    estimate (as the average does; the least-squares scale would shrink poorly fitting trials, see
    :func:`_trial_scaled`). With fixed scales the sum equals ``sum_p W_p (m_p - D_p) ** 2`` plus a constant, where ``m_p`` is the
    evidence-weighted mean of the scaled trials and ``W_p`` the summed weights; so pairs placed close
    together (low weight) are inferred mostly from both items' distances to all the other items.
    """
    n = st.n_items
    w = np.bincount(st.pair, st.weight, minlength=n * n).reshape(n, n)
    w = w + w.T
    v = -w
    np.fill_diagonal(v, w.sum(1))
    v_pinv = np.linalg.pinv(v)
    x = _classical_mds(np.nan_to_num(_square(start)), n_dims)
    est = start
    for _ in range(n_iter):
        target = np.nan_to_num(_square(_weighted_mean(_trial_scaled(st, est), st.weight, st.pair, n * n)))
        wt = w * target
        for _ in range(n_steps):
            dx = _config_distances(x)
            b = -np.divide(wt, dx, out=np.zeros_like(wt), where=dx > 1e-12)
            np.fill_diagonal(b, -b.sum(1))
            x = v_pinv @ (b @ x)
        new = _config_distances(x).ravel()
        new[~np.isfinite(start)] = np.nan
        new = _rms_normalise(new)
        delta = np.nansum((new - est) ** 2)
        est = new
        if delta < 1e-10:
            break
    return est


def _config_distances(x: np.ndarray) -> np.ndarray:
    """Euclidean distance matrix of a configuration (rows are points), via the Gram matrix."""
    g = x @ x.T
    sq = np.diag(g)
    return np.sqrt(np.maximum(sq[:, None] + sq[None] - 2 * g, 0.0))


def _square(flat: np.ndarray) -> np.ndarray:
    """Symmetric square matrix from a flat ``n * n`` estimate filled on its upper triangle."""
    n = int(round(np.sqrt(flat.size)))
    m = np.triu(flat.reshape(n, n), k=1)
    return m + m.T


def inverse_mds(trials, n_items: int, method: str = "average", n_iter: int = 10, n_dims: int = 20,
                return_evidence: bool = False):
    """Estimate an RDM over all items from partial 2-D arrangements.

    Parameters
    ----------
    trials : sequence of (item_indices, positions)
        The MA trials (see :func:`check_trials`).
    n_items : int
        Number of items in the stimulus set.
    method : {"average", "iterative"}
        ``"average"``: each trial's distances are scaled to the current estimate (matching their
        root-sum-of-squares on the trial's pairs) and averaged with evidence weights ``max(d, 0.2) ** 2``,
        iterated to convergence (Kriegeskorte & Mur 2012; the same scheme as
        ``rsatoolbox.rdm.combine.rescale(method="evidence")``). ``"iterative"``: starts from the average
        and refines it to minimise the weighted disparity between each trial's on-screen distances, after
        the trial's best scaling, and the estimate's distances for that subset, where the estimate is
        constrained to be the distances of a configuration in ``n_dims`` dimensions (fitted by weighted
        SMACOF). The constraint lets a pair placed close together, whose on-screen distance carries
        little evidence, be inferred from both items' distances to all the others. It assumes the
        participant's dissimilarities behave like distances in some space: on simulated participants
        with Euclidean internal spaces it recovers the truth better than ``"average"`` (by 0.01–0.04
        Spearman rho), and on the MPNet caption geometry by about 0.009; where the dissimilarities
        behave like *squared* distances (correlation distances of random high-dimensional patterns)
        it can do about 0.01 worse.
    n_iter : int
        Alternations of trial rescaling and configuration fitting (``"iterative"`` only).
    n_dims : int
        Dimensions of the configuration (``"iterative"`` only; capped at ``n_items - 1``).
    return_evidence : bool
        Also return the per-pair evidence matrix (see :func:`evidence_matrix`).

    Returns
    -------
    rdm : numpy.ndarray, shape (n_items, n_items)
        Symmetric, zero diagonal, RMS 1 over estimable pairs; NaN for pairs never shown together.
    evidence : numpy.ndarray, shape (n_items, n_items)
        Only with ``return_evidence=True``.

    Warns
    -----
    RuntimeWarning
        When some pairs were never shown together (their dissimilarity is NaN).
    """
    check_choice(method, "method", ESTIMATORS)
    trials = check_trials(trials, n_items)
    n_iter = check_int(n_iter, "n_iter", minimum=0)
    n_dims = check_int(n_dims, "n_dims", minimum=1)
    st = _stack(trials, n_items)
    est = _rms_normalise(_average(st))
    if method == "iterative":
        est = _iterative(st, est, n_iter, min(n_dims, n_items - 1))
    rdm = est.reshape(n_items, n_items)
    upper = np.triu(np.ones((n_items, n_items), dtype=bool), k=1)
    missing = upper & ~np.isfinite(rdm)
    rdm = np.where(upper, rdm, 0.0)
    rdm = rdm + rdm.T
    rdm[missing.T] = np.nan
    np.fill_diagonal(rdm, 0.0)
    if missing.any():
        a, b = np.argwhere(missing)[0]
        warnings.warn(f"{int(missing.sum())} pair(s) never shown together (e.g. items {a} and {b}); "
                      "their dissimilarity is NaN", RuntimeWarning, stacklevel=2)
    if return_evidence:
        return rdm, _evidence(trials, n_items)
    return rdm


# ------------------------------------------------------------------------------------- trial design
def lift_the_weakest(evidence, criterion: float = 0.5, utility_scale: float = 10.0, increment: float = 0.1,
                     cost_exponent: float = 1.5, max_items: int | None = None, min_items: int = 3):
    """Choose the next trial's items where the evidence is weakest.

    Starts from the pair with the least evidence and adds, one at a time, the item that maximises the
    ratio of expected utility gain to cost; stops as soon as adding an item would lower that ratio (or at
    ``max_items``). A trial is expected to add ``increment`` evidence to every pair it shows; the utility
    of evidence ``w`` is ``1 - exp(-utility_scale * w)`` and a trial of ``k`` items costs ``k ** cost_exponent``.

    Parameters
    ----------
    evidence : array-like, shape (n_items, n_items)
        Per-pair evidence, e.g. from :func:`evidence_matrix`.
    criterion : float
        Stopping rule: when every pair's utility is at least ``criterion``, return ``None``.
    utility_scale, increment, cost_exponent : float
        See above.
    max_items : int, optional
        Largest subset (default: all items).
    min_items : int
        Smallest subset (at least 3).

    Returns
    -------
    numpy.ndarray of int or None
        Sorted item indices of the next trial, or ``None`` when the evidence criterion is met.
    """
    ev = check_matrix(evidence, "evidence", ndim=2)
    n = ev.shape[0]
    if ev.shape != (n, n) or n < 3:
        raise ValueError(f"evidence must be a square (n_items, n_items) matrix with n_items >= 3; got {ev.shape}")
    if np.any(ev < 0):
        raise ValueError("evidence must be non-negative")
    max_items = n if max_items is None else check_int(max_items, "max_items", minimum=3, maximum=n)
    min_items = check_int(min_items, "min_items", minimum=3, maximum=max_items)
    util = evidence_utility(ev, utility_scale)
    iu = np.triu_indices(n, k=1)
    if util[iu].min() >= criterion:
        return None
    gain = evidence_utility(ev + increment, utility_scale) - util
    np.fill_diagonal(gain, 0.0)
    w = ev[iu]
    start = int(np.argmin(w))  # first weakest pair, deterministic
    chosen = [int(iu[0][start]), int(iu[1][start])]
    in_set = np.zeros(n, dtype=bool)
    in_set[chosen] = True
    to_set = gain[:, chosen].sum(1)           # gain each candidate would add with the chosen items
    total = gain[chosen[0], chosen[1]]
    ratio = total / len(chosen) ** cost_exponent
    while len(chosen) < max_items:
        cand = np.where(in_set, -np.inf, to_set)
        c = int(np.argmax(cand))
        new_ratio = (total + cand[c]) / (len(chosen) + 1) ** cost_exponent
        if new_ratio <= ratio and len(chosen) >= min_items:
            break
        chosen.append(c)
        in_set[c] = True
        total += cand[c]
        ratio = new_ratio
        to_set += gain[:, c]
    return np.sort(np.array(chosen, dtype=np.intp))


def random_subset(n_items: int, size: int, seed=0) -> np.ndarray:
    """A uniformly random subset of ``size`` distinct items (sorted), the control design."""
    n_items = check_int(n_items, "n_items", minimum=3)
    size = check_int(size, "size", minimum=3, maximum=n_items)
    return np.sort(check_seed(seed).choice(n_items, size=size, replace=False))


def arrange_subset(dissimilarities, noise: float = 0.0, seed=0, max_iter: int = 100) -> np.ndarray:
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
    rng = check_seed(seed)
    if noise < 0:
        raise ValueError(f"noise must be >= 0; got {noise}")
    x0 = _classical_mds(d)
    x, _ = smacof(d, n_components=2, init=x0, n_init=1, max_iter=max_iter, random_state=0)
    x = x - x.mean(0)
    r = np.linalg.norm(x, axis=1).max()
    x = x / (r if r > 0 else 1.0) * 0.95
    x = x + rng.normal(scale=noise, size=x.shape)
    r = np.linalg.norm(x, axis=1, keepdims=True)
    return np.where(r > 1, x / np.maximum(r, 1e-12), x)


def _classical_mds(d: np.ndarray, n_dims: int = 2) -> np.ndarray:
    k = d.shape[0]
    j = np.eye(k) - 1.0 / k
    b = -0.5 * j @ (d ** 2) @ j
    vals, vecs = np.linalg.eigh(b)
    top = np.argsort(vals)[::-1][:n_dims]
    return vecs[:, top] * np.sqrt(np.maximum(vals[top], 1e-12))


def simulate_participant(embedding, n_trials: int = 20, design: str = "lift", noise: float = 0.05,
                         metric: str = "correlation", max_items: int | None = None, criterion: float = 0.5,
                         subset_sizes=None, seed=0, progress: bool = False) -> list:
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
    if not isinstance(noise, (int, float)) or noise < 0:
        raise ValueError(f"noise must be a non-negative number; got {noise!r}")
    rng = check_seed(seed)
    internal = compute_rdm(x, metric=metric)
    n = internal.shape[0]
    if subset_sizes is not None:
        subset_sizes = [check_int(s, "subset_sizes[i]", minimum=3, maximum=n) for s in subset_sizes]
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
            idx = random_subset(n, size, rng)
        pos = arrange_subset(internal[np.ix_(idx, idx)], noise=noise, seed=rng)
        trials.append((idx, pos))
        evidence += _evidence([(idx, pos)], n)
    return trials


def simulate_recovery(embedding, n_trials: int, methods=ESTIMATORS, design: str = "lift", noise: float = 0.05,
                      metric: str = "correlation", max_items: int | None = None, subset_sizes=None, seed=0) -> dict:
    """Simulate a participant and score each estimator's recovery of the participant's internal RDM.

    Returns
    -------
    dict
        ``{method: Spearman rho of the estimate vs the internal RDM}`` plus ``"sizes"`` (the trial sizes)
        and ``"n_trials"`` (trials actually run).
    """
    from .rdm import compare_rdms

    trials = simulate_participant(embedding, n_trials=n_trials, design=design, noise=noise, metric=metric,
                                  max_items=max_items, subset_sizes=subset_sizes, seed=seed)
    truth = compute_rdm(np.asarray(embedding, dtype=float), metric=metric)
    out = {m: compare_rdms(inverse_mds(trials, truth.shape[0], method=m), truth) for m in methods}
    out["sizes"] = [int(idx.size) for idx, _ in trials]
    out["n_trials"] = len(trials)
    return out


# ------------------------------------------------------------------------------------ a task session
class ArrangementSession:
    """A programmatic MA session: trial sequencing, evidence and the estimate, for a person or a program.

    Parameters
    ----------
    n_items : int
        Items in the stimulus set (the first trial shows all of them).
    max_trials : int
        Trial budget (including the first trial).
    criterion : float
        Lift-the-weakest's evidence-utility criterion; the session ends early when it is met.
    max_items : int, optional
        Largest later subset.
    seed : int
        Seeds the starting layouts offered for each trial.

    Examples
    --------
    >>> s = ArrangementSession(5, max_trials=2)
    >>> while not s.done:
    ...     s.submit(s.start_positions())   # a person would drag the items first
    >>> s.estimate().shape
    (5, 5)
    """

    def __init__(self, n_items: int, max_trials: int = 8, criterion: float = 0.5, max_items: int | None = None,
                 seed: int = 0):
        self.n_items = check_int(n_items, "n_items", minimum=3)
        self.max_trials = check_int(max_trials, "max_trials", minimum=1)
        self.max_items = None if max_items is None else check_int(max_items, "max_items", minimum=3, maximum=n_items)
        self.criterion = float(criterion)
        self._rng = check_seed(seed)
        self.trials: list = []
        self.evidence = np.zeros((self.n_items, self.n_items))
        self.current_items: np.ndarray | None = np.arange(self.n_items)

    @property
    def done(self) -> bool:
        """Whether the session has ended (budget spent or evidence criterion met)."""
        return self.current_items is None

    def start_positions(self) -> np.ndarray:
        """Starting layout for the current trial: the items evenly spaced on a ring of radius 0.8."""
        if self.done:
            raise RuntimeError("the session is over; no current trial")
        k = self.current_items.size
        angle = 2 * np.pi * np.arange(k) / k + self._rng.uniform(0, 2 * np.pi)
        return 0.8 * np.column_stack([np.cos(angle), np.sin(angle)])

    def submit(self, positions) -> np.ndarray | None:
        """Record the arrangement of the current items and return the next trial's items (``None`` at the end).

        Parameters
        ----------
        positions : array-like, shape (k, 2)
            Arena positions (radius 1) of ``current_items``, in that order.
        """
        if self.done:
            raise RuntimeError("the session is over; no trial to submit")
        trial = check_trials([(self.current_items, positions)], self.n_items, name="positions")[0]
        if np.any(np.linalg.norm(trial[1], axis=1) > 1 + 1e-9):
            raise ValueError("positions must lie inside the arena (radius 1)")
        self.trials.append(trial)
        self.evidence += _evidence([trial], self.n_items)
        if len(self.trials) >= self.max_trials:
            self.current_items = None
        else:
            self.current_items = lift_the_weakest(self.evidence, criterion=self.criterion, max_items=self.max_items)
        return self.current_items

    def estimate(self, method: str = "average") -> np.ndarray:
        """The RDM estimated from the trials so far (see :func:`inverse_mds`)."""
        if not self.trials:
            raise RuntimeError("no trial submitted yet")
        return inverse_mds(self.trials, self.n_items, method=method)

    def to_dict(self) -> dict:
        """A JSON-serialisable record of the session (to replay it, e.g. on a static page)."""
        return {"n_items": self.n_items, "trials": [{"items": i.tolist(), "positions": p.tolist()} for i, p in self.trials]}


# ------------------------------------------------------------------------------------ Meadows import
@dataclass
class MeadowsMA:
    """One Multiple Arrangements task read from a Meadows JSON export."""

    task: str
    stimuli: list
    trials: list
    rdm: np.ndarray | None


def load_meadows(path, task: str | None = None) -> MeadowsMA:
    """Read the trials of one MA task from a Meadows "tree" JSON export of one participant.

    The file holds ``{"tasks": [{"task": {"name", "task_type": "multiarrange"}, "stimuli": [{"id", "name"}],
    "rdm": [...], "trials": [{"positions": [[stimulus_id, x, y], ...]}, ...]}, ...]}``; ``rdm`` (the upper
    triangle Meadows computed) is what ``rsatoolbox.io.meadows.load_rdms`` reads. Positions are centred on
    the arena centre (``task.arena_center``, default the origin) and divided by the largest distance from it
    over the task's trials, so every item lies in the unit arena.

    rsatoolbox's ``io.meadows`` is the reference for the format, but it reads only the *summary* RDMs:
    ``rdm`` of every ``multiarrange`` task in a single-participant tree JSON, and ``rdmutv`` in the
    ``.mat`` downloads (one or many participants). For those, use ``rsatoolbox.io.meadows.load_rdms``
    directly; this function adds the per-trial arrangements, which inverse MDS needs. It selects tasks
    as rsatoolbox does (``task_type == "multiarrange"``), keeps the task's stimulus order (rsatoolbox's
    ``sort=False``; its condition names are these names without the file extension), and returns
    the same ``rdm`` vector (tested against rsatoolbox).

    Parameters
    ----------
    path : str or pathlib.Path
    task : str, optional
        Task name; default the first ``multiarrange`` task.

    Returns
    -------
    MeadowsMA
        ``trials`` index into ``stimuli`` (the task's stimulus order).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path {str(path)!r} does not exist")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"path {str(path)!r} is not valid JSON ({exc})") from None
    tasks = [t for t in (data.get("tasks") or []) if t.get("task", {}).get("task_type") == "multiarrange"]
    if task is not None:
        tasks = [t for t in tasks if t["task"].get("name") == task]
    if not tasks:
        raise ValueError(f"path holds no multiarrange task{'' if task is None else f' named {task!r}'}")
    t = tasks[0]
    stimuli = [s["name"] for s in t["stimuli"]]
    where = {s["id"]: i for i, s in enumerate(t["stimuli"])}
    centre = np.asarray(t["task"].get("arena_center", [0.0, 0.0]), dtype=float)
    raw = []
    for k, trial in enumerate(t.get("trials") or []):
        try:
            idx = np.array([where[p[0]] for p in trial["positions"]], dtype=np.intp)
        except KeyError as exc:
            raise ValueError(f"trials[{k}] names stimulus {exc.args[0]!r}, not among the task's stimuli") from None
        raw.append((idx, np.array([p[1:3] for p in trial["positions"]], dtype=float) - centre))
    if not raw:
        raise ValueError("the multiarrange task holds no trials with positions")
    radius = max(np.linalg.norm(p, axis=1).max() for _, p in raw)
    trials = check_trials([(i, p / radius) for i, p in raw], len(stimuli))
    rdm = None if t.get("rdm") is None else np.asarray(t["rdm"], dtype=float)
    return MeadowsMA(t["task"].get("name", ""), stimuli, trials, rdm)
