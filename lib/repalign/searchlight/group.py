"""Group statistics of searchlight maps: t tests, sign-flip permutation (max-t FWE), TFCE and cluster inference."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from repalign.core.progress import progress_bar
from repalign.core.validation import check_choice, check_finite, check_int, check_real, check_seed
from repalign.distributed import check_client, gather_in_order
from repalign.inference.permutation import sign_flips
from repalign.searchlight.inputs import (
    _affines_match,
    _is_nifti,
    _load_img,
    _load_mask,
    _numeric_array,
)
from repalign.searchlight.tfce import _flip_tfce

__all__ = [
    "GroupPermutation",
    "GroupTFCE",
    "GroupTTest",
    "PermutationBatch",
    "group_permutation_test",
    "group_tfce",
    "group_ttest",
    "permutation_batches",
]


@dataclass(frozen=True)
class GroupTTest:
    """Result of :func:`group_ttest` (maps are arrays with NaN outside the mask, or NIfTI images).

    Attributes
    ----------
    t : map
        One-sample t at every voxel.
    p : map
        p of the t (parametric, or from sign flips); threshold it with :func:`repalign.inference.fdr`.
    """

    t: object
    p: object


@dataclass(frozen=True)
class GroupPermutation(GroupTTest):
    """Result of :func:`group_permutation_test`: a :class:`GroupTTest` plus family-wise corrected p.

    Its ``p`` is the uncorrected permutation p (threshold it with :func:`repalign.inference.fdr` for BH-FDR).

    Attributes
    ----------
    p_fwe : map
        Family-wise-error-corrected p from the max-statistic null (threshold it directly:
        ``p_fwe < 0.05`` controls the chance of any false positive voxel at 5 %).
    max_null : numpy.ndarray
        ``(n_perm,)`` the largest t (``"less"``: the smallest; ``"two-sided"``: the largest ``|t|``)
        over voxels under each sign flip.
    """

    p_fwe: object
    max_null: np.ndarray


@dataclass(frozen=True)
class PermutationBatch:
    """What one batch of sign flips contributes to :func:`group_permutation_test`.

    Attributes
    ----------
    hits : numpy.ndarray
        ``(n_voxels,)`` int64: flips of the batch whose t at the voxel reaches the observed t.
    max_null : numpy.ndarray
        ``(n_flips,)`` the max statistic over voxels of each flip.
    """

    hits: np.ndarray
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
    m, affine = _load_mask(mask, affine, "maps")
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


def _perm_batch(x: np.ndarray, flips: np.ndarray, t_obs: np.ndarray, alternative: str) -> PermutationBatch:
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
    return PermutationBatch(hits, tp.max(axis=1))


def group_permutation_test(
    maps,
    mask,
    *,
    n_perm: int = 1000,
    alternative: str = "greater",
    seed=0,
    exact="auto",
    batch_size: int = 100,
    client=None,
    progress: bool = True,
) -> GroupPermutation:
    """Sign-flip permutation test across subjects with max-statistic family-wise error correction.

    Under the null hypothesis each subject's map is symmetric around 0, so flipping the sign of
    whole subject maps gives maps as likely as the observed one (Nichols & Holmes 2002). For each of
    ``n_perm`` random flips (the same flip at every voxel, which keeps the spatial correlation of the
    maps) the one-sample t map is computed; a voxel's uncorrected p counts the flips whose t at that
    voxel reaches the observed t, its FWE-corrected p those whose largest t *anywhere* does, so
    ``p_fwe < alpha`` bounds the chance of any false positive in the map by ``alpha``. Here
    ``p = (1 + count) / (1 + n_flips)`` (never 0). With few subjects (``2 ** n_subjects <= n_perm``, the
    default ``exact="auto"``) all ``2 ** n_subjects - 1`` non-identity sign patterns are enumerated
    instead of drawn (:func:`repalign.inference.sign_flips`), and the p-values are exact:
    ``#{patterns reaching the observed statistic} / 2 ** n_subjects``, at least ``1 / 2 ** n_subjects``
    (1/256 for 8 subjects, 1/16 for 4).

    Parameters
    ----------
    maps : array-like, shape (n_subjects, X, Y, Z), or a sequence of 3-D NIfTI images
        One searchlight map per subject, in a common space.
    mask : array-like of bool, shape (X, Y, Z), or 3-D NIfTI image
        Voxels to test; all subjects must be finite there.
    n_perm : int, default 1000
        Random sign flips (drawn from ``seed`` up front, so the result does not depend on batching);
        ignored when the patterns are enumerated (see ``exact``).
    alternative : {"greater", "two-sided", "less"}
    seed : int or numpy.random.Generator
        Seed of the flips (:func:`repalign.inference.sign_flips`: the same flips as
        :func:`repalign.inference.random_effects` draws for the same seed and sizes); unused when the
        patterns are enumerated.
    exact : bool or "auto", default "auto"
        Enumerate all sign patterns: ``"auto"`` when ``2 ** n_subjects <= n_perm``, ``True`` always
        (up to 20 subjects), ``False`` never (random draws, the behaviour before exact enumeration).
    batch_size : int, default 100
        Flips per batch (per task on a cluster).
    client : distributed.Client, optional
        Run the batches as tasks on a Dask cluster; bit-for-bit the local result.
    progress : bool
        Progress bar over batches.

    Returns
    -------
    GroupPermutation
        ``t``, ``p``, ``p_fwe`` and ``max_null`` (one value per flip: ``2 ** n_subjects - 1`` when
        enumerated); maps are arrays with NaN outside the mask, or NIfTI
        images when the input held images.
    """
    check_choice(alternative, "alternative", ("greater", "two-sided", "less"))
    n_perm = check_int(n_perm, "n_perm", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    rng = check_seed(seed)
    x, m, affine = _group_stack(maps, mask)
    flips = sign_flips(x.shape[0], n_perm, seed=rng, exact=exact)
    n_perm = flips.shape[0]  # the rows actually used: 2 ** n_subjects - 1 when enumerated
    t_obs = _flip_t(x, np.ones((1, x.shape[0])))[0]
    batches = [flips[s : s + batch_size] for s in range(0, n_perm, batch_size)]
    if client is not None:
        results = permutation_batches(client, x, batches, t_obs, alternative=alternative, progress=progress)
    else:
        results = [
            _perm_batch(x, b, t_obs, alternative)
            for b in progress_bar(batches, enabled=progress, desc="sign flips", unit="batch")
        ]
    hits = np.sum([r.hits for r in results], axis=0)
    max_null = np.concatenate([r.max_null for r in results])
    stat = {"less": -t_obs, "two-sided": np.abs(t_obs)}.get(alternative, t_obs)
    exceed = np.searchsorted(np.sort(max_null), stat - 1e-12, side="left")
    p = (1.0 + hits) / (1.0 + n_perm)
    p_fwe = (1.0 + (n_perm - exceed)) / (1.0 + n_perm)
    t_map, p_map, fwe_map = _to_maps((t_obs, p, p_fwe), m, affine)
    return GroupPermutation(t=t_map, p=p_map, p_fwe=fwe_map, max_null=max_null)


def group_ttest(
    maps, mask, *, alternative: str = "greater", n_perm: int = 0, seed=0, progress: bool = True
) -> GroupTTest:
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
        ``p = (1 + #{t_perm >= t}) / (1 + n_perm)`` (the flips are the same at every voxel; when
        ``2 ** n_subjects <= n_perm`` all sign patterns are enumerated and p is exact); see
        :func:`group_permutation_test` for family-wise corrected p and for running on a cluster.
    seed : int or numpy.random.Generator
        Seed of the sign flips.
    progress : bool
        Progress bar over permutation batches.

    Returns
    -------
    GroupTTest
        ``t`` and ``p``: arrays ``(X, Y, Z)`` with NaN outside the mask, or NIfTI images if the input
        held images. Threshold ``p`` with :func:`repalign.inference.fdr`.
    """
    from scipy.stats import ttest_1samp

    check_choice(alternative, "alternative", ("greater", "two-sided", "less"))
    n_perm = check_int(n_perm, "n_perm", minimum=0)
    if n_perm:
        res = group_permutation_test(maps, mask, n_perm=n_perm, alternative=alternative, seed=seed, progress=progress)
        return GroupTTest(t=res.t, p=res.p)
    check_seed(seed)
    x, m, affine = _group_stack(maps, mask)
    res = ttest_1samp(x, 0.0, axis=0, alternative=alternative)
    t_map, p_map = _to_maps(
        (np.asarray(res.statistic, dtype=np.float64), np.asarray(res.pvalue, dtype=np.float64)), m, affine
    )
    return GroupTTest(t=t_map, p=p_map)


@dataclass(frozen=True)
class GroupTFCE:
    """Result of :func:`group_tfce` (maps are arrays with NaN outside the mask, or NIfTI images).

    Attributes
    ----------
    t : map
        One-sample t at every voxel (sign of the tested direction: for ``"less"`` the t of the negated maps).
    tfce : map
        Threshold-free cluster enhancement of the t map (Smith & Nichols 2009, as nilearn computes it).
    p_tfce : map
        FWE-corrected p of the TFCE score (max-TFCE sign-flip null).
    p_fwe : map
        Voxel-level FWE-corrected p of the t (max-t sign-flip null), from the same flips.
    max_null : numpy.ndarray
        ``(n_perm,)`` the largest TFCE score over voxels under each sign flip.
    p_cluster_size, p_cluster_mass : map or None
        Cluster-level FWE p (cluster size and cluster mass above the cluster-forming threshold, max
        statistic over clusters), or None without ``cluster_threshold``.
    """

    t: object
    tfce: object
    p_tfce: object
    p_fwe: object
    max_null: np.ndarray
    p_cluster_size: object = None
    p_cluster_mass: object = None


def group_tfce(
    maps,
    mask,
    *,
    n_perm: int = 1000,
    alternative: str = "greater",
    cluster_threshold=None,
    seed=0,
    n_jobs: int = 1,
) -> GroupTFCE:
    """TFCE and cluster-level FWE inference for group searchlight maps: nilearn's ``permuted_ols`` numbers, faster.

    A one-sample (intercept-only) model, tested by sign-flipping whole subject maps, as in
    :func:`group_permutation_test`: the t map, its threshold-free cluster enhancement (TFCE: each
    voxel's support summed over all cluster-forming thresholds, with face connectivity; Smith &
    Nichols 2009) and the max-statistic nulls, so ``p_tfce < 0.05`` controls the family-wise error at
    5 % while rewarding spatially extended effects. The results are those of
    ``nilearn.mass_univariate.permuted_ols(..., tfce=True)`` bit for bit (same flips, same arithmetic),
    computed by ``repalign.searchlight.tfce._flip_tfce`` about 50-100 times faster (TFCE on a tree
    of clusters instead of labelling the whole volume at each of 100 thresholds per flip); maps with a
    non-finite t (a voxel where every subject is 0) are left to nilearn itself. The flips are drawn at
    random, as nilearn draws them (the ``2 ** n_subjects`` patterns are not enumerated), so with few
    subjects the smallest p is about ``1 / 2 ** n_subjects`` whatever ``n_perm``.

    Parameters
    ----------
    maps : array-like, shape (n_subjects, X, Y, Z), or a sequence of 3-D NIfTI images
        One searchlight map per subject, in a common space.
    mask : array-like of bool, shape (X, Y, Z), or 3-D NIfTI image
        Voxels to test; all subjects must be finite there.
    n_perm : int, default 1000
        Random sign flips.
    alternative : {"greater", "two-sided", "less"}
        ``"less"`` tests the negated maps for ``"greater"``.
    cluster_threshold : float, optional
        Cluster-forming threshold as an uncorrected p (e.g. 0.001); adds cluster-size and
        cluster-mass FWE p maps.
    seed : int or numpy.random.Generator
        Seed of the flips (an int drawn from it is nilearn's ``random_state``).
    n_jobs : int, default 1
        nilearn's parallel workers (here threads): as in nilearn, each of ``min(n_jobs, CPUs)``
        workers draws its own flips, so the results depend on it.

    Returns
    -------
    GroupTFCE
        ``t``, ``tfce``, ``p_tfce``, ``p_fwe``, ``max_null`` and, with ``cluster_threshold``, the
        cluster-level p maps; arrays with NaN outside the mask, or NIfTI images when the input held images.
    """
    check_choice(alternative, "alternative", ("greater", "two-sided", "less"))
    n_perm = check_int(n_perm, "n_perm", minimum=1)
    n_jobs = check_int(n_jobs, "n_jobs", minimum=1)
    if cluster_threshold is not None:
        cluster_threshold = check_real(cluster_threshold, "cluster_threshold", minimum=0, maximum=1, exclusive=True)
    rng = check_seed(seed)
    x, m, affine = _group_stack(maps, mask)
    if alternative == "less":
        x = -x
    random_state = int(rng.integers(2**31 - 1))
    two_sided = alternative == "two-sided"
    out = _flip_tfce(
        x, m, n_perm=n_perm, two_sided=two_sided, random_state=random_state, threshold=cluster_threshold, n_jobs=n_jobs
    )
    if out is None:  # a non-finite t, or a cluster-forming t <= 0: nilearn itself
        out = _nilearn_tfce(x, m, affine, n_perm, two_sided, random_state, cluster_threshold, n_jobs)
    values = [out["t"], out["tfce"], out["p_tfce"], out["p_fwe"]]
    if cluster_threshold is not None:
        values += [out["p_size"], out["p_mass"]]
    imgs = _to_maps(values, m, affine)
    return GroupTFCE(*imgs[:4], np.asarray(out["h0_max_tfce"], dtype=np.float64), *imgs[4:])


def _nilearn_tfce(x, m, affine, n_perm, two_sided, random_state, cluster_threshold, n_jobs) -> dict:
    """``_flip_tfce``'s outputs from ``nilearn.mass_univariate.permuted_ols``."""
    import nibabel as nib
    from nilearn.maskers import NiftiMasker
    from nilearn.mass_univariate import permuted_ols

    mask_img = nib.Nifti1Image(m.astype(np.uint8), np.eye(4) if affine is None else affine)
    masker = NiftiMasker(mask_img=mask_img).fit()
    with warnings.catch_warnings():  # nilearn's own int64 label images
        warnings.filterwarnings("ignore", message=".*64-bit ints")
        out = permuted_ols(
            np.ones((x.shape[0], 1)),
            x,
            model_intercept=False,
            n_perm=n_perm,
            two_sided_test=two_sided,
            random_state=random_state,
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
        "h0_max_tfce": out["h0_max_tfce"][0],
    }
    if cluster_threshold is not None:
        res["p_size"] = 10.0 ** -out["logp_max_size"][0]
        res["p_mass"] = 10.0 ** -out["logp_max_mass"][0]
    return res


def _perm_task(x, flips, t_obs, alternative):
    return _perm_batch(x, flips, t_obs, alternative)


def permutation_batches(
    client, x: np.ndarray, batches: list, t_obs: np.ndarray, *, alternative: str = "greater", progress: bool = True
) -> list:
    """The :class:`PermutationBatch` of each batch of sign flips, computed as tasks on ``client``.

    Used by ``group_permutation_test(..., client=)``; ``x`` (subjects x voxels) is sent to the
    workers once.

    Parameters
    ----------
    client : distributed.Client
    x : numpy.ndarray
        ``(n_subjects, n_voxels)`` the subjects' values inside the mask.
    batches : list of numpy.ndarray
        Sign flips ``(n_flips, n_subjects)`` of each task.
    t_obs : numpy.ndarray
        ``(n_voxels,)`` the observed one-sample t.
    alternative : {"greater", "two-sided", "less"}
    progress : bool
        Progress bar over finished tasks.

    Returns
    -------
    list of PermutationBatch
        One per batch, in the order of ``batches``.
    """
    check_choice(alternative, "alternative", ("greater", "two-sided", "less"))
    check_client(client)
    remote_x = client.scatter(x, broadcast=True, hash=False)
    remote_t = client.scatter(t_obs, broadcast=True, hash=False)
    futures = [client.submit(_perm_task, remote_x, b, remote_t, alternative, pure=False) for b in batches]
    return gather_in_order(client, futures, progress=progress, desc="sign-flip batches")
