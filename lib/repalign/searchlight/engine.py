"""The fast searchlight engine: chunked sphere RDMs and their comparison with model RDMs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from repalign.core.progress import progress_bar
from repalign.core.validation import check_choice, check_int
from repalign.distributed import check_client, gather_in_order, keep_freed_memory
from repalign.searchlight.crossnobis import (
    _balanced_rdm_rows,
    _check_residuals,
    _design,
    _live_counts,
    _rdm_rows,
    _WhitenedEngine,
)
from repalign.searchlight.gram import _augmented, _Engine, _pick_backend
from repalign.searchlight.inputs import _inputs, _masked_patterns, _model_matrix
from repalign.searchlight.kernels import HAVE_NUMBA, _correlation_keys, _correlation_rows, _correlation_scores
from repalign.searchlight.scoring import _compare, _index_bits, _model_columns, _sorted_key_scores
from repalign.searchlight.spheres import _Neighbours, sphere_offsets

__all__ = ["SEARCHLIGHT_METHODS", "SEARCHLIGHT_METRICS", "searchlight_scores"]


#: Dissimilarities of a sphere's RDM (``metric``).
SEARCHLIGHT_METRICS = ("correlation", "euclidean", "crossnobis")

#: Comparisons of a sphere's RDM with the model RDMs (``method``). ``repalign.rdm.compare``'s whitened
#: ``"corr_cov"`` / ``"cosine_cov"`` whiten for i.i.d. pattern noise (double-centred RDMs), as ``compare_rdms``.
SEARCHLIGHT_METHODS = ("spearman", "pearson", "cosine", "rho_a", "corr_cov", "cosine_cov")


def _scores(engine, centres, models, metric, method, dtype, plan=None):
    """Model scores (n_centres, n_models) for one chunk of consecutive centres."""
    if metric == "crossnobis":
        if isinstance(engine, _WhitenedEngine):
            v = engine.rdm_rows(centres, plan.design)
        elif engine.blocks > 1:
            g, npair = engine(centres), engine.n_pairs
            v = _balanced_rdm_rows(g[:, npair : npair + engine.n_cond], g[:, :npair], g[:, -1:], plan.design)
        else:
            g = engine(centres)
            v = _rdm_rows(g[:, engine.full_idx], g[:, -1], plan.design)
        bad = (plan.live[centres] == 0) | ~np.isfinite(v).all(1)  # spheres of constant voxels only
        v[bad] = 1.0
        r = _compare(v, models, method, "float64")
        r[bad] = np.nan
        return r
    g = engine(centres)
    nc, npair = engine.n_cond, engine.n_pairs
    i, j = engine.pair_i, engine.pair_j
    by_rows = method == "spearman" and dtype == "float32"  # rank scores: row by row
    if metric == "correlation" and HAVE_NUMBA and method in ("pearson", "cosine"):  # no RDM matrix at all
        r = np.empty((g.shape[0], models.shape[1]))
        bad = np.empty(g.shape[0], dtype=bool)
        m_rows = np.ascontiguousarray(models.T)
        _correlation_scores(g, npair, nc, m_rows, method == "pearson", np.empty((1, npair)), bad, r)
        return r
    ibits = _index_bits(npair)
    out = []
    # the RDMs and their scores a few rows at a time, so that the temporaries stay in the cache
    # (row-wise arithmetic: the same bits as all rows at once)
    for b0 in range(0, g.shape[0], _ROWS):
        gb = g[b0 : b0 + _ROWS]
        if metric == "correlation" and HAVE_NUMBA:  # the numpy arithmetic below, compiled and fused
            bad = np.empty(gb.shape[0], dtype=bool)
            if by_rows:  # straight into the sort keys
                keys = np.empty((gb.shape[0], npair), dtype=np.uint64)
                _correlation_keys(gb, npair, nc, ibits, keys, bad)
                r = _sorted_key_scores(keys, models, ibits)
                r[bad] = np.nan
                out.append(r)
            else:
                v = np.empty((gb.shape[0], npair))
                _correlation_rows(gb, npair, nc, v, bad, False)
                out.append((v, bad))
            continue
        off = gb[:, :npair]
        diag = gb[:, npair : npair + nc]
        with np.errstate(divide="ignore", invalid="ignore"):
            if metric == "correlation":
                s = gb[:, npair + nc : npair + 2 * nc]
                n = gb[:, -1:]
                var = diag - s * s / n
                bad = np.any(var <= 1e-6 * np.maximum(diag, 1e-300), axis=1)  # a constant condition pattern
                inv = 1.0 / np.sqrt(np.where(var > 0, var, np.nan))
                a = s * inv / np.sqrt(n)
                t = np.take(inv, i, axis=1)
                v = np.multiply(off, t)
                v *= np.take(inv, j, axis=1, out=t)
                u = np.take(a, i, axis=1)
                u *= np.take(a, j, axis=1, out=t)
                v -= u
                np.subtract(1.0, v, out=v)
                bad |= ~np.isfinite(inv).all(1)  # the Gram part is finite, so v is finite where inv is
            else:
                v = np.sqrt(np.maximum(diag[:, i] + diag[:, j] - 2.0 * off, 0.0))
                bad = ~np.isfinite(v).all(1)
        v[bad] = 1.0
        if not by_rows:
            out.append((v, bad))
            continue
        np.maximum(v, 0.0, out=v)
        r = _compare(v, models, method, dtype)
        r[bad] = np.nan
        out.append(r)
    if by_rows:
        return out[0] if len(out) == 1 else np.concatenate(out, axis=0)
    # the other comparisons go through matrix products, whose bits can depend on the number of rows
    v = np.concatenate([o[0] for o in out], axis=0)
    bad = np.concatenate([o[1] for o in out])
    r = _compare(v, models, method, dtype)
    r[bad] = np.nan
    return r


#: Rows of sphere RDMs processed together after the Gram matrices (16 rows of 100 conditions:
#: about 0.6 MB per temporary, inside a core's L2/L3 slice).
_ROWS = 16


@dataclass
class _Plan:
    """Everything a worker needs to compute chunks of one subject's searchlight (picklable).

    Chunk ``k`` is centres ``[k * chunk, (k + 1) * chunk)`` in C order. Every path (one thread,
    several threads, dask tasks) computes a chunk with the same calls on the same inputs, so the
    maps are bit-for-bit the same however the chunks are spread.
    """

    patterns: np.ndarray  # the engine's rows (_augmented), or the cell means (noise precision); last row: padding
    mask: np.ndarray
    radius: float
    models: np.ndarray  # (n_pairs, n_models), centred, unit norm (ranked for Spearman)
    counts: np.ndarray  # mask voxels in each centre's sphere
    chunk: int
    metric: str
    method: str
    dtype: str
    min_voxels: int
    backend: str
    device: object
    token: str = ""
    design: object = None  # crossnobis: the runs x conditions design (crossnobis._Design)
    live: np.ndarray | None = None  # crossnobis: non-constant voxels in each centre's sphere
    residuals: np.ndarray | None = None  # crossnobis with a noise precision: (n_mask_voxels + 1, n_residuals)
    shrinkage: str = "diag"
    dof: int = 0

    @property
    def n_centres(self) -> int:
        return int(self.counts.size)

    @property
    def n_chunks(self) -> int:
        return -(-self.n_centres // self.chunk)

    def centres(self, k: int) -> np.ndarray:
        return np.arange(k * self.chunk, min((k + 1) * self.chunk, self.n_centres))


_ENGINES: dict = {}  # per-process cache: plan token -> engine (dask workers reuse it across tasks)


def _engine_for(plan: _Plan) -> _Engine:
    eng = _ENGINES.get(plan.token)
    if eng is None:
        torch, dev = _pick_backend(plan.backend, plan.device)
        nb = _Neighbours(plan.mask, plan.radius)
        if plan.residuals is not None:
            eng = _WhitenedEngine(plan.patterns, plan.residuals, nb, plan.shrinkage, plan.dof)
        else:
            blocks = plan.design.n_runs + 1 if plan.design is not None and plan.design.balanced else 1
            eng = _Engine(plan.patterns, nb, torch, dev, blocks)
        while len(_ENGINES) >= 2:
            _ENGINES.pop(next(iter(_ENGINES)))
        _ENGINES[plan.token] = eng
    return eng


def _run_chunks(plan: _Plan, chunk_ids, model_cols=None, n_jobs: int = 1, progress: bool = False) -> np.ndarray:
    """Scores ``(n_models, n_centres_of_those_chunks)`` of chunks ``chunk_ids``, in their order.

    Each chunk runs with one torch and one BLAS thread; ``n_jobs`` threads take chunks in turn.
    """
    from concurrent.futures import ThreadPoolExecutor

    from threadpoolctl import threadpool_limits

    engine = _engine_for(plan)
    models = plan.models if model_cols is None else plan.models[:, list(model_cols)]
    chunk_ids = list(chunk_ids)

    def one(k):
        centres = plan.centres(k)
        r = _scores(engine, centres, models, plan.metric, plan.method, plan.dtype, plan)
        r[plan.counts[centres] < plan.min_voxels] = np.nan
        return r

    t = engine.torch
    on_cpu = t is None or engine.device.type == "cpu"
    n_jobs = max(1, min(n_jobs if on_cpu else 1, len(chunk_ids)))
    before = t.get_num_threads() if t is not None else None
    try:
        if t is not None and on_cpu:
            t.set_num_threads(1)
        with threadpool_limits(1):
            if n_jobs == 1:
                parts = [one(k) for k in progress_bar(chunk_ids, enabled=progress, desc="searchlight", unit="chunk")]
            else:
                with ThreadPoolExecutor(n_jobs) as pool:
                    parts = list(
                        progress_bar(
                            pool.map(one, chunk_ids),
                            enabled=progress,
                            desc="searchlight",
                            unit="chunk",
                            total=len(chunk_ids),
                        )
                    )
    finally:
        if before is not None:
            t.set_num_threads(before)
    if not parts:
        return np.empty((models.shape[1], 0))
    return np.concatenate(parts, axis=0).T


def _prepare(
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
    *,
    runs=None,
    conditions=None,
    residuals=None,
    shrinkage="diag",
    dof=None,
):
    """Validate the inputs of :func:`searchlight_rsa` and build its plan; also returns (shape, affine, single)."""
    import uuid

    check_choice(metric, "metric", SEARCHLIGHT_METRICS)
    check_choice(method, "method", SEARCHLIGHT_METHODS)
    check_choice(dtype, "dtype", ("float32", "float64"))
    sphere_offsets(radius)  # validates radius at the door (the engine builds its own sphere)
    min_voxels = check_int(min_voxels, "min_voxels", minimum=1)
    if isinstance(max_memory, bool) or not isinstance(max_memory, (int, float, np.integer, np.floating)):
        raise TypeError(f"max_memory must be a number of bytes; got {type(max_memory).__name__}")
    if not max_memory > 0:
        raise ValueError(f"max_memory must be > 0 bytes; got {max_memory}")
    if metric != "crossnobis":
        for name, val in (("runs", runs), ("conditions", conditions), ("residuals", residuals), ("dof", dof)):
            if val is not None:
                raise ValueError(f"{name} is only used with metric='crossnobis'; got metric={metric!r}")
    _pick_backend(backend, device)
    arr, cond_axis, m, affine, header, data_nii = _inputs(data, mask)
    n_cond = arr.shape[cond_axis]
    design = None
    if metric == "crossnobis":
        design = _design(runs, conditions, n_cond)
        n_cond = design.n_cond
    elif n_cond < 3:
        raise ValueError(f"data must hold at least 3 conditions; got {n_cond}")
    models, single = _model_matrix(model_rdms, n_cond)
    if metric == "correlation":
        min_voxels = max(min_voxels, 2)

    np_dtype = np.float32 if dtype == "float32" else np.float64
    # the engine's rows (the patterns and a column of ones) in one array, without a copy
    rows = _masked_patterns(arr, cond_axis, m, np.float64 if design is not None else np_dtype, extra=1)
    patterns = rows[:, :-1]
    if not (np.ptp(patterns[:-1], axis=1) > 0).any():
        raise ValueError("data has the same pattern for every condition inside the mask (e.g. constant data)")
    # constants that leave every sphere's RDM unchanged are removed for precision: each condition's
    # mean over the mask (correlation), each voxel's mean over conditions (euclidean, crossnobis)
    if design is not None:
        patterns = patterns @ design.cells  # (run, condition) cell means, run-major
    if metric == "correlation":
        patterns[:-1] -= patterns[:-1].mean(0, keepdims=True)
    else:
        patterns[:-1] -= patterns[:-1].mean(1, keepdims=True)
    n_col = patterns.shape[1]  # conditions, or (run, condition) cells for crossnobis
    if design is None:
        rows[:-1, -1] = 1.0
        patterns = rows
    models = _model_columns(models, method)  # (n_pairs, n_models)

    nb = _Neighbours(m, radius)
    counts = nb.counts(m)
    n_pairs = n_cond * (n_cond - 1) // 2
    item = np.dtype(np_dtype).itemsize
    n_tri = n_pairs + n_cond if design is None else (n_col + 1) * (n_col + 2) // 2
    n_cap = len({(a, b) for a, b, _ in nb.offsets.tolist()})  # voxels entering a sphere per step
    per_centre = (
        n_cap * 2 * (n_col * item + 8)  # gathered caps and their indices
        + 2 * n_col * n_col * item
        + 3 * n_tri * 8  # Gram, triangle, cumulative sums
        + n_pairs * 8 * 6
    )  # RDM, sort keys, ranks
    res = None
    if design is not None:
        per_centre += 3 * n_col * n_col * 8  # full cell Gram, reordered, fold kernels
        live = _live_counts(patterns, nb, m)
        if residuals is not None:
            res, dof = _check_residuals(residuals, m, shrinkage, dof)
            v = nb.offsets.shape[0]
            per_centre = v * 8 * (2 * res.shape[1] + 2 * n_col + 10 * v + 2) + 3 * n_col * n_col * 8 + n_pairs * 8 * 6
        elif design.balanced:  # float64: the stacked Gram matrices subtract large terms
            patterns = _augmented(design.stacked(patterns), design.n_runs + 1)
            c1, blocks = design.n_cond + 1, design.n_runs + 1
            per_centre = n_cap * 2 * (blocks * c1 * 8 + 8) + 2 * c1 * c1 * 8 + 3 * (n_pairs + 2 * c1) * 8 + n_pairs * 48
        else:
            patterns = _augmented(patterns.astype(np_dtype))
    chunk = int(max(1, min(nb.n, max_memory // per_centre)))
    dev = None if device is None else str(device)
    plan = _Plan(patterns, m, float(radius), models, counts, chunk, metric, method, dtype, min_voxels, backend, dev)
    plan.token = uuid.uuid4().hex
    if design is not None:
        plan.design, plan.live, plan.residuals, plan.shrinkage, plan.dof = design, live, res, shrinkage, dof or 0
    return plan, (m.shape, affine, single)


def _assemble(plan: _Plan, scores: np.ndarray, meta):
    """(n_models, n_centres) scores -> maps (arrays or NIfTI images, as :func:`searchlight_rsa` returns)."""
    shape, affine, single = meta
    undefined = int(np.count_nonzero(np.isnan(scores).any(0) & (plan.counts >= plan.min_voxels)))
    if undefined:
        import warnings

        warnings.warn(
            f"{undefined} of {plan.n_centres} searchlight centres are NaN: their sphere's RDM is undefined "
            "(constant voxels or a constant condition pattern in the sphere)",
            RuntimeWarning,
            stacklevel=3,
        )
    maps = np.full((scores.shape[0],) + shape, np.nan)
    maps[(slice(None),) + tuple(np.nonzero(plan.mask))] = scores
    if affine is not None:
        import nibabel as nib

        imgs = [nib.Nifti1Image(mp.astype(np.float32), affine) for mp in maps]
        return imgs[0] if single else imgs
    return maps[0] if single else maps


def _searchlight_task(plan, chunk_ids, model_cols):
    keep_freed_memory()
    return _run_chunks(plan, chunk_ids, model_cols, n_jobs=1)


def searchlight_scores(
    client,
    plans: list,
    *,
    models_per_task: int | None = None,
    chunks_per_task: int | None = None,
    progress: bool = True,
) -> list:
    """Searchlight scores ``(n_models, n_centres)`` of each plan, computed as tasks on ``client``.

    Used by ``searchlight_rsa(..., client=)`` and ``group_searchlight(..., client=)`` (plans come
    from ``repalign.searchlight.engine._prepare``). Each subject's plan (its masked patterns, about
    ``4 x n_voxels x n_conditions`` bytes) is sent to the workers once; a task computes a run of
    consecutive chunks of centres for a group of models, exactly as the local path does.

    Parameters
    ----------
    client : distributed.Client
    plans : list
        One plan per subject.
    models_per_task : int, optional
        Models per task (default: all in one task, so each sphere's RDM is ranked once).
    chunks_per_task : int, optional
        Engine chunks per task (default: about 8 tasks per worker thread over all subjects).
    progress : bool
        Progress bar over finished tasks.

    Returns
    -------
    list of numpy.ndarray
        ``(n_models, n_centres)`` scores of each plan, in order (bit-for-bit those of the local path).
    """
    check_client(client)
    n_threads = max(1, sum(client.nthreads().values()))
    n_models = plans[0].models.shape[1]
    models_per_task = n_models if models_per_task is None else check_int(models_per_task, "models_per_task", minimum=1)
    groups = [list(range(s, min(s + models_per_task, n_models))) for s in range(0, n_models, models_per_task)]
    total_chunks = sum(p.n_chunks for p in plans) * len(groups)
    if chunks_per_task is None:
        chunks_per_task = max(1, total_chunks // (8 * n_threads))
    chunks_per_task = check_int(chunks_per_task, "chunks_per_task", minimum=1)
    futures, where = [], []
    for si, plan in enumerate(plans):
        remote = client.scatter(plan, broadcast=True, hash=False)  # on every worker: survives a lost worker
        for gi, cols in enumerate(groups):
            for c0 in range(0, plan.n_chunks, chunks_per_task):
                ids = list(range(c0, min(c0 + chunks_per_task, plan.n_chunks)))
                futures.append(
                    client.submit(
                        _searchlight_task, remote, ids, cols, pure=False, key=f"searchlight-{plan.token}-{gi}-{c0}"
                    )
                )
                where.append((si, gi, c0))
    results = gather_in_order(client, futures, progress=progress, desc="searchlight tasks")
    out = [np.full((n_models, p.n_centres), np.nan) for p in plans]
    for (si, gi, c0), r in zip(where, results):
        plan = plans[si]
        start = c0 * plan.chunk
        out[si][np.array(groups[gi])[:, None], np.arange(start, start + r.shape[1])[None, :]] = r
    return out
