"""Regions and maps: peaks, unions, overlaps, dilation, boxes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from repalign.searchlight.inputs import _is_nifti, _load_img, _volume
from repalign.searchlight.spheres import sphere_offsets

__all__ = ["Peak", "box_mask", "dice", "dilate", "fill_nan", "inside_fraction", "peak_voxel", "region_union"]


@dataclass(frozen=True)
class Peak:
    """The peak of a map, from :func:`peak_voxel`.

    Attributes
    ----------
    index : tuple of int
        Voxel index ``(i, j, k)`` (index a boolean region with it: ``region[peak.index]``).
    value : float
        The map's value there.
    """

    index: tuple
    value: float


def peak_voxel(stat_map) -> Peak:
    """Voxel index and value of the largest finite value of a 3-D map.

    Parameters
    ----------
    stat_map : array-like, shape (X, Y, Z), or 3-D NIfTI image
        The map; NaN (outside the mask) is ignored.

    Returns
    -------
    Peak
        ``index`` (the first voxel in C order among equal maxima) and ``value``.
    """
    vol = _volume(stat_map, "stat_map").astype(np.float64)
    if not np.any(np.isfinite(vol)):
        raise ValueError("stat_map holds no finite value")
    flat = np.where(np.isfinite(vol), vol, -np.inf)
    ijk = np.unravel_index(int(np.argmax(flat)), vol.shape)
    return Peak(index=tuple(int(i) for i in ijk), value=float(vol[ijk]))


def region_union(regions) -> np.ndarray:
    """Boolean union of region masks.

    Parameters
    ----------
    regions : sequence of array-like or NIfTI images
        3-D masks of the same shape.

    Returns
    -------
    numpy.ndarray
        ``(X, Y, Z)`` bool, True where any region is.
    """
    vols = [_volume(r, f"regions[{i}]").astype(bool) for i, r in enumerate(regions)]
    if not vols:
        raise ValueError("regions is empty")
    if len({v.shape for v in vols}) != 1:
        raise ValueError("regions have different shapes")
    return np.logical_or.reduce(vols)


def inside_fraction(selected, region) -> float:
    """Fraction of the selected voxels (a boolean map) that fall inside ``region``.

    Parameters
    ----------
    selected, region : array-like, shape (X, Y, Z), or 3-D NIfTI images
        Boolean maps of the same shape (e.g. significant voxels and a dilated planted region).

    Returns
    -------
    float
        ``|selected & region| / |selected|``; NaN if nothing is selected.
    """
    sel = _volume(selected, "selected").astype(bool)
    reg = _volume(region, "region").astype(bool)
    if sel.shape != reg.shape:
        raise ValueError(f"selected and region differ in shape ({sel.shape} vs {reg.shape})")
    n = int(sel.sum())
    return float("nan") if n == 0 else float((sel & reg).sum() / n)


def dice(a, b) -> float:
    """Dice overlap ``2|A∩B| / (|A| + |B|)`` of two boolean maps.

    Parameters
    ----------
    a, b : array-like, shape (X, Y, Z), or 3-D NIfTI images
        Boolean maps of the same shape.

    Returns
    -------
    float
        The overlap in [0, 1]; NaN if both maps are empty.
    """
    x, y = _volume(a, "a").astype(bool), _volume(b, "b").astype(bool)
    if x.shape != y.shape:
        raise ValueError(f"a and b differ in shape ({x.shape} vs {y.shape})")
    total = int(x.sum() + y.sum())
    return float("nan") if total == 0 else float(2 * (x & y).sum() / total)


def dilate(region, *, radius: float):
    """Grow a boolean region by a sphere of ``radius`` voxels (the voxels whose searchlight touches it).

    A searchlight centred within ``radius`` of a planted region includes some of its voxels, so a
    correct map may light up there too; recovery is judged against the dilated region.

    Parameters
    ----------
    region : array-like, shape (X, Y, Z), or 3-D NIfTI image
        Boolean region.
    radius : float
        Searchlight radius in voxels (the sphere of :func:`sphere_offsets`).

    Returns
    -------
    numpy.ndarray or nibabel.Nifti1Image
        The dilated region: a bool array, or a uint8 image with the region's affine for an image.
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


def box_mask(mask, *, x=None, y=None, z=None):
    """Restrict a NIfTI mask to a box given in world (MNI mm) coordinates, e.g. ``y=(None, -30)``.

    Parameters
    ----------
    mask : nibabel image or path
        3-D mask.
    x, y, z : tuple, optional
        ``None`` (no limit) or a ``(low, high)`` pair in mm, inclusive; either end may be ``None``.

    Returns
    -------
    nibabel.Nifti1Image
        The restricted mask (uint8) with the mask's affine.
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


def fill_nan(img, *, value: float = 0.0):
    """A copy of a NIfTI map with NaN (outside the mask) replaced by ``value``, for display.

    Parameters
    ----------
    img : nibabel image or path
        The map.
    value : float
        What NaN becomes.

    Returns
    -------
    nibabel.Nifti1Image
        float32, with the map's affine.
    """
    import nibabel as nib

    img = _load_img(img, "img")
    data = np.asarray(img.dataobj, dtype=np.float32)
    return nib.Nifti1Image(np.where(np.isfinite(data), data, np.float32(value)), img.affine)
