"""Bootstrap interval of a correlation between paired observations (resampling the pairs)."""

from __future__ import annotations

import numpy as np

from repalign.core.intervals import INTERVAL_KINDS, check_level, percentile_interval
from repalign.core.validation import check_choice, check_int, check_seed
from repalign.inference.bootstrap import BootstrapResult
from repalign.rdm.compare import COMPARE_METHODS, correlate

__all__ = ["bootstrap_correlation"]


def bootstrap_correlation(
    x,
    y,
    *,
    method: str = "spearman",
    n_boot: int = 1000,
    confidence: float = 0.95,
    interval: str = "bc",
    seed=0,
) -> BootstrapResult:
    """Correlation of paired observations with a bootstrap interval over the pairs.

    Use it when the pairs are the sampled units, e.g. word pairs rated by people and scored by a
    model (:func:`repalign.models.word_pair_similarity`). For RDMs, whose entries share stimuli and are
    not independent, use :func:`repalign.inference.bootstrap_rdm_correlation` (it resamples stimuli).

    Parameters
    ----------
    x, y : array-like, shape (n,)
        Paired values; a pair with a NaN in either is dropped before anything is computed.
    method : str
        The correlation: one of :data:`repalign.rdm.COMPARE_METHODS` except the whitened RDM comparisons
        ``"corr_cov"`` and ``"cosine_cov"`` (defined for whole RDMs only; refused).
    n_boot : int
        Bootstrap samples (pairs drawn with replacement).
    confidence : float
        Level of the interval, in (0, 1).
    interval : {"bc", "percentile", "centred"}
        How the interval is formed (see :func:`repalign.core.percentile_interval`); bias-corrected by default.
    seed : int or numpy.random.Generator
        Random seed (results are deterministic given the seed).

    Returns
    -------
    BootstrapResult
        ``estimate`` (the correlation of all complete pairs), ``ci``, ``se`` and ``distribution``.
    """
    check_choice(method, "method", COMPARE_METHODS)
    if method in ("corr_cov", "cosine_cov"):
        raise ValueError(f"method={method!r} compares whole RDMs; it is undefined for paired observations x, y")
    check_choice(interval, "interval", INTERVAL_KINDS)
    n_boot = check_int(n_boot, "n_boot", minimum=10)
    confidence = check_level(confidence, "confidence")
    rng = check_seed(seed)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"x and y must be 1-D and of equal length; got shapes {x.shape} and {y.shape}")
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if x.size < 3:
        raise ValueError(f"need at least 3 complete pairs; got {x.size}")
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        raise ValueError("x or y is constant: the correlation is undefined")
    estimate = correlate(x, y, method=method)
    stats = np.empty(n_boot)
    for k in range(n_boot):
        idx = rng.integers(0, x.size, x.size)
        xs, ys = x[idx], y[idx]
        stats[k] = correlate(xs, ys, method=method) if np.ptp(xs) > 0 and np.ptp(ys) > 0 else np.nan
    stats = stats[np.isfinite(stats)]
    ci = percentile_interval(stats, confidence, kind=interval, estimate=estimate)
    return BootstrapResult(float(estimate), ci, float(stats.std(ddof=1)), stats, interval)
