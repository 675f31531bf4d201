"""Noise ceilings of a group of RDMs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from repalign.core.validation import check_choice
from repalign.inference.effects import _subject_stack
from repalign.rdm.compare import COMPARE_METHODS, correlate

__all__ = ["NoiseCeiling", "noise_ceiling"]

# How each comparison pools participants into the group RDM (rsatoolbox's ``pool_rdm``): the rows are
# transformed so that their plain mean is the pooled RDM.
_RANKED = ("spearman", "kendall_tau_a", "rho_a")


def _whitened_norms(x: np.ndarray) -> np.ndarray:
    """Norm of each condensed RDM (row of ``x``) after whitening for i.i.d. pattern noise, up to one constant factor.

    Whitening with the covariance of RDM entries amounts to double-centring the square RDM (``H D H``), so the
    Frobenius norm of ``H D H`` is proportional, with the same factor for every RDM of ``n`` items, to
    rsatoolbox's ``sqrt(x' V^-1 x)`` (see :mod:`repalign.rdm.compare`).
    """
    n = int(round((1 + np.sqrt(1 + 8 * x.shape[1])) / 2))
    iu, ju = np.triu_indices(n, k=1)
    d = np.zeros((x.shape[0], n, n))
    d[:, iu, ju] = x
    d = d + d.transpose(0, 2, 1)
    row = d.mean(axis=2, keepdims=True)
    hdh = d - row - row.transpose(0, 2, 1) + d.mean(axis=(1, 2), keepdims=True)
    return np.sqrt(np.einsum("ijk,ijk->i", hdh, hdh))[:, None]


def _pooling_rows(x: np.ndarray, method: str) -> np.ndarray:
    """Rows of ``x`` (condensed RDMs) transformed so that their mean is the pooled RDM for ``method``.

    ``"pearson"``: z-scored rows (the mean that maximises the mean Pearson correlation);
    ``"spearman"``, ``"kendall_tau_a"``, ``"rho_a"``: ranks; ``"cosine"``: rows scaled to unit root mean square;
    ``"cosine_cov"``: rows scaled to unit whitened norm; ``"corr_cov"``: centred rows scaled to unit whitened norm.
    """
    if method in _RANKED:
        from scipy.stats import rankdata

        return rankdata(x, axis=1)
    if method == "pearson":
        c = x - x.mean(axis=1, keepdims=True)
        return c / c.std(axis=1, keepdims=True)
    if method == "cosine":
        return x / np.sqrt(np.mean(x**2, axis=1, keepdims=True))
    if method == "corr_cov":
        x = x - x.mean(axis=1, keepdims=True)
    elif method != "cosine_cov":
        raise ValueError(f"method must be one of {COMPARE_METHODS}; got {method!r}")
    return x / _whitened_norms(x)


@dataclass(frozen=True)
class NoiseCeiling:
    """The noise ceiling of a group of RDMs: the range in which the best possible model's mean correlation lies.

    Attributes
    ----------
    lower : float
        Mean correlation of each participant with the pooled RDM of the *others* (leave-one-out).
    upper : float
        Mean correlation of each participant with the pooled RDM of the group *including* that participant.
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

    The upper bound is the mean correlation of each participant with the group's pooled RDM
    *including* that participant; the lower bound uses the pooled RDM of the *other* participants
    (leave-one-participant-out), which a perfect model would at least reach. The pooled RDM is the
    mean of the participants' RDMs after the transform that suits the comparison, as in rsatoolbox's
    ``boot_noise_ceiling``, with which both bounds agree to rounding error (except as noted below):

    - ``"pearson"``: the mean of **z-scored** RDMs. It maximises the mean Pearson correlation over
      all RDMs, so no model can beat the upper bound; the mean of raw RDMs can be beaten when the
      participants use different scales.
    - ``"spearman"``: the mean of **rank-transformed** RDMs (the analogue for ranks).
    - ``"kendall_tau_a"`` and ``"rho_a"``: the mean of rank-transformed RDMs too (rsatoolbox's choice).
      No closed form maximises mean tau-a, so for tau-a this is a heuristic: the upper bound is
      close to, but not guaranteed to be, the best any model can reach.
    - ``"cosine"``: the mean of RDMs scaled to unit root mean square (maximises the mean cosine).
    - ``"cosine_cov"``: the mean of RDMs scaled to unit whitened norm; ``"corr_cov"``: the same after
      centring each RDM. These maximise the mean whitened cosine / correlation and equal the pooling of
      ``rsatoolbox.util.pooling.pool_rdm``; rsatoolbox's ``boot_noise_ceiling`` instead pools these two
      without whitening (unit root mean square / z-scores), a mean that a model can beat, and its
      bounds then differ from these by up to a few 1e-3.

    Parameters
    ----------
    rdms : array-like
        A stack ``(n_participants, n, n)`` or ``(n_participants, n_pairs)``, at least 2 participants,
        none constant. A single square RDM is refused (it is never read as condensed rows).
    method : str
        The RDM comparison, one of :data:`repalign.rdm.COMPARE_METHODS`.

    Returns
    -------
    NoiseCeiling
        Its ``lower`` and ``upper`` bounds bracket the best possible model's mean correlation.
    """
    check_choice(method, "method", COMPARE_METHODS)
    x = _subject_stack(rdms, "rdms", nonconstant=True)
    if x.shape[0] < 2:
        raise ValueError(f"noise_ceiling needs at least 2 participants in rdms; got {x.shape[0]}")
    pooled = _pooling_rows(x, method)
    n = x.shape[0]
    total = pooled.sum(axis=0)
    upper = np.mean([correlate(x[i], total / n, method=method) for i in range(n)])
    lower = np.mean([correlate(x[i], (total - pooled[i]) / (n - 1), method=method) for i in range(n)])
    return NoiseCeiling(float(lower), float(upper), method)
