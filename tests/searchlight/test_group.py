"""Tests of ``repalign.searchlight.group``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ttest_1samp

import distributed  # noqa: F401  (a requirement: these tests must run, never skip)
from repalign import searchlight as sl
from repalign.inference import fdr
from repalign.searchlight import (
    group_ttest,
)


def test_permutation_fwe_on_cluster_is_bit_for_bit_local(cluster):
    client = cluster["client"]
    rng = np.random.default_rng(4)
    mask = np.zeros((6, 7, 5), dtype=bool)
    mask[1:5, 1:6, 1:4] = True
    maps = rng.normal(0.0, 0.2, size=(8,) + mask.shape)
    maps[:, 2, 2, 2] += 0.5  # one true effect
    kw = dict(n_perm=300, seed=7, exact=False, progress=False)  # random draws: 2**8 <= 300 would enumerate
    local = sl.group_permutation_test(maps, mask, batch_size=300, **kw)
    remote = sl.group_permutation_test(maps, mask, batch_size=40, client=client, **kw)
    for field in ("t", "p", "p_fwe"):
        assert np.array_equal(getattr(local, field), getattr(remote, field), equal_nan=True)
    assert np.array_equal(local.max_null, remote.max_null)
    # oracle: a plain loop over the same flips
    x = maps[:, mask]
    flips = np.random.default_rng(7).choice(np.array([-1.0, 1.0]), size=(300, 8))
    null_max = np.array(
        [np.max((f[:, None] * x).mean(0) / ((f[:, None] * x).std(0, ddof=1) / np.sqrt(8))) for f in flips]
    )
    np.testing.assert_allclose(local.max_null, null_max, rtol=1e-10)
    t = local.t[mask]
    np.testing.assert_allclose(local.p_fwe[mask], (1 + (null_max[None, :] >= t[:, None] - 1e-9).sum(1)) / 301)
    assert np.all(local.p_fwe[mask] >= local.p[mask])  # FWE is never more lenient than uncorrected
    assert local.p_fwe[2, 2, 2] < 0.05 and np.mean(local.p_fwe[mask] < 0.05) < 0.05
    assert np.array_equal(
        sl.group_ttest(maps, mask, n_perm=200, seed=7, progress=False).p,
        sl.group_permutation_test(maps, mask, n_perm=200, seed=7, progress=False).p,
        equal_nan=True,
    )


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


def test_permutation_test_fwe_against_a_plain_loop():
    rng = np.random.default_rng(2)
    mask = np.zeros((5, 6, 4), dtype=bool)
    mask[1:4, 1:5, 1:3] = True
    maps = rng.normal(0.0, 0.2, size=(7,) + mask.shape)
    maps[:, 2, 2, 1] += 0.6
    res = sl.group_permutation_test(maps, mask, n_perm=500, seed=1, exact=False, batch_size=64, progress=False)
    again = sl.group_permutation_test(maps, mask, n_perm=500, seed=1, exact=False, batch_size=500, progress=False)
    assert all(
        np.array_equal(getattr(res, f), getattr(again, f), equal_nan=True) for f in ("t", "p", "p_fwe", "max_null")
    )  # batching changes nothing
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


def test_few_subjects_enumerate_every_sign_pattern_and_give_exact_p():
    # 6 subjects: 2**6 = 64 patterns <= n_perm, so all are enumerated and p is exact
    rng = np.random.default_rng(5)
    mask = np.zeros((4, 5, 3), dtype=bool)
    mask[1:3, 1:4, 1:2] = True
    maps = rng.normal(0.0, 0.2, size=(6,) + mask.shape)
    maps[:, 1, 1, 1] = np.abs(maps[:, 1, 1, 1]) + 1.0  # every subject positive: the largest t of all patterns
    res = sl.group_permutation_test(maps, mask, n_perm=1000, seed=0, progress=False)
    assert res.max_null.shape == (63,)  # every pattern but the identity, independent of n_perm and seed
    again = sl.group_permutation_test(maps, mask, n_perm=100, seed=9, batch_size=7, progress=False)
    assert np.array_equal(res.p_fwe, again.p_fwe, equal_nan=True) and np.array_equal(res.p, again.p, equal_nan=True)
    x = maps[:, mask]
    signs = np.array([[1.0 if (k >> s) & 1 == 0 else -1.0 for s in range(6)] for k in range(64)])
    tp = np.array([ttest_1samp(f[:, None] * x, 0.0, axis=0).statistic for f in signs])  # includes the identity
    t = res.t[mask]
    np.testing.assert_allclose(res.p[mask], (tp >= t - 1e-9).sum(0) / 64)  # exact p: count over all 64 / 64
    np.testing.assert_allclose(res.p_fwe[mask], (tp.max(1)[:, None] >= t - 1e-9).sum(0) / 64)
    assert res.p_fwe[1, 1, 1] == pytest.approx(1 / 64)  # the smallest possible exact p
    # random draws (today's code: 2,000 flips of 6 subjects, patterns repeated) only approximate it
    drawn = sl.group_permutation_test(maps, mask, n_perm=2000, seed=0, exact=False, progress=False)
    assert drawn.p_fwe[1, 1, 1] != 1 / 64 and abs(drawn.p_fwe[1, 1, 1] - 1 / 64) < 0.01
    big = rng.normal(size=(12,) + mask.shape)
    assert sl.group_permutation_test(big, mask, n_perm=100, progress=False).max_null.shape == (100,)  # 4096 > 100
    with pytest.raises(ValueError, match="exact must be one of"):
        sl.group_permutation_test(maps, mask, exact="yes")


def test_group_tfce_calls_nilearn_and_finds_an_extended_effect():
    from nilearn.mass_univariate import permuted_ols

    rng = np.random.default_rng(0)
    mask = np.zeros((10, 10, 8), dtype=bool)
    mask[1:9, 1:9, 1:7] = True
    maps = rng.normal(0.0, 0.2, size=(8,) + mask.shape)
    blob = np.zeros(mask.shape, dtype=bool)
    blob[3:6, 3:6, 2:5] = True
    maps[:, blob] += 0.25  # a weak but extended effect (27 voxels)
    res = sl.group_tfce(maps, mask, n_perm=100, seed=0, cluster_threshold=0.01)
    x = maps[:, mask]
    np.testing.assert_allclose(res.t[mask], ttest_1samp(x, 0.0, axis=0).statistic, rtol=1e-10)
    assert np.all(np.isnan(res.tfce[~mask])) and np.all(res.tfce[mask] >= 0)
    # p of the TFCE score against its max null, as nilearn defines it
    tf = res.tfce[mask]
    np.testing.assert_allclose(res.p_tfce[mask], (1 + (res.max_null[None, :] >= tf[:, None]).sum(1)) / 101)
    # TFCE rewards the extent of the effect: more of the blob survives than with voxel-level max-t FWE
    tfce_hits, fwe_hits = (res.p_tfce < 0.05) & mask, (res.p_fwe < 0.05) & mask
    assert tfce_hits[blob].sum() >= 10 > fwe_hits[blob].sum()
    assert tfce_hits[~blob].sum() <= 12  # what TFCE adds outside lies next to the blob
    # cluster level: the blob's voxels above the cluster-forming threshold form a significant cluster
    for p_cluster in (res.p_cluster_size, res.p_cluster_mass):
        assert (p_cluster[blob] < 0.05).sum() >= 15 and (p_cluster[mask & ~blob] < 0.05).sum() <= 5
    less = sl.group_tfce(-maps, mask, n_perm=10, seed=0, alternative="less")
    np.testing.assert_allclose(less.t[mask], res.t[mask], rtol=1e-10)  # "less" tests the negated maps
    assert less.p_cluster_size is None
    # the TFCE scores equal nilearn's own, called directly
    import nibabel as nib
    from nilearn.maskers import NiftiMasker

    masker = NiftiMasker(mask_img=nib.Nifti1Image(mask.astype(np.uint8), np.eye(4))).fit()
    direct = permuted_ols(
        np.ones((8, 1)), x, model_intercept=False, n_perm=0, masker=masker, tfce=True, two_sided_test=False
    )
    np.testing.assert_allclose(res.tfce[mask], direct["tfce"][0], rtol=1e-10)
    with pytest.raises(ValueError, match="cluster_threshold"):
        sl.group_tfce(maps, mask, n_perm=10, cluster_threshold=1.5)
    with pytest.raises(ValueError, match="alternative"):
        sl.group_tfce(maps, mask, alternative="bigger")
