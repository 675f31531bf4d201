"""Searchlight inputs: arrays or NIfTI images, masks and model RDMs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from repalign.core.validation import check_finite
from repalign.rdm.compute import to_condensed


def _is_nifti(x) -> bool:
    try:
        import nibabel as nib
    except ImportError:  # pragma: no cover - nibabel ships with nilearn
        return False
    return isinstance(x, (nib.spatialimages.SpatialImage, str, Path)) and not isinstance(x, np.ndarray)


def _load_img(x, name: str):
    import nibabel as nib

    if isinstance(x, (str, Path)):
        try:
            return nib.load(str(x))
        except Exception as exc:
            raise ValueError(f"{name} could not be read as a NIfTI image ({exc})") from None
    return x


def _numeric_array(x, name: str) -> np.ndarray:
    try:
        arr = np.asarray(x)
    except Exception as exc:
        raise TypeError(f"{name} must be an array-like of numbers ({exc})") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must hold numbers; got dtype {arr.dtype}")
    return arr


def _as_mask(mask, name: str = "mask") -> np.ndarray:
    arr = _numeric_array(mask, name)
    if arr.ndim != 3:
        raise ValueError(f"{name} must be 3-D (X, Y, Z); got shape {arr.shape}")
    if arr.dtype != bool:
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinite values")
        if not np.all((arr == 0) | (arr == 1)):
            bad = arr[(arr != 0) & (arr != 1)]
            raise ValueError(
                f"{name} must be boolean or 0/1; got {bad.size} voxel(s) with other values (e.g. {bad.flat[0]:g}); "
                "threshold a probability map first"
            )
        arr = arr != 0
    if not arr.any():
        raise ValueError(f"{name} is empty (no voxel is True)")
    return arr


def _affines_match(a, b) -> bool:
    return np.allclose(np.asarray(a), np.asarray(b), atol=1e-4)


def _volume(x, name: str) -> np.ndarray:
    """A 3-D array from an array-like or a NIfTI image (path or object)."""
    if _is_nifti(x):
        return np.asarray(_load_img(x, name).dataobj)
    arr = np.asarray(x)
    if arr.ndim != 3:
        raise ValueError(f"{name} must be a 3-D array or NIfTI image; got shape {arr.shape}")
    return arr


def _load_mask(mask, affine=None, other: str = "data", hint: str = ""):
    """(boolean mask, affine) from a mask array or NIfTI image; a NIfTI mask must match ``affine`` if given.

    The returned affine is ``affine`` when given, else the mask image's (``None`` for an array mask).
    """
    if not _is_nifti(mask):
        return _as_mask(mask), affine
    mimg = _load_img(mask, "mask")
    if affine is not None and not _affines_match(mimg.affine, affine):
        raise ValueError(f"mask and {other} have different affines{hint}")
    return _as_mask(np.asanyarray(mimg.dataobj)), (mimg.affine if affine is None else affine)


def _inputs(data, mask):
    """Return (data as (n_cond, X, Y, Z) view or (X, Y, Z, n_cond) view, cond_axis, mask, affine, header)."""
    data_nii = _is_nifti(data)
    affine = header = None
    if data_nii:
        img = _load_img(data, "data")
        if len(img.shape) != 4:
            raise ValueError(f"data must be a 4-D NIfTI image (X, Y, Z, conditions); got shape {img.shape}")
        affine, header = img.affine, img.header
        arr = np.asanyarray(img.dataobj)
        cond_axis = 3
    else:
        arr = _numeric_array(data, "data")
        if arr.ndim != 4:
            raise ValueError(f"data must be 4-D (n_conditions, X, Y, Z); got shape {arr.shape}")
        cond_axis = 0
    m, affine = _load_mask(
        mask, affine, "data", "; resample the mask onto the data (nilearn.image.resample_to_img) first"
    )
    spatial = arr.shape[1:] if cond_axis == 0 else arr.shape[:3]
    if tuple(spatial) != m.shape:
        raise ValueError(f"mask shape {m.shape} does not match the spatial shape of data {tuple(spatial)}")
    return arr, cond_axis, m, affine, header, data_nii


def _masked_patterns(arr: np.ndarray, cond_axis: int, mask: np.ndarray, dtype, *, extra: int = 0) -> np.ndarray:
    """(n_mask_voxels + 1, n_conditions + extra) array; the last row (the padding row) and the extra columns zeros."""
    n_cond = arr.shape[cond_axis]
    flat = np.flatnonzero(mask)
    out = np.empty((flat.size + 1, n_cond + extra), dtype=dtype)
    out[-1] = 0.0
    out[:, n_cond:] = 0.0
    if cond_axis == 0:
        # a few conditions at a time (never a copy of the whole 4-D array), written as one transposed block
        for c0 in range(0, n_cond, 16):
            block = np.stack([np.take(arr[c].reshape(-1), flat) for c in range(c0, min(c0 + 16, n_cond))])
            out[:-1, c0 : c0 + block.shape[0]] = block.T
    else:
        out[:-1, :n_cond] = arr[np.nonzero(mask)]
    check_finite(out, "data (inside the mask)")
    return out


def _model_matrix(model_rdms, n_cond: int) -> tuple[np.ndarray, bool]:
    """Stack of condensed model RDMs (n_models, n_pairs) and whether a single model was given."""
    if isinstance(model_rdms, (list, tuple)):
        if not model_rdms:
            raise ValueError("model_rdms is empty")
        vecs = [to_condensed(m, name=f"model_rdms[{i}]") for i, m in enumerate(model_rdms)]
        single = False
    else:
        arr = _numeric_array(model_rdms, "model_rdms")
        n_pairs = n_cond * (n_cond - 1) // 2
        if arr.ndim == 1 or (arr.ndim == 2 and arr.shape[0] == arr.shape[1] and arr.shape[1] != n_pairs):
            vecs, single = [to_condensed(arr, name="model_rdms")], True
        elif arr.ndim in (2, 3):
            vecs = [to_condensed(mm, name=f"model_rdms[{i}]") for i, mm in enumerate(arr)]
            single = False
        else:
            raise ValueError(f"model_rdms must be an RDM or a stack of RDMs; got shape {arr.shape}")
    n_pairs = n_cond * (n_cond - 1) // 2
    for i, v in enumerate(vecs):
        if v.size != n_pairs:
            n_model = int(round((1 + np.sqrt(1 + 8 * v.size)) / 2))
            what = "model_rdms" if single else f"model_rdms[{i}]"
            raise ValueError(f"{what} describes {n_model} conditions but data has {n_cond}")
        if np.ptp(v) == 0:
            what = "model_rdms" if single else f"model_rdms[{i}]"
            raise ValueError(f"{what} is constant; its correlation with anything is undefined")
    return np.stack(vecs), single
