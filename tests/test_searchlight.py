"""Searchlight RSA: oracles (rsatoolbox, a plain per-centre loop, scipy), NIfTI, simulation, NSD loader, bad inputs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import pdist
from scipy.stats import pearsonr, spearmanr, ttest_1samp

nib = pytest.importorskip("nibabel")

from repalign.searchlight import (group_ttest, load_nsd_betas, searchlight_neighbors, searchlight_rsa,
                                  simulate_fmri, sphere_offsets)
from repalign.inference import fdr
from repalign import searchlight as sl


def _volume(n_cond=30, shape=(8, 9, 7), seed=0, offset=3.0):
    rng = np.random.default_rng(seed)
    mask = np.zeros(shape, dtype=bool)
    mask[1:-1, 1:-1, 1:-1] = True
    mask[3, 4, 2] = False  # a hole: spheres are truncated around it
    data = rng.normal(size=(n_cond,) + shape) + offset
    models = np.stack([pdist(rng.normal(size=(n_cond, 4))), pdist(rng.normal(size=(n_cond, 2)))])
    return data, mask, models


def _plain(data, mask, models, radius, metric="correlation", method="spearman"):
    flat = data.reshape(data.shape[0], -1)
    out = np.full((len(models),) + mask.shape, np.nan)
    corr = spearmanr if method == "spearman" else pearsonr
    for c, nb in zip(np.argwhere(mask), searchlight_neighbors(mask, radius=radius)):
        rdm = pdist(flat[:, nb], metric)
        for k, m in enumerate(models):
            out[(k,) + tuple(c)] = corr(rdm, m).statistic
    return out


def test_sphere_is_rsatoolbox_sphere():
    from rsatoolbox.util.searchlight import get_volume_searchlight

    _, mask, _ = _volume()
    assert len(sphere_offsets(6)) == 895 and len(sphere_offsets(1)) == 1
    centres, neighbours = get_volume_searchlight(mask, radius=3, threshold=0, truncate_at_boundary=True)
    ours = searchlight_neighbors(mask, radius=3)
    assert np.array_equal(centres, np.flatnonzero(mask.ravel()))
    assert all(np.array_equal(np.sort(a), np.sort(b)) for a, b in zip(neighbours, ours))


def test_equals_rsatoolbox_spearman_100_conditions():
    from rsatoolbox.inference import eval_fixed
    from rsatoolbox.model import ModelFixed
    from rsatoolbox.rdm import RDMs
    from rsatoolbox.util.searchlight import (evaluate_models_searchlight, get_searchlight_RDMs,
                                             get_volume_searchlight)

    data, mask, models = _volume(n_cond=100, shape=(7, 7, 6))
    centres, neighbours = get_volume_searchlight(mask, radius=3, threshold=0, truncate_at_boundary=True)
    sl = get_searchlight_RDMs(data.reshape(100, -1), centres, neighbours, np.arange(100),
                              method="correlation", verbose=False)
    model = ModelFixed("m", RDMs(models[0][None]))
    res = evaluate_models_searchlight(sl, model, eval_fixed, method="spearman")
    ref = np.full(mask.shape, np.nan)
    ref.ravel()[centres] = [np.ravel(e.evaluations)[0] for e in res]
    for backend in ("torch", "numpy"):
        ours = searchlight_rsa(data, mask, models[0], radius=3, backend=backend, progress=False)
        assert ours.shape == mask.shape
        assert np.array_equal(np.isnan(ours), ~mask)
        assert np.nanmax(np.abs(ours - ref)) < 1e-5


@pytest.mark.parametrize("metric,method", [("correlation", "spearman"), ("correlation", "pearson"),
                                            ("euclidean", "spearman"), ("euclidean", "pearson")])
def test_equals_plain_per_centre_loop(metric, method):
    data, mask, models = _volume()
    ref = _plain(data, mask, models, 2.5, metric, method)
    for backend in ("torch", "numpy"):
        ours = searchlight_rsa(data, mask, models, radius=2.5, metric=metric, method=method,
                               backend=backend, dtype="float64", max_memory=3e6, progress=False)
        assert ours.shape == (2,) + mask.shape
        assert np.array_equal(np.isnan(ours), np.isnan(ref))
        assert np.nanmax(np.abs(ours - ref)) < 1e-10
    ours32 = searchlight_rsa(data, mask, list(models), radius=2.5, metric=metric, method=method,
                             progress=False)
    assert np.nanmax(np.abs(ours32 - ref)) < 2e-3  # 30 conditions: float32 near-ties can swap ranks


def test_chunking_and_min_voxels():
    data, mask, models = _volume()
    whole = searchlight_rsa(data, mask, models[0], radius=2, progress=False, max_memory=1e12)
    tiny = searchlight_rsa(data, mask, models[0], radius=2, progress=False, max_memory=2e5)  # a few centres per chunk
    np.testing.assert_allclose(tiny, whole, atol=1e-12)
    few = searchlight_rsa(data, mask, models[0], radius=2, progress=False, min_voxels=33)
    counts = np.array([len(n) for n in searchlight_neighbors(mask, radius=2)])
    assert np.array_equal(np.isnan(few[mask]), counts < 33)


def test_nifti_in_nifti_out():
    data, mask, models = _volume()
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


def test_simulated_regions_are_recovered():
    rng = np.random.default_rng(1)
    n = 24
    rdms = [pdist(rng.normal(size=(n, 3))), pdist(rng.normal(size=(n, 3)))]
    sub = simulate_fmri(rdms, subject=0, seed=0, resolution=4, signal=1.0)
    assert sub.data.shape[-1] == n and np.allclose(sub.data.affine, sub.mask.affine)
    maps = searchlight_rsa(sub.data, sub.mask, rdms, radius=2, progress=False)
    for k, name in enumerate(("early_visual", "high_level_ventral")):
        region = sub.regions[name].get_fdata() > 0
        r = maps[k].get_fdata()
        peak = np.unravel_index(np.nanargmax(r), r.shape)
        assert region[peak], name
        assert np.nanmean(r[region]) > 0.3 > np.nanmean(np.abs(r[~region & (sub.mask.get_fdata() > 0)]))
    again = simulate_fmri(rdms, subject=0, seed=0, resolution=4)
    assert np.array_equal(again.data.get_fdata(), sub.data.get_fdata())
    other = simulate_fmri(rdms, subject=1, seed=0, resolution=4)
    assert not np.array_equal(other.shift_mm, sub.shift_mm)


def test_group_ttest_and_fdr_match_scipy():
    from scipy.stats import false_discovery_control

    rng = np.random.default_rng(0)
    mask = np.zeros((5, 6, 4), dtype=bool)
    mask[1:4, 1:5, 1:3] = True
    maps = rng.normal(0.1, 0.2, size=(8,) + mask.shape)
    res = group_ttest(maps, mask)
    ref = ttest_1samp(maps[:, mask], 0.0, axis=0, alternative="greater")
    np.testing.assert_allclose(res.t[mask], ref.statistic)
    np.testing.assert_allclose(res.p[mask], ref.pvalue)
    assert np.all(np.isnan(res.t[~mask]))
    perm = group_ttest(maps, mask, n_perm=200, seed=3, progress=False)
    assert np.array_equal(perm.p, group_ttest(maps, mask, n_perm=200, seed=3, progress=False).p, equal_nan=True)
    assert np.all((perm.p[mask] > 0) & (perm.p[mask] <= 1))
    assert np.corrcoef(perm.p[mask], res.p[mask])[0, 1] > 0.9
    p = rng.uniform(size=200) ** 3
    np.testing.assert_array_equal(fdr(p, q=0.1), false_discovery_control(p) <= 0.1)
    with_nan = np.where(mask, res.p, np.nan)
    np.testing.assert_array_equal(fdr(with_nan)[mask], false_discovery_control(res.p[mask]) <= 0.05)
    assert not fdr(with_nan)[~mask].any()
    with pytest.raises(ValueError, match="q must be in"):
        fdr(p, q=1.5)


def test_nsd_loader_on_fixture_layout(tmp_path):
    from scipy.io import savemat

    rng = np.random.default_rng(0)
    n_per_session, shape = 6, (3, 4, 2)
    # 12 trials over 2 sessions; subject 1 sees its images 1..5 (1-based); nsd ids are 100 + slot
    master = np.array([[1, 2, 3, 1, 4, 5, 2, 3, 1, 5, 4, 2]])
    subjectim = np.tile(np.arange(101, 106), (8, 1))  # 1-based nsd ids 101..105 -> 0-based 100..104
    d = tmp_path / "nsddata" / "experiments" / "nsd"
    d.mkdir(parents=True)
    savemat(d / "nsd_expdesign.mat", {"masterordering": master, "subjectim": subjectim})
    folder = tmp_path / "nsddata_betas" / "ppdata" / "subj01" / "func1pt8mm" / "betas_fithrf_GLMdenoise_RR"
    folder.mkdir(parents=True)
    vols = rng.integers(-900, 900, size=shape + (12,)).astype(np.int16)
    for s in (1, 2):
        nib.save(nib.Nifti1Image(vols[..., (s - 1) * n_per_session:s * n_per_session], np.eye(4)),
                 folder / f"betas_session{s:02d}.nii.gz")
    img = load_nsd_betas(tmp_path, subject=1, nsd_ids=[100, 104], progress=False)
    assert img.shape == shape + (2,)
    trials_0 = np.flatnonzero(master.ravel() == 1)  # slot 1 -> nsd id 100
    np.testing.assert_allclose(img.get_fdata()[..., 0], vols[..., trials_0].mean(-1) / 300, rtol=1e-6)
    with pytest.raises(ValueError, match="was not shown"):
        load_nsd_betas(tmp_path, nsd_ids=[7], progress=False)
    with pytest.raises(FileNotFoundError, match="design file"):
        load_nsd_betas(tmp_path / "nope", nsd_ids=[100], progress=False)


@pytest.mark.parametrize("kwargs,exc,msg", [
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
])
def test_bad_inputs_one_line_errors(kwargs, exc, msg):
    data, mask, models = _volume()
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
    data, mask, models = _volume()
    data = data.copy()
    data[:, 0, 0, 0] = np.nan  # outside the mask
    assert np.isfinite(searchlight_rsa(data, mask, models[0], radius=2, progress=False)[mask]).all()


# --------------------------------------------------------------------------------------------
# Map summaries used by chapter 4
# --------------------------------------------------------------------------------------------


def test_peak_dilate_inside_fraction_dice():
    import nibabel as nib

    vol = np.full((9, 9, 9), np.nan)
    vol[2:7, 2:7, 2:7] = 0.0
    vol[4, 5, 3] = 2.5
    assert sl.peak_voxel(vol) == sl.Peak(index=(4, 5, 3), value=2.5)
    with pytest.raises(ValueError, match="finite"):
        sl.peak_voxel(np.full((3, 3, 3), np.nan))
    region = np.zeros((9, 9, 9), dtype=bool)
    region[4, 4, 4] = True
    grown = sl.dilate(region, radius=2)
    assert grown.sum() == len(sl.sphere_offsets(2))  # one voxel grows into the searchlight sphere
    img = sl.dilate(nib.Nifti1Image(region.astype(np.uint8), np.eye(4)), radius=2)
    assert np.asarray(img.dataobj).sum() == grown.sum()
    selected = np.zeros_like(region)
    selected[4, 4, 4] = selected[0, 0, 0] = True
    assert sl.inside_fraction(selected, grown) == pytest.approx(0.5)
    assert np.isnan(sl.inside_fraction(np.zeros_like(region), grown))
    assert sl.dice(grown, grown) == 1.0 and sl.dice(region, grown) == pytest.approx(2 / (1 + grown.sum()))
    assert sl.region_union([region, selected]).sum() == 2


def test_box_mask_in_world_coordinates():
    import nibabel as nib

    affine = np.diag([2.0, 2.0, 2.0, 1.0])
    affine[:3, 3] = [-10, -10, -10]
    mask = nib.Nifti1Image(np.ones((11, 11, 11), dtype=np.uint8), affine)
    box = np.asarray(sl.box_mask(mask, y=(None, -4)).dataobj).astype(bool)
    assert box[:, :4, :].all() and not box[:, 4:, :].any()  # y = -10 + 2j <= -4  <=>  j <= 3
    with pytest.raises(ValueError, match="no voxel"):
        sl.box_mask(mask, x=(100, None))


# --------------------------------------------------------------------------------------------
# Threads, groups and permutation nulls (the cluster versions are in tests/test_distributed.py)
# --------------------------------------------------------------------------------------------


def test_threads_and_groups_give_bit_for_bit_the_same_maps():
    data, mask, models = _volume()
    one = searchlight_rsa(data, mask, models, radius=2.5, max_memory=2e5, n_jobs=1, progress=False)
    two = searchlight_rsa(data, mask, models, radius=2.5, max_memory=2e5, n_jobs=2, progress=False)
    assert np.array_equal(one, two, equal_nan=True)
    group = sl.group_searchlight([data, data[::-1]], mask, models, radius=2.5, max_memory=2e5, progress=False)
    assert np.array_equal(group[0], one, equal_nan=True)
    assert np.array_equal(group[1], searchlight_rsa(data[::-1], mask, models, radius=2.5, max_memory=2e5,
                                                    progress=False), equal_nan=True)
    with pytest.raises(ValueError, match="n_jobs must be >= 1"):
        searchlight_rsa(data, mask, models, radius=2, n_jobs=0, progress=False)
    with pytest.raises(TypeError, match="data must be a non-empty list"):
        sl.group_searchlight(data, mask, models, progress=False)


def test_permutation_test_fwe_against_a_plain_loop():
    rng = np.random.default_rng(2)
    mask = np.zeros((5, 6, 4), dtype=bool)
    mask[1:4, 1:5, 1:3] = True
    maps = rng.normal(0.0, 0.2, size=(7,) + mask.shape)
    maps[:, 2, 2, 1] += 0.6
    res = sl.group_permutation_test(maps, mask, n_perm=500, seed=1, batch_size=64, progress=False)
    again = sl.group_permutation_test(maps, mask, n_perm=500, seed=1, batch_size=500, progress=False)
    assert all(np.array_equal(getattr(res, f), getattr(again, f), equal_nan=True)
               for f in ("t", "p", "p_fwe", "max_null"))  # batching changes nothing
    x = maps[:, mask]
    np.testing.assert_allclose(res.t[mask], ttest_1samp(x, 0.0, axis=0).statistic, rtol=1e-12)
    flips = np.random.default_rng(1).choice(np.array([-1.0, 1.0]), size=(500, 7))
    from repalign.inference import sign_flips

    np.testing.assert_array_equal(sign_flips(7, 500, seed=1), flips)  # the one generator of sign-flip nulls
    tp = np.array([ttest_1samp(f[:, None] * x, 0.0, axis=0).statistic for f in flips])
    np.testing.assert_allclose(res.max_null, tp.max(1), rtol=1e-10)
    t = res.t[mask]
    np.testing.assert_allclose(res.p[mask], (1 + (tp >= t - 1e-9).sum(0)) / 501)
    np.testing.assert_allclose(res.p_fwe[mask], (1 + (tp.max(1)[:, None] >= t - 1e-9).sum(0)) / 501)
    assert res.p_fwe[2, 2, 1] < 0.05 and np.all(res.p_fwe[mask] >= res.p[mask])
    two = sl.group_permutation_test(maps, mask, n_perm=200, alternative="two-sided", progress=False)
    assert np.all(two.p_fwe[mask] >= two.p[mask]) and np.all(two.max_null >= 0)
    with pytest.raises(ValueError, match="n_perm must be >= 1"):
        sl.group_permutation_test(maps, mask, n_perm=0)


def test_library_works_without_dask():
    import subprocess
    import sys

    code = ("import sys; import repalign.searchlight, repalign.distributed, repalign.models.shards; "
            "sys.exit(int(any(m == 'dask' or m.startswith(('dask.', 'distributed')) for m in sys.modules)))")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
