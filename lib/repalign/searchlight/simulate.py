"""Simulated fMRI volumes with model geometries planted in regions."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from repalign.core.threads import single_threaded
from repalign.core.validation import check_int

__all__ = ["DEFAULT_REGIONS", "SimulatedSubject", "simulate_fmri"]


#: Default planted regions (MNI mm): bilateral spheres. ``model`` is the index of the RDM in
#: ``simulate_fmri(rdms)`` whose geometry the region carries.
DEFAULT_REGIONS = {
    "early_visual": {"model": 0, "centres_mm": [(-12.0, -88.0, 2.0), (12.0, -88.0, 2.0)], "radius_mm": 12.0},
    "high_level_ventral": {"model": 1, "centres_mm": [(-44.0, -62.0, -10.0), (44.0, -62.0, -10.0)], "radius_mm": 12.0},
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
    """Classical MDS coordinates (n, k) whose Euclidean distances reproduce the RDM (positive part).

    The same double-centring and ``eigh`` as :func:`repalign.rdm.layout.classical_mds`, kept apart on
    purpose: the number of dimensions is not chosen but found (every eigenvalue above
    ``1e-10 * max``, so the planted patterns carry the whole geometry), the columns stay in ``eigh``'s
    ascending order and are scaled to unit RMS norm per condition. It equals
    ``classical_mds(d, n_components=k)[:, ::-1]`` rescaled, but only once ``k`` is known from the
    eigenvalues, and the column order matters: each column gets its own row of random voxel weights,
    so ``classical_mds``'s largest-first order would change every simulated volume (and chapter 4).
    """
    d = np.asarray(rdm, dtype=np.float64)
    n = d.shape[0]
    j = np.eye(n) - 1.0 / n
    b = -0.5 * j @ (d**2) @ j
    w, v = np.linalg.eigh(b)
    keep = w > 1e-10 * w.max()
    y = v[:, keep] * np.sqrt(w[keep])
    return y / np.sqrt(np.mean(np.sum(y**2, 1)))


@single_threaded  # planted patterns from eigenvectors: the same bits on every machine
def simulate_fmri(
    rdms,
    *,
    regions=None,
    subject: int = 0,
    seed=0,
    signal: float = 1.0,
    noise: float = 1.0,
    fwhm_mm: float = 4.0,
    jitter_mm: float = 2.0,
    resolution: int = 2,
) -> SimulatedSubject:
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
    seed : int or numpy.random.Generator
        Seed of the whole simulated cohort (a Generator is drawn from once for an int seed).
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
    import nibabel as nib
    from nilearn.datasets import load_mni152_brain_mask
    from scipy.ndimage import gaussian_filter

    if isinstance(rdms, np.ndarray) and rdms.ndim == 2 and rdms.shape[0] != rdms.shape[1]:
        rdms = list(rdms)
    if isinstance(rdms, np.ndarray) and rdms.ndim == 2:
        rdms = [rdms]
    if not isinstance(rdms, (list, tuple, np.ndarray)) or len(rdms) == 0:
        raise TypeError("rdms must be a non-empty sequence of RDMs")
    from repalign.rdm.compute import to_square

    sq = [to_square(r, name=f"rdms[{i}]") for i, r in enumerate(rdms)]
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
    return SimulatedSubject(
        nib.Nifti1Image(data, affine), nib.Nifti1Image(mask.astype(np.uint8), affine), planted, shift
    )
