"""Searchlight RSA maps of one subject or a group."""

from __future__ import annotations

from repalign.core.progress import progress_bar
from repalign.core.validation import check_int, check_jobs
from repalign.searchlight.engine import (
    _assemble,
    _prepare,
    _run_chunks,
    searchlight_scores,
)

__all__ = ["group_searchlight", "searchlight_rsa"]


def searchlight_rsa(
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
    runs=None,
    conditions=None,
    residuals=None,
    shrinkage: str = "diag",
    dof=None,
):
    """Searchlight RSA: correlate the RDM of every sphere of voxels with model RDMs.

    Every mask voxel is a centre. Its sphere holds the mask voxels whose distance from the centre is
    ``< radius`` voxels, so spheres are truncated at the mask boundary (rsatoolbox's convention with
    ``truncate_at_boundary=True``). The RDM of the sphere's condition patterns is correlated with each
    model RDM over their upper triangles, and the correlation is written at the centre.

    Parameters
    ----------
    data : array-like, shape (n_conditions, X, Y, Z), or 4-D NIfTI image (X, Y, Z, n_conditions)
        One activity pattern (e.g. a beta map) per condition. Must be finite inside the mask. With
        ``metric="crossnobis"``: one pattern per observation ``(n_patterns, X, Y, Z)`` (e.g. the
        betas of every condition in every run), labelled by ``runs`` and ``conditions``. Data with
        the same pattern for every condition inside the mask (e.g. constant data) are refused;
        centres whose sphere alone is degenerate (constant voxels, or a constant condition pattern
        with ``metric="correlation"``) are NaN, and a ``RuntimeWarning`` gives their number.
    mask : array-like of bool or 0/1, shape (X, Y, Z), or 3-D NIfTI image
        Voxels to use as centres and sphere members (e.g. a brain mask); only booleans or the
        values 0 and 1 (a probability map must be thresholded first). With two NIfTI images the
        affines must match.
    model_rdms : array-like or sequence of array-likes
        One model RDM, square ``(n_conditions, n_conditions)`` or condensed, or several as a stack
        ``(n_models, n, n)`` / ``(n_models, n_pairs)`` or a list.
    radius : float, default 6
        Sphere radius in voxels (strict ``<``: radius 6 gives spheres of up to 895 voxels).
    metric : {"correlation", "euclidean", "crossnobis"}
        Dissimilarity within a sphere: 1 - Pearson r between the condition patterns (the RSA
        default, rsatoolbox's ``"correlation"``), the Euclidean distance (rsatoolbox's
        ``"euclidean"`` is its square divided by the voxel count: same ranks, so the same Spearman
        maps), or the crossnobis distance over ``runs`` (cross-validated Mahalanobis: leave-one-run-
        out folds, divided by the sphere's voxel count; equal to
        :func:`repalign.rdm.crossnobis.crossnobis_rdm` and to rsatoolbox's ``calc_rdm(...,
        method="crossnobis", descriptor="conds", cv_descriptor="runs")`` on the sphere's voxels;
        unbiased, so it can be negative). Spheres of 1-2 voxels follow the same formulas (a
        one-voxel crossnobis RDM is well defined; ``"correlation"`` needs 2 voxels, see
        ``min_voxels``).
    method : {"spearman", "pearson", "cosine", "rho_a", "corr_cov", "cosine_cov"}
        Comparison of the sphere's RDM and the model RDM (rsatoolbox's ``eval_fixed`` with
        ``method="spearman"``, ``"corr"``, ``"cosine"``, ``"rho-a"``, ``"corr_cov"`` or ``"cosine_cov"``;
        the whitened two as :func:`repalign.rdm.compare.compare_rdms` computes them, for i.i.d. pattern
        noise: the double-centred RDMs, which take ``n_items ** 2`` instead of ``n_items (n_items - 1) / 2``
        values per centre).
    min_voxels : int, default 2
        Centres whose truncated sphere holds fewer mask voxels are NaN (at least 2 are needed for
        ``metric="correlation"``).
    max_memory : float, default 2.5e7
        Bytes allowed for one chunk of centres' working arrays (gathered spheres, Gram matrices,
        RDMs, ranks), per thread. Approximate, not a hard limit: chunks are sized from an estimate
        of those arrays (measured with tracemalloc, numpy backend, 60 conditions, radius 4: they
        take 0.5-0.65 x ``max_memory``), and the arrays held for the whole run come on top (the
        masked patterns, an 8-byte index per voxel of the padded volume, the maps: tens of MB
        for a 28 x 28 x 24 volume), so the total peak can exceed ``max_memory`` by 30-50 % or
        more when it is small. All searchlight RDMs are never held at once. Chunks of a few tens of MB run fastest on CPU (they stay near the caches); raise it
        on a GPU. The maps do not depend on the thread count or the cluster, but on ``max_memory``
        only through float rounding.
    backend : {"auto", "torch", "numpy"}
        ``"auto"`` uses torch when installed (on CUDA when available), numpy otherwise.
    device : str or torch.device, optional
        torch device (default: ``"cuda"`` if available, else ``"cpu"``).
    dtype : {"float32", "float64"}
        Precision of the patterns and Gram matrices; ranks and correlations are always float64.
    n_jobs : int, optional
        Threads on this machine (default: all usable CPU cores; 1 on a GPU). Each takes whole
        chunks with one torch/BLAS thread.
    client : distributed.Client, optional
        Run the chunks as tasks on a Dask cluster instead (see :mod:`repalign.distributed`); the
        result is bit-for-bit the one computed here.
    progress : bool, default True
        Show a progress bar over chunks.
    runs, conditions : array-like, shape (n_patterns,), optional
        ``metric="crossnobis"`` only (and then required): the run (cross-validation fold) and the
        condition label of each pattern of ``data``; every run must hold every condition. The
        RDM's rows follow ``numpy.unique(conditions)``, the order the model RDMs must use.
    residuals : array-like, shape (n_residuals, X, Y, Z), optional
        ``metric="crossnobis"`` only: residual volumes (e.g. of the GLM that gave the betas). Each
        sphere is then whitened by its own noise precision, the inverse of a shrinkage estimate of
        the residual covariance of its voxels (:func:`repalign.rdm.crossnobis.noise_precision`,
        rsatoolbox's ``prec_from_residuals``); computed in float64 whatever ``dtype``, and on the
        CPU. ``None``: the identity (cross-validated squared Euclidean distance).
    shrinkage : {"diag", "eye"}, default "diag"
        Shrinkage target of the per-sphere residual covariance (as ``noise_precision``).
    dof : int, optional
        Degrees of freedom of the residual covariance (default ``n_residuals - 1``).

    Returns
    -------
    numpy.ndarray or nibabel.Nifti1Image or list of nibabel.Nifti1Image
        With arrays in: ``(X, Y, Z)`` for one model RDM, ``(n_models, X, Y, Z)`` for several, NaN
        outside the mask and at centres with too few voxels. With a NIfTI ``data`` or ``mask``: a
        3-D image (one model) or a list of images (several), with the input affine.

    Examples
    --------
    >>> r_map = searchlight_rsa(betas, brain_mask, model_rdm, radius=6)        # doctest: +SKIP
    >>> r_map = searchlight_rsa(run_betas, brain_mask, model_rdm, metric="crossnobis",
    ...                         runs=run_labels, conditions=condition_labels)   # doctest: +SKIP
    """
    n_jobs = check_jobs(n_jobs)
    plan, meta = _prepare(
        data,
        mask,
        model_rdms,
        radius,
        metric,
        method,
        min_voxels,
        max_memory,
        backend,
        device,
        dtype,
        runs=runs,
        conditions=conditions,
        residuals=residuals,
        shrinkage=shrinkage,
        dof=dof,
    )
    if client is not None:
        scores = searchlight_scores(client, [plan], progress=progress)[0]
    else:
        scores = _run_chunks(plan, range(plan.n_chunks), n_jobs=n_jobs, progress=progress)
    return _assemble(plan, scores, meta)


def group_searchlight(
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
    models_per_task=None,
    progress: bool = True,
):
    """:func:`searchlight_rsa` for every subject of a group, locally or as tasks on a Dask cluster.

    Parameters
    ----------
    data : sequence
        One ``data`` argument of :func:`searchlight_rsa` per subject (arrays or 4-D NIfTI images),
        all in the space of ``mask``.
    mask, model_rdms, radius, metric, method, min_voxels, max_memory, backend, device, dtype, n_jobs
        As in :func:`searchlight_rsa` (the same model RDMs for every subject; not ``metric="crossnobis"``).
    client : distributed.Client, optional
        Spread tasks (subject x model group x chunk of centres) over a Dask cluster; the maps are
        bit-for-bit those computed locally.
    models_per_task : int, optional
        With a client: models per task (default all: a sphere's RDM is then ranked once for all
        models; 1 gives one task per subject x model x chunk).
    progress : bool
        Progress bar (over subjects locally, over tasks on a cluster).

    Returns
    -------
    list
        One :func:`searchlight_rsa` result per subject, in order (stack arrays with ``numpy.stack``).
    """
    if isinstance(data, (str, bytes)) or not isinstance(data, (list, tuple)) or not data:
        raise TypeError("data must be a non-empty list of per-subject data (arrays or NIfTI images)")
    if metric == "crossnobis":
        raise ValueError("metric='crossnobis' needs per-subject runs: call searchlight_rsa for each subject")
    n_jobs = check_jobs(n_jobs)
    if models_per_task is not None:
        models_per_task = check_int(models_per_task, "models_per_task", minimum=1)
    prepared = [
        _prepare(d, mask, model_rdms, radius, metric, method, min_voxels, max_memory, backend, device, dtype)
        for d in data
    ]
    if client is not None:
        scores = searchlight_scores(
            client, [p for p, _ in prepared], models_per_task=models_per_task, progress=progress
        )
    else:
        scores = [
            _run_chunks(p, range(p.n_chunks), n_jobs=n_jobs)
            for p, _ in progress_bar(prepared, enabled=progress, desc="subjects")
        ]
    return [_assemble(p, s, meta) for (p, meta), s in zip(prepared, scores)]
