"""Benjamini-Hochberg false discovery rate control."""

from __future__ import annotations

import numpy as np

__all__ = ["fdr"]


def fdr(pvalues, *, q: float = 0.05):
    """Benjamini–Hochberg false discovery rate: which p-values are discoveries at level ``q``.

    The engine is ``scipy.stats.false_discovery_control`` (BH adjusted p-values); a test is a
    discovery when its adjusted p is ``<= q``. NaNs (e.g. voxels outside a brain mask) are ignored:
    they are neither counted among the tests nor discoveries.

    Parameters
    ----------
    pvalues : array-like of float, any shape
        p-values in [0, 1] (NaN allowed). Numeric only: ``None``, strings and booleans are refused
        with a ``TypeError``.
    q : float, default 0.05
        Target false discovery rate, in (0, 1).

    Returns
    -------
    numpy.ndarray of bool
        Same shape as ``pvalues``; True where the null is rejected.
    """
    from scipy.stats import false_discovery_control

    if isinstance(q, bool) or not isinstance(q, (int, float, np.integer, np.floating)):
        raise TypeError(f"q must be a number; got {type(q).__name__}")
    if not 0 < q < 1:
        raise ValueError(f"q must be in (0, 1); got {q}")
    if pvalues is None or isinstance(pvalues, (str, bytes)):
        raise TypeError(f"pvalues must be an array-like of numbers; got {type(pvalues).__name__}")
    raw = np.asarray(pvalues)
    if raw.dtype.kind not in "iuf":
        # strings ('0.01'), None, booleans and mixed objects are refused rather than coerced
        raise TypeError(f"pvalues must be an array-like of numbers; got dtype {raw.dtype}")
    p = raw.astype(np.float64)
    finite = np.isfinite(p)
    if np.any(np.isinf(p)):
        raise ValueError("pvalues contains infinite values")
    if np.any((p[finite] < 0) | (p[finite] > 1)):
        raise ValueError("pvalues must lie in [0, 1]")
    out = np.zeros(p.shape, dtype=bool)
    if finite.any():
        out[finite] = false_discovery_control(p[finite], method="bh") <= q
    return out
