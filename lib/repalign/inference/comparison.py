"""Model comparison in one call: many model RDMs against a group of subject RDMs, with bootstrap, FDR and a noise ceiling."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from repalign.core.intervals import Interval, check_level, percentile_interval
from repalign.core.progress import progress_bar
from repalign.core.validation import check_choice, check_int, check_seed
from repalign.inference.bootstrap import _resampled_pairs
from repalign.inference.ceiling import NoiseCeiling, _pooling_rows, noise_ceiling
from repalign.inference.effects import _subject_stack
from repalign.inference.multiple import fdr
from repalign.rdm.compare import COMPARE_METHODS, correlate
from repalign.rdm.compute import to_square

__all__ = ["RESAMPLE_UNITS", "ModelComparison", "compare_models"]

#: What :func:`compare_models` can resample.
RESAMPLE_UNITS = ("stimuli", "subjects", "both")


@dataclass(frozen=True, repr=False)
class ModelComparison:
    """Models compared with a group of subject RDMs (see :func:`compare_models`).

    Attributes
    ----------
    names : tuple of str
        The models, in the order they were given.
    estimates : numpy.ndarray, shape (n_models,)
        Mean over subjects of each model's correlation with each subject's RDM.
    per_subject : numpy.ndarray, shape (n_models, n_subjects)
        The per-subject correlations (``estimates`` is their mean over axis 1).
    se : numpy.ndarray, shape (n_models,)
        Standard deviation of the bootstrap distribution of each estimate.
    ci : repalign.core.Interval
        Percentile bootstrap interval of each estimate (``low`` and ``high`` are arrays over models).
    pairwise_difference : numpy.ndarray, shape (n_models, n_models)
        ``estimates[i] - estimates[j]``.
    pairwise_ci : repalign.core.Interval
        Percentile bootstrap interval of each difference (arrays ``(n_models, n_models)``, NaN diagonal).
    pairwise_p : numpy.ndarray, shape (n_models, n_models)
        Two-sided bootstrap p-value of each difference (symmetric, NaN diagonal).
    pairwise_significant : numpy.ndarray of bool, shape (n_models, n_models)
        Pairs that differ after Benjamini-Hochberg FDR at level ``q`` over the ``n_models (n_models - 1) / 2`` pairs.
    ceiling_p : numpy.ndarray, shape (n_models,)
        One-sided bootstrap p-value that the model falls *below* the lower bound of the noise ceiling.
    below_ceiling : numpy.ndarray of bool, shape (n_models,)
        Models significantly below the lower bound after FDR at level ``q`` over the models.
    noise_ceiling : repalign.inference.NoiseCeiling
        Lower and upper bounds of the data's noise ceiling.
    method : str
        The RDM comparison.
    resample : {"stimuli", "subjects", "both"}
        What the bootstrap resampled.
    n_boot : int
        Bootstrap samples drawn (``distribution`` may hold fewer: degenerate samples are dropped).
    q : float
        The FDR level.
    distribution : numpy.ndarray, shape (n_valid, n_models)
        The bootstrap estimates, one row per sample.
    ceiling_distribution : numpy.ndarray, shape (n_valid,)
        The lower noise-ceiling bound in the same samples.
    """

    names: tuple
    estimates: np.ndarray
    per_subject: np.ndarray
    se: np.ndarray
    ci: Interval
    pairwise_difference: np.ndarray
    pairwise_ci: Interval
    pairwise_p: np.ndarray
    pairwise_significant: np.ndarray
    ceiling_p: np.ndarray
    below_ceiling: np.ndarray
    noise_ceiling: NoiseCeiling
    method: str
    resample: str
    n_boot: int
    q: float
    distribution: np.ndarray
    ceiling_distribution: np.ndarray

    @property
    def n_subjects(self) -> int:
        """Number of subject RDMs in the data."""
        return int(self.per_subject.shape[1])

    @property
    def ranking(self) -> list:
        """Model names from the highest estimate to the lowest."""
        return [self.names[i] for i in np.argsort(-self.estimates, kind="stable")]

    def to_frame(self):
        """One row per model (in the order given): estimate, SE, interval, test against the noise ceiling.

        Returns
        -------
        pandas.DataFrame
            Indexed by model name, with columns ``estimate``, ``se``, ``ci_low``, ``ci_high``,
            ``p_below_ceiling``, ``below_ceiling`` and ``n_differ`` (how many other models it differs from after FDR).
        """
        import pandas as pd

        return pd.DataFrame(
            {
                "estimate": self.estimates,
                "se": self.se,
                "ci_low": np.asarray(self.ci.low),
                "ci_high": np.asarray(self.ci.high),
                "p_below_ceiling": self.ceiling_p,
                "below_ceiling": self.below_ceiling,
                "n_differ": self.pairwise_significant.sum(axis=1),
            },
            index=pd.Index(list(self.names), name="model"),
        )

    def pairs_frame(self):
        """One row per pair of models: difference, its interval, p-value and FDR decision.

        Returns
        -------
        pandas.DataFrame
            Columns ``model_a``, ``model_b``, ``difference`` (a - b), ``ci_low``, ``ci_high``, ``p``, ``significant``.
        """
        import pandas as pd

        iu, ju = np.triu_indices(len(self.names), k=1)
        return pd.DataFrame(
            {
                "model_a": [self.names[i] for i in iu],
                "model_b": [self.names[j] for j in ju],
                "difference": self.pairwise_difference[iu, ju],
                "ci_low": np.asarray(self.pairwise_ci.low)[iu, ju],
                "ci_high": np.asarray(self.pairwise_ci.high)[iu, ju],
                "p": self.pairwise_p[iu, ju],
                "significant": self.pairwise_significant[iu, ju],
            }
        )

    def __repr__(self) -> str:
        width = max(5, *(len(str(n)) for n in self.names))
        nc = self.noise_ceiling
        n_pairs = len(self.names) * (len(self.names) - 1) // 2
        n_sig = int(np.triu(self.pairwise_significant, 1).sum())
        lines = [
            f"ModelComparison(method={self.method!r}, resample={self.resample!r}, n_boot={self.n_boot}, "
            f"n_subjects={self.n_subjects}, noise ceiling=[{nc.lower:.3f}, {nc.upper:.3f}])",
            f"  {'model':<{width}}  estimate  {self.ci.level:.0%} CI            below ceiling",
        ]
        for i in np.argsort(-self.estimates, kind="stable"):
            lo, hi = np.asarray(self.ci.low)[i], np.asarray(self.ci.high)[i]
            flag = "yes" if self.below_ceiling[i] else "no"
            lines.append(
                f"  {self.names[i]:<{width}}  {self.estimates[i]:8.3f}  [{lo:6.3f}, {hi:6.3f}]  "
                f"{flag} (p={self.ceiling_p[i]:.3g})"
            )
        lines.append(f"  {n_sig} of {n_pairs} pairs differ (Benjamini-Hochberg FDR q={self.q:g})")
        return "\n".join(lines)


def _check_models(models, n: int | None) -> tuple[tuple, np.ndarray]:
    """Model names and their square RDMs ``(n_models, n, n)`` (checked)."""
    if not isinstance(models, dict):
        raise TypeError(f"models must be a dict mapping a name to an RDM; got {type(models).__name__}")
    if not models:
        raise ValueError("models is empty")
    names, rdms = [], []
    for name, rdm in models.items():
        if not isinstance(name, str):
            raise TypeError(f"models keys must be strings; got {type(name).__name__}")
        sq = to_square(rdm, name=f"models[{name!r}]")
        if n is not None and sq.shape[0] != n:
            raise ValueError(f"models[{name!r}] describes {sq.shape[0]} items but data describes {n}")
        iu = np.triu_indices(sq.shape[0], k=1)
        if np.ptp(sq[iu]) == 0:
            raise ValueError(f"models[{name!r}] is constant; its correlation with anything is undefined")
        names.append(name)
        rdms.append(sq)
    return tuple(names), np.stack(rdms)


def _rank_rows(x: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return rankdata(x, axis=1)


def _unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows centred and scaled to unit norm (NaN rows where a row is constant)."""
    x = x - x.mean(axis=1, keepdims=True)
    norm = np.sqrt(np.einsum("ij,ij->i", x, x))
    with np.errstate(invalid="ignore", divide="ignore"):
        return x / np.where(norm > 0, norm, np.nan)[:, None]


def _sample_scores(x: np.ndarray, y: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Scores of one sample: every model (rows of ``x``) with every subject (rows of ``y``), ``(len(x), len(y))``,
    and each subject's correlation with the pooled RDM of the others, ``(len(y),)`` (the terms of the lower
    noise-ceiling bound, pooled as in :func:`repalign.inference.noise_ceiling`: z-scored RDMs for ``"pearson"``,
    ranks for the rank comparisons).
    """
    s = y.shape[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = _pooling_rows(y, method)
    others = (pooled.sum(axis=0) - pooled) / (s - 1)
    if method not in ("spearman", "pearson"):
        scores = np.array([[correlate(a, b, method=method) for b in y] for a in x])
        return scores, np.array([correlate(y[i], others[i], method=method) for i in range(s)])
    if method == "spearman":
        x, y, others = _rank_rows(x), _rank_rows(y), _rank_rows(others)
    uy = _unit_rows(y)
    return _unit_rows(x) @ uy.T, np.einsum("ij,ij->i", uy, _unit_rows(others))


def _bootstrap_p(diff: np.ndarray) -> float:
    """Two-sided bootstrap p-value that ``diff`` is centred on 0 (never 0: counts + 1 over samples + 1)."""
    tail = min(np.sum(diff <= 0), np.sum(diff >= 0))
    return float(min(1.0, 2 * (tail + 1) / (diff.size + 1)))


def compare_models(
    models,
    data,
    *,
    method: str = "spearman",
    n_boot: int = 1000,
    resample: str = "both",
    level: float = 0.95,
    q: float = 0.05,
    seed=0,
    progress: bool = True,
) -> ModelComparison:
    """Compare several model RDMs with a group of subject RDMs: estimates, intervals, pairwise tests, noise ceiling.

    Each model is scored by the mean over subjects of its correlation with each subject's RDM
    (Nili et al. 2014; rsatoolbox's ``eval_fixed``). One bootstrap serves every test: in each
    sample the stimuli, the subjects or both are drawn with replacement, every model is scored on
    the sample, and so is the lower bound of the noise ceiling. Stimuli are resampled as in
    :func:`repalign.inference.bootstrap_rdm_correlation`: the pairs that a duplicated stimulus forms
    with its own copy are dropped; for ``"spearman"`` the dissimilarities of a sample are re-ranked.
    Subjects are resampled as units: a sample's score is the mean of the per-subject correlations of
    the subjects drawn, and its lower ceiling the mean of their leave-one-out correlations (each with
    the mean of the *other original* subjects, so that a duplicated subject never predicts itself).

    Parameters
    ----------
    models : dict of str to array-like
        Model name -> RDM (square or condensed) over the same items as ``data``, in the same order.
    data : array-like
        Subject RDMs ``(n_subjects, n, n)`` or ``(n_subjects, n_pairs)``, at least 2 subjects
        (e.g. the human IT fMRI RDMs of several people).
    method : str
        The RDM comparison (see :func:`repalign.rdm.compare_rdms`), any of
        :data:`repalign.rdm.COMPARE_METHODS`; the whitened ``"corr_cov"`` and ``"cosine_cov"`` need whole
        RDMs, so they are accepted only with ``resample="subjects"``.
    n_boot : int
        Bootstrap samples (at least 10).
    resample : {"stimuli", "subjects", "both"}
        What the bootstrap draws with replacement. ``"stimuli"`` generalises to new stimuli from the
        same population, ``"subjects"`` to new subjects, ``"both"`` to both (the widest intervals).
    level : float
        Confidence level of the intervals, in (0, 1).
    q : float
        False discovery rate of the Benjamini-Hochberg procedure (:func:`repalign.inference.fdr`), applied
        once over the pairs of models and once over the tests against the noise ceiling.
    seed : int or numpy.random.Generator
        Seed of the bootstrap; the results are deterministic given it.
    progress : bool
        Show a progress bar.

    Returns
    -------
    ModelComparison
        Estimates, per-subject values, percentile intervals, the pairwise differences with two-sided
        p-values (``2 (min(#d <= 0, #d >= 0) + 1) / (n + 1)``) and FDR decisions, the one-sided test of
        each model against the lower noise-ceiling bound (``(#(ceiling - model) <= 0 + 1) / (n + 1)``),
        and the noise ceiling (:func:`repalign.inference.noise_ceiling`).
    """
    check_choice(method, "method", COMPARE_METHODS)
    check_choice(resample, "resample", RESAMPLE_UNITS)
    if method in ("corr_cov", "cosine_cov") and resample != "subjects":
        raise ValueError(f"method={method!r} needs whole RDMs; with it, use resample='subjects' (got {resample!r})")
    n_boot = check_int(n_boot, "n_boot", minimum=10)
    level = check_level(level, "level")
    if isinstance(q, (bool, np.bool_)) or not isinstance(q, (int, float, np.floating)) or not 0 < q < 1:
        raise ValueError(f"q must be a number in (0, 1); got {q!r}")
    rng = check_seed(seed)
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress must be a bool; got {type(progress).__name__}")
    y = _subject_stack(data, "data", nonconstant=True)
    data_sq = np.stack([to_square(v, name=f"data[{s}]") for s, v in enumerate(y)])
    n_sub, n = data_sq.shape[0], data_sq.shape[1]
    if n_sub < 2:
        raise ValueError(f"data must hold at least 2 subject RDMs (a stack); got {n_sub}")
    if n < 3:
        raise ValueError(f"data must describe at least 3 items; got {n}")
    names, model_sq = _check_models(models, n)
    n_models = len(names)

    iu = np.triu_indices(n, k=1)
    x = model_sq[:, iu[0], iu[1]]
    for s in range(n_sub):
        if np.ptp(y[s]) == 0:
            raise ValueError(f"data[{s}] is constant; its correlation with anything is undefined")
    per_subject = np.array([[correlate(x[m], y[s], method=method) for s in range(n_sub)] for m in range(n_models)])
    estimates = per_subject.mean(axis=1)
    ceiling = noise_ceiling(y, method=method)

    boot = np.full((n_boot, n_models), np.nan)
    boot_ceiling = np.full(n_boot, np.nan)
    all_subjects = np.arange(n_sub)
    # with the stimuli fixed, the per-subject values do not change between samples
    loo_full = _sample_scores(x[:1], y, method)[1] if resample == "subjects" else None
    for b in progress_bar(range(n_boot), enabled=progress, desc="model comparison"):
        subjects = rng.integers(0, n_sub, n_sub) if resample in ("subjects", "both") else all_subjects
        if resample == "subjects":
            vals, loo = per_subject, loo_full
        else:
            items = rng.integers(0, n, n)
            ii, jj = _resampled_pairs(items)
            if ii.size < 3:
                continue
            xb, yb = model_sq[:, ii, jj], data_sq[:, ii, jj]
            vals, loo = _sample_scores(xb, yb, method)
        boot[b] = vals[:, subjects].mean(axis=1)
        boot_ceiling[b] = loo[subjects].mean()
    ok = np.all(np.isfinite(boot), axis=1) & np.isfinite(boot_ceiling)
    boot, boot_ceiling = boot[ok], boot_ceiling[ok]
    if boot.shape[0] < 10:
        raise ValueError(f"only {boot.shape[0]} of {n_boot} bootstrap samples were usable; use more stimuli")

    ci = percentile_interval(boot, level, axis=0)
    ci = Interval(np.atleast_1d(ci.low), np.atleast_1d(ci.high), level)
    se = boot.std(axis=0, ddof=1)

    difference = estimates[:, None] - estimates[None, :]
    diff_low = np.full((n_models, n_models), np.nan)
    diff_high = np.full((n_models, n_models), np.nan)
    p = np.full((n_models, n_models), np.nan)
    alpha = (1 - level) / 2
    for i in range(n_models):
        for j in range(i + 1, n_models):
            d = boot[:, i] - boot[:, j]
            lo, hi = np.quantile(d, [alpha, 1 - alpha])
            diff_low[i, j], diff_high[i, j] = lo, hi
            diff_low[j, i], diff_high[j, i] = -hi, -lo
            p[i, j] = p[j, i] = _bootstrap_p(d)
    significant = np.zeros((n_models, n_models), dtype=bool)
    pu, pj = np.triu_indices(n_models, k=1)
    if pu.size:
        sig = fdr(p[pu, pj], q=q)
        significant[pu, pj] = significant[pj, pu] = sig

    below = boot_ceiling[:, None] - boot
    ceiling_p = (np.sum(below <= 0, axis=0) + 1) / (boot.shape[0] + 1)
    below_ceiling = fdr(ceiling_p, q=q)

    return ModelComparison(
        names=names,
        estimates=estimates,
        per_subject=per_subject,
        se=se,
        ci=ci,
        pairwise_difference=difference,
        pairwise_ci=Interval(diff_low, diff_high, level),
        pairwise_p=p,
        pairwise_significant=significant,
        ceiling_p=ceiling_p.astype(float),
        below_ceiling=below_ceiling,
        noise_ceiling=ceiling,
        method=method,
        resample=resample,
        n_boot=n_boot,
        q=float(q),
        distribution=boot,
        ceiling_distribution=boot_ceiling,
    )
