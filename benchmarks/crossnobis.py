"""Benchmark: crossnobis searchlight, repalign vs rsatoolbox, on the same simulated runs in one run.

Run: .venv/bin/python benchmarks/crossnobis.py [--shape 24 24 20] [--n-rsa 150] [--threads 1]

Data (simulated): ``--n-runs`` runs x ``--n-conditions`` conditions of float64 patterns in a box mask
(a shared condition signal plus independent noise) and ``--n-residuals`` residual volumes with noise
correlated across voxels; radius ``--radius`` voxels; one model RDM compared with Spearman.

For each noise model (identity, and a per-sphere precision from the residuals, rsatoolbox's
``prec_from_residuals(method="shrinkage_diag")``):

1. rsatoolbox: per centre, ``Dataset`` of the sphere's voxels, ``calc_rdm(method="crossnobis",
   descriptor="conds", cv_descriptor="runs", noise=prec)`` and ``compare(method="spearman")``, on
   ``--n-rsa`` random centres (its spheres from ``get_volume_searchlight``, not timed);
2. repalign: ``searchlight_rsa(metric="crossnobis", ...)`` on every centre of the mask, with
   ``n_jobs=--threads``;

both under ``threadpool_limits(--threads)`` (the same cores), after one untimed warm-up call of each (lazy imports).
repalign is timed twice on the full mask: its first call pays for faulting in fresh memory (slow on some
virtual machines), the second reuses it. Printed: centres/s of each, the ratios of both calls, and the largest |repalign - rsatoolbox| over the rsatoolbox centres. Not a test: timings depend on the
machine and its load (the load average is printed).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def main() -> None:
    os.environ.setdefault("TQDM_DISABLE", "1")
    import warnings

    warnings.filterwarnings("ignore", "invalid value encountered in cast", RuntimeWarning)  # rsatoolbox's own
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", type=int, nargs=3, default=[24, 24, 20])
    ap.add_argument("--n-runs", type=int, default=6)
    ap.add_argument("--n-conditions", type=int, default=16)
    ap.add_argument("--n-residuals", type=int, default=120)
    ap.add_argument("--radius", type=float, default=3)
    ap.add_argument("--n-rsa", type=int, default=150, help="centres given to rsatoolbox")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()

    from rsatoolbox.data import Dataset
    from rsatoolbox.data.noise import prec_from_residuals
    from rsatoolbox.rdm import RDMs, calc_rdm, compare
    from rsatoolbox.util.searchlight import get_volume_searchlight
    from scipy.spatial.distance import pdist
    from threadpoolctl import threadpool_limits

    from repalign.searchlight import searchlight_rsa

    shape, n_runs, n_cond = tuple(args.shape), args.n_runs, args.n_conditions
    rng = np.random.default_rng(0)
    mask = np.ones(shape, dtype=bool)
    runs, conds = np.repeat(np.arange(n_runs), n_cond), np.tile(np.arange(n_cond), n_runs)
    embedding = rng.normal(size=(n_cond, 4))
    signal = np.einsum("ck,kxyz->cxyz", embedding, rng.normal(size=(4,) + shape))
    data = 0.3 * signal[conds] + rng.normal(size=(n_runs * n_cond,) + shape)
    residuals = rng.normal(size=(args.n_residuals,) + shape) + 0.5 * rng.normal(size=(args.n_residuals, 1) + shape[1:])
    model = pdist(embedding, "sqeuclidean")
    centres, neighbours = get_volume_searchlight(mask, radius=args.radius, threshold=0, truncate_at_boundary=True)
    pick = np.sort(rng.choice(centres.size, size=min(args.n_rsa, centres.size), replace=False))
    flat, rflat = data.reshape(data.shape[0], -1), residuals.reshape(residuals.shape[0], -1)
    print(
        f"simulated: mask {shape} ({mask.sum()} centres), {n_runs} runs x {n_cond} conditions, "
        f"{args.n_residuals} residual volumes, radius {args.radius} (up to {max(len(n) for n in neighbours)} voxels); "
        f"{args.threads} thread(s); load average {os.getloadavg()[0]:.1f}"
    )
    # warm-up, not timed: both libraries' lazy imports and first calls (torch, scipy.signal, ...)
    small = np.zeros(shape, dtype=bool)
    small[:4, :4, :4] = True
    for res in (None, residuals):
        searchlight_rsa(
            data, small, model, radius=args.radius, metric="crossnobis", runs=runs, conditions=conds,
            residuals=res, dtype="float64", progress=False,
        )  # fmt: skip
        nb = neighbours[0]
        prec = None if res is None else prec_from_residuals(rflat[:, nb], method="shrinkage_diag")
        ds = Dataset(flat[:, nb], obs_descriptors={"conds": conds, "runs": runs})
        compare(
            calc_rdm(ds, method="crossnobis", descriptor="conds", cv_descriptor="runs", noise=prec), RDMs(model[None])
        )
    for name, res in (("identity noise", None), ("per-sphere noise precision", residuals)):
        with threadpool_limits(args.threads):
            t0 = time.perf_counter()
            ref = np.empty(pick.size)
            for k, i in enumerate(pick):
                nb = neighbours[i]
                ds = Dataset(flat[:, nb], obs_descriptors={"conds": conds, "runs": runs})
                prec = None if res is None else prec_from_residuals(rflat[:, nb], method="shrinkage_diag")
                rdm = calc_rdm(ds, method="crossnobis", descriptor="conds", cv_descriptor="runs", noise=prec)
                ref[k] = compare(rdm, RDMs(model[None]), method="spearman")[0, 0]
            t_rsa = time.perf_counter() - t0
            times = []
            for _ in range(2):  # the first call on the full mask, then a second one (memory already faulted in)
                t0 = time.perf_counter()
                ours = searchlight_rsa(
                    data, mask, model, radius=args.radius, metric="crossnobis", runs=runs, conditions=conds,
                    residuals=res, dtype="float64", n_jobs=args.threads, progress=False,
                )  # fmt: skip
                times.append(time.perf_counter() - t0)
        rate_rsa = pick.size / t_rsa
        diff = np.max(np.abs(ours.ravel()[centres[pick]] - ref))
        first, second = (mask.sum() / t for t in times)
        print(
            f"{name}: rsatoolbox {rate_rsa:.1f} centres/s; repalign {mask.sum()} centres in {times[0]:.2f} s "
            f"(first call; {first:.0f} centres/s, ratio {first / rate_rsa:.1f}x) and {times[1]:.2f} s (second call; "
            f"{second:.0f} centres/s, ratio {second / rate_rsa:.1f}x); max |difference| {diff:.2e} over {pick.size} centres"
        )


if __name__ == "__main__":
    main()
