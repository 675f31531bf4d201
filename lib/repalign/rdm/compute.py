"""Computing RDMs from patterns, and converting between square and condensed forms."""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import pdist, squareform

from repalign.core.validation import (
    check_choice,
    check_matrix,
    check_not_complex,
)

__all__ = [
    "RDM_METRICS",
    "check_same_items",
    "compute_rdm",
    "condensed_stack",
    "n_items_from_condensed",
    "square_stack",
    "to_condensed",
    "to_square",
]


RDM_METRICS = ("correlation", "euclidean", "cosine")


def n_items_from_condensed(length: int, *, name: str = "rdm") -> int:
    """Number of items ``n`` for a condensed RDM of ``length = n (n - 1) / 2``.

    Parameters
    ----------
    length : int
        Length of the condensed vector.
    name : str
        Name used in the error message.

    Returns
    -------
    int
    """
    n = int(round((1 + np.sqrt(1 + 8 * length)) / 2))
    if n * (n - 1) // 2 != length or n < 2:
        raise ValueError(f"{name} has length {length}, which is not n*(n-1)/2 for any n >= 2")
    return n


def check_same_items(x: np.ndarray, y: np.ndarray, *, names: tuple[str, str] = ("a", "b")) -> int:
    """Check that two condensed RDMs (or stacks of them) describe the same number of items.

    Parameters
    ----------
    x, y : numpy.ndarray
        Condensed RDMs ``(n_pairs,)`` or stacks ``(n_subjects, n_pairs)``: pairs along the last axis.
    names : (str, str)
        Names used in the error message.

    Returns
    -------
    int
        The number of items.

    Raises
    ------
    ValueError
        ``"<a> and <b> describe different numbers of items (n_a vs n_b)"``.
    """
    n_x = n_items_from_condensed(x.shape[-1], name=names[0])
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(
            f"{names[0]} and {names[1]} describe different numbers of items "
            f"({n_x} vs {n_items_from_condensed(y.shape[-1], name=names[1])})"
        )
    return n_x


def _check_square(rdm: np.ndarray, name: str, atol: float, dtype=np.float64) -> np.ndarray:
    if rdm.shape[0] != rdm.shape[1]:
        raise ValueError(f"{name} must be square; got shape {rdm.shape}")
    if rdm.shape[0] < 2:
        raise ValueError(f"{name} must hold at least 2 items; got {rdm.shape[0]}")
    # the tolerance is scaled to the input's precision: a float32 RDM carries rounding errors of ~1e-7
    if np.issubdtype(dtype, np.floating):
        atol = max(atol, 16 * float(np.finfo(dtype).eps))
    scale = max(1.0, float(np.max(np.abs(rdm))))
    if not np.allclose(rdm, rdm.T, rtol=0, atol=atol * scale):
        raise ValueError(f"{name} is not symmetric (max |A - A.T| = {np.max(np.abs(rdm - rdm.T)):.3g})")
    if np.any(np.abs(np.diag(rdm)) > atol * scale):
        raise ValueError(f"{name} has a non-zero diagonal (max |diag| = {np.max(np.abs(np.diag(rdm))):.3g})")
    return rdm


def _check_rdm(rdm, name: str, atol: float) -> np.ndarray:
    """A checked float RDM as given: condensed (1-D, of a valid length) or square (symmetric, zero diagonal)."""
    arr = check_not_complex(rdm, name)
    if arr.ndim == 1:
        arr = check_matrix(arr, name, ndim=1)
        n_items_from_condensed(arr.size, name=name)
        return arr
    return _check_square(check_matrix(arr, name, ndim=2), name, atol, arr.dtype)


def to_condensed(rdm, *, name: str = "rdm", atol: float = 1e-8) -> np.ndarray:
    """Return the condensed upper triangle of a square RDM (a condensed RDM is checked and returned).

    Parameters
    ----------
    rdm : array-like
        A square ``(n, n)`` RDM, or a condensed ``(n (n - 1) / 2,)`` one (returned as it is).
    name : str
        Name used in error messages.
    atol : float
        Tolerance (relative to the largest absolute value) of the symmetry and zero-diagonal checks; raised to
        16 machine epsilons of the input's float dtype (about 1.9e-6 for float32).

    Returns
    -------
    numpy.ndarray, shape (n (n - 1) / 2,)

    Raises
    ------
    ValueError
        If a square RDM is not symmetric or has a non-zero diagonal.
    """
    arr = _check_rdm(rdm, name, atol)
    return arr if arr.ndim == 1 else squareform(arr, checks=False)


def to_square(rdm, *, name: str = "rdm", atol: float = 1e-8) -> np.ndarray:
    """Return the square form of a condensed RDM (a square RDM is checked and returned).

    Parameters
    ----------
    rdm : array-like
        A condensed ``(n (n - 1) / 2,)`` RDM, or a square ``(n, n)`` one (returned as it is).
    name : str
        Name used in error messages.
    atol : float
        Tolerance of the symmetry and zero-diagonal checks of a square RDM (see :func:`to_condensed`).

    Returns
    -------
    numpy.ndarray, shape (n, n)
    """
    arr = _check_rdm(rdm, name, atol)
    return arr if arr.ndim == 2 else squareform(arr, checks=False)


def compute_rdm(patterns, *, metric: str = "correlation") -> np.ndarray:
    """Dissimilarities between the rows of ``patterns``.

    Parameters
    ----------
    patterns : array-like, shape (n_items, n_features)
        One row per stimulus (e.g. model features or voxel patterns).
    metric : {"correlation", "euclidean", "cosine"}
        ``"correlation"``: 1 - Pearson r between rows (the RSA default), equal to rsatoolbox's
        ``calc_rdm(method="correlation")``; ``"euclidean"``: the Euclidean distance itself, whereas rsatoolbox's
        ``"euclidean"`` is the squared distance divided by ``n_features`` (``compute_rdm(x, metric="euclidean")
        ** 2 / n_features``); ``"cosine"``: 1 - cosine similarity. For cross-validated distances see
        :func:`repalign.rdm.crossnobis.crossnobis_rdm`.

    Returns
    -------
    numpy.ndarray, shape (n_items, n_items)
        Symmetric, zero diagonal.

    Raises
    ------
    TypeError
        If ``patterns`` is complex or not numeric.
    """
    check_choice(metric, "metric", RDM_METRICS)
    x = check_matrix(check_not_complex(patterns, "patterns"), "patterns", ndim=2, min_rows=2)
    if x.shape[1] < 2 and metric == "correlation":
        raise ValueError("patterns needs at least 2 features (columns) for metric='correlation'")
    if metric in ("correlation", "cosine"):
        centred = x - x.mean(1, keepdims=True) if metric == "correlation" else x
        norms = np.linalg.norm(centred, axis=1)
        # rounding leaves ~1e-17 residues when centring a constant row: compare with a tolerance
        tol = 1e-12 * np.maximum(1.0, np.abs(x).max(axis=1)) * np.sqrt(x.shape[1])
        if np.any(norms <= tol):
            what = "constant" if metric == "correlation" else "all-zero"
            raise ValueError(
                f"patterns has {int(np.sum(norms <= tol))} {what} row(s); metric={metric!r} is undefined for them"
            )
    return squareform(pdist(x, metric=metric), checks=False)  # zero diagonal by construction


def square_stack(x, *, name: str = "rdms") -> np.ndarray:
    """A stack of square RDMs from one RDM or a stack of RDMs, square or condensed (checked).

    Parameters
    ----------
    x : array-like
        One RDM (square or condensed) or a stack ``(n_subjects, n, n)``.
    name : str
        Name used in error messages.

    Returns
    -------
    numpy.ndarray, shape (n_subjects, n, n)
        ``n_subjects`` is 1 for a single RDM.
    """
    arr = check_not_complex(x, name)
    if arr.ndim == 3:
        return np.stack([to_square(r, name=f"{name}[{i}]") for i, r in enumerate(arr)])
    return to_square(arr, name=name)[None]


def condensed_stack(rdms, *, name: str = "rdms") -> np.ndarray:
    """A stack of condensed RDMs from a stack of square or condensed RDMs (checked).

    Parameters
    ----------
    rdms : array-like
        ``(n_subjects, n, n)`` or ``(n_subjects, n_pairs)``.
    name : str
        Name used in error messages.

    Returns
    -------
    numpy.ndarray, shape (n_subjects, n_pairs)
    """
    arr = check_not_complex(rdms, name)
    if arr.ndim not in (2, 3):
        raise ValueError(
            f"{name} must be a stack of RDMs, (n_subjects, n, n) or (n_subjects, n_pairs); got shape {arr.shape}"
        )
    return np.stack([to_condensed(r, name=f"{name}[{i}]") for i, r in enumerate(arr)])
