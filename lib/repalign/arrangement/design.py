"""Choosing the next trial's items: lift-the-weakest and random designs."""

from __future__ import annotations

import numpy as np

from repalign.arrangement.trials import evidence_utility
from repalign.core.validation import check_int, check_matrix, check_real, check_seed

__all__ = ["DESIGNS", "lift_the_weakest", "random_subset"]


DESIGNS = ("lift", "random")


# ------------------------------------------------------------------------------------- trial design
def lift_the_weakest(
    evidence,
    *,
    criterion: float = 0.5,
    utility_scale: float = 10.0,
    increment: float = 0.1,
    cost_exponent: float = 1.5,
    max_items: int | None = None,
    min_items: int = 3,
):
    """Choose the next trial's items where the evidence is weakest.

    Starts from the pair with the least evidence and adds, one at a time, the item that maximises the
    ratio of expected utility gain to cost; stops as soon as adding an item would lower that ratio (or at
    ``max_items``). A trial is expected to add ``increment`` evidence to every pair it shows; the utility
    of evidence ``w`` is ``1 - exp(-utility_scale * w)`` and a trial of ``k`` items costs ``k ** cost_exponent``.

    Parameters
    ----------
    evidence : array-like, shape (n_items, n_items)
        Per-pair evidence, e.g. from :func:`evidence_matrix`: finite, non-negative and symmetric.
    criterion : float
        Stopping rule, in [0, 1]: when every pair's utility is at least ``criterion``, return ``None``.
    utility_scale, increment, cost_exponent : float
        See above (finite; ``utility_scale`` and ``increment`` > 0, ``cost_exponent`` >= 0).
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
    if not np.allclose(ev, ev.T, rtol=1e-9, atol=1e-12):
        raise ValueError(
            f"evidence must be symmetric (per-pair evidence); max |e - e.T| = {np.abs(ev - ev.T).max():.3g}"
        )
    criterion = check_real(criterion, "criterion", minimum=0.0, maximum=1.0)
    utility_scale = check_real(utility_scale, "utility_scale", minimum=0.0, exclusive=True)
    increment = check_real(increment, "increment", minimum=0.0, exclusive=True)
    cost_exponent = check_real(cost_exponent, "cost_exponent", minimum=0.0)
    max_items = n if max_items is None else check_int(max_items, "max_items", minimum=3, maximum=n)
    min_items = check_int(min_items, "min_items", minimum=3, maximum=max_items)
    util = evidence_utility(ev, scale=utility_scale)
    iu = np.triu_indices(n, k=1)
    if util[iu].min() >= criterion:
        return None
    gain = evidence_utility(ev + increment, scale=utility_scale) - util
    np.fill_diagonal(gain, 0.0)
    w = ev[iu]
    start = int(np.argmin(w))  # first weakest pair, deterministic
    chosen = [int(iu[0][start]), int(iu[1][start])]
    in_set = np.zeros(n, dtype=bool)
    in_set[chosen] = True
    to_set = gain[:, chosen].sum(1)  # gain each candidate would add with the chosen items
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


def random_subset(n_items: int, *, size: int, seed=0) -> np.ndarray:
    """A uniformly random subset of ``size`` distinct items (sorted), the control design.

    Parameters
    ----------
    n_items : int
        Items in the stimulus set (at least 3).
    size : int
        Items in the subset (3 to ``n_items``).
    seed : int or numpy.random.Generator

    Returns
    -------
    numpy.ndarray of int, shape (size,)
    """
    n_items = check_int(n_items, "n_items", minimum=3)
    size = check_int(size, "size", minimum=3, maximum=n_items)
    return np.sort(check_seed(seed).choice(n_items, size=size, replace=False))
