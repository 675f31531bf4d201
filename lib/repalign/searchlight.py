"""Searchlight RSA on volumes: a fast, memory-bounded engine, group statistics and simulated fMRI.

A searchlight slides a small sphere over the brain. At every centre voxel it takes the voxels of the
sphere, computes the RDM of the condition patterns they carry and correlates that RDM with one or more
model RDMs; the correlation is written back at the centre (Kriegeskorte et al. 2006).

:func:`searchlight_rsa` gives the same numbers as rsatoolbox's ``get_volume_searchlight`` /
``get_searchlight_RDMs`` / ``evaluate_models_searchlight`` (``truncate_at_boundary=True``,
``eval_fixed``) but processes centres in batches: the spheres of a chunk of centres are gathered
into one float32 array, their Gram matrices come from one batched matrix product, the RDM entries of
every centre are ranked in one batched sort and the model ranks are computed once. Only one chunk of
searchlight RDMs per thread is ever in memory (``max_memory``). Chunks are spread over the cores
(``n_jobs`` threads, one torch/BLAS thread each) or, with ``client=``, over a Dask cluster
(:mod:`repalign.distributed`); the maps are bit-for-bit the same either way. torch is used when it
is installed (on a CUDA GPU when one is present), numpy otherwise; both give the same results.

Also here: :func:`group_searchlight` (every subject of a group, locally or on a cluster),
:func:`group_ttest` (one-sample t or sign-flip permutation across subjects),
:func:`group_permutation_test` (sign-flip null with max-statistic family-wise error correction),
:func:`simulate_fmri` (NSD-like simulated subjects in MNI space with planted geometries) and
:func:`load_nsd_betas` (NSD's published single-trial betas, averaged over repetitions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ._progress import progress_bar
from ._validation import check_choice, check_finite, check_int, check_seed
from .rdm import to_condensed

__all__ = [
    "searchlight_rsa",
    "sphere_offsets",
    "searchlight_neighbors",
    "group_searchlight",
    "group_ttest",
    "GroupTTest",
    "group_permutation_test",
    "GroupPermutation",
    "simulate_fmri",
    "SimulatedSubject",
    "DEFAULT_REGIONS",
    "load_nsd_betas",
]

SEARCHLIGHT_METRICS = ("correlation", "euclidean")
SEARCHLIGHT_COMPARE = ("spearman", "pearson")


# --------------------------------------------------------------------------------------------
# inputs: arrays or NIfTI images
# --------------------------------------------------------------------------------------------

def _is_nifti(x) -> bool:
    try:
        import nibabel as nib
    except ImportError:  # pragma: no cover - nibabel ships with nilearn
        return False
    return isinstance(x, (nib.spatialimages.SpatialImage, str, Path)) and not isinstance(x, np.ndarray)


def _load_img(x, name: str):
    import nibabel as nib

    if isinstance(x, (str, Path)):
        try:
            return nib.load(str(x))
        except Exception as exc:
            raise ValueError(f"{name} could not be read as a NIfTI image ({exc})") from None
    return x


def _numeric_array(x, name: str) -> np.ndarray:
    try:
        arr = np.asarray(x)
    except Exception as exc:
        raise TypeError(f"{name} must be an array-like of numbers ({exc})") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must hold numbers; got dtype {arr.dtype}")
    return arr


def _as_mask(mask, name: str = "mask") -> np.ndarray:
    arr = _numeric_array(mask, name)
    if arr.ndim != 3:
        raise ValueError(f"{name} must be 3-D (X, Y, Z); got shape {arr.shape}")
    if arr.dtype != bool:
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinite values")
        arr = arr != 0
    if not arr.any():
        raise ValueError(f"{name} is empty (no voxel is True)")
    return arr


def _affines_match(a, b) -> bool:
    return np.allclose(np.asarray(a), np.asarray(b), atol=1e-4)


def _inputs(data, mask):
    """Return (data as (n_cond, X, Y, Z) view or (X, Y, Z, n_cond) view, cond_axis, mask, affine, header)."""
    data_nii, mask_nii = _is_nifti(data), _is_nifti(mask)
    affine = header = None
    if data_nii:
        img = _load_img(data, "data")
        if len(img.shape) != 4:
            raise ValueError(f"data must be a 4-D NIfTI image (X, Y, Z, conditions); got shape {img.shape}")
        affine, header = img.affine, img.header
        arr = np.asanyarray(img.dataobj)
        cond_axis = 3
    else:
        arr = _numeric_array(data, "data")
        if arr.ndim != 4:
            raise ValueError(f"data must be 4-D (n_conditions, X, Y, Z); got shape {arr.shape}")
        cond_axis = 0
    if mask_nii:
        mimg = _load_img(mask, "mask")
        if data_nii and not _affines_match(mimg.affine, affine):
            raise ValueError("mask and data have different affines; resample the mask onto the data "
                             "(nilearn.image.resample_to_img) first")
        if affine is None:
            affine, header = mimg.affine, None
        m = _as_mask(np.asanyarray(mimg.dataobj))
    else:
        m = _as_mask(mask)
    spatial = arr.shape[1:] if cond_axis == 0 else arr.shape[:3]
    if tuple(spatial) != m.shape:
        raise ValueError(f"mask shape {m.shape} does not match the spatial shape of data {tuple(spatial)}")
    return arr, cond_axis, m, affine, header, data_nii


def _masked_patterns(arr: np.ndarray, cond_axis: int, mask: np.ndarray, dtype) -> np.ndarray:
    """(n_mask_voxels + 1, n_conditions) array; the last row is zeros (the padding row)."""
    n_cond = arr.shape[cond_axis]
    idx = np.nonzero(mask)
    out = np.zeros((idx[0].size + 1, n_cond), dtype=dtype)
    if cond_axis == 0:
        for c in range(n_cond):  # one condition at a time: never copies the whole 4-D array
            out[:-1, c] = arr[c][idx]
    else:
        out[:-1] = arr[idx]
    check_finite(out, "data (inside the mask)")
    return out


def _model_matrix(model_rdms, n_cond: int) -> tuple[np.ndarray, bool]:
    """Stack of condensed model RDMs (n_models, n_pairs) and whether a single model was given."""
    if isinstance(model_rdms, (list, tuple)):
        if not model_rdms:
            raise ValueError("model_rdms is empty")
        vecs = [to_condensed(m, f"model_rdms[{i}]") for i, m in enumerate(model_rdms)]
        single = False
    else:
        arr = _numeric_array(model_rdms, "model_rdms")
        n_pairs = n_cond * (n_cond - 1) // 2
        if arr.ndim == 1 or (arr.ndim == 2 and arr.shape[0] == arr.shape[1] and arr.shape[1] != n_pairs):
            vecs, single = [to_condensed(arr, "model_rdms")], True
        elif arr.ndim in (2, 3):
            vecs = [to_condensed(mm, f"model_rdms[{i}]") for i, mm in enumerate(arr)]
            single = False
        else:
            raise ValueError(f"model_rdms must be an RDM or a stack of RDMs; got shape {arr.shape}")
    n_pairs = n_cond * (n_cond - 1) // 2
    for i, v in enumerate(vecs):
        if v.size != n_pairs:
            n_model = int(round((1 + np.sqrt(1 + 8 * v.size)) / 2))
            what = "model_rdms" if single else f"model_rdms[{i}]"
            raise ValueError(f"{what} describes {n_model} conditions but data has {n_cond}")
        if np.ptp(v) == 0:
            what = "model_rdms" if single else f"model_rdms[{i}]"
            raise ValueError(f"{what} is constant; its correlation with anything is undefined")
    return np.stack(vecs), single


# --------------------------------------------------------------------------------------------
# spheres
# --------------------------------------------------------------------------------------------

def sphere_offsets(radius: float) -> np.ndarray:
    """Integer voxel offsets ``(dx, dy, dz)`` with ``dx² + dy² + dz² < radius²`` (rsatoolbox's sphere).

    Returns an ``(n_offsets, 3)`` int array, the centre first.
    """
    if isinstance(radius, bool) or not isinstance(radius, (int, float, np.integer, np.floating)):
        raise TypeError(f"radius must be a number (voxels); got {type(radius).__name__}")
    if not np.isfinite(radius) or radius <= 0:
        raise ValueError(f"radius must be > 0 voxels; got {radius}")
    r = int(np.ceil(radius))
    g = np.arange(-r, r + 1)
    d = np.stack(np.meshgrid(g, g, g, indexing="ij"), -1).reshape(-1, 3)
    d = d[np.sum(d.astype(float) ** 2, 1) < float(radius) ** 2]
    order = np.lexsort((np.abs(d).sum(1),))  # centre first, then growing shells
    return d[order].astype(np.int64)


class _Neighbours:
    """Index volume of the mask, padded by the radius, for vectorised sphere look-ups."""

    def __init__(self, mask: np.ndarray, radius: float):
        self.offsets = sphere_offsets(radius)
        self.pad = int(np.ceil(radius))
        self.coords = np.argwhere(mask)  # C order, like np.nonzero (and rsatoolbox's centres)
        self.n = self.coords.shape[0]
        shape = np.array(mask.shape) + 2 * self.pad
        index = np.full(tuple(shape), self.n, dtype=np.int64)  # n = the padding (zero) row
        p = self.pad
        index[p:p + mask.shape[0], p:p + mask.shape[1], p:p + mask.shape[2]][mask] = np.arange(self.n)
        self.flat = index.ravel()
        self.strides = np.array([shape[1] * shape[2], shape[2], 1], dtype=np.int64)
        self.off_flat = self.offsets @ self.strides

    def lookup(self, centres: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Pattern rows of ``centres + offsets`` (the padding row ``n`` outside the mask)."""
        base = (self.coords[centres] + self.pad) @ self.strides
        return self.flat[base[:, None] + (offsets @ self.strides)[None, :]]

    def counts(self, mask: np.ndarray) -> np.ndarray:
        """Number of mask voxels in each centre's truncated sphere (one FFT convolution)."""
        from scipy.signal import fftconvolve

        r = self.pad
        ball = np.zeros((2 * r + 1,) * 3)
        ball[tuple((self.offsets + r).T)] = 1.0
        conv = fftconvolve(mask.astype(np.float64), ball, mode="same")
        return np.rint(conv[mask]).astype(np.int64)

    def __call__(self, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sorted neighbour rows (padding row last) trimmed to the longest sphere, and counts."""
        base = (self.coords[centres] + self.pad) @ self.strides
        idx = self.flat[base[:, None] + self.off_flat[None, :]]
        counts = np.count_nonzero(idx < self.n, axis=1)
        idx.sort(axis=1)
        return idx[:, : max(int(counts.max()), 1)], counts


def searchlight_neighbors(mask, radius: float = 6) -> list[np.ndarray]:
    """Flat (``numpy.ravel_multi_index``) indices of each mask voxel's sphere, truncated at the mask.

    The same spheres as ``rsatoolbox.util.searchlight.get_volume_searchlight(mask, radius,
    threshold=0, truncate_at_boundary=True)``, one per mask voxel in C order. Meant for small
    volumes and for checking; :func:`searchlight_rsa` never builds this list.
    """
    m = _as_mask(mask)
    nb = _Neighbours(m, radius)
    idx, counts = nb(np.arange(nb.n))
    return [np.ravel_multi_index(tuple(nb.coords[row[:k]].T), m.shape) for row, k in zip(idx, counts)]


# --------------------------------------------------------------------------------------------
# the engine (numpy and torch share one code path through a tiny shim)
# --------------------------------------------------------------------------------------------

def _pick_backend(backend: str, device):
    check_choice(backend, "backend", ("auto", "torch", "numpy"))
    if backend == "numpy":
        if device not in (None, "cpu"):
            raise ValueError(f"device must be None or 'cpu' with backend='numpy'; got {device!r}")
        return None, None
    try:
        import torch
    except ImportError:
        if backend == "torch":
            raise ImportError("backend='torch' needs torch installed") from None
        return None, None
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        device = torch.device(device)
    except Exception as exc:
        raise ValueError(f"device is not a valid torch device ({exc})") from None
    return torch, device


def _rank_rows(v, xp, torch):
    """Average ranks (1-based, ties averaged exactly as scipy.stats.rankdata) of each row of ``v``."""
    b, m = v.shape
    if torch is not None:
        sv, order = torch.sort(v, dim=1)
        new = torch.ones((b, m), dtype=torch.bool, device=v.device)
        new[:, 1:] = sv[:, 1:] != sv[:, :-1]
        pos = torch.arange(1, m + 1, dtype=torch.float64, device=v.device).expand(b, m)
        if bool(new.all()):
            ranks_sorted = pos
        else:  # average the positions inside each run of equal values
            gid = torch.cumsum(new, dim=1) - 1 + (torch.arange(b, device=v.device) * m)[:, None]
            gid = gid.reshape(-1)
            tot = torch.zeros(b * m, dtype=torch.float64, device=v.device).index_add_(0, gid, pos.reshape(-1))
            cnt = torch.zeros(b * m, dtype=torch.float64, device=v.device).index_add_(
                0, gid, torch.ones(b * m, dtype=torch.float64, device=v.device))
            ranks_sorted = (tot[gid] / cnt[gid]).reshape(b, m)
        ranks = torch.empty((b, m), dtype=torch.float64, device=v.device)
        ranks.scatter_(1, order, ranks_sorted)
        return ranks
    order = np.argsort(v, axis=1, kind="stable")
    sv = np.take_along_axis(v, order, 1)
    new = np.ones((b, m), dtype=bool)
    new[:, 1:] = sv[:, 1:] != sv[:, :-1]
    pos = np.broadcast_to(np.arange(1, m + 1, dtype=np.float64), (b, m))
    if new.all():
        ranks_sorted = pos
    else:
        gid = (np.cumsum(new, axis=1) - 1 + (np.arange(b) * m)[:, None]).ravel()
        tot = np.bincount(gid, weights=pos.ravel(), minlength=b * m)
        cnt = np.bincount(gid, minlength=b * m)
        ranks_sorted = (tot[gid] / cnt[gid]).reshape(b, m)
    ranks = np.empty((b, m), dtype=np.float64)
    np.put_along_axis(ranks, order, ranks_sorted, 1)
    return ranks


def _rank_scores(v: np.ndarray, models: np.ndarray) -> np.ndarray:
    """Spearman correlations of each row of ``v`` (non-negative float64) with centred, unit-norm model ranks.

    The value bits of ``v`` (monotonic as integers for non-negative floats, the lowest ones dropped)
    go to the high bits of a uint64 key and the column index to the low bits, so one SIMD integer
    sort per row gives the order and exposes ties, which get their average rank as in
    ``scipy.stats.rankdata``. Ranks are never scattered back: the model values are gathered in
    sorted order instead.
    """
    b, m = v.shape
    ibits = max(1, int(m - 1).bit_length())
    key = (v.view(np.uint64) >> np.uint64(ibits)) << np.uint64(ibits)
    key |= np.arange(m, dtype=np.uint64)
    # keys of non-negative finite floats order like the floats themselves, and numpy's SIMD sort of
    # float64 is faster than its uint64 sort: sort the keys as float64 (bits unchanged)
    key.view(np.float64).sort(axis=1)
    order = (key & np.uint64((1 << ibits) - 1)).astype(np.intp)
    hi = key >> np.uint64(ibits)
    same = hi[:, 1:] == hi[:, :-1]  # ties with the previous entry
    ranks = np.broadcast_to(np.arange(1, m + 1, dtype=np.float64), (b, m))
    tied = np.flatnonzero(same.any(1))
    if tied.size:
        ranks = np.array(ranks)
        new = np.ones((tied.size, m), dtype=bool)
        new[:, 1:] = ~same[tied]
        pos = np.arange(m)
        first = np.maximum.accumulate(np.where(new, pos, 0), axis=1)
        last_new = np.ones((tied.size, m), dtype=bool)
        last_new[:, :-1] = new[:, 1:]
        last = np.minimum.accumulate(np.where(last_new, pos, m)[:, ::-1], axis=1)[:, ::-1]
        ranks[tied] = (first + last) / 2.0 + 1.0
    centred = ranks - (m + 1) / 2.0
    norm = np.sqrt(np.einsum("ij,ij->i", centred, centred))
    r = np.empty((b, models.shape[1]))
    for k in range(models.shape[1]):
        r[:, k] = np.einsum("ij,ij->i", centred, models[:, k][order]) / norm
    return r


class _Engine:
    """Gram matrices of spheres, computed in full at the start of each z-run of centres and
    updated incrementally along it: moving the centre one voxel along z adds the voxels of the
    leading cap and removes those of the trailing cap (109 of 895 voxels each at radius 6).

    The patterns carry an extra column of ones, so each Gram matrix also holds the sphere's voxel
    sums (last column) and voxel count (last entry). The engine is read-only once built, so
    several threads can share it.
    """

    def __init__(self, patterns, nb, torch, device):
        self.torch, self.device, self.nb = torch, device, nb
        aug = np.zeros((patterns.shape[0], patterns.shape[1] + 1), dtype=patterns.dtype)
        aug[:, :-1] = patterns
        aug[:-1, -1] = 1.0  # not on the padding row
        self.patterns = torch.from_numpy(aug).to(device) if torch is not None else aug
        ball = {tuple(o) for o in nb.offsets.tolist()}
        ez = np.array([0, 0, 1])
        self.enter = np.array([o for o in nb.offsets if tuple(o + ez) not in ball], dtype=np.int64)
        self.leave = np.array([o - ez for o in nb.offsets if tuple(o - ez) not in ball], dtype=np.int64)
        c = aug.shape[1]
        iu = np.triu_indices(c, k=0)
        self.flat_iu = iu[0] * c + iu[1]
        self.n_cond = c - 1
        # positions in the triangle: off-diagonal condition pairs, condition diagonal, sums, count
        self.pos_off = np.flatnonzero((iu[0] < iu[1]) & (iu[1] < c - 1))
        self.pos_diag = np.flatnonzero((iu[0] == iu[1]) & (iu[0] < c - 1))
        self.pos_sum = np.flatnonzero((iu[1] == c - 1) & (iu[0] < c - 1))
        if torch is not None:
            self.flat_iu_t = torch.from_numpy(self.flat_iu).to(device)

    def _gram(self, idx: np.ndarray, minus: np.ndarray | None = None):
        """Upper triangles (with diagonal) of X^T X (minus Y^T Y for rows ``minus``), float64."""
        t = self.torch
        if t is not None:
            def gather(rows):
                it = t.from_numpy(rows).to(self.device)
                return self.patterns.index_select(0, it.reshape(-1)).view(rows.shape[0], rows.shape[1], -1)

            x = gather(idx)
            g = t.bmm(x.transpose(1, 2), x)
            if minus is not None:
                y = gather(minus)
                g.baddbmm_(y.transpose(1, 2), y, alpha=-1.0)
            return g.reshape(idx.shape[0], -1).index_select(1, self.flat_iu_t).double()

        def gram(rows):
            x = self.patterns[rows]
            return np.matmul(np.ascontiguousarray(x.transpose(0, 2, 1)), x)

        g = gram(idx)
        if minus is not None:
            g -= gram(minus)
        return g.reshape(idx.shape[0], -1)[:, self.flat_iu].astype(np.float64)

    def __call__(self, centres: np.ndarray) -> np.ndarray:
        """Gram upper triangles (float64 numpy, ``(n_centres, n_tri)``) of consecutive ``centres``."""
        nb, t = self.nb, self.torch
        co = nb.coords[centres]
        cont = np.zeros(centres.size, dtype=bool)
        cont[1:] = (co[1:, 0] == co[:-1, 0]) & (co[1:, 1] == co[:-1, 1]) & (co[1:, 2] == co[:-1, 2] + 1)
        first = np.flatnonzero(~cont)
        step = np.flatnonzero(cont)
        start = np.maximum.accumulate(np.where(~cont, np.arange(centres.size), 0))
        full = self._gram(nb.lookup(centres[first], nb.offsets))
        # every row of the chunk is the sum of its run's full Gram and the cap updates since the
        # run began: cumulative sums over the chunk, minus the sum before the run's first centre
        k0 = int(first[1]) if first.size > 1 else centres.size  # rows of the first run need no fix
        if t is not None:
            vals = t.empty((centres.size, full.shape[1]), dtype=t.float64, device=self.device)
            vals[t.from_numpy(first).to(self.device)] = full
            if step.size:
                rows = centres[step]
                vals[t.from_numpy(step).to(self.device)] = self._gram(nb.lookup(rows, self.enter),
                                                                      nb.lookup(rows, self.leave))
            cs = t.cumsum(vals, dim=0)
            if k0 < centres.size:
                cs[k0:] -= cs.index_select(0, t.from_numpy(start[k0:] - 1).to(self.device))
            return cs.cpu().numpy()
        vals = np.empty((centres.size, full.shape[1]))
        vals[first] = full
        if step.size:
            rows = centres[step]
            vals[step] = self._gram(nb.lookup(rows, self.enter), nb.lookup(rows, self.leave))
        cs = np.cumsum(vals, axis=0)
        if k0 < centres.size:
            cs[k0:] -= cs[start[k0:] - 1]
        return cs


def _scores(engine, centres, models, metric, compare, dtype):
    """Model correlations (n_centres, n_models) for one chunk of consecutive centres."""
    g = engine(centres)
    diag = g[:, engine.pos_diag]
    off = g[:, engine.pos_off]
    i, j = np.triu_indices(diag.shape[1], k=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric == "correlation":
            s = g[:, engine.pos_sum]
            n = g[:, -1:]
            var = diag - s * s / n
            bad = np.any(var <= 1e-6 * np.maximum(diag, 1e-300), axis=1)  # a constant condition pattern
            inv = 1.0 / np.sqrt(np.where(var > 0, var, np.nan))
            a = s * inv / np.sqrt(n)
            v = off * inv[:, i]
            v *= inv[:, j]
            v -= a[:, i] * a[:, j]
            np.subtract(1.0, v, out=v)
            bad |= ~np.isfinite(inv).all(1)  # the Gram part is finite, so v is finite where inv is
        else:
            v = np.sqrt(np.maximum(diag[:, i] + diag[:, j] - 2.0 * off, 0.0))
            bad = ~np.isfinite(v).all(1)
    v[bad] = 1.0
    if compare == "spearman":
        if dtype == "float32":
            r = _rank_scores(np.maximum(v, 0.0, out=v), models)
        else:
            v = _rank_rows(v, np, None)
            v -= v.mean(1, keepdims=True)
            r = (v @ models) / np.linalg.norm(v, axis=1)[:, None]
    else:
        v -= v.mean(1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = (v @ models) / np.linalg.norm(v, axis=1)[:, None]
    r[bad] = np.nan
    return r


@dataclass
class _Plan:
    """Everything a worker needs to compute chunks of one subject's searchlight (picklable).

    Chunk ``k`` is centres ``[k * chunk, (k + 1) * chunk)`` in C order. Every path (one thread,
    several threads, dask tasks) computes a chunk with the same calls on the same inputs, so the
    maps are bit-for-bit the same however the chunks are spread.
    """

    patterns: np.ndarray  # (n_mask_voxels + 1, n_conditions), the last row the zero padding
    mask: np.ndarray
    radius: float
    models: np.ndarray  # (n_pairs, n_models), centred, unit norm (ranked for Spearman)
    counts: np.ndarray  # mask voxels in each centre's sphere
    chunk: int
    metric: str
    compare: str
    dtype: str
    min_voxels: int
    backend: str
    device: object
    token: str = ""

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
        eng = _Engine(plan.patterns, _Neighbours(plan.mask, plan.radius), torch, dev)
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
        r = _scores(engine, centres, models, plan.metric, plan.compare, plan.dtype)
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
                parts = [one(k) for k in progress_bar(chunk_ids, enabled=progress, desc="searchlight",
                                                      unit="chunk")]
            else:
                with ThreadPoolExecutor(n_jobs) as pool:
                    parts = list(progress_bar(pool.map(one, chunk_ids), enabled=progress, desc="searchlight",
                                              unit="chunk", total=len(chunk_ids)))
    finally:
        if before is not None:
            t.set_num_threads(before)
    if not parts:
        return np.empty((models.shape[1], 0))
    return np.concatenate(parts, axis=0).T


def _prepare(data, mask, model_rdms, radius, metric, compare, min_voxels, max_memory, backend, device, dtype):
    """Validate the inputs of :func:`searchlight_rsa` and build its plan; also returns (shape, affine, single)."""
    import uuid

    check_choice(metric, "metric", SEARCHLIGHT_METRICS)
    check_choice(compare, "compare", SEARCHLIGHT_COMPARE)
    check_choice(dtype, "dtype", ("float32", "float64"))
    sphere_offsets(radius)  # validates radius at the door (the engine builds its own sphere)
    min_voxels = check_int(min_voxels, "min_voxels", minimum=1)
    if isinstance(max_memory, bool) or not isinstance(max_memory, (int, float, np.integer, np.floating)):
        raise TypeError(f"max_memory must be a number of bytes; got {type(max_memory).__name__}")
    if not max_memory > 0:
        raise ValueError(f"max_memory must be > 0 bytes; got {max_memory}")
    _pick_backend(backend, device)
    arr, cond_axis, m, affine, header, data_nii = _inputs(data, mask)
    n_cond = arr.shape[cond_axis]
    if n_cond < 3:
        raise ValueError(f"data must hold at least 3 conditions; got {n_cond}")
    models, single = _model_matrix(model_rdms, n_cond)
    if metric == "correlation":
        min_voxels = max(min_voxels, 2)

    np_dtype = np.float32 if dtype == "float32" else np.float64
    patterns = _masked_patterns(arr, cond_axis, m, np_dtype)
    # constants that leave every sphere's RDM unchanged are removed for precision: each condition's
    # mean over the mask (correlation), each voxel's mean over conditions (euclidean)
    if metric == "correlation":
        patterns[:-1] -= patterns[:-1].mean(0, keepdims=True)
    else:
        patterns[:-1] -= patterns[:-1].mean(1, keepdims=True)
    if compare == "spearman":
        from scipy.stats import rankdata

        models = np.apply_along_axis(rankdata, 1, models)
    models = models - models.mean(1, keepdims=True)
    models = (models / np.linalg.norm(models, axis=1, keepdims=True)).T.copy()  # (n_pairs, n_models)

    nb = _Neighbours(m, radius)
    counts = nb.counts(m)
    n_pairs = n_cond * (n_cond - 1) // 2
    item = np.dtype(np_dtype).itemsize
    n_tri = n_pairs + n_cond
    n_cap = len({(a, b) for a, b, _ in nb.offsets.tolist()})  # voxels entering a sphere per step
    per_centre = (n_cap * 2 * (n_cond * item + 8)  # gathered caps and their indices
                  + 2 * n_cond * n_cond * item + 3 * n_tri * 8  # Gram, triangle, cumulative sums
                  + n_pairs * 8 * 6)  # RDM, sort keys, ranks
    chunk = int(max(1, min(nb.n, max_memory // per_centre)))
    dev = None if device is None else str(device)
    plan = _Plan(patterns, m, float(radius), models, counts, chunk, metric, compare, dtype, min_voxels,
                 backend, dev, uuid.uuid4().hex)
    return plan, (m.shape, affine, single)


def _assemble(plan: _Plan, scores: np.ndarray, meta):
    """(n_models, n_centres) scores -> maps (arrays or NIfTI images, as :func:`searchlight_rsa` returns)."""
    shape, affine, single = meta
    maps = np.full((scores.shape[0],) + shape, np.nan)
    maps[(slice(None),) + tuple(np.nonzero(plan.mask))] = scores
    if affine is not None:
        import nibabel as nib

        imgs = [nib.Nifti1Image(mp.astype(np.float32), affine) for mp in maps]
        return imgs[0] if single else imgs
    return maps[0] if single else maps


def _check_jobs(n_jobs) -> int:
    import os

    if n_jobs is None:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return check_int(n_jobs, "n_jobs", minimum=1)


def searchlight_rsa(data, mask, model_rdms, radius: float = 6, metric: str = "correlation",
                    compare: str = "spearman", min_voxels: int = 2, max_memory: float = 2.5e7,
                    backend: str = "auto", device=None, dtype: str = "float32", n_jobs=None, client=None,
                    progress: bool = True):
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
    compare : {"spearman", "pearson"}
        Correlation between the sphere's RDM and the model RDM (rsatoolbox's ``eval_fixed`` with
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
    plan, meta = _prepare(data, mask, model_rdms, radius, metric, compare, min_voxels, max_memory,
                          backend, device, dtype)
    if client is not None:
        from .distributed import searchlight_scores

        scores = searchlight_scores(client, [plan], progress=progress)[0]
    else:
        scores = _run_chunks(plan, range(plan.n_chunks), n_jobs=n_jobs, progress=progress)
    return _assemble(plan, scores, meta)


def group_searchlight(data, mask, model_rdms, radius: float = 6, metric: str = "correlation",
                      compare: str = "spearman", min_voxels: int = 2, max_memory: float = 2.5e7,
                      backend: str = "auto", device=None, dtype: str = "float32", n_jobs=None, client=None,
                      models_per_task=None, progress: bool = True):
    """:func:`searchlight_rsa` for every subject of a group, locally or as tasks on a Dask cluster.

    Parameters
    ----------
    data : sequence
        One ``data`` argument of :func:`searchlight_rsa` per subject (arrays or 4-D NIfTI images),
        all in the space of ``mask``.
    mask, model_rdms, radius, metric, compare, min_voxels, max_memory, backend, device, dtype, n_jobs
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
    prepared = [_prepare(d, mask, model_rdms, radius, metric, compare, min_voxels, max_memory, backend,
                         device, dtype) for d in data]
    if client is not None:
        from .distributed import searchlight_scores

        scores = searchlight_scores(client, [p for p, _ in prepared], models_per_task=models_per_task,
                                    progress=progress)
    else:
        scores = [_run_chunks(p, range(p.n_chunks), n_jobs=n_jobs)
                  for p, _ in progress_bar(prepared, enabled=progress, desc="subjects")]
    return [_assemble(p, s, meta) for (p, meta), s in zip(prepared, scores)]


# --------------------------------------------------------------------------------------------
# group statistics
# --------------------------------------------------------------------------------------------

class GroupTTest(NamedTuple):
    """Result of :func:`group_ttest`: t map and p map (arrays or NIfTI images)."""

    t: object
    p: object


class GroupPermutation(NamedTuple):
    """Result of :func:`group_permutation_test` (maps are arrays or NIfTI images).

    Attributes
    ----------
    t : map
        One-sample t at every voxel.
    p : map
        Uncorrected permutation p (threshold it with :func:`repalign.stats.fdr` for BH-FDR).
    p_fwe : map
        Family-wise-error-corrected p from the max-statistic null (threshold it directly:
        ``p_fwe < 0.05`` controls the chance of any false positive voxel at 5 %).
    max_null : numpy.ndarray
        ``(n_perm,)`` the largest t (``"less"``: the smallest; ``"two-sided"``: the largest ``|t|``)
        over voxels under each sign flip.
    """

    t: object
    p: object
    p_fwe: object
    max_null: np.ndarray


def _group_stack(maps, mask):
    """(subjects x mask voxels float64 array, mask, affine) from maps given as arrays or NIfTI images."""
    affine = None
    if isinstance(maps, (list, tuple)) and maps and _is_nifti(maps[0]):
        imgs = [_load_img(x, f"maps[{i}]") for i, x in enumerate(maps)]
        affine = imgs[0].affine
        for i, im in enumerate(imgs):
            if not _affines_match(im.affine, affine):
                raise ValueError(f"maps[{i}] has a different affine from maps[0]")
        stack = np.stack([np.asarray(im.dataobj, dtype=np.float64) for im in imgs])
    elif _is_nifti(maps):
        img = _load_img(maps, "maps")
        affine = img.affine
        stack = np.moveaxis(np.asarray(img.dataobj, dtype=np.float64), -1, 0)
    else:
        stack = _numeric_array(maps, "maps").astype(np.float64)
    if stack.ndim != 4:
        raise ValueError(f"maps must be (n_subjects, X, Y, Z); got shape {stack.shape}")
    if stack.shape[0] < 2:
        raise ValueError(f"maps must hold at least 2 subjects; got {stack.shape[0]}")
    if _is_nifti(mask):
        mimg = _load_img(mask, "mask")
        if affine is not None and not _affines_match(mimg.affine, affine):
            raise ValueError("mask and maps have different affines")
        affine = mimg.affine if affine is None else affine
        m = _as_mask(np.asanyarray(mimg.dataobj))
    else:
        m = _as_mask(mask)
    if stack.shape[1:] != m.shape:
        raise ValueError(f"mask shape {m.shape} does not match the maps' shape {stack.shape[1:]}")
    x = stack[:, m]
    check_finite(x, "maps (inside the mask)")
    return x, m, affine


def _to_maps(values, m, affine):
    out = []
    for v in values:
        vol = np.full(m.shape, np.nan)
        vol[m] = v
        if affine is not None:
            import nibabel as nib

            vol = nib.Nifti1Image(vol.astype(np.float32), affine)
        out.append(vol)
    return out


def _flip_t(x: np.ndarray, flips: np.ndarray) -> np.ndarray:
    """One-sample t of ``x`` (subjects x voxels) under each row of sign ``flips`` (perms x subjects).

    The sum over subjects is accumulated subject by subject, so a permutation's t does not depend
    on how the permutations are batched (bit-for-bit equal locally and on a cluster). Flipping signs
    leaves the sum of squares unchanged, so only the mean changes.
    """
    n = x.shape[0]
    total = np.zeros((flips.shape[0], x.shape[1]))
    for s in range(n):
        total += flips[:, s, None] * x[s]
    mean = total / n
    ss = np.einsum("sv,sv->v", x, x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return mean / np.sqrt(np.maximum(ss - n * mean * mean, 0.0) / (n * (n - 1)))


def _perm_batch(x: np.ndarray, flips: np.ndarray, t_obs: np.ndarray, alternative: str):
    """Exceedance counts per voxel (int64) and the max statistic of each permutation in ``flips``."""
    tp = _flip_t(x, flips)
    if alternative == "less":
        tp, ref = -tp, -t_obs
    elif alternative == "two-sided":
        tp, ref = np.abs(tp), np.abs(t_obs)
    else:
        ref = t_obs
    tp = np.where(np.isfinite(tp), tp, -np.inf)
    hits = np.count_nonzero(tp >= ref - 1e-12, axis=0).astype(np.int64)
    return hits, tp.max(axis=1)


def _sign_flips(n_perm: int, n_subjects: int, rng) -> np.ndarray:
    return rng.choice(np.array([-1.0, 1.0]), size=(n_perm, n_subjects))


def group_permutation_test(maps, mask, n_perm: int = 1000, alternative: str = "greater", seed=0,
                           batch_size: int = 100, client=None, progress: bool = True) -> GroupPermutation:
    """Sign-flip permutation test across subjects with max-statistic family-wise error correction.

    Under the null hypothesis each subject's map is symmetric around 0, so flipping the sign of
    whole subject maps gives maps as likely as the observed one (Nichols & Holmes 2002). For each of
    ``n_perm`` random flips (the same flip at every voxel, which keeps the spatial correlation of the
    maps) the one-sample t map is computed; a voxel's uncorrected p counts the flips whose t at that
    voxel reaches the observed t, its FWE-corrected p those whose largest t *anywhere* does, so
    ``p_fwe < alpha`` bounds the chance of any false positive in the map by ``alpha``. Here
    ``p = (1 + count) / (1 + n_perm)`` (never 0).

    Parameters
    ----------
    maps : array-like, shape (n_subjects, X, Y, Z), or a sequence of 3-D NIfTI images
        One searchlight map per subject, in a common space.
    mask : array-like of bool, shape (X, Y, Z), or 3-D NIfTI image
        Voxels to test; all subjects must be finite there.
    n_perm : int, default 1000
        Random sign flips (drawn from ``seed`` up front, so the result does not depend on batching).
    alternative : {"greater", "two-sided", "less"}
    seed : int or numpy.random.Generator
    batch_size : int, default 100
        Flips per batch (per task on a cluster).
    client : distributed.Client, optional
        Run the batches as tasks on a Dask cluster; bit-for-bit the local result.
    progress : bool
        Progress bar over batches.

    Returns
    -------
    GroupPermutation
        ``(t, p, p_fwe, max_null)``; maps are arrays with NaN outside the mask, or NIfTI images
        when the input held images.
    """
    check_choice(alternative, "alternative", ("greater", "two-sided", "less"))
    n_perm = check_int(n_perm, "n_perm", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    rng = check_seed(seed)
    x, m, affine = _group_stack(maps, mask)
    flips = _sign_flips(n_perm, x.shape[0], rng)
    t_obs = _flip_t(x, np.ones((1, x.shape[0])))[0]
    batches = [flips[s:s + batch_size] for s in range(0, n_perm, batch_size)]
    if client is not None:
        from .distributed import permutation_batches

        results = permutation_batches(client, x, batches, t_obs, alternative, progress=progress)
    else:
        results = [_perm_batch(x, b, t_obs, alternative)
                   for b in progress_bar(batches, enabled=progress, desc="sign flips", unit="batch")]
    hits = np.sum([h for h, _ in results], axis=0)
    max_null = np.concatenate([mx for _, mx in results])
    stat = {"less": -t_obs, "two-sided": np.abs(t_obs)}.get(alternative, t_obs)
    exceed = np.searchsorted(np.sort(max_null), stat - 1e-12, side="left")
    p = (1.0 + hits) / (1.0 + n_perm)
    p_fwe = (1.0 + (n_perm - exceed)) / (1.0 + n_perm)
    t_map, p_map, fwe_map = _to_maps((t_obs, p, p_fwe), m, affine)
    return GroupPermutation(t_map, p_map, fwe_map, max_null)


def group_ttest(maps, mask, alternative: str = "greater", n_perm: int = 0, seed=0,
                progress: bool = True) -> GroupTTest:
    """One-sample t-test across subjects at every mask voxel, optionally with sign-flip permutations.

    Parameters
    ----------
    maps : array-like, shape (n_subjects, X, Y, Z), or a sequence of 3-D NIfTI images
        One searchlight map per subject (e.g. Spearman correlations), in a common space.
    mask : array-like of bool, shape (X, Y, Z), or 3-D NIfTI image
        Voxels to test; all subjects must be finite there.
    alternative : {"greater", "two-sided", "less"}
        Alternative hypothesis for the mean across subjects (``"greater"``: the model explains the
        region better than chance).
    n_perm : int, default 0
        0: parametric p from the t distribution (``scipy.stats.ttest_1samp``). Otherwise: the p of
        each voxel's t among ``n_perm`` random sign flips of the subjects' maps,
        ``p = (1 + #{t_perm >= t}) / (1 + n_perm)`` (the flips are the same at every voxel); see
        :func:`group_permutation_test` for family-wise corrected p and for running on a cluster.
    seed : int or numpy.random.Generator
        Seed of the sign flips.
    progress : bool
        Progress bar over permutation batches.

    Returns
    -------
    GroupTTest
        ``(t, p)``: arrays ``(X, Y, Z)`` with NaN outside the mask, or NIfTI images if the input
        held images. Threshold ``p`` with :func:`repalign.stats.fdr`.
    """
    from scipy.stats import ttest_1samp

    check_choice(alternative, "alternative", ("greater", "two-sided", "less"))
    n_perm = check_int(n_perm, "n_perm", minimum=0)
    if n_perm:
        res = group_permutation_test(maps, mask, n_perm=n_perm, alternative=alternative, seed=seed,
                                     progress=progress)
        return GroupTTest(res.t, res.p)
    check_seed(seed)
    x, m, affine = _group_stack(maps, mask)
    res = ttest_1samp(x, 0.0, axis=0, alternative=alternative)
    t_map, p_map = _to_maps((np.asarray(res.statistic, dtype=np.float64),
                             np.asarray(res.pvalue, dtype=np.float64)), m, affine)
    return GroupTTest(t_map, p_map)


# --------------------------------------------------------------------------------------------
# simulated NSD-like subjects
# --------------------------------------------------------------------------------------------

#: Default planted regions (MNI mm): bilateral spheres. ``model`` is the index of the RDM in
#: ``simulate_fmri(rdms)`` whose geometry the region carries.
DEFAULT_REGIONS = {
    "early_visual": {"model": 0, "centres_mm": [(-12.0, -88.0, 2.0), (12.0, -88.0, 2.0)], "radius_mm": 12.0},
    "high_level_ventral": {"model": 1, "centres_mm": [(-44.0, -62.0, -10.0), (44.0, -62.0, -10.0)],
                           "radius_mm": 12.0},
}


@dataclass
class SimulatedSubject:
    """One simulated subject from :func:`simulate_fmri`.

    Attributes
    ----------
    data : nibabel.Nifti1Image
        4-D ``(X, Y, Z, n_conditions)`` float32 condition patterns (SIMULATED, not real fMRI).
    mask : nibabel.Nifti1Image
        MNI152 brain mask at the chosen resolution.
    regions : dict of str to nibabel.Nifti1Image
        The voxels where each geometry was planted in this subject (after its spatial jitter).
    shift_mm : numpy.ndarray
        This subject's jitter of all region centres, in mm.
    """

    data: object
    mask: object
    regions: dict = field(default_factory=dict)
    shift_mm: np.ndarray = field(default_factory=lambda: np.zeros(3))


def _embedding(rdm: np.ndarray) -> np.ndarray:
    """Classical MDS coordinates (n, k) whose Euclidean distances reproduce the RDM (positive part)."""
    d = np.asarray(rdm, dtype=np.float64)
    n = d.shape[0]
    j = np.eye(n) - 1.0 / n
    b = -0.5 * j @ (d ** 2) @ j
    w, v = np.linalg.eigh(b)
    keep = w > 1e-10 * w.max()
    y = v[:, keep] * np.sqrt(w[keep])
    return y / np.sqrt(np.mean(np.sum(y ** 2, 1)))


def simulate_fmri(rdms, regions=None, subject: int = 0, seed=0, signal: float = 1.0, noise: float = 1.0,
                  fwhm_mm: float = 4.0, jitter_mm: float = 2.0, resolution: int = 2) -> SimulatedSubject:
    """Simulate one NSD-like subject in MNI space with representational geometries planted in regions.

    Inside each region (spheres around MNI coordinates), every voxel's response to the conditions is
    a random linear read-out of coordinates that reproduce one model RDM (classical MDS), so the
    region's condition patterns carry that model's geometry; everywhere in the brain, spatially
    smooth Gaussian noise is added. Each subject gets its own noise and a small random shift of all
    regions (``jitter_mm``). The data are **simulated**; see :func:`load_nsd_betas` for real NSD.

    Parameters
    ----------
    rdms : sequence of array-like
        Model RDMs (square or condensed) over the same ``n_conditions`` stimuli; region ``model``
        indices refer to this sequence.
    regions : dict, optional
        ``name -> {"model": int, "centres_mm": [(x, y, z), ...], "radius_mm": float}``; default
        :data:`DEFAULT_REGIONS` (early visual cortex carrying ``rdms[0]``, high-level ventral /
        lateral occipitotemporal cortex carrying ``rdms[1]``).
    subject : int
        Subject number; with ``seed`` it fixes the subject's noise and jitter.
    seed : int
        Seed of the whole simulated cohort.
    signal, noise : float
        Standard deviation of the planted signal and of the noise, per voxel and condition.
    fwhm_mm : float
        Smoothness of the noise (Gaussian FWHM in mm; 0 for white noise).
    jitter_mm : float
        Standard deviation of each subject's shift of the regions, in mm.
    resolution : int
        Voxel size in mm of the MNI152 template grid (nilearn's ``load_mni152_brain_mask``; 2 mm
        is NSD's MNI resolution).

    Returns
    -------
    SimulatedSubject
    """
    from nilearn.datasets import load_mni152_brain_mask
    from scipy.ndimage import gaussian_filter
    import nibabel as nib

    if isinstance(rdms, np.ndarray) and rdms.ndim == 2 and rdms.shape[0] != rdms.shape[1]:
        rdms = list(rdms)
    if isinstance(rdms, np.ndarray) and rdms.ndim == 2:
        rdms = [rdms]
    if not isinstance(rdms, (list, tuple, np.ndarray)) or len(rdms) == 0:
        raise TypeError("rdms must be a non-empty sequence of RDMs")
    from .rdm import to_square

    sq = [to_square(r, f"rdms[{i}]") for i, r in enumerate(rdms)]
    n_cond = sq[0].shape[0]
    for i, r in enumerate(sq):
        if r.shape[0] != n_cond:
            raise ValueError(f"rdms[{i}] has {r.shape[0]} conditions but rdms[0] has {n_cond}")
    regions = DEFAULT_REGIONS if regions is None else regions
    if not isinstance(regions, dict) or not regions:
        raise TypeError("regions must be a non-empty dict of name -> region spec")
    for name, spec in regions.items():
        if not isinstance(spec, dict) or not {"model", "centres_mm", "radius_mm"} <= set(spec):
            raise ValueError(f"regions[{name!r}] must have keys 'model', 'centres_mm', 'radius_mm'")
        k = check_int(spec["model"], f"regions[{name!r}]['model']", minimum=0)
        if k >= len(sq):
            raise ValueError(f"regions[{name!r}]['model'] is {k} but only {len(sq)} rdms were given")
    subject = check_int(subject, "subject", minimum=0)
    resolution = check_int(resolution, "resolution", minimum=1)
    for val, nm in ((signal, "signal"), (noise, "noise"), (fwhm_mm, "fwhm_mm"), (jitter_mm, "jitter_mm")):
        if isinstance(val, bool) or not isinstance(val, (int, float, np.integer, np.floating)) or not val >= 0:
            raise ValueError(f"{nm} must be a number >= 0; got {val!r}")
    base = check_int(seed, "seed") if not isinstance(seed, np.random.Generator) else int(seed.integers(2**31))
    rng = np.random.default_rng([base, subject])

    mask_img = load_mni152_brain_mask(resolution=resolution)
    mask = np.asarray(mask_img.dataobj) > 0
    affine = mask_img.affine
    shape = mask.shape
    shift = rng.normal(scale=jitter_mm, size=3) if jitter_mm > 0 else np.zeros(3)

    grid = np.stack(np.meshgrid(*[np.arange(n) for n in shape], indexing="ij"), -1).reshape(-1, 3)
    inside = np.flatnonzero(mask.ravel())
    mm = nib.affines.apply_affine(affine, grid[inside])
    data = np.zeros(shape + (n_cond,), dtype=np.float32)
    flat = data.reshape(-1, n_cond)
    sigma = fwhm_mm / np.sqrt(8 * np.log(2)) / resolution
    for c in range(n_cond):
        vol = rng.standard_normal(shape, dtype=np.float32)
        if sigma > 0:
            vol = gaussian_filter(vol, sigma)
            vol *= noise / vol[mask].std()
        else:
            vol *= noise
        flat[inside, c] = vol.ravel()[inside]
    planted = {}
    for name, spec in regions.items():
        in_region = np.zeros(inside.size, dtype=bool)
        for centre in spec["centres_mm"]:
            in_region |= np.sum((mm - (np.asarray(centre, float) + shift)) ** 2, 1) < float(spec["radius_mm"]) ** 2
        y = _embedding(sq[int(spec["model"])])
        w = rng.standard_normal((y.shape[1], int(in_region.sum())))
        flat[inside[in_region]] += (signal * (y @ w)).T.astype(np.float32)
        region = np.zeros(shape, dtype=np.uint8)
        region.reshape(-1)[inside[in_region]] = 1
        planted[name] = nib.Nifti1Image(region, affine)
    return SimulatedSubject(nib.Nifti1Image(data, affine), nib.Nifti1Image(mask.astype(np.uint8), affine),
                            planted, shift)


# --------------------------------------------------------------------------------------------
# real data: NSD betas
# --------------------------------------------------------------------------------------------

def load_nsd_betas(root, subject: int = 1, nsd_ids=None, space: str = "func1pt8mm",
                   betas: str = "betas_fithrf_GLMdenoise_RR", sessions=None, progress: bool = True):
    """Load NSD single-trial betas for chosen images, averaged over each image's repetitions.

    Reads NSD's published layout (Allen et al. 2022) from a local copy of (part of) the bucket::

        {root}/nsddata/experiments/nsd/nsd_expdesign.mat
        {root}/nsddata_betas/ppdata/subj01/{space}/{betas}/betas_session01.nii.gz  (one per session)

    Trial ``t`` (1-based, counted across sessions) showed subject image ``masterordering[t]``,
    i.e. NSD stimulus ``subjectim[subject, masterordering[t]]`` (both 1-based in the file). Betas
    are stored as int16 times 300 and are returned in percent signal change. Online users can
    fetch the files with ``aws s3 cp --no-sign-request s3://natural-scenes-dataset/...``.

    Parameters
    ----------
    root : str or pathlib.Path
        Folder holding ``nsddata/`` and ``nsddata_betas/``.
    subject : int
        1 to 8.
    nsd_ids : sequence of int, optional
        0-based NSD stimulus ids (``nsd_id`` in ``data/``), in the order wanted. Default: the
        special100 scenes of the book, in ``load_stimuli("nsd_special100")`` order.
    space : str
        ``"func1pt8mm"``, ``"func1mm"`` or ``"MNI"`` (1 mm MNI; resample as needed).
    betas : str
        Beta version folder.
    sessions : sequence of int, optional
        Sessions to read (1-based); default every ``betas_session*.nii.gz`` present.
    progress : bool
        Progress bar over sessions.

    Returns
    -------
    nibabel.Nifti1Image
        ``(X, Y, Z, n_images)`` float32, the mean over each image's trials in the sessions read.
    """
    import re

    import nibabel as nib
    from scipy.io import loadmat

    subject = check_int(subject, "subject", minimum=1, maximum=8)
    check_choice(space, "space", ("func1pt8mm", "func1mm", "MNI"))
    root = Path(root)
    design_path = root / "nsddata" / "experiments" / "nsd" / "nsd_expdesign.mat"
    if not design_path.is_file():
        raise FileNotFoundError(f"root has no NSD design file at {design_path}")
    design = loadmat(str(design_path))
    master = np.asarray(design["masterordering"]).ravel().astype(np.int64) - 1  # 0-based image slot
    subjectim = np.asarray(design["subjectim"]).astype(np.int64) - 1  # 0-based nsd ids
    trial_nsd = subjectim[subject - 1][master]  # nsd id of every trial
    if nsd_ids is None:
        from .stimuli import load_stimuli

        nsd_ids = load_stimuli("nsd_special100").meta["nsd_id"].to_numpy(dtype=np.int64)
    nsd_ids = np.asarray(nsd_ids)
    if nsd_ids.ndim != 1 or nsd_ids.size == 0 or not np.issubdtype(nsd_ids.dtype, np.integer):
        raise ValueError("nsd_ids must be a non-empty 1-D sequence of integer NSD ids")
    folder = root / "nsddata_betas" / "ppdata" / f"subj{subject:02d}" / space / betas
    found = {int(re.search(r"(\d+)", p.name).group(1)): p for p in folder.glob("betas_session*.nii*")}
    if sessions is None:
        sessions = sorted(found)
    if not sessions:
        raise FileNotFoundError(f"no betas_session*.nii.gz under {folder}")
    missing = [s for s in sessions if s not in found]
    if missing:
        raise FileNotFoundError(f"session {missing[0]} not found under {folder}")
    want = {int(n): k for k, n in enumerate(nsd_ids)}
    sums = counts = affine = None
    for s in progress_bar(sessions, enabled=progress, desc="NSD sessions"):
        img = nib.load(str(found[s]))
        n_vol = img.shape[3]
        trials = np.arange((s - 1) * n_vol, s * n_vol)
        trials = trials[trials < trial_nsd.size]
        hit = [(t - (s - 1) * n_vol, want[int(trial_nsd[t])]) for t in trials if int(trial_nsd[t]) in want]
        if sums is None:
            affine = img.affine
            sums = np.zeros(img.shape[:3] + (nsd_ids.size,), dtype=np.float64)
            counts = np.zeros(nsd_ids.size, dtype=np.int64)
        if not hit:
            continue
        for v, k in hit:  # one volume at a time: a whole NSD session is about 1 GB
            sums[..., k] += np.asarray(img.dataobj[..., v], dtype=np.float64) / 300.0
            counts[k] += 1
    if np.any(counts == 0):
        k = int(np.flatnonzero(counts == 0)[0])
        raise ValueError(f"nsd_ids[{k}] = {int(nsd_ids[k])} was not shown to subject {subject} "
                         f"in the sessions read")
    return nib.Nifti1Image((sums / counts).astype(np.float32), affine)


# --------------------------------------------------------------------------------------------
# Summaries of maps against known regions (chapter 4: recovery of planted regions)
# --------------------------------------------------------------------------------------------


def _volume(x, name: str) -> np.ndarray:
    if _is_nifti(x):
        return np.asarray(_load_img(x, name).dataobj)
    arr = np.asarray(x)
    if arr.ndim != 3:
        raise ValueError(f"{name} must be a 3-D array or NIfTI image; got shape {arr.shape}")
    return arr


def peak_voxel(stat_map) -> tuple[tuple[int, int, int], float]:
    """Voxel index and value of the largest finite value of a 3-D map (array or NIfTI)."""
    vol = _volume(stat_map, "stat_map").astype(np.float64)
    if not np.any(np.isfinite(vol)):
        raise ValueError("stat_map holds no finite value")
    flat = np.where(np.isfinite(vol), vol, -np.inf)
    ijk = np.unravel_index(int(np.argmax(flat)), vol.shape)
    return tuple(int(i) for i in ijk), float(vol[ijk])


def region_union(regions) -> np.ndarray:
    """Boolean union of region masks (arrays or NIfTI images of the same shape)."""
    vols = [_volume(r, f"regions[{i}]").astype(bool) for i, r in enumerate(regions)]
    if not vols:
        raise ValueError("regions is empty")
    if len({v.shape for v in vols}) != 1:
        raise ValueError("regions have different shapes")
    return np.logical_or.reduce(vols)


def inside_fraction(selected, region) -> float:
    """Fraction of the selected voxels (a boolean map) that fall inside ``region`` (NaN if none selected)."""
    sel = _volume(selected, "selected").astype(bool)
    reg = _volume(region, "region").astype(bool)
    if sel.shape != reg.shape:
        raise ValueError(f"selected and region differ in shape ({sel.shape} vs {reg.shape})")
    n = int(sel.sum())
    return float("nan") if n == 0 else float((sel & reg).sum() / n)


def dice(a, b) -> float:
    """Dice overlap ``2|A∩B| / (|A| + |B|)`` of two boolean maps (NaN if both are empty)."""
    x, y = _volume(a, "a").astype(bool), _volume(b, "b").astype(bool)
    if x.shape != y.shape:
        raise ValueError(f"a and b differ in shape ({x.shape} vs {y.shape})")
    total = int(x.sum() + y.sum())
    return float("nan") if total == 0 else float(2 * (x & y).sum() / total)


def dilate(region, radius: float):
    """Grow a boolean region by a sphere of ``radius`` voxels (the voxels whose searchlight touches it).

    A searchlight centred within ``radius`` of a planted region includes some of its voxels, so a
    correct map may light up there too; recovery is judged against the dilated region.
    """
    from scipy import ndimage

    vol = _volume(region, "region").astype(bool)
    if not radius > 0:
        raise ValueError(f"radius must be > 0; got {radius}")
    offsets = sphere_offsets(radius)
    r = int(np.ceil(radius))
    ball = np.zeros((2 * r + 1,) * 3, dtype=bool)
    ball[tuple((offsets + r).T)] = True
    out = ndimage.binary_dilation(vol, structure=ball)
    if _is_nifti(region):
        import nibabel as nib

        return nib.Nifti1Image(out.astype(np.uint8), _load_img(region, "region").affine)
    return out


def box_mask(mask, x=None, y=None, z=None):
    """Restrict a NIfTI mask to a box given in world (MNI mm) coordinates, e.g. ``y=(None, -30)``.

    Each of ``x``, ``y``, ``z`` is ``None`` or a ``(low, high)`` pair (either end may be ``None``).
    Returns a NIfTI image with the mask's affine.
    """
    import nibabel as nib

    img = _load_img(mask, "mask")
    vol = np.asarray(img.dataobj).astype(bool)
    ijk = np.indices(vol.shape).reshape(3, -1)
    xyz = (img.affine @ np.vstack([ijk, np.ones(ijk.shape[1])]))[:3]
    keep = np.ones(ijk.shape[1], dtype=bool)
    for axis, bounds in enumerate((x, y, z)):
        if bounds is None:
            continue
        if len(bounds) != 2:
            raise ValueError(f"{'xyz'[axis]} must be a (low, high) pair")
        low, high = bounds
        if low is not None:
            keep &= xyz[axis] >= low
        if high is not None:
            keep &= xyz[axis] <= high
    out = vol & keep.reshape(vol.shape)
    if not out.any():
        raise ValueError("the box leaves no voxel of the mask")
    return nib.Nifti1Image(out.astype(np.uint8), img.affine)


def fill_nan(img, value: float = 0.0):
    """A copy of a NIfTI map with NaN (outside the mask) replaced by ``value``, for display."""
    import nibabel as nib

    img = _load_img(img, "img")
    data = np.asarray(img.dataobj, dtype=np.float32)
    return nib.Nifti1Image(np.where(np.isfinite(data), data, np.float32(value)), img.affine)
