"""Crossnobis RDMs: cross-validated Mahalanobis distances over runs, and the noise precision they whiten with.

Conventions (the same as rsatoolbox 0.3.2, on purpose, so that numbers can be compared):

- distances are divided by the number of channels ``p`` (rsatoolbox's ``calc_rdm`` does this for its squared
  Euclidean, Mahalanobis and crossnobis RDMs); :func:`repalign.rdm.compute.compute_rdm` with
  ``metric="euclidean"`` instead returns the plain, not squared and not divided, Euclidean distance:
  ``compute_rdm(x, metric="euclidean") ** 2 / p`` is rsatoolbox's ``"euclidean"`` RDM;
- leave-one-run-out folds: each run's condition means are tested against the means of all observations of the
  other runs, and the fold RDMs are averaged;
- crossnobis distances are unbiased, so they can be negative when two conditions do not differ.
"""

from __future__ import annotations

import numpy as np

from repalign.core.validation import check_choice, check_int, check_matrix

__all__ = ["SHRINKAGE_TARGETS", "crossnobis_rdm", "noise_precision"]


SHRINKAGE_TARGETS = ("diag", "eye")


def _labels(values, name: str, n: int) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(f"{name} must be 1-D with one label per row of data ({n}); got shape {arr.shape}")
    if arr.dtype == object or arr.dtype.kind not in "iusU":
        raise TypeError(f"{name} must hold integer or string labels; got dtype {arr.dtype}")
    return arr


def _check_noise(noise, n_channels: int) -> np.ndarray:
    if noise is None:
        return np.eye(n_channels)
    prec = check_matrix(noise, "noise", ndim=2)
    if prec.shape != (n_channels, n_channels):
        raise ValueError(f"noise must be a ({n_channels}, {n_channels}) precision matrix; got shape {prec.shape}")
    if not np.allclose(prec, prec.T, rtol=1e-10, atol=1e-12 * max(1.0, float(np.abs(prec).max()))):
        raise ValueError("noise must be a symmetric precision matrix")
    return prec


def crossnobis_rdm(data, *, conditions, runs, noise=None) -> np.ndarray:
    """Crossnobis RDM: the cross-validated (unbiased) Mahalanobis distance between conditions, over runs.

    For each run ``k``, the condition means of run ``k`` (``A``) and of all observations of the other runs (``B``)
    give ``d_ij = (b_i - b_j) P (a_i - a_j)^T / p``; the RDM is the mean over runs (Walther et al. 2016). Equal to
    ``rsatoolbox.rdm.calc_rdm(dataset, method="crossnobis", descriptor="conds", cv_descriptor="runs", noise=noise)``.

    Parameters
    ----------
    data : array-like, shape (n_observations, n_channels)
        One row per observation (e.g. a GLM beta of one condition in one run).
    conditions : array-like, shape (n_observations,)
        Condition label of each row (integers or strings); the RDM's rows follow ``numpy.unique(conditions)``.
    runs : array-like, shape (n_observations,)
        Run (cross-validation fold) label of each row; at least 2 runs, each holding every condition.
    noise : array-like, shape (n_channels, n_channels), optional
        Noise precision matrix ``P`` (e.g. from :func:`noise_precision`); ``None`` is the identity (cross-validated
        squared Euclidean distance / ``n_channels``).

    Returns
    -------
    numpy.ndarray, shape (n_conditions, n_conditions)
        Symmetric, zero diagonal; entries can be negative (the estimate is unbiased).
    """
    x = check_matrix(data, "data", ndim=2, min_rows=2)
    n, p = x.shape
    cond = _labels(conditions, "conditions", n)
    run = _labels(runs, "runs", n)
    prec = _check_noise(noise, p)
    levels, cond_idx = np.unique(cond, return_inverse=True)
    folds = np.unique(run)
    if levels.size < 2:
        raise ValueError(f"conditions must hold at least 2 distinct labels; got {levels.size}")
    if folds.size < 2:
        raise ValueError(f"runs must hold at least 2 distinct labels (cross-validation folds); got {folds.size}")
    for fold in folds:
        missing = np.setdiff1d(np.arange(levels.size), cond_idx[run == fold])
        if missing.size:
            raise ValueError(
                f"runs: run {fold.item()!r} lacks condition {levels[missing[0]].item()!r}; every run needs every condition"
            )
    rdm = np.zeros((levels.size, levels.size))
    for fold in folds:
        means = []
        for rows in (run == fold, run != fold):
            sums = np.zeros((levels.size, p))
            np.add.at(sums, cond_idx[rows], x[rows])
            means.append(sums / np.bincount(cond_idx[rows], minlength=levels.size)[:, None])
        test, train = means
        kernel = train @ prec @ test.T
        diag = np.diag(kernel)
        rdm += diag[None, :] + diag[:, None] - kernel - kernel.T
    rdm /= folds.size * p
    np.fill_diagonal(rdm, 0.0)
    return rdm


def _shrink_diag(x: np.ndarray, dof: float) -> np.ndarray:
    # Schäfer & Strimmer (2005): shrink the off-diagonal correlations towards 0
    n = x.shape[0]
    s_sum = x.T @ x
    s2_sum = (x * x).T @ (x * x)
    s = s_sum / dof
    var = np.diag(s)
    std = np.sqrt(var)
    r_mean = s_sum / np.outer(std, std) / (n - 1)
    r2_mean = s2_sum / np.outer(var, var) / (n - 1)
    var_hat = n / dof**2 * (r2_mean - r_mean**2)
    off = ~np.eye(x.shape[1], dtype=bool)
    lam = min(max(np.sum(var_hat[off]) / np.sum(r_mean[off] ** 2), 0.0), 1.0)
    return s * np.where(off, 1.0 - lam, 1.0)


def _shrink_eye(x: np.ndarray, dof: float) -> np.ndarray:
    # Ledoit & Wolf (2004): shrink towards a multiple of the identity
    n, p = x.shape
    s = x.T @ x / n
    b2 = np.sum((x * x).T @ (x * x) / n - s * s) / n
    m = np.trace(s) / p
    d2 = np.sum((s - m * np.eye(p)) ** 2)
    b2 = min(d2, b2)
    return (b2 / d2 * m * np.eye(p) + (d2 - b2) / d2 * s) * n / dof


def noise_precision(residuals, *, shrinkage: str = "diag", dof: int | None = None) -> np.ndarray:
    """Noise precision (inverse covariance) over channels from residuals, with a shrinkage estimate.

    Equal to ``rsatoolbox.data.noise.prec_from_residuals(residuals, dof=dof, method="shrinkage_" + shrinkage)``.
    The residuals are centred per channel first.

    Parameters
    ----------
    residuals : array-like, shape (n_residuals, n_channels)
        E.g. the residual time series of a GLM, one row per time point.
    shrinkage : {"diag", "eye"}
        ``"diag"``: shrink the covariance towards its diagonal (Schäfer & Strimmer 2005, rsatoolbox's default);
        ``"eye"``: towards a multiple of the identity (Ledoit & Wolf 2004).
    dof : int, optional
        Degrees of freedom of the covariance estimate; ``n_residuals - 1`` by default (subtract the number of GLM
        regressors when the residuals come from a GLM).

    Returns
    -------
    numpy.ndarray, shape (n_channels, n_channels)
        The precision matrix, to pass as ``noise`` to :func:`crossnobis_rdm`.
    """
    check_choice(shrinkage, "shrinkage", SHRINKAGE_TARGETS)
    x = check_matrix(residuals, "residuals", ndim=2, min_rows=2)
    x = x - x.mean(axis=0, keepdims=True)
    dof = x.shape[0] - 1 if dof is None else check_int(dof, "dof", minimum=1)
    scale = np.abs(x).max(axis=0)
    constant = np.sum(x * x, axis=0) <= (1e-12 * np.maximum(scale, 1.0)) ** 2 * x.shape[0]
    if np.any(constant):
        raise ValueError(f"residuals has {int(constant.sum())} constant channel(s); their noise variance is zero")
    cov = _shrink_diag(x, dof) if shrinkage == "diag" else _shrink_eye(x, dof)
    return np.linalg.inv(cov)
