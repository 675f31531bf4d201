"""Loading NSD single-trial betas for the book's scenes (online users)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from repalign.core.progress import progress_bar
from repalign.core.validation import check_choice, check_int

__all__ = ["load_nsd_betas"]


def load_nsd_betas(
    root,
    *,
    subject: int = 1,
    nsd_ids=None,
    space: str = "func1pt8mm",
    betas: str = "betas_fithrf_GLMdenoise_RR",
    sessions=None,
    progress: bool = True,
):
    """Load NSD single-trial betas for chosen images, averaged over each image's repetitions.

    Reads NSD's published layout (Allen et al. 2022) from a local copy of (part of) the bucket::

        {root}/nsddata/experiments/nsd/nsd_expdesign.mat
        {root}/nsddata_betas/ppdata/subj01/{space}/{betas}/betas_session01.nii.gz  (one per session)

    Trial ``t`` (1-based, counted across sessions) showed subject image ``masterordering[t]``,
    i.e. NSD stimulus ``subjectim[subject, masterordering[t]]`` (both 1-based in the file). Betas
    are stored as int16 times 300 and are returned in percent signal change. Online users can
    fetch the files with ``aws s3 cp --no-sign-request s3://natural-scenes-dataset/...``.

    Parameters
    ----------
    root : str or pathlib.Path
        Folder holding ``nsddata/`` and ``nsddata_betas/``.
    subject : int
        1 to 8.
    nsd_ids : sequence of int, optional
        0-based NSD stimulus ids (``nsd_id`` in ``data/``), in the order wanted. Default: the
        special100 scenes of the book, in ``load_stimuli("nsd_special100")`` order.
    space : str
        ``"func1pt8mm"``, ``"func1mm"`` or ``"MNI"`` (1 mm MNI; resample as needed).
    betas : str
        Beta version folder.
    sessions : sequence of int, optional
        Sessions to read (1-based); default every ``betas_session*.nii.gz`` present.
    progress : bool
        Progress bar over sessions.

    Returns
    -------
    nibabel.Nifti1Image
        ``(X, Y, Z, n_images)`` float32, the mean over each image's trials in the sessions read.
    """
    import re

    import nibabel as nib
    from scipy.io import loadmat

    subject = check_int(subject, "subject", minimum=1, maximum=8)
    check_choice(space, "space", ("func1pt8mm", "func1mm", "MNI"))
    root = Path(root)
    design_path = root / "nsddata" / "experiments" / "nsd" / "nsd_expdesign.mat"
    if not design_path.is_file():
        raise FileNotFoundError(f"root has no NSD design file at {design_path}")
    design = loadmat(str(design_path))
    master = np.asarray(design["masterordering"]).ravel().astype(np.int64) - 1  # 0-based image slot
    subjectim = np.asarray(design["subjectim"]).astype(np.int64) - 1  # 0-based nsd ids
    trial_nsd = subjectim[subject - 1][master]  # nsd id of every trial
    if nsd_ids is None:
        from repalign.stimuli.sets import load_stimuli

        nsd_ids = load_stimuli("nsd_special100").meta["nsd_id"].to_numpy(dtype=np.int64)
    nsd_ids = np.asarray(nsd_ids)
    if nsd_ids.ndim != 1 or nsd_ids.size == 0 or not np.issubdtype(nsd_ids.dtype, np.integer):
        raise ValueError("nsd_ids must be a non-empty 1-D sequence of integer NSD ids")
    folder = root / "nsddata_betas" / "ppdata" / f"subj{subject:02d}" / space / betas
    found = {int(re.search(r"(\d+)", p.name).group(1)): p for p in folder.glob("betas_session*.nii*")}
    if sessions is None:
        sessions = sorted(found)
    if not sessions:
        raise FileNotFoundError(f"no betas_session*.nii.gz under {folder}")
    missing = [s for s in sessions if s not in found]
    if missing:
        raise FileNotFoundError(f"session {missing[0]} not found under {folder}")
    want = {int(n): k for k, n in enumerate(nsd_ids)}
    sums = counts = affine = None
    for s in progress_bar(sessions, enabled=progress, desc="NSD sessions"):
        img = nib.load(str(found[s]))
        n_vol = img.shape[3]
        trials = np.arange((s - 1) * n_vol, s * n_vol)
        trials = trials[trials < trial_nsd.size]
        hit = [(t - (s - 1) * n_vol, want[int(trial_nsd[t])]) for t in trials if int(trial_nsd[t]) in want]
        if sums is None:
            affine = img.affine
            sums = np.zeros(img.shape[:3] + (nsd_ids.size,), dtype=np.float64)
            counts = np.zeros(nsd_ids.size, dtype=np.int64)
        if not hit:
            continue
        for v, k in hit:  # one volume at a time: a whole NSD session is about 1 GB
            sums[..., k] += np.asarray(img.dataobj[..., v], dtype=np.float64) / 300.0
            counts[k] += 1
    if np.any(counts == 0):
        k = int(np.flatnonzero(counts == 0)[0])
        raise ValueError(f"nsd_ids[{k}] = {int(nsd_ids[k])} was not shown to subject {subject} in the sessions read")
    return nib.Nifti1Image((sums / counts).astype(np.float32), affine)
