"""The compiled kernels (numba) give the numpy path's maps bit for bit: ties, undefined spheres, threads."""

from __future__ import annotations

import numpy as np
import pytest

import repalign.searchlight.engine as engine
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
