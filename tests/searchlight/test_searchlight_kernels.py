"""The compiled kernels (numba) give the numpy path's maps bit for bit (Spearman, rho-a) or to rounding (Pearson,
cosine: scored without the RDM matrix): ties, undefined spheres, threads; the blocked Gram engine."""

from __future__ import annotations

import numpy as np
import pytest

import repalign.searchlight.engine as engine
import repalign.searchlight.gram as gram
import repalign.searchlight.kernels as kernels
import repalign.searchlight.scoring as scoring
from repalign.searchlight import searchlight_rsa

pytestmark = pytest.mark.skipif(not kernels.HAVE_NUMBA, reason="numba is not installed")


def _data(seed=0):
    rng = np.random.default_rng(seed)
    mask = np.zeros((11, 12, 10), dtype=bool)
    mask[1:-1, 1:-1, 1:-1] = True
    mask[4:6, 5:8, 3:6] = False  # a hole: spheres of every size
    data = rng.standard_normal((14,) + mask.shape).astype(np.float32)
    data[3] = data[7]  # two identical conditions: exact ties in every sphere's RDM
    data[2, :, :, :6] = 0.3  # condition 2 constant low in the box: those spheres' RDMs are undefined
    models = rng.random((3, 14 * 13 // 2))
    models[1, :20] = models[1, 0]  # tied model values
    return data, mask, models


def _numpy_path(monkeypatch):
    monkeypatch.setattr(engine, "HAVE_NUMBA", False)
    monkeypatch.setattr(scoring, "HAVE_NUMBA", False)
    monkeypatch.setattr(gram, "HAVE_NUMBA", False)


@pytest.mark.parametrize(
    "method, dtype, n_jobs",
    [("spearman", "float32", 1), ("spearman", "float32", 2), ("spearman", "float64", 1), ("pearson", "float32", 2),
     ("cosine", "float64", 1), ("rho_a", "float32", 1)],
)  # fmt: skip
def test_compiled_maps_equal_the_numpy_path(monkeypatch, method, dtype, n_jobs):
    data, mask, models = _data()
    kw = dict(radius=2.5, method=method, dtype=dtype, n_jobs=n_jobs, progress=False)
    with pytest.warns(RuntimeWarning, match="NaN"):
        fast = searchlight_rsa(data, mask, models, **kw)
    _numpy_path(monkeypatch)
    with pytest.warns(RuntimeWarning, match="NaN"):
        plain = searchlight_rsa(data, mask, models, **kw)
    assert np.isnan(fast).any() and np.isfinite(fast).sum() > 500
    if method in ("pearson", "cosine"):  # the compiled scores sum in another order than the matrix product
        assert np.array_equal(np.isnan(fast), np.isnan(plain))
        assert np.nanmax(np.abs(fast - plain)) < 1e-13
    else:
        assert np.array_equal(fast, plain, equal_nan=True)


def test_correlation_keys_rows():
    # the kernel's keys are those of the numpy arithmetic: values, clipping at zero, undefined rows
    rng = np.random.default_rng(1)
    nc, npair = 6, 15
    x = rng.standard_normal((4, 9, nc))
    x[2, :, 1] = 0.5  # a constant condition: the row is undefined
    x[3, :, 4] = x[3, :, 2]  # identical conditions: a zero distance (clipped at 0, never negative)
    g = np.einsum(
        "bvi,bvj->bij", np.concatenate([x, np.ones((4, 9, 1))], 2), np.concatenate([x, np.ones((4, 9, 1))], 2)
    )
    iu = np.triu_indices(nc, k=1)
    tri = np.concatenate([g[:, iu[0], iu[1]], np.einsum("bii->bi", g[:, :nc, :nc]), g[:, :nc, nc], g[:, nc:, nc]], 1)
    keys = np.empty((4, npair), dtype=np.uint64)
    bad = np.empty(4, dtype=bool)
    kernels._correlation_keys(tri, npair, nc, 4, keys, bad)
    assert bad.tolist() == [False, False, True, False]
    vals = (keys & ~np.uint64(15)).view(np.float64)
    corr = np.array([np.corrcoef(xb.T)[iu] for xb in x])
    ok = ~bad
    assert np.allclose(vals[ok], np.maximum(1.0 - corr[ok], 0.0), atol=1e-3)  # 4 low bits dropped
    assert (vals[ok] >= 0).all() and np.array_equal(
        keys[:, :] & np.uint64(15), np.tile(np.arange(npair, dtype=np.uint64), (4, 1))
    )
    assert np.all(vals[2] == vals[2, 0])  # an undefined row: all ones


def test_sorted_gather_marks_ties_and_gathers_in_sorted_order():
    keys = np.array([[3 << 4 | 0, 1 << 4 | 1, 2 << 4 | 2], [1 << 4 | 0, 1 << 4 | 2, 5 << 4 | 1]], dtype=np.uint64)
    keys.sort(axis=1)
    models = np.array([[10.0, 11.0, 12.0], [20.0, 21.0, 22.0]])
    gathered = np.empty((2, 2, 3))
    tied = np.empty(2, dtype=bool)
    kernels._sorted_gather(keys, 4, models, gathered, tied)
    assert tied.tolist() == [False, True]
    assert gathered[0].tolist() == [[11.0, 12.0, 10.0], [10.0, 12.0, 11.0]]
    assert gathered[1].tolist() == [[21.0, 22.0, 20.0], [20.0, 22.0, 21.0]]


def test_cumulative_triangle_repeats_the_float64_running_sums():
    # the kernel's columns are numpy's sequential float64 running sums of the float32 parts, minus the sum before
    # each run (from the second run on), bit for bit
    rng = np.random.default_rng(3)
    which = np.array([0, 1, 1, 0, 1, 1, 1, 0, 0, 1], dtype=np.int8)  # runs start at rows 0, 3, 7, 8
    first, step = np.flatnonzero(which == 0), np.flatnonzero(which == 1)
    pos = np.empty(which.size, dtype=np.int64)
    pos[first], pos[step] = np.arange(first.size), np.arange(step.size)
    full = (rng.standard_normal((first.size, 12)) * 1e3).astype(np.float32)
    caps = rng.standard_normal((step.size, 12)).astype(np.float32)
    src = np.array([11, 0, 5, 7, 2], dtype=np.int64)
    dst = np.array([1, 3, 0, 4, 2], dtype=np.int64)
    start = np.maximum.accumulate(np.where(which == 0, np.arange(which.size), 0))
    out = np.full((which.size, 5), np.nan)
    kernels._cumulative_triangle(full, caps, which, pos, src, dst, start, 3, out)
    parts = np.empty((which.size, 12), dtype=np.float32)
    parts[first], parts[step] = full, caps
    cs = np.cumsum(parts[:, src], axis=0, dtype=np.float64)
    expected = cs.copy()
    expected[3:] -= cs[start[3:] - 1]
    assert np.array_equal(out[:, dst], expected)


@pytest.mark.parametrize("n_cond", [40, 70, 100])
def test_blocked_gram_engine_equals_the_full_products(monkeypatch, n_cond):
    # row blocks of the upper triangle (1, 2 and 3 blocks): the same Gram triangles as the full products
    # (with MKL's float32 kernels bit for bit; asserted to float32 rounding, as other BLAS may differ)
    rng = np.random.default_rng(n_cond)
    mask = np.ones((7, 8, 9), dtype=bool)
    mask[3, 3:5, 2:6] = False
    data = rng.standard_normal((n_cond,) + mask.shape).astype(np.float32)
    models = rng.random((1, n_cond * (n_cond - 1) // 2))
    plan, _ = engine._prepare(data, mask, models, 2.5, "correlation", "pearson", 2, 2e6, "torch", None, "float32")
    eng = engine._engine_for(plan)
    assert eng.fused and len(eng.row_blocks) == max(1, round((n_cond + 1) / gram._BLOCK))
    assert plan.n_chunks > 3  # several chunks, each with several runs
    for k in range(plan.n_chunks):
        centres = plan.centres(k)
        blocked = eng(centres)
        monkeypatch.setattr(eng, "fused", False)
        full = eng(centres)
        monkeypatch.setattr(eng, "fused", True)
        np.testing.assert_allclose(blocked, full, rtol=1e-6, atol=1e-4)
