"""Permutation tests of RDM correlations (stimulus labels shuffled)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from repalign.core.validation import check_choice, check_int, check_seed
from repalign.rdm.compare import COMPARE_METHODS, compare_rdms, correlate
from repalign.rdm.compute import to_square

__all__ = ["PermutationResult", "permutation_test", "sign_flips"]


def sign_flips(n_subjects: int, n_perm: int, *, seed=0) -> np.ndarray:
    """Random sign flips of whole subjects: the draws of every sign-flip permutation null in the library.

    Under the null hypothesis that each subject's effect is symmetric around 0, flipping the sign of a
    subject's value (or of a whole subject map) gives data as likely as the observed ones (Nichols &
    Holmes 2002). Used by :func:`repalign.inference.random_effects` and
    :func:`repalign.searchlight.group_permutation_test`, so the same ``seed`` gives the same flips in both.

    Parameters
    ----------
    n_subjects : int
        Subjects (columns).
    n_perm : int
        Permutations (rows).
    seed : int or numpy.random.Generator
        A Generator is drawn from (and advanced); an int seeds a fresh one.

    Returns
    -------
    numpy.ndarray
        ``(n_perm, n_subjects)`` float64 array of ``-1.0`` and ``1.0``.
    """
    n_subjects = check_int(n_subjects, "n_subjects", minimum=1)
    n_perm = check_int(n_perm, "n_perm", minimum=1)
    rng = check_seed(seed)
    return rng.choice(np.array([-1.0, 1.0]), size=(n_perm, n_subjects))


@dataclass(frozen=True)
class PermutationResult:
    """A permutation test of an RDM correlation.

    Attributes
    ----------
    estimate : float
        The correlation of the unpermuted RDMs.
    p : float
        ``(1 + #{null >= estimate}) / (1 + n_perm)`` (absolute values for ``alternative="two-sided"``).
    distribution : numpy.ndarray, shape (n_perm,)
        The null distribution: the correlation after each permutation.
    alternative : {"greater", "two-sided"}
    """

    estimate: float
    p: float
    distribution: np.ndarray
    alternative: str = "greater"

    def __repr__(self) -> str:
        return (
            f"PermutationResult(estimate={self.estimate:.3f}, p={self.p:.4g}, "
            f"n_perm={self.distribution.size}, alternative={self.alternative!r})"
        )


def permutation_test(
    a, b, *, method: str = "spearman", n_perm: int = 1000, alternative: str = "greater", seed=0
) -> PermutationResult:
    """Test an RDM correlation by permuting the stimulus labels of ``b``.

    Parameters
    ----------
    a, b : array-like
        Square or condensed RDMs over the same stimuli.
    method : {"spearman", "pearson", "kendall_tau_a"}
        The RDM comparison.
    n_perm : int
        Permutations.
    alternative : {"greater", "two-sided"}
        ``"two-sided"`` compares absolute values.
    seed : int or numpy.random.Generator

    Returns
    -------
    PermutationResult
        ``p = (1 + #{null >= r}) / (1 + n_perm)`` for ``alternative="greater"``.
    """
    check_choice(method, "method", COMPARE_METHODS)
    check_choice(alternative, "alternative", ("greater", "two-sided"))
    n_perm = check_int(n_perm, "n_perm", minimum=1)
    rng = check_seed(seed)
    ma, mb = to_square(a, name="a"), to_square(b, name="b")
    if ma.shape != mb.shape:
        raise ValueError(f"a and b describe different numbers of stimuli ({ma.shape[0]} vs {mb.shape[0]})")
    r = compare_rdms(ma, mb, method=method)
    iu = np.triu_indices(ma.shape[0], k=1)
    x = ma[iu]
    null = np.empty(n_perm)
    for k in range(n_perm):
        p = rng.permutation(ma.shape[0])
        null[k] = correlate(x, mb[np.ix_(p, p)][iu], method=method)
    if alternative == "greater":
        hits = np.sum(null >= r)
    else:
        hits = np.sum(np.abs(null) >= abs(r))
    return PermutationResult(float(r), float((1 + hits) / (1 + n_perm)), null, alternative)
