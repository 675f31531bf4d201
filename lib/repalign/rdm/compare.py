"""Comparing RDMs (the ``method``): Spearman, Pearson, Kendall's tau-a, rho-a, cosine and whitened comparisons.

Every method is available both in :func:`compare_rdms` (validated, square or condensed RDMs) and in
:func:`correlate` (the trusted fast path on condensed vectors used by :mod:`repalign.inference`). The last four
follow rsatoolbox 0.3.2's definitions (``rsatoolbox.rdm.compare``: ``"rho-a"``, ``"cosine"``, ``"corr_cov"``,
``"cosine_cov"``) and equal its numbers to rounding error:

- ``"rho_a"``: Spearman's rho under random tie-breaking (its expected value), ``12 sum(r_x r_y) / (m^3 - m)`` over
  the ``m`` pairs with centred ranks ``r``; unlike Spearman it does not reward a model for predicting ties
  (Nili et al. 2014; Schütt et al. 2023);
- ``"cosine"``: cosine similarity of the condensed vectors (dissimilarities are ratio-scaled, 0 means identical);
- ``"cosine_cov"`` / ``"corr_cov"``: cosine / Pearson correlation after whitening the RDM entries with their
  covariance under independent, identically distributed pattern noise (rsatoolbox's ``sigma_k`` = identity). RDM
  entries sharing a condition are correlated; whitening with that covariance (Diedrichsen et al. 2021) amounts to
  comparing the double-centred RDMs ``H D H`` (``H`` the centring matrix) over all their entries, i.e. the
  second-moment (Gram) matrices the RDMs imply; on squared Euclidean RDMs ``"cosine_cov"`` is the linear CKA of
  the patterns.
"""

from __future__ import annotations

import numpy as np

from repalign.core.validation import check_choice, check_matrix, check_not_complex
from repalign.rdm.compute import check_same_items, to_condensed

__all__ = ["COMPARE_METHODS", "compare_rdms", "correlate", "kendall_tau_a"]


COMPARE_METHODS = ("spearman", "pearson", "kendall_tau_a", "rho_a", "cosine", "corr_cov", "cosine_cov")


def _as_rdm_vector(v, name: str) -> np.ndarray:
    """A condensed vector from an RDM (square: its upper triangle) or a plain 1-D vector, checked (no NaN)."""
    arr = check_not_complex(v, name)
    if arr.ndim == 2:
        return to_condensed(arr, name=name)
    return check_matrix(arr, name, ndim=1)


def kendall_tau_a(a, b) -> float:
    """Kendall's tau-a between two RDMs or vectors: (concordant - discordant) / (n (n - 1) / 2).

    Unlike tau-b, ties are not forgiven, which favours models that predict ties only where
    the data have them (Nili et al. 2014). Computed in O(n log n) from scipy's tau-b.

    Parameters
    ----------
    a, b : array-like
        Two vectors of the same length, or two square RDMs (compared over their off-diagonal upper triangles,
        like :func:`compare_rdms`).

    Returns
    -------
    float
        NaN when one vector is constant.

    Raises
    ------
    ValueError
        If ``a`` or ``b`` holds NaN, or their lengths differ.
    """
    x = _as_rdm_vector(a, "a")
    y = _as_rdm_vector(b, "b")
    if x.shape != y.shape:
        raise ValueError(f"a and b must have the same length; got {x.size} and {y.size}")
    return _tau_a(x, y)


def _tau_a(a, b) -> float:
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


def _double_centred(v: np.ndarray) -> np.ndarray:
    """``H D H`` of the square form ``D`` of a condensed RDM: the entries whitened for i.i.d. pattern noise."""
    from scipy.spatial.distance import squareform

    d = squareform(v, checks=False)
    row = d.mean(axis=1, keepdims=True)
    return d - row - row.T + d.mean()


def _cosine(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.sum(x * y) / np.sqrt(np.sum(x * x) * np.sum(y * y)))


def correlate(x: np.ndarray, y: np.ndarray, *, method: str = "spearman") -> float:
    """The ``method`` comparison of two condensed RDM vectors (trusted: no validation).

    The fast path behind :func:`compare_rdms`, for loops that have validated their inputs once. Every method of
    :data:`COMPARE_METHODS` is supported (see the module docstring for their definitions).

    Parameters
    ----------
    x, y : numpy.ndarray, shape (n_pairs,)
        Condensed RDMs.
    method : {"spearman", "pearson", "kendall_tau_a", "rho_a", "cosine", "corr_cov", "cosine_cov"}

    Returns
    -------
    float
        NaN where the method is undefined (a constant vector for the correlations, a zero one for the cosines).
    """
    from scipy.stats import pearsonr, rankdata, spearmanr

    if method == "spearman":
        return float(spearmanr(x, y).statistic)
    if method == "pearson":
        return float(pearsonr(x, y).statistic)
    if method == "kendall_tau_a":
        return _tau_a(x, y)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "rho_a":
            rx, ry = rankdata(x), rankdata(y)
            m = x.size
            return float(12 * np.dot(rx - rx.mean(), ry - ry.mean()) / (m**3 - m))
        if method == "cosine":
            return _cosine(x, y)
        if method == "corr_cov":
            x, y = x - x.mean(), y - y.mean()
        elif method != "cosine_cov":
            raise ValueError(f"method must be one of {COMPARE_METHODS}; got {method!r}")
        return _cosine(_double_centred(x), _double_centred(y))


def compare_rdms(a, b, *, method: str = "spearman") -> float:
    """Correlate two RDMs over their off-diagonal upper triangles.

    Parameters
    ----------
    a, b : array-like
        Square ``(n, n)`` or condensed RDMs over the same ``n`` stimuli (forms may differ).
    method : {"spearman", "pearson", "kendall_tau_a", "rho_a", "cosine", "corr_cov", "cosine_cov"}
        Rank correlation (Spearman, Kendall tau-a, rho-a) assumes only a monotonic relation between
        dissimilarities, the usual choice in RSA; Pearson assumes a linear one. For RDMs with many ties
        (category models) use ``"kendall_tau_a"`` or ``"rho_a"``, which do not reward predicted ties.
        ``"cosine"`` keeps the zero point of the dissimilarities; ``"corr_cov"`` / ``"cosine_cov"`` first
        whiten the RDM entries, which are correlated because entries sharing a condition share its noise.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If an RDM is constant (the correlations, incl. ``"corr_cov"``) or all zero (``"cosine"``, ``"cosine_cov"``).
    """
    check_choice(method, "method", COMPARE_METHODS)
    x = to_condensed(check_not_complex(a, "a"), name="a")
    y = to_condensed(check_not_complex(b, "b"), name="b")
    check_same_items(x, y, names=("a", "b"))
    if x.size < 3:
        raise ValueError("a and b need at least 3 items (3 pairs) to be compared")
    for v, name in ((x, "a"), (y, "b")):
        if method in ("cosine", "cosine_cov"):
            if not np.any(v):
                raise ValueError(f"{name} is all zero; its cosine with anything is undefined")
        elif np.ptp(v) == 0:
            raise ValueError(f"{name} is constant; its correlation with anything is undefined")
    return correlate(x, y, method=method)
