"""Tests of ``repalign.searchlight.regions``."""

from __future__ import annotations

import numpy as np
import pytest

from repalign import searchlight as sl

nib = pytest.importorskip("nibabel")


def test_peak_dilate_inside_fraction_dice():
    import nibabel as nib

    vol = np.full((9, 9, 9), np.nan)
    vol[2:7, 2:7, 2:7] = 0.0
    vol[4, 5, 3] = 2.5
    assert sl.peak_voxel(vol) == sl.Peak(index=(4, 5, 3), value=2.5)
    with pytest.raises(ValueError, match="finite"):
        sl.peak_voxel(np.full((3, 3, 3), np.nan))
    region = np.zeros((9, 9, 9), dtype=bool)
    region[4, 4, 4] = True
    grown = sl.dilate(region, radius=2)
    assert grown.sum() == len(sl.sphere_offsets(2))  # one voxel grows into the searchlight sphere
    img = sl.dilate(nib.Nifti1Image(region.astype(np.uint8), np.eye(4)), radius=2)
    assert np.asarray(img.dataobj).sum() == grown.sum()
    selected = np.zeros_like(region)
    selected[4, 4, 4] = selected[0, 0, 0] = True
    assert sl.inside_fraction(selected, grown) == pytest.approx(0.5)
    assert np.isnan(sl.inside_fraction(np.zeros_like(region), grown))
    assert sl.dice(grown, grown) == 1.0 and sl.dice(region, grown) == pytest.approx(2 / (1 + grown.sum()))
    assert sl.region_union([region, selected]).sum() == 2


def test_box_mask_in_world_coordinates():
    import nibabel as nib

    affine = np.diag([2.0, 2.0, 2.0, 1.0])
    affine[:3, 3] = [-10, -10, -10]
    mask = nib.Nifti1Image(np.ones((11, 11, 11), dtype=np.uint8), affine)
    box = np.asarray(sl.box_mask(mask, y=(None, -4)).dataobj).astype(bool)
    assert box[:, :4, :].all() and not box[:, 4:, :].any()  # y = -10 + 2j <= -4  <=>  j <= 3
    with pytest.raises(ValueError, match="no voxel"):
        sl.box_mask(mask, x=(100, None))
