"""Searchlight spheres: voxel offsets and neighbourhoods inside a mask."""

from __future__ import annotations

import numpy as np

from repalign.searchlight.inputs import _as_mask

__all__ = ["searchlight_neighbors", "sphere_offsets"]


def sphere_offsets(radius: float) -> np.ndarray:
    """Integer voxel offsets ``(dx, dy, dz)`` with ``dx² + dy² + dz² < radius²`` (rsatoolbox's sphere).

    Parameters
    ----------
    radius : float
        Sphere radius in voxels (> 0; strict ``<``: radius 6 gives 895 voxels).

    Returns
    -------
    numpy.ndarray
        ``(n_offsets, 3)`` int64, the centre first, then growing shells.
    """
    if isinstance(radius, bool) or not isinstance(radius, (int, float, np.integer, np.floating)):
        raise TypeError(f"radius must be a number (voxels); got {type(radius).__name__}")
    if not np.isfinite(radius) or radius <= 0:
        raise ValueError(f"radius must be > 0 voxels; got {radius}")
    r = int(np.ceil(radius))
    g = np.arange(-r, r + 1)
    d = np.stack(np.meshgrid(g, g, g, indexing="ij"), -1).reshape(-1, 3)
    d = d[np.sum(d.astype(float) ** 2, 1) < float(radius) ** 2]
    order = np.lexsort((np.abs(d).sum(1),))  # centre first, then growing shells
    return d[order].astype(np.int64)


class _Neighbours:
    """Index volume of the mask's bounding box, padded by the radius, for vectorised sphere look-ups."""

    def __init__(self, mask: np.ndarray, radius: float):
        self.offsets = sphere_offsets(radius)
        self.pad = int(np.ceil(radius))
        self.coords = np.argwhere(mask)  # C order, like np.nonzero (and rsatoolbox's centres)
        self.n = self.coords.shape[0]
        self.origin = self.coords.min(0) if self.n else np.zeros(3, dtype=np.int64)
        box = (self.coords.max(0) + 1 - self.origin) if self.n else np.ones(3, dtype=np.int64)
        self.box = tuple(slice(o, o + b) for o, b in zip(self.origin.tolist(), box.tolist()))  # of the mask
        shape = box + 2 * self.pad
        index = np.full(tuple(shape), self.n, dtype=np.int64)  # n = the padding (zero) row
        self.strides = np.array([shape[1] * shape[2], shape[2], 1], dtype=np.int64)
        self.flat = index.ravel()
        self.flat[self._base(np.arange(self.n))] = np.arange(self.n)
        self.off_flat = self.offsets @ self.strides

    def _base(self, centres: np.ndarray) -> np.ndarray:
        """Flat positions of ``centres`` in the padded index volume."""
        return (self.coords[centres] - self.origin + self.pad) @ self.strides

    def lookup(self, centres: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Pattern rows of ``centres + offsets`` (the padding row ``n`` outside the mask)."""
        return self.flat[self._base(centres)[:, None] + (offsets @ self.strides)[None, :]]

    def counts(self, mask: np.ndarray) -> np.ndarray:
        """Number of mask voxels in each centre's truncated sphere (one FFT convolution over the mask's
        bounding box: outside it there are no mask voxels to count)."""
        from scipy.signal import fftconvolve

        r = self.pad
        ball = np.zeros((2 * r + 1,) * 3)
        ball[tuple((self.offsets + r).T)] = 1.0
        if self.n == 0:
            return np.zeros(0, dtype=np.int64)
        sub = mask[self.box]
        conv = fftconvolve(sub.astype(np.float64), ball, mode="same")
        return np.rint(conv[sub]).astype(np.int64)

    def __call__(self, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sorted neighbour rows (padding row last) trimmed to the longest sphere, and counts."""
        idx = self.flat[self._base(centres)[:, None] + self.off_flat[None, :]]
        counts = np.count_nonzero(idx < self.n, axis=1)
        idx.sort(axis=1)
        return idx[:, : max(int(counts.max()), 1)], counts


def searchlight_neighbors(mask, *, radius: float = 6) -> list[np.ndarray]:
    """Flat (``numpy.ravel_multi_index``) indices of each mask voxel's sphere, truncated at the mask.

    The same spheres as ``rsatoolbox.util.searchlight.get_volume_searchlight(mask, radius,
    threshold=0, truncate_at_boundary=True)``, one per mask voxel in C order. Meant for small
    volumes and for checking; :func:`searchlight_rsa` never builds this list.

    Parameters
    ----------
    mask : array-like of bool, shape (X, Y, Z)
        Centres and sphere members.
    radius : float, default 6
        Sphere radius in voxels.

    Returns
    -------
    list of numpy.ndarray
        One array of flat voxel indices per mask voxel (C order), sorted.
    """
    m = _as_mask(mask)
    nb = _Neighbours(m, radius)
    idx, counts = nb(np.arange(nb.n))
    return [np.ravel_multi_index(tuple(nb.coords[row[:k]].T), m.shape) for row, k in zip(idx, counts)]
