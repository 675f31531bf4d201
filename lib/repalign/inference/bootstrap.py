"""Bootstrap intervals for RDM correlations (over stimuli, subjects or both)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from repalign.core.intervals import (
    INTERVAL_KINDS,
    Interval,
    check_level,
    percentile_interval,
)
from repalign.core.progress import progress_bar
from repalign.core.validation import check_choice, check_int, check_seed
from repalign.rdm.compare import COMPARE_METHODS, compare_rdms, correlate
from repalign.rdm.compute import square_stack

__all__ = ["BootstrapResult", "bootstrap_rdm_correlation"]


@dataclass(frozen=True)
class BootstrapResult:
    """A bootstrap estimate with its confidence interval.

    Returned by :func:`bootstrap_rdm_correlation` (and, as ``fixed``, by :func:`repalign.inference.session1_control`).

    Attributes
    ----------
    estimate : float
        The statistic on the original data.
    ci : repalign.core.Interval
        The confidence interval (``ci.level`` is its confidence level); unpacks as ``lo, hi = result.ci``.
    se : float
        Standard deviation of the bootstrap distribution.
    distribution : numpy.ndarray
        The bootstrap statistics (NaN-free).
    interval : {"bc", "percentile", "centred"}
        How the interval was formed (see :func:`repalign.core.percentile_interval`).
    """

    estimate: float
    ci: Interval
    se: float
    distribution: np.ndarray
    interval: str

    def __repr__(self) -> str:
        return (
            f"BootstrapResult(estimate={self.estimate:.3f}, "
            f"{self.ci.level:.0%} CI=[{self.ci.low:.3f}, {self.ci.high:.3f}], n={self.distribution.size})"
        )


@lru_cache(maxsize=8)
def _upper_pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``numpy.triu_indices(n, k=1)``, computed once per ``n`` (read-only: every resample reuses them)."""
    iu, ju = np.triu_indices(n, k=1)
    iu.flags.writeable = ju.flags.writeable = False
    return iu, ju


def _resampled_pairs(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the pairs of resampled stimuli ``idx``, without the pairs of a stimulus with its copy.

    A stimulus drawn twice forms a pair with its own copy whose dissimilarity is zero by
    construction; those pairs are dropped, the other pairs (duplicates included) are kept.
    """
    iu, ju = _upper_pairs(idx.size)
    keep = idx[iu] != idx[ju]
    return idx[iu[keep]], idx[ju[keep]]


class _RankedPairs:
    """One RDM's pairs sorted once, so that the ranks of any stimulus resample cost O(pairs), not a sort.

    In a resample where stimulus ``i`` is drawn ``c_i`` times, pair ``(i, j)`` appears ``c_i c_j``
    times; its average rank among the resampled pairs is the number of resampled pairs with a smaller
    value plus ``(w + 1) / 2``, ``w`` the resampled pairs tied with it. Both come from cumulative
    weights over the one global order. The ranks are integers or halves, so they are exactly
    ``scipy.stats.rankdata`` of the resampled values, and the correlation computed from them is bit
    for bit the one :func:`repalign.rdm.correlate` gives (tested).
    """

    def __init__(self, m: np.ndarray):
        n = m.shape[0]
        self.iu, self.ju = _upper_pairs(n)
        values = m[self.iu, self.ju]
        self.order = np.argsort(values, kind="stable")
        ordered = values[self.order]
        self.group = np.cumsum(np.r_[True, ordered[1:] != ordered[:-1]]) - 1  # tie group of each sorted pair
        self.n = n

    def ranks(self, counts: np.ndarray) -> np.ndarray:
        """Average rank of every pair (condensed order) among the pairs of a resample with ``counts`` per stimulus."""
        weight = (counts[self.iu] * counts[self.ju]).astype(float)[self.order]
        per_group = np.bincount(self.group, weights=weight)
        rank_of_group = np.cumsum(per_group) - per_group + (per_group + 1) / 2
        out = np.empty(weight.size)
        out[self.order] = rank_of_group[self.group]
        return out


def _ranked_resample_corr(ra: _RankedPairs, rb: _RankedPairs, idx: np.ndarray, method: str) -> float:
    """:func:`_resampled_corr` for ``"spearman"`` and ``"rho_a"`` from pairs ranked once (same result, bit for bit)."""
    ii, jj = _resampled_pairs(idx)
    lo, hi = np.minimum(ii, jj), np.maximum(ii, jj)
    pair = lo * (2 * ra.n - lo - 1) // 2 + hi - lo - 1  # condensed index of (lo, hi)
    counts = np.bincount(idx, minlength=ra.n)
    rx, ry = ra.ranks(counts)[pair], rb.ranks(counts)[pair]
    if rx.size < 3 or np.ptp(rx) == 0 or np.ptp(ry) == 0:
        return float("nan")
    if method == "spearman":  # scipy.stats.spearmanr's own arithmetic on the ranks
        return float(np.corrcoef(np.column_stack((rx, ry)), rowvar=False)[1, 0])
    m = rx.size
    return float(12 * np.dot(rx - rx.mean(), ry - ry.mean()) / (m**3 - m))


def _resampled_corr(ma: np.ndarray, mb: np.ndarray, idx: np.ndarray, method: str) -> float:
    """Correlate two square RDMs on resampled stimuli, dropping pairs of a stimulus with its copy."""
    ii, jj = _resampled_pairs(idx)
    x, y = ma[ii, jj], mb[ii, jj]
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return correlate(x, y, method=method)


def bootstrap_rdm_correlation(
    a,
    b,
    *,
    method: str = "spearman",
    over: str = "stimuli",
    n_boot: int = 1000,
    confidence: float = 0.95,
    interval: str = "auto",
    seed=0,
    progress: bool = False,
) -> BootstrapResult:
    """Bootstrap confidence interval of the correlation between two RDMs.

    Parameters
    ----------
    a, b : array-like
        RDMs over the same stimuli: square, condensed, or stacks ``(n_subjects, n, n)`` (a stack
        is averaged over subjects before correlating).
    method : str
        The RDM comparison (see :func:`repalign.rdm.compare_rdms`). The whitened ``"corr_cov"`` and
        ``"cosine_cov"`` need whole RDMs: they are refused when stimuli are resampled (a resample
        with duplicated stimuli is not an RDM over distinct conditions).
    over : {"stimuli", "participants", "both"}
        What to resample. ``"stimuli"`` draws stimuli with replacement; the pairs that a
        duplicated stimulus forms with its own copy (zero dissimilarity by construction) are
        dropped, not correlated. ``"participants"`` draws subjects of each stack with
        replacement; ``"both"`` does both in every sample.
    n_boot : int
        Bootstrap samples.
    confidence : float
        Level of the interval, in (0, 1).
    interval : {"auto", "bc", "percentile", "centred"}
        ``"bc"``: bias-corrected percentile interval (Efron 1987). ``"percentile"``: the plain
        percentile interval. ``"centred"``: the percentile interval of the bootstrap distribution
        shifted so that its mean is the estimate. ``"auto"`` (default): ``"bc"`` for
        ``over="stimuli"``, ``"centred"`` when participants are resampled. Why: the statistic is the
        correlation of *participant-averaged* RDMs, and a resample that repeats participants averages
        fewer distinct ones (about 63 %), so its mean RDM is noisier and its correlation attenuated: the
        whole bootstrap distribution sits below the estimate (with few, noisy participants even the BC
        interval can exclude the estimate). That shift is an artefact of the duplicates, not of the
        data, so ``"centred"`` removes it and keeps the bootstrap's spread, which measures how much the
        group-mean correlation varies with the sample of participants. The interval then covers the
        expected group-mean correlation *at the study's number of participants* at about the nominal
        rate (tested by simulation in ``tests/inference/test_bootstrap.py``). It does not cover the correlation of the
        noise-free population RDMs, which any finite group underestimates; for that, use noise ceilings.
    seed : int or numpy.random.Generator
        Random seed (results are deterministic given the seed).
    progress : bool
        Show a progress bar.

    Returns
    -------
    BootstrapResult
    """
    check_choice(over, "over", ("stimuli", "participants", "both"))
    check_choice(method, "method", COMPARE_METHODS)
    if method in ("corr_cov", "cosine_cov") and over != "participants":
        raise ValueError(f"method={method!r} needs whole RDMs; with it, use over='participants' (got over={over!r})")
    check_choice(interval, "interval", ("auto",) + INTERVAL_KINDS)
    if interval == "auto":
        interval = "bc" if over == "stimuli" else "centred"
    n_boot = check_int(n_boot, "n_boot", minimum=10)
    confidence = check_level(confidence, "confidence")
    rng = check_seed(seed)
    sa, sb = square_stack(a, name="a"), square_stack(b, name="b")
    if sa.shape[1] != sb.shape[1]:
        raise ValueError(f"a and b describe different numbers of stimuli ({sa.shape[1]} vs {sb.shape[1]})")
    if over != "stimuli" and (sa.shape[0] < 2 or sb.shape[0] < 2):
        raise ValueError(f"over={over!r} needs stacks of at least 2 participants in both a and b")
    n = sa.shape[1]
    means = sa.mean(0), sb.mean(0)
    estimate = compare_rdms(*means, method=method)
    stats = np.empty(n_boot)
    ranked = None  # stimuli alone resampled, rank statistics, exactly symmetric RDMs: rank each RDM's pairs once
    if over == "stimuli" and method in ("spearman", "rho_a"):
        if all(np.array_equal(m, m.T) for m in means):
            ranked = tuple(_RankedPairs(m) for m in means)
    for k in progress_bar(range(n_boot), enabled=progress, desc="bootstrap"):
        if ranked is not None:
            stats[k] = _ranked_resample_corr(*ranked, rng.integers(0, n, n), method)
            continue
        ma, mb = sa, sb
        if over in ("participants", "both"):
            ma = sa[rng.integers(0, sa.shape[0], sa.shape[0])]
            mb = sb[rng.integers(0, sb.shape[0], sb.shape[0])]
        ma, mb = ma.mean(0), mb.mean(0)
        idx = rng.integers(0, n, n) if over in ("stimuli", "both") else np.arange(n)
        stats[k] = _resampled_corr(ma, mb, idx, method)
    stats = stats[np.isfinite(stats)]
    ci = percentile_interval(stats, confidence, kind=interval, estimate=estimate)
    return BootstrapResult(float(estimate), ci, float(stats.std(ddof=1)), stats, interval)
