"""Searchlight RSA maps of one subject or a group."""

from __future__ import annotations

from repalign.core.progress import progress_bar
from repalign.core.validation import check_int
from repalign.searchlight.engine import (
    _assemble,
    _check_jobs,
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
):
    """Searchlight RSA: correlate the RDM of every sphere of voxels with model RDMs.

    Every mask voxel is a centre. Its sphere holds the mask voxels whose distance from the centre is
    ``< radius`` voxels, so spheres are truncated at the mask boundary (rsatoolbox's convention with
    ``truncate_at_boundary=True``). The RDM of the sphere's condition patterns is correlated with each
    model RDM over their upper triangles, and the correlation is written at the centre.

    Parameters
    ----------
    data : array-like, shape (n_conditions, X, Y, Z), or 4-D NIfTI image (X, Y, Z, n_conditions)
        One activity pattern (e.g. a beta map) per condition. Must be finite inside the mask.
    mask : array-like of bool, shape (X, Y, Z), or 3-D NIfTI image
        Voxels to use as centres and sphere members (e.g. a brain mask). With two NIfTI images
        the affines must match.
    model_rdms : array-like or sequence of array-likes
        One model RDM, square ``(n_conditions, n_conditions)`` or condensed, or several as a stack
        ``(n_models, n, n)`` / ``(n_models, n_pairs)`` or a list.
    radius : float, default 6
        Sphere radius in voxels (strict ``<``: radius 6 gives spheres of up to 895 voxels).
    metric : {"correlation", "euclidean"}
        Dissimilarity within a sphere: 1 - Pearson r between the condition patterns (the RSA
        default, rsatoolbox's ``"correlation"``) or the Euclidean distance (rsatoolbox's
        ``"euclidean"`` is its square divided by the voxel count: same ranks, so the same Spearman
        maps).
    method : {"spearman", "pearson"}
        Comparison of the sphere's RDM and the model RDM (rsatoolbox's ``eval_fixed`` with
        ``method="spearman"`` or ``"corr"``).
    min_voxels : int, default 2
        Centres whose truncated sphere holds fewer mask voxels are NaN (at least 2 are needed for
        ``metric="correlation"``).
    max_memory : float, default 2.5e7
        Bytes allowed for one chunk of centres' working arrays (gathered spheres, Gram matrices,
        RDMs, ranks), per thread. Chunks are sized to fit; all searchlight RDMs are never held at
        once. Chunks of a few tens of MB run fastest on CPU (they stay near the caches); raise it
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

    Returns
    -------
    numpy.ndarray or nibabel.Nifti1Image or list of nibabel.Nifti1Image
        With arrays in: ``(X, Y, Z)`` for one model RDM, ``(n_models, X, Y, Z)`` for several, NaN
        outside the mask and at centres with too few voxels. With a NIfTI ``data`` or ``mask``: a
        3-D image (one model) or a list of images (several), with the input affine.

    Examples
    --------
    >>> r_map = searchlight_rsa(betas, brain_mask, model_rdm, radius=6)        # doctest: +SKIP
    """
    n_jobs = _check_jobs(n_jobs)
    plan, meta = _prepare(
        data, mask, model_rdms, radius, metric, method, min_voxels, max_memory, backend, device, dtype
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
        As in :func:`searchlight_rsa` (the same model RDMs for every subject).
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
    n_jobs = _check_jobs(n_jobs)
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
