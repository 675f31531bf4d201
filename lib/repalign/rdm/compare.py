"""Comparing RDMs (the ``method``): Spearman, Pearson, Kendall's tau-a."""

from __future__ import annotations

import numpy as np

from repalign.core.validation import check_choice
from repalign.rdm.compute import check_same_items, to_condensed

__all__ = ["COMPARE_METHODS", "compare_rdms", "correlate", "kendall_tau_a"]


COMPARE_METHODS = ("spearman", "pearson", "kendall_tau_a")


def kendall_tau_a(a, b) -> float:
    """Kendall's tau-a between two vectors: (concordant - discordant) / (n (n - 1) / 2).

    Unlike tau-b, ties are not forgiven, which favours models that predict ties only where
    the data have them (Nili et al. 2014). Computed in O(n log n) from scipy's tau-b.

    Parameters
    ----------
    a, b : array-like, shape (n,)
        Two vectors of the same length.

    Returns
    -------
    float
        NaN when one vector is constant.
    """
    from scipy.stats import kendalltau

    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    n = x.size
    n0 = n * (n - 1) / 2

    def tied_pairs(v):
        _, counts = np.unique(v, return_counts=True)
        return float(np.sum(counts * (counts - 1) / 2))

    n1, n2 = tied_pairs(x), tied_pairs(y)
    if n1 == n0 or n2 == n0:
        return float("nan")
    tau_b = kendalltau(x, y, variant="b").statistic
    return float(tau_b * np.sqrt((n0 - n1) * (n0 - n2)) / n0)


def correlate(x: np.ndarray, y: np.ndarray, *, method: str = "spearman") -> float:
    """The ``method`` correlation of two condensed RDM vectors (trusted: no validation).

    The fast path behind :func:`compare_rdms`, for loops that have validated their inputs once.

    Parameters
    ----------
    x, y : numpy.ndarray, shape (n_pairs,)
        Condensed RDMs.
    method : {"spearman", "pearson", "kendall_tau_a"}

    Returns
    -------
    float
    """
    from scipy.stats import pearsonr, spearmanr

    if method == "spearman":
        return float(spearmanr(x, y).statistic)
    if method == "pearson":
        return float(pearsonr(x, y).statistic)
    return kendall_tau_a(x, y)


def compare_rdms(a, b, *, method: str = "spearman") -> float:
    """Correlate two RDMs over their off-diagonal upper triangles.

    Parameters
    ----------
    a, b : array-like
        Square ``(n, n)`` or condensed RDMs over the same ``n`` stimuli (forms may differ).
    method : {"spearman", "pearson", "kendall_tau_a"}
        Rank correlation (Spearman, Kendall tau-a) assumes only a monotonic relation between
        dissimilarities, the usual choice in RSA; Pearson assumes a linear one.

    Returns
    -------
    float
    """
    check_choice(method, "method", COMPARE_METHODS)
    x = to_condensed(a, name="a")
    y = to_condensed(b, name="b")
    check_same_items(x, y, names=("a", "b"))
    if x.size < 3:
        raise ValueError("a and b need at least 3 items (3 pairs) to be compared")
    for v, name in ((x, "a"), (y, "b")):
        if np.ptp(v) == 0:
            raise ValueError(f"{name} is constant; its correlation with anything is undefined")
    return correlate(x, y, method=method)
