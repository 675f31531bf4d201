"""Tests of ``repalign.searchlight.rsa``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import pdist
from scipy.stats import pearsonr, spearmanr

import distributed  # noqa: F401  (a requirement: these tests must run, never skip)
import synthetic
from repalign import searchlight as sl
from repalign.searchlight import (
    searchlight_neighbors,
    searchlight_rsa,
)


def _subjects(n_subjects=3, n_cond=20, shape=(9, 10, 8), seed=0):
    rng = np.random.default_rng(seed)
    mask = np.zeros(shape, dtype=bool)
    mask[1:-1, 1:-1, 1:-1] = True
    mask[4, 4, 3] = False
    models = np.stack([pdist(rng.normal(size=(n_cond, 3))), pdist(rng.normal(size=(n_cond, 2)))])
    data = [rng.normal(size=(n_cond,) + shape) for _ in range(n_subjects)]
    return data, mask, models


nib = pytest.importorskip("nibabel")


def _plain(data, mask, models, radius, metric="correlation", method="spearman"):
    flat = data.reshape(data.shape[0], -1)
    out = np.full((len(models),) + mask.shape, np.nan)
    corr = spearmanr if method == "spearman" else pearsonr
    for c, nb in zip(np.argwhere(mask), searchlight_neighbors(mask, radius=radius)):
        rdm = pdist(flat[:, nb], metric)
        for k, m in enumerate(models):
            out[(k,) + tuple(c)] = corr(rdm, m).statistic
    return out


def test_group_searchlight_on_cluster_is_bit_for_bit_local(cluster):
    client = cluster["client"]
    data, mask, models = _subjects()
    kw = dict(radius=2.5, max_memory=2e5, progress=False)  # many small chunks -> many tasks
    local = sl.group_searchlight(data, mask, models, n_jobs=1, **kw)
    assert len(local) == 3
    threaded = sl.group_searchlight(data, mask, models, n_jobs=2, **kw)
    remote = sl.group_searchlight(data, mask, models, client=client, **kw)
    per_model = sl.group_searchlight(data, mask, models, client=client, models_per_task=1, **kw)
    for a, b, c, d in zip(local, threaded, remote, per_model):
        assert a.shape == (2,) + mask.shape
        assert np.array_equal(a, b, equal_nan=True)
        assert np.array_equal(a, c, equal_nan=True)
        assert np.array_equal(a, d, equal_nan=True)
    one = sl.searchlight_rsa(data[1], mask, models[0], client=client, **kw)
    assert np.array_equal(one, local[1][0], equal_nan=True)
    # and the numbers are the searchlight's: the plain per-centre computation
    from scipy.stats import spearmanr

    flat = data[0].reshape(data[0].shape[0], -1)
    for c, nb in list(zip(np.argwhere(mask), sl.searchlight_neighbors(mask, radius=2.5)))[::37]:
        rho = spearmanr(pdist(flat[:, nb], "correlation"), models[1]).statistic
        assert abs(remote[0][(1,) + tuple(c)] - rho) < 1e-5


def test_equals_rsatoolbox_spearman_100_conditions():
    from rsatoolbox.inference import eval_fixed
    from rsatoolbox.model import ModelFixed
    from rsatoolbox.rdm import RDMs
    from rsatoolbox.util.searchlight import evaluate_models_searchlight, get_searchlight_RDMs, get_volume_searchlight

    data, mask, models = synthetic.volume(n_cond=100, shape=(7, 7, 6))
    centres, neighbours = get_volume_searchlight(mask, radius=3, threshold=0, truncate_at_boundary=True)
    sl = get_searchlight_RDMs(
        data.reshape(100, -1), centres, neighbours, np.arange(100), method="correlation", verbose=False
    )
    model = ModelFixed("m", RDMs(models[0][None]))
    res = evaluate_models_searchlight(sl, model, eval_fixed, method="spearman")
    ref = np.full(mask.shape, np.nan)
    ref.ravel()[centres] = [np.ravel(e.evaluations)[0] for e in res]
    for backend in ("torch", "numpy"):
        ours = searchlight_rsa(data, mask, models[0], radius=3, backend=backend, progress=False)
        assert ours.shape == mask.shape
        assert np.array_equal(np.isnan(ours), ~mask)
        assert np.nanmax(np.abs(ours - ref)) < 1e-5


@pytest.mark.parametrize(
    "metric,method",
    [("correlation", "spearman"), ("correlation", "pearson"), ("euclidean", "spearman"), ("euclidean", "pearson")],
)
def test_equals_plain_per_centre_loop(metric, method):
    data, mask, models = synthetic.volume()
    ref = _plain(data, mask, models, 2.5, metric, method)
    for backend in ("torch", "numpy"):
        ours = searchlight_rsa(
            data,
            mask,
            models,
            radius=2.5,
            metric=metric,
            method=method,
            backend=backend,
            dtype="float64",
            max_memory=3e6,
            progress=False,
        )
        assert ours.shape == (2,) + mask.shape
        assert np.array_equal(np.isnan(ours), np.isnan(ref))
        assert np.nanmax(np.abs(ours - ref)) < 1e-10
    ours32 = searchlight_rsa(data, mask, list(models), radius=2.5, metric=metric, method=method, progress=False)
    assert np.nanmax(np.abs(ours32 - ref)) < 2e-3  # 30 conditions: float32 near-ties can swap ranks


def test_chunking_and_min_voxels():
    data, mask, models = synthetic.volume()
    whole = searchlight_rsa(data, mask, models[0], radius=2, progress=False, max_memory=1e12)
    tiny = searchlight_rsa(data, mask, models[0], radius=2, progress=False, max_memory=2e5)  # a few centres per chunk
    np.testing.assert_allclose(tiny, whole, atol=1e-12)
    few = searchlight_rsa(data, mask, models[0], radius=2, progress=False, min_voxels=33)
    counts = np.array([len(n) for n in searchlight_neighbors(mask, radius=2)])
    assert np.array_equal(np.isnan(few[mask]), counts < 33)


def test_nifti_in_nifti_out():
    data, mask, models = synthetic.volume()
    affine = np.diag([2.0, 2.0, 2.0, 1.0])
    affine[:3, 3] = [-10, 5, 3]
    img = nib.Nifti1Image(np.moveaxis(data, 0, -1).astype(np.float32), affine)
    mimg = nib.Nifti1Image(mask.astype(np.uint8), affine)
    out = searchlight_rsa(img, mimg, models[0], radius=2, progress=False)
    assert isinstance(out, nib.Nifti1Image) and np.allclose(out.affine, affine) and out.shape == mask.shape
    arr = searchlight_rsa(data, mask, models[0], radius=2, progress=False)
    np.testing.assert_allclose(out.get_fdata(), arr, atol=1e-6, equal_nan=True)
    outs = searchlight_rsa(img, mimg, models, radius=2, progress=False)
    assert isinstance(outs, list) and len(outs) == 2
    bad = nib.Nifti1Image(mask.astype(np.uint8), np.eye(4))
    with pytest.raises(ValueError, match="different affines"):
        searchlight_rsa(img, bad, models[0], progress=False)


@pytest.mark.parametrize(
    "kwargs,exc,msg",
    [
        (dict(mask=np.ones((4, 4, 4), bool)), ValueError, "does not match the spatial shape"),
        (dict(model_rdms=pdist(np.random.default_rng(0).normal(size=(7, 2)))), ValueError, "describes 7 conditions"),
        (dict(radius=0), ValueError, "radius must be > 0"),
        (dict(radius=-2), ValueError, "radius must be > 0"),
        (dict(mask=np.zeros((8, 9, 7), bool)), ValueError, "mask is empty"),
        (dict(data="nan"), ValueError, "NaN or infinite"),
        (dict(data=np.zeros((30, 8, 9))), ValueError, "data must be 4-D"),
        (dict(metric="cosine"), ValueError, "metric must be one of"),
        (dict(method="kendall"), ValueError, "method must be one of"),
        (dict(model_rdms=np.zeros(435)), ValueError, "constant"),
        (dict(max_memory=0), ValueError, "max_memory must be > 0"),
        (dict(min_voxels=0), ValueError, "min_voxels must be >= 1"),
        (dict(backend="jax"), ValueError, "backend must be one of"),
    ],
)
def test_bad_inputs_one_line_errors(kwargs, exc, msg):
    data, mask, models = synthetic.volume()
    args = dict(data=data, mask=mask, model_rdms=models[0], radius=2, progress=False)
    if isinstance(kwargs.get("data"), str):
        data = data.copy()
        data[3, 2, 2, 2] = np.nan
        kwargs = dict(data=data)
    args.update(kwargs)
    with pytest.raises(exc, match=msg) as info:
        searchlight_rsa(**args)
    assert "\n" not in str(info.value)


def test_nan_outside_mask_is_fine():
    data, mask, models = synthetic.volume()
    data = data.copy()
    data[:, 0, 0, 0] = np.nan  # outside the mask
    assert np.isfinite(searchlight_rsa(data, mask, models[0], radius=2, progress=False)[mask]).all()


def test_threads_and_groups_give_bit_for_bit_the_same_maps():
    data, mask, models = synthetic.volume()
    one = searchlight_rsa(data, mask, models, radius=2.5, max_memory=2e5, n_jobs=1, progress=False)
    two = searchlight_rsa(data, mask, models, radius=2.5, max_memory=2e5, n_jobs=2, progress=False)
    assert np.array_equal(one, two, equal_nan=True)
    group = sl.group_searchlight([data, data[::-1]], mask, models, radius=2.5, max_memory=2e5, progress=False)
    assert np.array_equal(group[0], one, equal_nan=True)
    assert np.array_equal(
        group[1], searchlight_rsa(data[::-1], mask, models, radius=2.5, max_memory=2e5, progress=False), equal_nan=True
    )
    with pytest.raises(ValueError, match="n_jobs must be >= 1"):
        searchlight_rsa(data, mask, models, radius=2, n_jobs=0, progress=False)
    with pytest.raises(TypeError, match="data must be a non-empty list"):
        sl.group_searchlight(data, mask, models, progress=False)


def test_library_works_without_dask():
    import subprocess
    import sys

    code = (
        "import sys; import repalign.searchlight, repalign.distributed, repalign.models.shards; "
        "sys.exit(int(any(m == 'dask' or m.startswith(('dask.', 'distributed')) for m in sys.modules)))"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_probability_mask_is_refused_and_0_1_floats_accepted():
    data, mask, models = synthetic.volume()
    prob = np.where(mask, 0.7, 0.1)  # once read as "every non-zero voxel": the whole volume
    with pytest.raises(ValueError, match=r"mask must be boolean or 0/1; got \d+ voxel\(s\) with other values") as info:
        searchlight_rsa(data, prob, models[0], radius=2, progress=False)
    assert "\n" not in str(info.value)
    with pytest.raises(ValueError, match="mask must be boolean or 0/1"):
        searchlight_neighbors(prob, radius=2)
    as_float = searchlight_rsa(data, mask.astype(np.float32), models[0], radius=2, progress=False)
    as_bool = searchlight_rsa(data, mask, models[0], radius=2, progress=False)
    assert np.array_equal(as_float, as_bool, equal_nan=True)


@pytest.mark.parametrize("metric", ["correlation", "euclidean"])
def test_constant_data_refused_and_constant_spheres_counted(metric):
    import warnings

    data, mask, models = synthetic.volume()
    with pytest.raises(ValueError, match="data has the same pattern for every condition inside the mask"):
        searchlight_rsa(np.full_like(data, 2.5), mask, models[0], radius=2, metric=metric, progress=False)
    with pytest.raises(ValueError, match="data has the same pattern for every condition"):  # constant per voxel
        searchlight_rsa(np.broadcast_to(data[:1], data.shape), mask, models[0], radius=2, metric=metric, progress=False)
    part = data.copy()
    part[:, :4] = 1.0  # x < 4 constant: spheres (radius 1.5) of centres with x <= 2 see only constant voxels
    with pytest.warns(RuntimeWarning, match=r"(\d+) of (\d+) searchlight centres are NaN") as rec:
        out = searchlight_rsa(part, mask, models[0], radius=1.5, metric=metric, progress=False)
    nan = np.isnan(out[mask])
    x = np.argwhere(mask)[:, 0]
    assert nan[x <= 2].all() and not nan[x >= 4].any()
    assert f"{nan.sum()} of {mask.sum()}" in str(rec[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a healthy volume warns nothing
        searchlight_rsa(data, mask, models[0], radius=1.5, metric=metric, progress=False)


@pytest.mark.parametrize("method", ["cosine", "rho_a", "corr_cov", "cosine_cov"])
def test_cosine_rho_a_and_whitened_equal_rsatoolbox(method):
    from rsatoolbox.rdm import RDMs, compare

    data, mask, models = synthetic.volume()
    flat = data.reshape(data.shape[0], -1)
    ours = searchlight_rsa(data, mask, models, radius=2, method=method, dtype="float64", progress=False)
    worst = 0.0
    for c, nb in list(zip(np.argwhere(mask), searchlight_neighbors(mask, radius=2)))[::7]:
        ref = compare(
            RDMs(pdist(flat[:, nb], "correlation")[None]), RDMs(models), method={"rho_a": "rho-a"}.get(method, method)
        )[0]
        worst = max(worst, np.abs(ours[(slice(None),) + tuple(c)] - ref).max())
    assert worst < 1e-10


@pytest.mark.parametrize("method", ["corr_cov", "cosine_cov"])
def test_whitened_methods_equal_compare_rdms_per_sphere(method):
    from repalign.rdm import compare_rdms

    data, mask, models = synthetic.volume()
    flat = data.reshape(data.shape[0], -1)
    ours = searchlight_rsa(data, mask, models[0], radius=2, method=method, progress=False)
    for c, nb in list(zip(np.argwhere(mask), searchlight_neighbors(mask, radius=2)))[::11]:
        ref = compare_rdms(pdist(flat[:, nb], "correlation"), models[0], method=method)
        assert ours[tuple(c)] == pytest.approx(ref, abs=2e-6)  # float32 RDMs by default
