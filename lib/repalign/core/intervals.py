"""One confidence-interval type for every result, and the ways the library computes intervals.

Every result that carries a confidence interval stores it as an :class:`Interval` (``low``, ``high``,
``level``). An interval unpacks like a pair (``lo, hi = result.ci``), so it reads naturally in a notebook,
and its ``low``/``high`` may be arrays when one interval is computed per layer, per model or per item.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from repalign.core.validation import check_choice

__all__ = ["INTERVAL_KINDS", "Interval", "check_level", "percentile_interval", "t_interval"]

#: Bootstrap interval kinds understood by :func:`percentile_interval`.
INTERVAL_KINDS = ("percentile", "bc", "centred")


@dataclass(frozen=True)
class Interval:
    """A confidence interval: ``low`` and ``high`` at confidence ``level`` (for example 0.95).

    ``low`` and ``high`` are floats, or arrays of the same shape for many intervals at once.
    Iterating yields ``low`` then ``high``, so ``lo, hi = interval`` works.
    """

    low: float | np.ndarray
    high: float | np.ndarray
    level: float = 0.95

    def __post_init__(self):
        if isinstance(self.level, (bool, str)) or not isinstance(self.level, (int, float, np.floating)):
            raise TypeError(f"level must be a number in (0, 1); got {self.level!r}")
        if not 0 < float(self.level) < 1:  # also refuses NaN
            raise ValueError(f"level must lie in (0, 1); got {self.level!r}")

    def __iter__(self):
        yield self.low
        yield self.high

    def __contains__(self, value) -> bool:
        return bool(np.all((self.low <= value) & (value <= self.high)))

    @property
    def width(self):
        """``high - low``."""
        return self.high - self.low

    def excludes(self, value: float = 0.0):
        """Whether ``value`` lies outside the interval (elementwise for array intervals)."""
        out = (np.asarray(self.low) > value) | (np.asarray(self.high) < value)
        return bool(out) if np.ndim(out) == 0 else out

    def __getitem__(self, index) -> Interval:
        """The interval of one element (or a slice) of an array interval."""
        return Interval(_scalar(np.asarray(self.low)[index]), _scalar(np.asarray(self.high)[index]), self.level)

    def __repr__(self) -> str:
        if np.ndim(self.low) == 0:
            return f"Interval([{self.low:.4g}, {self.high:.4g}], level={self.level:g})"
        return f"Interval(low={np.asarray(self.low)!r}, high={np.asarray(self.high)!r}, level={self.level:g})"


def _scalar(x):
    return float(x) if np.ndim(x) == 0 else x


def check_level(level, name: str = "confidence") -> float:
    """A confidence level in (0, 1) (a one-line ``ValueError`` naming ``name`` otherwise)."""
    if isinstance(level, (bool, np.bool_)) or not isinstance(level, (int, float, np.floating)) or not 0 < level < 1:
        raise ValueError(f"{name} must be a number in (0, 1); got {level!r}")
    return float(level)


def percentile_interval(
    samples, level: float = 0.95, *, kind: str = "percentile", estimate=None, axis: int = 0
) -> Interval:
    """A bootstrap (or permutation) interval from resampled statistics.

    Parameters
    ----------
    samples : array_like
        Resampled statistics along ``axis``; NaNs are ignored.
    level : float
        Confidence level in (0, 1).
    kind : {"percentile", "bc", "centred"}
        ``"percentile"``: the plain percentile interval. ``"bc"``: bias-corrected percentiles (Efron), which
        need ``estimate``. ``"centred"``: the percentile interval of the distribution shifted to centre on
        ``estimate`` (right when resampling adds a bias that the estimate does not have).
    estimate : float, optional
        The statistic on the original data (``"bc"`` and ``"centred"``).
    axis : int
        Axis of ``samples`` that holds the resamples (``"percentile"`` only for multi-dimensional input).

    Returns
    -------
    Interval
    """
    level = check_level(level, "level")
    check_choice(kind, "kind", INTERVAL_KINDS)
    x = np.asarray(samples, dtype=float)
    alpha = (1 - level) / 2
    if kind == "percentile":
        low, high = np.nanquantile(x, alpha, axis=axis), np.nanquantile(x, 1 - alpha, axis=axis)
        return Interval(_scalar(low), _scalar(high), level)
    if estimate is None:
        raise ValueError(f"estimate is needed for kind={kind!r}")
    levels = np.array([alpha, 1 - alpha])
    if kind == "centred":
        x = x - x.mean() + estimate
    else:  # bias-corrected
        from scipy.stats import norm

        b = x.size
        frac = np.clip(np.mean(x < estimate) + 0.5 * np.mean(x == estimate), 1 / (b + 1), b / (b + 1))
        z0 = norm.ppf(frac)
        levels = norm.cdf(2 * z0 + norm.ppf(levels))
    low, high = np.quantile(x, levels)
    return Interval(float(low), float(high), level)


def t_interval(values, level: float = 0.95, *, bounds: tuple[float, float] | None = None) -> Interval:
    """The Student-t interval of the mean of ``values`` (e.g. scores over folds or subjects).

    With one value the interval collapses to it. ``bounds`` clips the interval (e.g. ``(0, 1)`` for a
    proportion).
    """
    from scipy.stats import t

    level = check_level(level, "level")
    v = np.asarray(values, dtype=float).ravel()
    m = float(v.mean())
    if v.size < 2:
        return Interval(m, m, level)
    half = float(t.ppf((1 + level) / 2, v.size - 1) * (v.std(ddof=1) / np.sqrt(v.size)))  # t x standard error
    low, high = m - half, m + half
    if bounds is not None:
        low, high = max(bounds[0], low), min(bounds[1], high)
    return Interval(low, high, level)
