"""Group-level RDM comparisons: fixed and random effects, group-size curves, session controls."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from repalign.core.intervals import Interval, t_interval
from repalign.core.validation import check_choice, check_int, check_seed
from repalign.inference.bootstrap import BootstrapResult, bootstrap_rdm_correlation
from repalign.inference.permutation import sign_flips
from repalign.rdm.compare import COMPARE_METHODS, compare_rdms, correlate
from repalign.rdm.compute import check_same_items, condensed_stack, to_square

__all__ = [
    "GroupSizeCurve",
    "RandomEffectsResult",
    "Session1Control",
    "fixed_effects",
    "group_size_curve",
    "random_effects",
    "session1_control",
]


def _checked_draws(method: str, n, name: str, seed) -> tuple[int, np.random.Generator]:
    """Check the comparison ``method`` and the number ``n`` of random draws; return ``(n, rng)``."""
    check_choice(method, "method", COMPARE_METHODS)
    return check_int(n, name, minimum=1), check_seed(seed)


def _subject_stack(rdms, name: str, *, nonconstant: bool = False) -> np.ndarray:
    """A stack of RDMs as a condensed ``(n_subjects, n_pairs)`` array (checked): the one reading rule of the package.

    A 3-D array is a stack of square RDMs. A 2-D array is a stack of condensed rows, *unless* it is square
    with a zero diagonal: then it is one square RDM (whose size may well be a triangular number, e.g. 10 x 10
    = 10 condensed rows of 10 pairs for 5 items), which is refused rather than misread as rows. A single
    participant is passed as ``rdm[None]``. With ``nonconstant``, a constant participant (whose correlation
    with anything is undefined) is refused instead of turning the result into NaN.
    """
    arr = np.asarray(rdms)
    if arr.ndim == 2 and arr.shape[0] == arr.shape[1] and arr.shape[0] > 1 and arr.dtype.kind in "iuf":
        if np.all(np.diag(arr) == 0):
            raise ValueError(
                f"{name} is a single {arr.shape[0]}x{arr.shape[0]} RDM where a stack is needed; "
                f"pass (n_subjects, n, n) or (n_subjects, n_pairs), e.g. {name}[None] for one participant"
            )
    x = condensed_stack(arr, name=name)
    if nonconstant:
        flat = np.flatnonzero(np.ptp(x, axis=1) == 0)
        if flat.size:
            raise ValueError(f"{name}[{flat[0]}] is constant; its correlation with anything is undefined")
    return x


def _paired_stacks(rdms_a, rdms_b, *, nonconstant: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Two stacks of RDMs as condensed ``(n_subjects, n_pairs)`` arrays over the same items (checked)."""
    a = _subject_stack(rdms_a, "rdms_a", nonconstant=nonconstant)
    b = _subject_stack(rdms_b, "rdms_b", nonconstant=nonconstant)
    check_same_items(a, b, names=("rdms_a", "rdms_b"))
    return a, b


def fixed_effects(rdms_a, rdms_b, *, method: str = "spearman") -> float:
    """Correlation between the two group-mean RDMs (the "fixed-effects" comparison).

    Averaging removes each participant's idiosyncratic noise, so this asks whether the *groups*
    share a geometry; it says nothing about how well one individual matches another.

    Parameters
    ----------
    rdms_a, rdms_b : array-like
        Stacks ``(n_subjects, n, n)`` or ``(n_subjects, n_pairs)`` over the same stimuli. A 2-D array
        that is square with a zero diagonal is one RDM, not a stack, and is refused (whatever its
        size, it is never read as condensed rows); pass ``rdm[None]`` for a group of one.
    method : str
        The RDM comparison, one of :data:`repalign.rdm.COMPARE_METHODS`.

    Returns
    -------
    float
        ``compare_rdms(mean(rdms_a), mean(rdms_b), method=method)``.
    """
    check_choice(method, "method", COMPARE_METHODS)
    a, b = _paired_stacks(rdms_a, rdms_b)
    return compare_rdms(a.mean(0), b.mean(0), method=method)


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
    mean, sem, t : float
        Mean of ``per_participant``, its standard error, and the one-sample t statistic against 0.
    p : float
        **Two-sided** p-value of that t-test (mean != 0).
    ci : repalign.core.Interval
        t-based 95 % interval of the mean.
    p_signflip : float
        **One-sided** sign-flip permutation p-value (mean > 0): ``(1 + #(null >= mean)) / (1 + n_perm)``.
        For a positive mean it is comparable to ``p / 2``, not to ``p``.
    """

    correlations: np.ndarray
    per_participant: np.ndarray
    mean: float
    sem: float
    t: float
    p: float
    ci: Interval
    p_signflip: float

    def __repr__(self) -> str:  # two lines, so that it fits a page's code column (about 90 characters)
        return (
            f"RandomEffectsResult(mean={self.mean:.3f}, {self.ci.level:.0%} CI=[{self.ci.low:.3f}, {self.ci.high:.3f}], "
            f"n={self.per_participant.size},\n                    t={self.t:.2f}, p(two-sided)={self.p:.2g}, "
            f"p_signflip(one-sided)={self.p_signflip:.2g})"
        )


def random_effects(
    rdms_a, rdms_b, *, method: str = "spearman", pairing: str = "all", n_perm: int = 10000, seed=0
) -> RandomEffectsResult:
    """Correlations between individual participants' RDMs (the "random-effects" comparison).

    Parameters
    ----------
    rdms_a, rdms_b : array-like
        Stacks ``(n_subjects, n, n)`` or ``(n_subjects, n_pairs)`` over the same stimuli.
    method : str (one of :data:`repalign.rdm.COMPARE_METHODS`)
    pairing : {"all", "matched"}
        ``"all"``: every participant of ``a`` with every participant of ``b`` (different people did
        the two tasks); ``"matched"``: ``a[i]`` with ``b[i]`` (the same person did both).
    n_perm : int
        Sign flips for the permutation p-value.
    seed : int or numpy.random.Generator
        Seed of the sign flips.

    Returns
    -------
    RandomEffectsResult
        ``p`` is the two-sided t-test p-value, ``p_signflip`` the one-sided (mean > 0) sign-flip p-value.

    Raises
    ------
    ValueError
        If a stack is a single square RDM (see :func:`fixed_effects`) or holds a constant RDM (its
        correlation with anything is undefined).
    """
    from scipy import stats as st

    check_choice(method, "method", COMPARE_METHODS)
    check_choice(pairing, "pairing", ("all", "matched"))
    n_perm = check_int(n_perm, "n_perm", minimum=1)
    rng = check_seed(seed)
    a, b = _paired_stacks(rdms_a, rdms_b, nonconstant=True)
    if pairing == "matched":
        if a.shape[0] != b.shape[0]:
            raise ValueError(
                f"pairing='matched' needs as many participants in rdms_a as in rdms_b ({a.shape[0]} vs {b.shape[0]})"
            )
        corr = np.array([correlate(x, y, method=method) for x, y in zip(a, b)])
        per = corr
    else:
        corr = np.array([[correlate(x, y, method=method) for y in b] for x in a])
        per = corr.mean(axis=1)
    if per.size < 2:
        raise ValueError("random effects need at least 2 participants in rdms_a")
    mean, sem = float(per.mean()), float(per.std(ddof=1) / np.sqrt(per.size))
    t_res = st.ttest_1samp(per, 0.0)
    flips = sign_flips(per.size, n_perm, seed=rng)
    null = (flips * per).mean(axis=1)
    p_flip = float((1 + np.sum(null >= mean)) / (1 + n_perm))
    return RandomEffectsResult(
        corr, per, mean, sem, float(t_res.statistic), float(t_res.pvalue), t_interval(per, 0.95), p_flip
    )


@dataclass(frozen=True)
class GroupSizeCurve:
    """Correlation of group-mean RDMs against the number of participants averaged.

    Attributes
    ----------
    sizes : numpy.ndarray of int
        Participants averaged per group.
    mean, sd : numpy.ndarray
        Mean and standard deviation (``ddof=0``) of the correlation over the repetitions, per size.
    """

    sizes: np.ndarray
    mean: np.ndarray
    sd: np.ndarray

    def as_dict(self) -> dict:
        """``{size: (mean, sd)}``, the form :func:`repalign.plotting.curves_with_bands` draws."""
        return {int(k): (float(m), float(s)) for k, m, s in zip(self.sizes, self.mean, self.sd)}


def group_size_curve(rdms_a, rdms_b, *, sizes, n_rep: int = 50, method: str = "spearman", seed=0) -> GroupSizeCurve:
    """Correlation of group-mean RDMs as a function of the number of participants averaged.

    For each size ``k``, ``n_rep`` times: draw ``k`` participants (without replacement) from each
    stack, average, correlate.

    Parameters
    ----------
    rdms_a, rdms_b : array-like
        Stacks ``(n_subjects, n, n)`` or ``(n_subjects, n_pairs)`` over the same stimuli.
    sizes : sequence of int
        Group sizes, each at most the smaller stack's number of participants.
    n_rep : int
        Random draws per size.
    method : str (one of :data:`repalign.rdm.COMPARE_METHODS`)
        The RDM comparison.
    seed : int or numpy.random.Generator
        Seed of the draws of participants.

    Returns
    -------
    GroupSizeCurve
    """
    n_rep, rng = _checked_draws(method, n_rep, "n_rep", seed)
    a, b = _paired_stacks(rdms_a, rdms_b)
    ks, means, sds = [], [], []
    for k in sizes:
        k = check_int(k, "sizes", minimum=1, maximum=min(a.shape[0], b.shape[0]))
        vals = [
            correlate(
                a[rng.choice(a.shape[0], k, replace=False)].mean(0),
                b[rng.choice(b.shape[0], k, replace=False)].mean(0),
                method=method,
            )
            for _ in range(n_rep)
        ]
        ks.append(k)
        means.append(float(np.mean(vals)))
        sds.append(float(np.std(vals)))
    return GroupSizeCurve(np.array(ks, dtype=int), np.array(means), np.array(sds))


@dataclass(frozen=True)
class Session1Control:
    """Cross-modal agreement between two groups from session 1 only (see :func:`session1_control`).

    Attributes
    ----------
    groups : tuple of str
        The two modalities, group ``a`` first.
    n : tuple of int
        Participants per group.
    fixed : BootstrapResult
        Correlation of the two group-mean RDMs, with its stimulus-bootstrap interval (``fixed.ci``).
    random : RandomEffectsResult
        Every participant of group ``a`` against every participant of group ``b``.
    """

    groups: tuple
    n: tuple
    fixed: BootstrapResult
    random: RandomEffectsResult


def session1_control(session1, first, *, n_boot: int = 1000, method: str = "spearman", seed=0) -> Session1Control:
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
    method : str (one of :data:`repalign.rdm.COMPARE_METHODS`)
        The RDM comparison.
    seed : int or numpy.random.Generator
        Seed of the bootstrap and of the sign flips of the random-effects test.

    Returns
    -------
    Session1Control
    """
    x = _subject_stack(session1, "session1", nonconstant=True)
    first = np.asarray(first)
    if first.shape != (x.shape[0],):
        raise ValueError(f"first must hold one modality per participant ({x.shape[0]}); got shape {first.shape}")
    groups = list(dict.fromkeys(first.tolist()))
    if len(groups) != 2:
        raise ValueError(f"first must name exactly two modalities; got {groups}")
    a, b = x[first == groups[0]], x[first == groups[1]]
    if min(len(a), len(b)) < 2:
        raise ValueError("session1_control needs at least 2 participants in each group")

    boot = bootstrap_rdm_correlation(
        to_square(a.mean(0)), to_square(b.mean(0)), n_boot=n_boot, seed=seed, method=method
    )
    return Session1Control(tuple(groups), (len(a), len(b)), boot, random_effects(a, b, method=method, seed=seed))
