"""Permutation tests of RDM correlations (stimulus labels shuffled)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from repalign.core.validation import check_choice, check_int, check_seed
from repalign.rdm.compare import COMPARE_METHODS, compare_rdms, correlate
from repalign.rdm.compute import to_square

__all__ = ["PermutationResult", "permutation_test", "sign_flips", "use_exact_flips"]


def sign_flips(n_subjects: int, n_perm: int, *, seed=0, exact=False) -> np.ndarray:
    """Sign flips of whole subjects: the draws of every sign-flip permutation null in the library.

    Under the null hypothesis that each subject's effect is symmetric around 0, flipping the sign of a
    subject's value (or of a whole subject map) gives data as likely as the observed ones (Nichols &
    Holmes 2002). Used by :func:`repalign.inference.random_effects` and
    :func:`repalign.searchlight.group_permutation_test`, so the same ``seed`` gives the same random flips
    in both.

    With few subjects there are only ``2 ** n_subjects`` sign patterns (256 for 8 subjects), and drawing
    ``n_perm`` random ones repeats patterns and leaves the p-value a noisy estimate. An exact enumeration
    returns every pattern except the identity (all ``+1``), in a fixed order (no randomness). The observed
    data play the identity's part, so the usual ``p = (1 + count) / (1 + n_rows)`` with
    ``n_rows = 2 ** n_subjects - 1`` is then the exact permutation p,
    ``#{patterns whose statistic reaches the observed one} / 2 ** n_subjects``; its smallest value is
    ``1 / 2 ** n_subjects``.

    Parameters
    ----------
    n_subjects : int
        Subjects (columns).
    n_perm : int
        Random permutations (rows) when not enumerating.
    seed : int or numpy.random.Generator
        A Generator is drawn from (and advanced) only for random flips; an int seeds a fresh one.
    exact : bool or "auto", default False
        ``True``: enumerate all ``2 ** n_subjects - 1`` non-identity patterns (``n_subjects <= 20``);
        ``"auto"``: enumerate when ``2 ** n_subjects <= n_perm`` (so enumeration is never more work
        than the draws asked for), draw otherwise; ``False``: always draw ``n_perm`` random patterns.
        Callers must use the number of rows returned, not ``n_perm``, in the p-value.

    Returns
    -------
    numpy.ndarray
        ``(n_rows, n_subjects)`` float64 array of ``-1.0`` and ``1.0``: ``n_rows = n_perm`` random
        rows, or ``2 ** n_subjects - 1`` enumerated ones.
    """
    n_subjects = check_int(n_subjects, "n_subjects", minimum=1)
    n_perm = check_int(n_perm, "n_perm", minimum=1)
    if use_exact_flips(n_subjects, n_perm, exact=exact):
        codes = np.arange(1, 2**n_subjects, dtype=np.int64)[:, None]
        bits = (codes >> np.arange(n_subjects, dtype=np.int64)) & 1
        return np.where(bits == 1, -1.0, 1.0)
    rng = check_seed(seed)
    return rng.choice(np.array([-1.0, 1.0]), size=(n_perm, n_subjects))


def use_exact_flips(n_subjects: int, n_perm: int, *, exact=False) -> bool:
    """Whether :func:`sign_flips` enumerates all sign patterns for these sizes and ``exact``.

    Parameters
    ----------
    n_subjects : int
        Subjects.
    n_perm : int
        Random permutations asked for.
    exact : bool or "auto"
        As in :func:`sign_flips`.

    Returns
    -------
    bool
        ``True`` when the flips are the exact enumeration of all ``2 ** n_subjects`` patterns.
    """
    n_subjects = check_int(n_subjects, "n_subjects", minimum=1)
    n_perm = check_int(n_perm, "n_perm", minimum=1)
    if isinstance(exact, str):
        check_choice(exact, "exact", ("auto",))
        return 2**n_subjects <= n_perm
    if not isinstance(exact, (bool, np.bool_)):
        raise TypeError(f"exact must be True, False or 'auto'; got {type(exact).__name__}")
    if exact and n_subjects > 20:
        raise ValueError(f"exact=True enumerates 2 ** n_subjects patterns: n_subjects must be <= 20; got {n_subjects}")
    return bool(exact)


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
