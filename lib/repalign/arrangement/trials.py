"""Multiple Arrangements trials: validation, on-screen distances and evidence."""

from __future__ import annotations

import numpy as np

from repalign.core.validation import check_finite, check_int, check_matrix, check_real

__all__ = ["check_trials", "evidence_matrix", "evidence_utility", "partial_rdms", "trial_distances"]


# --------------------------------------------------------------------------------------------- trials
def check_trials(trials, n_items: int, *, name: str = "trials") -> list[tuple[np.ndarray, np.ndarray]]:
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
            raise TypeError(
                f"{name}[{t}] item_indices must be a 1-D integer array; got dtype {idx.dtype}, shape {idx.shape}"
            )
        if idx.size < 3:
            raise ValueError(f"{name}[{t}] holds {idx.size} item(s); a trial needs at least 3")
        if idx.min() < 0 or idx.max() >= n_items:
            raise ValueError(
                f"{name}[{t}] item_indices must lie in [0, {n_items}); got {int(idx.min())}..{int(idx.max())}"
            )
        if np.unique(idx).size != idx.size:
            raise ValueError(f"{name}[{t}] item_indices contains repeated items")
        pos = check_matrix(trial[1], f"{name}[{t}] positions", ndim=2)
        if pos.shape != (idx.size, 2):
            raise ValueError(f"{name}[{t}] positions must have shape ({idx.size}, 2); got {pos.shape}")
        if np.all(pos == pos[0]):
            raise ValueError(f"{name}[{t}] positions place all {idx.size} items at one point; no distances to read")
        out.append((idx.astype(np.intp), pos))
    return out


def trial_distances(positions) -> np.ndarray:
    """Condensed on-screen distances of one trial, in arena diameters (positions are in radii).

    Parameters
    ----------
    positions : array-like, shape (k, 2)
        Arena positions (radius 1) of the trial's items.

    Returns
    -------
    numpy.ndarray, shape (k (k - 1) / 2,)
    """
    pos = check_matrix(positions, "positions", ndim=2)
    if pos.shape[1] != 2:
        raise ValueError(f"positions must have shape (k, 2); got {pos.shape}")
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
        The MA trials (see :func:`check_trials`).
    n_items : int
        Items in the stimulus set.

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

    Parameters
    ----------
    trials : sequence of (item_indices, positions)
        The MA trials (see :func:`check_trials`), one row of the result each.
    n_items : int
        Items in the stimulus set.

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


def evidence_utility(evidence, *, scale: float = 10.0) -> np.ndarray:
    """Utility of evidence, ``1 - exp(-scale * evidence)`` (saturates: more evidence helps less).

    Parameters
    ----------
    evidence : array-like
        Per-pair evidence (see :func:`evidence_matrix`).
    scale : float
        How fast utility saturates (> 0).

    Returns
    -------
    numpy.ndarray
        Same shape as ``evidence``, in [0, 1).
    """
    scale = check_real(scale, "scale", minimum=0.0, exclusive=True)
    ev = np.asarray(evidence)
    if ev.dtype == object or not (np.issubdtype(ev.dtype, np.integer) or np.issubdtype(ev.dtype, np.floating)):
        raise TypeError(f"evidence must hold real numbers; got dtype {ev.dtype}")
    ev = check_finite(ev.astype(float), "evidence")
    if np.any(ev < 0):
        raise ValueError("evidence must be non-negative")
    return 1.0 - np.exp(-scale * ev)
