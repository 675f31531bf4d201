"""Correction for attenuation: what a correlation would be if both measurements were noise-free."""

from __future__ import annotations

import numpy as np

from repalign.core.validation import check_real

__all__ = ["disattenuate"]


def disattenuate(r, reliability_a, reliability_b) -> float:
    """Spearman's correction for attenuation: ``r / sqrt(reliability_a * reliability_b)``.

    Measurement noise in either variable shrinks their correlation by the square root of each one's
    reliability (the correlation of two parallel measurements of it). Dividing it out estimates the
    correlation of the noise-free quantities. For RDMs, use the reliability of what was correlated:
    the Spearman–Brown-corrected split-half reliability of a group mean for a group-mean correlation,
    the mean correlation between two individuals for an individual-to-individual one. The result is not
    clipped: a value above 1 says that the reliabilities were underestimated (or the model assumptions
    fail), and is returned as it is.

    Parameters
    ----------
    r : float
        The observed correlation, in [-1, 1].
    reliability_a, reliability_b : float
        Reliabilities of the two measurements, in (0, 1].

    Returns
    -------
    float
    """
    r = check_real(r, "r", minimum=-1.0, maximum=1.0)
    rel_a = check_real(reliability_a, "reliability_a", maximum=1.0)
    rel_b = check_real(reliability_b, "reliability_b", maximum=1.0)
    for name, value in (("reliability_a", rel_a), ("reliability_b", rel_b)):
        if value <= 0:
            raise ValueError(f"{name} must be in (0, 1]; got {value:g}")
    return float(r / np.sqrt(rel_a * rel_b))
