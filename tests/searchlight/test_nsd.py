"""Tests of ``repalign.searchlight.nsd``."""

from __future__ import annotations

import numpy as np
import pytest

from repalign.searchlight import (
    load_nsd_betas,
)

nib = pytest.importorskip("nibabel")


def test_nsd_loader_on_fixture_layout(tmp_path):
    from scipy.io import savemat

    rng = np.random.default_rng(0)
    n_per_session, shape = 6, (3, 4, 2)
    # 12 trials over 2 sessions; subject 1 sees its images 1..5 (1-based); nsd ids are 100 + slot
    master = np.array([[1, 2, 3, 1, 4, 5, 2, 3, 1, 5, 4, 2]])
    subjectim = np.tile(np.arange(101, 106), (8, 1))  # 1-based nsd ids 101..105 -> 0-based 100..104
    d = tmp_path / "nsddata" / "experiments" / "nsd"
    d.mkdir(parents=True)
    savemat(d / "nsd_expdesign.mat", {"masterordering": master, "subjectim": subjectim})
    folder = tmp_path / "nsddata_betas" / "ppdata" / "subj01" / "func1pt8mm" / "betas_fithrf_GLMdenoise_RR"
    folder.mkdir(parents=True)
    vols = rng.integers(-900, 900, size=shape + (12,)).astype(np.int16)
    for s in (1, 2):
        nib.save(
            nib.Nifti1Image(vols[..., (s - 1) * n_per_session : s * n_per_session], np.eye(4)),
            folder / f"betas_session{s:02d}.nii.gz",
        )
    img = load_nsd_betas(tmp_path, subject=1, nsd_ids=[100, 104], progress=False)
    assert img.shape == shape + (2,)
    trials_0 = np.flatnonzero(master.ravel() == 1)  # slot 1 -> nsd id 100
    np.testing.assert_allclose(img.get_fdata()[..., 0], vols[..., trials_0].mean(-1) / 300, rtol=1e-6)
    with pytest.raises(ValueError, match="was not shown"):
        load_nsd_betas(tmp_path, nsd_ids=[7], progress=False)
    with pytest.raises(FileNotFoundError, match="design file"):
        load_nsd_betas(tmp_path / "nope", nsd_ids=[100], progress=False)
