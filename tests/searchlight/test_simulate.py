"""Tests of ``repalign.searchlight.simulate``."""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import pdist

from repalign.searchlight import (
    searchlight_rsa,
    simulate_fmri,
)


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
