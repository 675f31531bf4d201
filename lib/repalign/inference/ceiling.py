"""Noise ceilings of a group of RDMs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from repalign.core.validation import check_choice
from repalign.rdm.compare import COMPARE_METHODS, correlate
from repalign.rdm.compute import condensed_stack

__all__ = ["NoiseCeiling", "noise_ceiling"]


@dataclass(frozen=True)
class NoiseCeiling:
    """The noise ceiling of a group of RDMs: the range in which the best possible model's mean correlation lies.

    Attributes
    ----------
    lower : float
        Mean correlation of each participant with the mean of the *others* (leave-one-out).
    upper : float
        Mean correlation of each participant with the group mean *including* that participant.
    method : str
        The RDM comparison used.
    """

    lower: float
    upper: float
    method: str = "spearman"

    def __repr__(self) -> str:
        return f"NoiseCeiling(lower={self.lower:.3f}, upper={self.upper:.3f}, method={self.method!r})"


def noise_ceiling(rdms, *, method: str = "spearman") -> NoiseCeiling:
    """Lower and upper bounds of the noise ceiling of a group of RDMs (Nili et al. 2014).

    The upper bound is the mean correlation of each participant with the group mean *including*
    that participant (no model can beat it on average); the lower bound uses the mean of the
    *other* participants (leave-one-participant-out), which a perfect model would at least reach.
    For ``method="spearman"`` the RDMs are rank-transformed before averaging.

    Parameters
    ----------
    rdms : array-like
        A stack ``(n_participants, n, n)`` or ``(n_participants, n_pairs)``, at least 2 participants.
    method : {"spearman", "pearson", "kendall_tau_a"}
        The RDM comparison.

    Returns
    -------
    NoiseCeiling
        Its ``lower`` and ``upper`` bounds bracket the best possible model's mean correlation.
    """
    check_choice(method, "method", COMPARE_METHODS)
    x = condensed_stack(rdms, name="rdms")
    if x.shape[0] < 2:
        raise ValueError("noise_ceiling needs at least 2 participants")
    from scipy.stats import rankdata

    avg = rankdata(x, axis=1) if method == "spearman" else x
    total = avg.sum(axis=0)
    upper = np.mean([correlate(x[i], total / x.shape[0], method=method) for i in range(x.shape[0])])
    lower = np.mean([correlate(x[i], (total - avg[i]) / (x.shape[0] - 1), method=method) for i in range(x.shape[0])])
    return NoiseCeiling(float(lower), float(upper), method)
