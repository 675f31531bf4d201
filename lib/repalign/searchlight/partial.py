"""Partial-correlation searchlight maps: each model RDM's correlation with the sphere RDM, the other models partialled out."""

from __future__ import annotations

import numpy as np

from repalign.core.validation import check_choice, check_jobs
from repalign.searchlight.engine import _assemble, _prepare, _run_chunks, searchlight_scores

__all__ = ["partial_from_correlations", "searchlight_partial_rsa"]


def partial_from_correlations(target_corr, model_corr) -> np.ndarray:
    """Partial correlations of a target with each model, given all the plain correlations.

    With ``R`` the correlation matrix of (target, model 1, ..., model k) and ``P = R^-1``, the partial
    correlation of the target with model ``j`` given the other models is ``-P[0, j] / sqrt(P[0, 0] P[j, j])``
    (for two models: ``(r_tj - r_to r_jo) / sqrt((1 - r_to^2)(1 - r_jo^2))``). Spearman inputs give
    partial Spearman correlations (Pearson partial correlations of the ranks).

    Parameters
    ----------
    target_corr : array-like, shape (n_models, n_targets)
        Correlation of each target (e.g. each sphere's RDM) with each model.
    model_corr : array-like, shape (n_models, n_models)
        Correlations among the models (same method as ``target_corr``).

    Returns
    -------
    numpy.ndarray, shape (n_models, n_targets)
        Partial correlations; NaN where a target correlation is NaN.
    """
    r = np.asarray(target_corr, dtype=np.float64)
    c = np.asarray(model_corr, dtype=np.float64)
    if r.ndim != 2:
        raise ValueError(f"target_corr must be (n_models, n_targets); got shape {r.shape}")
    k = r.shape[0]
    if k < 2:
        raise ValueError(f"target_corr needs at least 2 models to partial one out; got {k}")
    if c.shape != (k, k) or not np.allclose(c, c.T) or not np.allclose(np.diag(c), 1.0):
        raise ValueError(f"model_corr must be a symmetric ({k}, {k}) correlation matrix with ones on the diagonal")
    if np.linalg.matrix_rank(c) < k or np.linalg.cond(c) > 1e10:
        raise ValueError("model_corr is singular: some model RDMs are perfectly correlated, nothing is left to partial")
    ok = np.all(np.isfinite(r), axis=0)
    big = np.empty((int(ok.sum()), k + 1, k + 1))
    big[:, 0, 0] = 1.0
    big[:, 0, 1:] = r[:, ok].T
    big[:, 1:, 0] = r[:, ok].T
    big[:, 1:, 1:] = c
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.linalg.pinv(big, hermitian=True)
        part = -p[:, 0, 1:] / np.sqrt(p[:, :1, 0] * np.diagonal(p, axis1=1, axis2=2)[:, 1:])
    out = np.full(r.shape, np.nan)
    out[:, ok] = part.T
    return out


def _model_corr(plan) -> np.ndarray:
    """Correlations among the plan's models, in the engine's space (centred unit-norm ranks or values)."""
    m = plan.models  # (n_pairs, n_models), centred, unit norm
    c = m.T @ m
    return np.clip((c + c.T) / 2, -1.0, 1.0)


def searchlight_partial_rsa(
    data,
    mask,
    model_rdms,
    *,
    radius: float = 6,
    metric: str = "correlation",
    method: str = "spearman",
    min_voxels: int = 2,
    max_memory: float = 2.5e7,
    backend: str = "auto",
    device=None,
    dtype: str = "float32",
    n_jobs=None,
    client=None,
    progress: bool = True,
):
    """Searchlight RSA with partial correlations: each model RDM with the other model RDMs partialled out.

    When model RDMs correlate with each other, a region carrying one model's geometry also correlates
    with the others, so plain maps (:func:`searchlight_rsa`) light up regions whose geometry is a
    different model's. The partial correlation of the sphere RDM with model ``j`` given the other
    models keeps only what model ``j`` explains beyond them. It is computed in the engine's space
    (ranks for ``method="spearman"``: partial Spearman; values for ``"pearson"``) from the sphere-model
    correlations and the model-model correlations (:func:`partial_from_correlations`), so it costs one
    searchlight.

    Parameters
    ----------
    data, mask : as in :func:`searchlight_rsa`
    model_rdms : sequence or stack of at least 2 model RDMs
        Square or condensed, not perfectly correlated with each other.
    method : {"spearman", "pearson"}
        Partial Spearman (Pearson partial correlation of the ranks) or partial Pearson correlation.
    radius, metric, min_voxels, max_memory, backend, device, dtype, n_jobs, client, progress
        As in :func:`searchlight_rsa`.

    Returns
    -------
    numpy.ndarray or list of nibabel.Nifti1Image
        ``(n_models, X, Y, Z)`` partial correlations (NaN outside the mask and at centres with too few
        voxels), or one image per model with NIfTI input.
    """
    check_choice(method, "method", ("spearman", "pearson"))  # partial correlations need centred comparisons
    n_jobs = check_jobs(n_jobs)
    plan, meta = _prepare(
        data, mask, model_rdms, radius, metric, method, min_voxels, max_memory, backend, device, dtype
    )
    if plan.models.shape[1] < 2:
        raise ValueError("model_rdms must hold at least 2 model RDMs: one to map and one to partial out")
    if client is not None:
        scores = searchlight_scores(client, [plan], progress=progress)[0]
    else:
        scores = _run_chunks(plan, range(plan.n_chunks), n_jobs=n_jobs, progress=progress)
    try:
        part = partial_from_correlations(scores, _model_corr(plan))
    except ValueError as err:
        raise ValueError(f"model_rdms: {err}") from None
    return _assemble(plan, part, meta)
