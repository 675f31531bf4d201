"""Random effects in a crossed design: both groups of participants are samples (two-way bootstrap)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from repalign.core.intervals import Interval, check_level, percentile_interval, t_interval
from repalign.core.validation import check_choice, check_int, check_seed
from repalign.inference.effects import _subject_stack
from repalign.rdm.compare import COMPARE_METHODS, correlate
from repalign.rdm.compute import check_same_items

__all__ = ["CrossedRandomEffects", "crossed_random_effects"]


@dataclass(frozen=True)
class CrossedRandomEffects:
    """The mean individual-to-individual correlation of a crossed design, with both groups as random factors.

    Attributes
    ----------
    correlations : numpy.ndarray, shape (n_a, n_b)
        Every participant of ``rdms_a`` against every participant of ``rdms_b``.
    estimate : float
        Mean of ``correlations`` over the cells that count: all of them, or (``paired``) all but the
        diagonal, which pairs a person with themself.
    se : float
        Standard deviation of the two-way bootstrap distribution.
    ci : repalign.core.Interval
        Percentile interval of the two-way bootstrap.
    rows_only_ci : repalign.core.Interval
        For contrast: the t-interval over the row means (participants of ``rdms_b`` treated as fixed), at the
        same level.
    within_person : float or None
        ``paired`` only: the mean of the diagonal (the same person's two RDMs); ``None`` otherwise.
    samples : numpy.ndarray, shape (n_boot,)
        The bootstrap statistics.
    paired : bool
        Whether persons were resampled jointly.
    method : str
        The RDM comparison.
    """

    correlations: np.ndarray
    estimate: float
    se: float
    ci: Interval
    rows_only_ci: Interval
    within_person: float | None
    samples: np.ndarray
    paired: bool
    method: str

    def __repr__(self) -> str:
        return (
            f"CrossedRandomEffects(estimate={self.estimate:.3f}, se={self.se:.3f}, "
            f"{self.ci.level:.0%} CI=[{self.ci.low:.3f}, {self.ci.high:.3f}], paired={self.paired}, "
            f"n_a={self.correlations.shape[0]}, n_b={self.correlations.shape[1]})"
        )


def _correlation_matrix(a: np.ndarray, b: np.ndarray, method: str) -> np.ndarray:
    """``method`` correlation of every row of ``a`` with every row of ``b`` (condensed RDMs, trusted)."""
    if method in ("spearman", "pearson"):
        if method == "spearman":
            from scipy.stats import rankdata

            a, b = rankdata(a, axis=1), rankdata(b, axis=1)
        za = (a - a.mean(1, keepdims=True)) / a.std(1, keepdims=True)
        zb = (b - b.mean(1, keepdims=True)) / b.std(1, keepdims=True)
        return za @ zb.T / a.shape[1]
    return np.array([[correlate(x, y, method=method) for y in b] for x in a])


def crossed_random_effects(
    rdms_a,
    rdms_b,
    *,
    method: str = "spearman",
    paired: bool = False,
    n_boot: int = 2000,
    level: float = 0.95,
    seed=0,
) -> CrossedRandomEffects:
    """Mean correlation between individuals of two groups, with an interval that treats both groups as samples.

    Every participant of ``rdms_a`` is correlated with every participant of ``rdms_b``. The cells of that
    matrix share their row *and* their column, so neither the cells nor the row means are independent:
    an interval over row means treats the ``rdms_b`` participants as fixed and is too narrow. Here a
    two-way bootstrap resamples rows and columns independently (``paired=False``: different people did
    the two tasks), or resamples *persons* and keeps both of a person's RDMs together (``paired=True``:
    the same people did both tasks; the diagonal, a person with themself, is left out of every mean).
    The two-way bootstrap slightly overstates the variance (the cell-level residual enters more than
    once; McCullagh 2000), so the interval errs on the wide side.

    Parameters
    ----------
    rdms_a, rdms_b : array-like
        Stacks ``(n_subjects, n, n)`` or ``(n_subjects, n_pairs)`` over the same stimuli, at least 2
        participants each (``paired``: the same persons in the same order, at least 3).
    method : {"spearman", "pearson", "kendall_tau_a"}
        The RDM comparison.
    paired : bool
        Whether row ``i`` and column ``i`` are the same person.
    n_boot : int
        Bootstrap resamples.
    level : float
        Confidence level of the interval, in (0, 1).
    seed : int or numpy.random.Generator

    Returns
    -------
    CrossedRandomEffects
    """
    check_choice(method, "method", COMPARE_METHODS)
    if not isinstance(paired, (bool, np.bool_)):
        raise TypeError(f"paired must be a bool; got {type(paired).__name__}")
    n_boot = check_int(n_boot, "n_boot", minimum=10)
    level = check_level(level, "level")
    rng = check_seed(seed)
    a = _subject_stack(rdms_a, "rdms_a", nonconstant=True)
    b = _subject_stack(rdms_b, "rdms_b", nonconstant=True)
    check_same_items(a, b, names=("rdms_a", "rdms_b"))
    n_a, n_b = a.shape[0], b.shape[0]
    if n_a < 2 or n_b < 2:
        raise ValueError(f"rdms_a and rdms_b need at least 2 participants each; got {n_a} and {n_b}")
    if paired and (n_a != n_b or n_a < 3):
        raise ValueError(f"paired=True needs the same persons (at least 3) in rdms_a and rdms_b; got {n_a} and {n_b}")
    corr = _correlation_matrix(a, b, method)
    if paired:
        off = ~np.eye(n_a, dtype=bool)
        estimate = float(corr[off].mean())
        rows = np.array([corr[i, off[i]].mean() for i in range(n_a)])
        within = float(np.diag(corr).mean())
        zeroed = np.where(off, corr, 0.0)
        w = np.stack([np.bincount(rng.integers(0, n_a, n_a), minlength=n_a) for _ in range(n_boot)]).astype(float)
        num = np.einsum("bi,ij,bj->b", w, zeroed, w)
        den = n_a**2 - np.sum(w**2, axis=1)  # pairs of resampled slots that are different persons
        samples = num / np.maximum(den, 1)
        samples[den == 0] = np.nan
    else:
        estimate = float(corr.mean())
        rows = corr.mean(axis=1)
        within = None
        wr = np.stack([np.bincount(rng.integers(0, n_a, n_a), minlength=n_a) for _ in range(n_boot)]).astype(float)
        wc = np.stack([np.bincount(rng.integers(0, n_b, n_b), minlength=n_b) for _ in range(n_boot)]).astype(float)
        samples = np.einsum("bi,ij,bj->b", wr, corr, wc) / (n_a * n_b)
    return CrossedRandomEffects(
        correlations=corr,
        estimate=estimate,
        se=float(np.nanstd(samples, ddof=1)),
        ci=percentile_interval(samples, level),
        rows_only_ci=t_interval(rows, level),
        within_person=within,
        samples=samples,
        paired=bool(paired),
        method=method,
    )
