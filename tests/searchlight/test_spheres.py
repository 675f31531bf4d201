"""Tests of ``repalign.searchlight.spheres``."""

from __future__ import annotations

import numpy as np

import synthetic
from repalign.searchlight import (
    searchlight_neighbors,
    sphere_offsets,
)


def test_sphere_is_rsatoolbox_sphere():
    from rsatoolbox.util.searchlight import get_volume_searchlight

    _, mask, _ = synthetic.volume()
    assert len(sphere_offsets(6)) == 895 and len(sphere_offsets(1)) == 1
    centres, neighbours = get_volume_searchlight(mask, radius=3, threshold=0, truncate_at_boundary=True)
    ours = searchlight_neighbors(mask, radius=3)
    assert np.array_equal(centres, np.flatnonzero(mask.ravel()))
    assert all(np.array_equal(np.sort(a), np.sort(b)) for a, b in zip(neighbours, ours))
