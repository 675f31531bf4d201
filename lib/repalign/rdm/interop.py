"""Conversion to and from rsatoolbox's ``RDMs``."""

from __future__ import annotations

import numpy as np

from repalign.core.validation import check_finite
from repalign.rdm.compute import condensed_stack, to_condensed

__all__ = ["from_rsatoolbox", "to_rsatoolbox"]


def to_rsatoolbox(rdms, *, descriptor: str = "dissimilarity", pattern_descriptors: dict | None = None):
    """Wrap an RDM or a stack of RDMs as ``rsatoolbox.rdm.RDMs``.

    Parameters
    ----------
    rdms : array-like
        ``(n, n)``, condensed ``(n_pairs,)``, a stack ``(n_rdms, n, n)`` or ``(n_rdms, n_pairs)``
        (a square 2-D array is always read as one RDM).
    descriptor : str
        Stored as the RDMs' ``dissimilarity_measure``.
    pattern_descriptors : dict, optional
        Passed through (e.g. ``{"coco_id": ids}``).

    Returns
    -------
    rsatoolbox.rdm.RDMs
    """
    from rsatoolbox.rdm import RDMs

    arr = np.asarray(rdms, dtype=float)
    if arr.ndim == 1 or (arr.ndim == 2 and arr.shape[0] == arr.shape[1]):
        # a square 2-D array is always one RDM (checked for symmetry and a zero diagonal)
        vectors = to_condensed(arr, name="rdms")[None, :]
    elif arr.ndim in (2, 3):  # (n_rdms, n_pairs) or (n_rdms, n, n): a stack
        vectors = condensed_stack(arr, name="rdms")
    else:
        raise ValueError(f"rdms must be 1-, 2- or 3-D; got shape {arr.shape}")
    check_finite(vectors, "rdms")
    return RDMs(vectors, dissimilarity_measure=descriptor, pattern_descriptors=pattern_descriptors)


def from_rsatoolbox(rdms) -> np.ndarray:
    """Square RDM(s) from ``rsatoolbox.rdm.RDMs``.

    Parameters
    ----------
    rdms : rsatoolbox.rdm.RDMs

    Returns
    -------
    numpy.ndarray
        ``(n, n)`` for one RDM, ``(n_rdms, n, n)`` for several.
    """
    try:
        mats = rdms.get_matrices()
    except AttributeError:
        raise TypeError(f"rdms must be an rsatoolbox.rdm.RDMs; got {type(rdms).__name__}") from None
    return mats[0] if mats.shape[0] == 1 else mats
