"""Tests of ``repalign.searchlight.spheres``."""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import pdist

from repalign.searchlight import (
    searchlight_neighbors,
    sphere_offsets,
)


def _volume(n_cond=30, shape=(8, 9, 7), seed=0, offset=3.0):
    rng = np.random.default_rng(seed)
    mask = np.zeros(shape, dtype=bool)
    mask[1:-1, 1:-1, 1:-1] = True
    mask[3, 4, 2] = False  # a hole: spheres are truncated around it
    data = rng.normal(size=(n_cond,) + shape) + offset
    models = np.stack([pdist(rng.normal(size=(n_cond, 4))), pdist(rng.normal(size=(n_cond, 2)))])
    return data, mask, models


def test_sphere_is_rsatoolbox_sphere():
    from rsatoolbox.util.searchlight import get_volume_searchlight

    _, mask, _ = _volume()
    assert len(sphere_offsets(6)) == 895 and len(sphere_offsets(1)) == 1
    centres, neighbours = get_volume_searchlight(mask, radius=3, threshold=0, truncate_at_boundary=True)
    ours = searchlight_neighbors(mask, radius=3)
    assert np.array_equal(centres, np.flatnonzero(mask.ravel()))
    assert all(np.array_equal(np.sort(a), np.sort(b)) for a, b in zip(neighbours, ours))
