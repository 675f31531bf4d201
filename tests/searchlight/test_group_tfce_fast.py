"""``group_tfce`` computes nilearn's ``permuted_ols`` TFCE and cluster inference itself: the same bits."""

from __future__ import annotations

import warnings

import nibabel as nib
import numpy as np
import pytest
from nilearn.maskers import NiftiMasker
from nilearn.mass_univariate import permuted_ols
from scipy.ndimage import gaussian_filter

from repalign import searchlight as sl
from repalign.searchlight import tfce as tfce_mod

FIELDS = ("t", "tfce", "p_tfce", "p_fwe", "p_cluster_size", "p_cluster_mass")


def _maps(seed, n_subjects=6, shape=(9, 10, 8), full=False, effect=0.3):
    """Smooth random subject maps with an extended effect, and a mask with a hole (or the whole volume)."""
    rng = np.random.default_rng(seed)
    mask = np.ones(shape, dtype=bool)
    if not full:
        mask[:] = False
        mask[1:-1, 1:-1, 1:-1] = True
        mask[2, 3, :] = False
    maps = np.stack([gaussian_filter(rng.standard_normal(shape), 1.0) for _ in range(n_subjects)])
    maps[:, 3:6, 3:6, 2:5] += effect
    return maps, mask


def _nilearn(maps, mask, *, n_perm, alternative, cluster_threshold, seed, n_jobs=1):
    """What ``group_tfce`` returned when it called ``permuted_ols`` (values inside the mask)."""
    x = maps[:, mask]
    if alternative == "less":
        x = -x
    masker = NiftiMasker(mask_img=nib.Nifti1Image(mask.astype(np.uint8), np.eye(4))).fit()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = permuted_ols(
            np.ones((x.shape[0], 1)),
            x,
            model_intercept=False,
            n_perm=n_perm,
            two_sided_test=alternative == "two-sided",
            random_state=int(np.random.default_rng(seed).integers(2**31 - 1)),
            n_jobs=n_jobs,
            masker=masker,
            tfce=True,
            threshold=cluster_threshold,
            output_type="dict",
        )
    res = {
        "t": out["t"][0],
        "tfce": out["tfce"][0],
        "p_tfce": 10.0 ** -out["logp_max_tfce"][0],
        "p_fwe": 10.0 ** -out["logp_max_t"][0],
        "max_null": out["h0_max_tfce"][0],
    }
    if cluster_threshold is not None:
        res["p_cluster_size"] = 10.0 ** -out["logp_max_size"][0]
        res["p_cluster_mass"] = 10.0 ** -out["logp_max_mass"][0]
    return res


def _assert_same(res, expected, mask):
    for name in FIELDS:
        got = getattr(res, name)
        if name not in expected:
            assert got is None
            continue
        assert np.all(np.isnan(got[~mask]))
        assert got[mask].tobytes() == np.asarray(expected[name], dtype=np.float64).tobytes(), name
    assert res.max_null.tobytes() == np.asarray(expected["max_null"], dtype=np.float64).tobytes()


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("alternative", ["greater", "two-sided", "less"])
@pytest.mark.parametrize("cluster_threshold", [None, 0.05])
def test_group_tfce_is_nilearns_permuted_ols_bit_for_bit(seed, alternative, cluster_threshold):
    maps, mask = _maps(seed, n_subjects=4 + 2 * seed)
    kw = dict(n_perm=40, alternative=alternative, cluster_threshold=cluster_threshold, seed=seed + 10)
    res = sl.group_tfce(maps, mask, **kw)
    _assert_same(res, _nilearn(maps, mask, **kw), mask)


@pytest.mark.parametrize("tree", [False, True])
@pytest.mark.parametrize("alternative", ["greater", "two-sided"])
def test_tfce_paths_match_nilearn_on_a_mask_filling_the_volume(tree, alternative):
    maps, mask = _maps(5, n_subjects=7, shape=(7, 8, 6), full=True)
    kw = dict(n_perm=25, alternative=alternative, cluster_threshold=0.01, seed=3)
    expected = _nilearn(maps, mask, **kw)
    x = maps[:, mask]
    random_state = int(np.random.default_rng(3).integers(2**31 - 1))
    out = tfce_mod._flip_tfce(
        x,
        mask,
        n_perm=25,
        two_sided=alternative == "two-sided",
        random_state=random_state,
        threshold=0.01,
        tree=tree,
    )
    names = {"p_size": "p_cluster_size", "p_mass": "p_cluster_mass", "h0_max_tfce": "max_null"}
    for key, value in out.items():
        assert np.asarray(value).tobytes() == np.asarray(expected[names.get(key, key)]).tobytes(), key


def test_group_tfce_falls_back_to_nilearn_for_a_constant_voxel_and_matches_more_jobs():
    maps, mask = _maps(7, n_subjects=5)
    maps[:, 4, 4, 4] = 0.0  # all subjects 0: nilearn's t is NaN there, so nilearn computes everything
    kw = dict(n_perm=20, alternative="greater", cluster_threshold=0.05, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sl.group_tfce(maps, mask, **kw)
    _assert_same(res, _nilearn(maps, mask, **kw), mask)
    maps, mask = _maps(6, n_subjects=5)
    kw = dict(n_perm=15, alternative="greater", cluster_threshold=0.6, seed=4)  # a cluster-forming t below 0
    _assert_same(sl.group_tfce(maps, mask, **kw), _nilearn(maps, mask, **kw), mask)
    maps, mask = _maps(8, n_subjects=5)
    kw = dict(n_perm=21, alternative="two-sided", cluster_threshold=None, seed=2, n_jobs=2)
    _assert_same(sl.group_tfce(maps, mask, **kw), _nilearn(maps, mask, **kw), mask)


def test_tfce_scores_of_a_small_map_by_hand():
    mask = np.ones((1, 1, 4), dtype=bool)
    grid = tfce_mod._make_grid(mask)
    t = np.array([1.0, 0.505, 0.0, 1.0])  # voxel 1 reaches the thresholds 0.01, ..., 0.50
    score = tfce_mod._tfce_scores(t, grid, False, tfce_mod._root_table(4), tree=False)
    h = np.linspace(0, 1.0, 101)[1:]
    pair = np.sum(np.sqrt(2) * h[:50] ** 2)  # voxels 0 and 1 form one cluster up to 0.50
    np.testing.assert_allclose(score, [pair + np.sum(h[50:] ** 2), pair, 0.0, np.sum(h**2)], rtol=1e-12)
    tree = tfce_mod._tfce_scores(t, grid, False, tfce_mod._root_table(4), tree=True)
    assert tree.tobytes() == score.tobytes()


def test_tfce_tree_of_many_lasting_clusters_matches_labelling():
    rng = np.random.default_rng(0)
    mask = np.ones((6, 6, 6), dtype=bool)
    grid = tfce_mod._make_grid(mask)
    parity = np.where(np.indices(mask.shape).sum(0)[mask] % 2 == 0, 1.0, -1.0)
    t = rng.uniform(0.5, 1.0, grid.n) * parity  # no two voxels of one sign touch: 108 clusters on ~70 levels each
    root = tfce_mod._root_table(grid.n)
    for two_sided in (False, True):
        tree = tfce_mod._tfce_scores(t, grid, two_sided, root, tree=True)
        labelled = tfce_mod._tfce_scores(t, grid, two_sided, root, tree=False)
        assert tree.tobytes() == labelled.tobytes()
        assert np.all(tree[parity > 0] > 0) and np.all(tree[parity < 0] <= 0)
