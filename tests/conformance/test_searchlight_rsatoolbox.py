"""Conformance of the searchlight with rsatoolbox 0.3.2, centre by centre.

rsatoolbox's spheres (``get_volume_searchlight(mask, radius, threshold=0, truncate_at_boundary=True)``), its
``calc_rdm`` on each sphere's voxels and its ``compare`` are the reference. Conventions:

- crossnobis: ``calc_rdm(dataset, method="crossnobis", descriptor="conds", cv_descriptor="runs", noise=prec)`` with
  ``prec = prec_from_residuals(sphere residuals, method="shrinkage_diag")`` (or none: the identity);
- spheres of 1-2 voxels: a crossnobis RDM is well defined for any voxel count and agrees (use ``min_voxels=1`` to
  keep 1-voxel spheres); a correlation-distance RDM of a 2-voxel sphere only takes the values 0 and 2, so its ranks
  are decided by rounding (the correlation searchlight agrees with rsatoolbox from 3 voxels up).
"""

from __future__ import annotations

import numpy as np
import pytest

from repalign.searchlight import searchlight_rsa

pytest.importorskip("rsatoolbox")

# rsatoolbox's _build_rdms fills integer condition labels with NaN (its own warning, not ours)
pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning")


def _data(shape, n_runs, n_cond, seed):
    rng = np.random.default_rng(seed)
    runs = np.repeat(np.arange(n_runs), n_cond)
    conds = np.tile(np.arange(n_cond), n_runs)
    data = 0.8 * rng.normal(size=(n_cond,) + shape)[conds] + rng.normal(size=(n_runs * n_cond,) + shape)
    models = np.stack([rng.random(n_cond * (n_cond - 1) // 2) for _ in range(2)])
    residuals = rng.normal(size=(30,) + shape) + 0.6 * rng.normal(size=(30, 1) + shape[1:])
    return data, runs, conds, models, residuals


def _rsatoolbox_map(data, mask, runs, conds, models, radius, residuals=None, method="spearman"):
    from rsatoolbox.data import Dataset
    from rsatoolbox.data.noise import prec_from_residuals
    from rsatoolbox.rdm import RDMs, calc_rdm, compare
    from rsatoolbox.util.searchlight import get_volume_searchlight

    centres, neighbours = get_volume_searchlight(mask, radius=radius, threshold=0, truncate_at_boundary=True)
    flat = data.reshape(data.shape[0], -1)
    out = np.full((len(models), mask.size), np.nan)
    for c, nb in zip(centres, neighbours):
        ds = Dataset(flat[:, nb], obs_descriptors={"conds": conds, "runs": runs})
        prec = None
        if residuals is not None:
            prec = prec_from_residuals(residuals.reshape(residuals.shape[0], -1)[:, nb], method="shrinkage_diag")
        rdm = calc_rdm(ds, method="crossnobis", descriptor="conds", cv_descriptor="runs", noise=prec)
        out[:, c] = compare(rdm, RDMs(models), method=method)[0]
    return out.reshape((len(models),) + mask.shape)


@pytest.mark.parametrize("whiten", [False, True])
def test_crossnobis_searchlight_equals_rsatoolbox_per_centre(whiten):
    shape = (6, 6, 5)
    data, runs, conds, models, residuals = _data(shape, 3, 6, seed=0)
    mask = np.zeros(shape, dtype=bool)
    mask[1:-1, 1:-1, 1:-1] = True
    mask[0, 0, 0] = True  # an isolated voxel: a 1-voxel sphere
    mask[5, 5, 3:5] = True  # a pair: 2-voxel spheres
    res = residuals if whiten else None
    ref = _rsatoolbox_map(data, mask, runs, conds, models, 2, res)
    ours = searchlight_rsa(
        data, mask, models, radius=2, metric="crossnobis", runs=runs, conditions=conds, residuals=res,
        min_voxels=1, dtype="float64", progress=False,
    )  # fmt: skip
    assert np.array_equal(np.isnan(ours), np.isnan(ref))
    assert np.isfinite(ours[:, 0, 0, 0]).all() and np.isfinite(ours[:, 5, 5, 4]).all()
    diff = np.nanmax(np.abs(ours - ref))
    assert diff < 1e-10, diff
    ours32 = searchlight_rsa(
        data, mask, models, radius=2, metric="crossnobis", runs=runs, conditions=conds, residuals=res,
        min_voxels=1, progress=False,
    )  # fmt: skip
    assert np.nanmax(np.abs(ours32 - ref)) < 1e-5


@pytest.mark.parametrize("method", ["corr", "cosine"])
def test_crossnobis_searchlight_other_methods_equal_rsatoolbox(method):
    shape = (5, 5, 5)
    data, runs, conds, models, _ = _data(shape, 4, 5, seed=1)
    mask = np.ones(shape, dtype=bool)
    ref = _rsatoolbox_map(data, mask, runs, conds, models, 1.5, method=method)
    ours = searchlight_rsa(
        data, mask, models, radius=1.5, metric="crossnobis", runs=runs, conditions=conds,
        method={"corr": "pearson"}.get(method, method), dtype="float64", progress=False,
    )  # fmt: skip
    assert np.nanmax(np.abs(ours - ref)) < 1e-10
