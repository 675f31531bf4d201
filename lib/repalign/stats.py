"""Inference on RDM comparisons: bootstrap confidence intervals and permutation tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._progress import progress_bar
from ._validation import check_choice, check_int, check_seed
from .rdm import COMPARE_METHODS, _correlate, compare_rdms, to_square

__all__ = [
    "BootstrapResult",
    "bootstrap_rdm_correlation",
    "permutation_test",
    "fdr",
    "fixed_effects",
    "random_effects",
    "RandomEffectsResult",
    "noise_ceiling",
    "group_size_curve",
    "session1_control",
]


@dataclass(frozen=True)
class BootstrapResult:
    """A bootstrap estimate.

    Attributes
    ----------
    estimate : float
        The statistic on the original data.
    ci_low, ci_high : float
        Percentile confidence interval.
    se : float
        Standard deviation of the bootstrap distribution.
    distribution : numpy.ndarray
        The bootstrap statistics (NaN-free).
    confidence : float
        Level of the interval (e.g. 0.95).
    method : str
        How the interval was formed (``"bc"``, ``"percentile"`` or ``"centred"``).
    """

    estimate: float
    ci_low: float
    ci_high: float
    se: float
    distribution: np.ndarray
    confidence: float
    method: str = "bc"

    def __repr__(self) -> str:
        return (f"BootstrapResult(estimate={self.estimate:.3f}, "
                f"{self.confidence:.0%} CI=[{self.ci_low:.3f}, {self.ci_high:.3f}], n={self.distribution.size})")


def _as_stack(x, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 3:
        return np.stack([to_square(r, f"{name}[{i}]") for i, r in enumerate(arr)])
    return to_square(arr, name)[None]


def _resampled_corr(ma: np.ndarray, mb: np.ndarray, idx: np.ndarray, method: str) -> float:
    """Correlate two square RDMs on resampled stimuli, dropping pairs of a stimulus with its copy."""
    iu, ju = np.triu_indices(idx.size, k=1)
    keep = idx[iu] != idx[ju]
    ii, jj = idx[iu[keep]], idx[ju[keep]]
    x, y = ma[ii, jj], mb[ii, jj]
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return _correlate(x, y, method)


def bootstrap_rdm_correlation(a, b, n_boot: int = 1000, seed=0, over: str = "stimuli",
                              method: str = "spearman", confidence: float = 0.95,
                              interval: str = "auto", progress: bool = False) -> BootstrapResult:
    """Bootstrap confidence interval of the correlation between two RDMs.

    Parameters
    ----------
    a, b : array-like
        RDMs over the same stimuli: square, condensed, or stacks ``(n_subjects, n, n)`` (a stack
        is averaged over subjects before correlating).
    n_boot : int
        Bootstrap samples.
    seed : int or numpy.random.Generator
        Random seed (results are deterministic given the seed).
    over : {"stimuli", "participants", "both"}
        What to resample. ``"stimuli"`` draws stimuli with replacement; the pairs that a
        duplicated stimulus forms with its own copy (zero dissimilarity by construction) are
        dropped, not correlated. ``"participants"`` draws subjects of each stack with
        replacement; ``"both"`` does both in every sample.
    method : {"spearman", "pearson", "kendall_tau_a"}
    confidence : float
        Level of the interval.
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
        rate (tested by simulation in ``tests/test_stats.py``). It does not cover the correlation of the
        noise-free population RDMs, which any finite group underestimates; for that, use noise ceilings.
    progress : bool
        Show a progress bar.

    Returns
    -------
    BootstrapResult
    """
    check_choice(over, "over", ("stimuli", "participants", "both"))
    check_choice(method, "method", COMPARE_METHODS)
    check_choice(interval, "interval", ("auto", "bc", "percentile", "centred"))
    if interval == "auto":
        interval = "bc" if over == "stimuli" else "centred"
    n_boot = check_int(n_boot, "n_boot", minimum=10)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1); got {confidence}")
    rng = check_seed(seed)
    sa, sb = _as_stack(a, "a"), _as_stack(b, "b")
    if sa.shape[1] != sb.shape[1]:
        raise ValueError(f"a and b describe different numbers of stimuli ({sa.shape[1]} vs {sb.shape[1]})")
    if over != "stimuli" and (sa.shape[0] < 2 or sb.shape[0] < 2):
        raise ValueError(f"over={over!r} needs stacks of at least 2 participants in both a and b")
    n = sa.shape[1]
    estimate = compare_rdms(sa.mean(0), sb.mean(0), method)
    stats = np.empty(n_boot)
    for k in progress_bar(range(n_boot), enabled=progress, desc="bootstrap"):
        ma, mb = sa, sb
        if over in ("participants", "both"):
            ma = sa[rng.integers(0, sa.shape[0], sa.shape[0])]
            mb = sb[rng.integers(0, sb.shape[0], sb.shape[0])]
        ma, mb = ma.mean(0), mb.mean(0)
        idx = rng.integers(0, n, n) if over in ("stimuli", "both") else np.arange(n)
        stats[k] = _resampled_corr(ma, mb, idx, method)
    stats = stats[np.isfinite(stats)]
    lo, hi = _interval(stats, estimate, confidence, interval)
    return BootstrapResult(float(estimate), lo, hi, float(stats.std(ddof=1)), stats, confidence, interval)


def _interval(stats: np.ndarray, estimate: float, confidence: float, kind: str) -> tuple[float, float]:
    """Percentile, bias-corrected (BC) percentile, or centred percentile interval of a bootstrap distribution."""
    from scipy.stats import norm

    alpha = (1 - confidence) / 2
    levels = np.array([alpha, 1 - alpha])
    if kind == "centred":
        stats = stats - stats.mean() + estimate
    if kind == "bc":
        b = stats.size
        frac = np.clip(np.mean(stats < estimate) + 0.5 * np.mean(stats == estimate), 1 / (b + 1), b / (b + 1))
        z0 = norm.ppf(frac)
        levels = norm.cdf(2 * z0 + norm.ppf(levels))
    lo, hi = np.quantile(stats, levels)
    return float(lo), float(hi)


def permutation_test(a, b, n_perm: int = 1000, seed=0, method: str = "spearman",
                     alternative: str = "greater") -> tuple[float, float]:
    """Test an RDM correlation by permuting the stimulus labels of ``b``.

    Returns ``(r, p)`` with ``p = (1 + #{null >= r}) / (1 + n_perm)`` for ``alternative="greater"``
    (``"two-sided"`` compares absolute values).
    """
    check_choice(method, "method", COMPARE_METHODS)
    check_choice(alternative, "alternative", ("greater", "two-sided"))
    n_perm = check_int(n_perm, "n_perm", minimum=1)
    rng = check_seed(seed)
    ma, mb = to_square(a, "a"), to_square(b, "b")
    if ma.shape != mb.shape:
        raise ValueError(f"a and b describe different numbers of stimuli ({ma.shape[0]} vs {mb.shape[0]})")
    r = compare_rdms(ma, mb, method)
    iu = np.triu_indices(ma.shape[0], k=1)
    x = ma[iu]
    null = np.empty(n_perm)
    for k in range(n_perm):
        p = rng.permutation(ma.shape[0])
        null[k] = _correlate(x, mb[np.ix_(p, p)][iu], method)
    if alternative == "greater":
        hits = np.sum(null >= r)
    else:
        hits = np.sum(np.abs(null) >= abs(r))
    return float(r), float((1 + hits) / (1 + n_perm))


def fdr(pvalues, q: float = 0.05):
    """Benjamini–Hochberg false discovery rate: which p-values are discoveries at level ``q``.

    The engine is ``scipy.stats.false_discovery_control`` (BH adjusted p-values); a test is a
    discovery when its adjusted p is ``<= q``. NaNs (e.g. voxels outside a brain mask) are ignored:
    they are neither counted among the tests nor discoveries.

    Parameters
    ----------
    pvalues : array-like of float, any shape
        p-values in [0, 1] (NaN allowed).
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
    try:
        p = np.asarray(pvalues, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("pvalues must be an array-like of numbers") from None
    finite = np.isfinite(p)
    if np.any(np.isinf(p)):
        raise ValueError("pvalues contains infinite values")
    if np.any((p[finite] < 0) | (p[finite] > 1)):
        raise ValueError("pvalues must lie in [0, 1]")
    out = np.zeros(p.shape, dtype=bool)
    if finite.any():
        out[finite] = false_discovery_control(p[finite], method="bh") <= q
    return out


# --------------------------------------------------------------------------------------------
# Group-level comparisons of two sets of RDMs (chapter 3): fixed vs random effects, ceilings
# --------------------------------------------------------------------------------------------


def _condensed_stack(rdms, name: str) -> np.ndarray:
    """``(n_subjects, n_pairs)`` from a stack of square or condensed RDMs (checked)."""
    from .rdm import to_condensed

    arr = np.asarray(rdms, dtype=float)
    if arr.ndim not in (2, 3):
        raise ValueError(f"{name} must be a stack of RDMs, (n_subjects, n, n) or (n_subjects, n_pairs); got shape {arr.shape}")
    return np.stack([to_condensed(r, f"{name}[{i}]") for i, r in enumerate(arr)])


def fixed_effects(rdms_a, rdms_b, method: str = "spearman") -> float:
    """Correlation between the two group-mean RDMs (the "fixed-effects" comparison).

    Averaging removes each participant's idiosyncratic noise, so this asks whether the *groups*
    share a geometry; it says nothing about how well one individual matches another.
    """
    check_choice(method, "method", COMPARE_METHODS)
    a, b = _condensed_stack(rdms_a, "rdms_a"), _condensed_stack(rdms_b, "rdms_b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"rdms_a and rdms_b describe different numbers of pairs ({a.shape[1]} vs {b.shape[1]})")
    return compare_rdms(a.mean(0), b.mean(0), method)


@dataclass(frozen=True)
class RandomEffectsResult:
    """Per-participant correlations and their summary.

    Attributes
    ----------
    correlations : numpy.ndarray
        ``(n_a, n_b)`` for ``pairing="all"``; ``(n,)`` for ``"matched"``.
    per_participant : numpy.ndarray
        One value per participant of ``rdms_a`` (the mean over its row for ``"all"``): the units of
        the tests, so that non-independent pairs are not counted as independent observations.
    mean, sem, t, p : float
        Mean of ``per_participant``, its standard error, and a one-sample t-test against 0.
    ci_low, ci_high : float
        t-based 95 % interval of the mean.
    p_signflip : float
        Sign-flip permutation p-value (one-sided, mean > 0).
    """

    correlations: np.ndarray
    per_participant: np.ndarray
    mean: float
    sem: float
    t: float
    p: float
    ci_low: float
    ci_high: float
    p_signflip: float

    def __repr__(self) -> str:
        return (f"RandomEffectsResult(mean={self.mean:.3f}, 95% CI=[{self.ci_low:.3f}, {self.ci_high:.3f}], "
                f"t={self.t:.2f}, p={self.p:.2g}, n={self.per_participant.size})")


def random_effects(rdms_a, rdms_b, method: str = "spearman", pairing: str = "all", n_perm: int = 10000,
                   seed=0) -> RandomEffectsResult:
    """Correlations between individual participants' RDMs (the "random-effects" comparison).

    Parameters
    ----------
    rdms_a, rdms_b : array-like
        Stacks ``(n_subjects, n, n)`` or ``(n_subjects, n_pairs)`` over the same stimuli.
    method : {"spearman", "pearson", "kendall_tau_a"}
    pairing : {"all", "matched"}
        ``"all"``: every participant of ``a`` with every participant of ``b`` (different people did
        the two tasks); ``"matched"``: ``a[i]`` with ``b[i]`` (the same person did both).
    n_perm : int
        Sign flips for the permutation p-value.
    seed : int or numpy.random.Generator

    Returns
    -------
    RandomEffectsResult
    """
    from scipy import stats as st

    check_choice(method, "method", COMPARE_METHODS)
    check_choice(pairing, "pairing", ("all", "matched"))
    n_perm = check_int(n_perm, "n_perm", minimum=1)
    rng = check_seed(seed)
    a, b = _condensed_stack(rdms_a, "rdms_a"), _condensed_stack(rdms_b, "rdms_b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"rdms_a and rdms_b describe different numbers of pairs ({a.shape[1]} vs {b.shape[1]})")
    if pairing == "matched":
        if a.shape[0] != b.shape[0]:
            raise ValueError(f"pairing='matched' needs as many participants in rdms_a as in rdms_b ({a.shape[0]} vs {b.shape[0]})")
        corr = np.array([_correlate(x, y, method) for x, y in zip(a, b)])
        per = corr
    else:
        corr = np.array([[_correlate(x, y, method) for y in b] for x in a])
        per = corr.mean(axis=1)
    if per.size < 2:
        raise ValueError("random effects need at least 2 participants in rdms_a")
    mean, sem = float(per.mean()), float(per.std(ddof=1) / np.sqrt(per.size))
    t_res = st.ttest_1samp(per, 0.0)
    half = float(st.t.ppf(0.975, per.size - 1) * sem)
    flips = rng.choice([-1.0, 1.0], size=(n_perm, per.size))
    null = (flips * per).mean(axis=1)
    p_flip = float((1 + np.sum(null >= mean)) / (1 + n_perm))
    return RandomEffectsResult(corr, per, mean, sem, float(t_res.statistic), float(t_res.pvalue),
                               mean - half, mean + half, p_flip)


def noise_ceiling(rdms, method: str = "spearman") -> tuple[float, float]:
    """Lower and upper bounds of the noise ceiling of a group of RDMs (Nili et al. 2014).

    The upper bound is the mean correlation of each participant with the group mean *including*
    that participant (no model can beat it on average); the lower bound uses the mean of the
    *other* participants (leave-one-participant-out), which a perfect model would at least reach.
    For ``method="spearman"`` the RDMs are rank-transformed before averaging.

    Returns
    -------
    (lower, upper) : tuple of float
    """
    check_choice(method, "method", COMPARE_METHODS)
    x = _condensed_stack(rdms, "rdms")
    if x.shape[0] < 2:
        raise ValueError("noise_ceiling needs at least 2 participants")
    from scipy.stats import rankdata

    avg = rankdata(x, axis=1) if method == "spearman" else x
    total = avg.sum(axis=0)
    upper = np.mean([_correlate(x[i], total / x.shape[0], method) for i in range(x.shape[0])])
    lower = np.mean([_correlate(x[i], (total - avg[i]) / (x.shape[0] - 1), method) for i in range(x.shape[0])])
    return float(lower), float(upper)


def group_size_curve(rdms_a, rdms_b, sizes, n_rep: int = 50, method: str = "spearman", seed=0) -> dict:
    """Correlation of group-mean RDMs as a function of the number of participants averaged.

    For each size ``k``, ``n_rep`` times: draw ``k`` participants (without replacement) from each
    stack, average, correlate. Returns ``{k: (mean, sd)}``.
    """
    check_choice(method, "method", COMPARE_METHODS)
    n_rep = check_int(n_rep, "n_rep", minimum=1)
    rng = check_seed(seed)
    a, b = _condensed_stack(rdms_a, "rdms_a"), _condensed_stack(rdms_b, "rdms_b")
    out = {}
    for k in sizes:
        k = check_int(k, "sizes", minimum=1, maximum=min(a.shape[0], b.shape[0]))
        vals = [_correlate(a[rng.choice(a.shape[0], k, replace=False)].mean(0),
                           b[rng.choice(b.shape[0], k, replace=False)].mean(0), method) for _ in range(n_rep)]
        out[k] = (float(np.mean(vals)), float(np.std(vals)))
    return out


def session1_control(session1, first, n_boot: int = 1000, method: str = "spearman", seed=0) -> dict:
    """Cross-modal agreement from session 1 only: between groups that each did one modality first.

    In a two-session design every participant eventually does both tasks, so session-2 arrangements may
    echo session 1. Session 1 holds each participant's *first* task only: comparing the participants who
    did the visual task first with those who did the linguistic task first is a between-group comparison
    in which nobody had seen the other task yet.

    Parameters
    ----------
    session1 : array-like, shape (n_participants, n, n) or (n_participants, n_pairs)
        Each participant's session-1 RDM.
    first : sequence of str
        The modality each participant did first (two distinct values, e.g. ``"visual"``/``"linguistic"``);
        the first value met in ``first`` is group ``a``.
    n_boot : int
        Bootstrap samples of the fixed-effects interval (stimuli resampled).
    method : {"spearman", "pearson", "kendall_tau_a"}
    seed : int or numpy.random.Generator

    Returns
    -------
    dict
        ``"groups"`` (the two modality names), ``"n"`` (participants per group), ``"fixed"`` and
        ``"fixed_ci"`` (group means, stimulus bootstrap), ``"random"`` (a :class:`RandomEffectsResult` with
        ``pairing="all"``).
    """
    x = _condensed_stack(session1, "session1")
    first = np.asarray(first)
    if first.shape != (x.shape[0],):
        raise ValueError(f"first must hold one modality per participant ({x.shape[0]}); got shape {first.shape}")
    groups = list(dict.fromkeys(first.tolist()))
    if len(groups) != 2:
        raise ValueError(f"first must name exactly two modalities; got {groups}")
    a, b = x[first == groups[0]], x[first == groups[1]]
    if min(len(a), len(b)) < 2:
        raise ValueError("session1_control needs at least 2 participants in each group")
    from .rdm import to_square

    boot = bootstrap_rdm_correlation(to_square(a.mean(0)), to_square(b.mean(0)), n_boot=n_boot, seed=seed,
                                     method=method)
    return {"groups": groups, "n": [int(len(a)), int(len(b))], "fixed": boot.estimate,
            "fixed_ci": [boot.ci_low, boot.ci_high], "random": random_effects(a, b, method=method, seed=seed)}
