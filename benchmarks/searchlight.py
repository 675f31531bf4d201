"""Benchmark: searchlight RSA, repalign vs rsatoolbox, on the same data in one run.

Run: .venv/bin/python benchmarks/searchlight.py [--n-rsa 200] [--rounds 3] [--method spearman|pearson] [--no-whole-brain]
[--device cuda]

Data: 100 conditions of random patterns (float32) over nilearn's MNI152 2 mm brain mask (235,375
voxels), radius 6 voxels, correlation-distance RDMs, Spearman (or ``--method pearson``: rsatoolbox's ``"corr"``)
with one model RDM.

1. Speed ratio, measured on a shared machine: ``--rounds`` rounds, each timing rsatoolbox
   (``get_searchlight_RDMs`` + ``evaluate_models_searchlight`` with ``eval_fixed``; its
   sphere-finding time and its one-off copy of the input are not counted) on ``--n-rsa`` random centres and then repalign on a 6-voxel
   slab of the brain (about 22k centres), one right after the other, so both see the same load.
   The ratio of the summed rates is printed with the per-round ratios.
0. First, an untimed warm-up call on a small box (its time, mostly the one-off import of torch, is
   printed); then the whole brain with repalign: time, centres/s, peak resident memory of the process.
   rsatoolbox is warmed up as well (20 centres, untimed) before the rounds: its first call ran at
   55-80 % of its later speed here.
3. The largest |repalign - rsatoolbox| over the rsatoolbox centres (whole-brain map).

``--device cuda`` (a GPU): repalign runs there (torch), and the whole-brain map is also computed on the CPU
and compared: the largest |GPU - CPU| difference is printed (the issue's check of the CUDA path).

The load average (``os.getloadavg``) is printed along the way: the machine may be shared. The
whole-brain CPU time (user + system) divided by the number of cores is what the wall time would be
on cores nobody else uses (minus their stalls on shared caches and memory).
Not a test: timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # kB on Linux


def cpu_seconds() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def load() -> str:
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def main() -> None:
    os.environ.setdefault("TQDM_DISABLE", "1")  # rsatoolbox's own bars
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-rsa", type=int, default=200, help="centres given to rsatoolbox per round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--n-conditions", type=int, default=100)
    ap.add_argument("--radius", type=float, default=6)
    ap.add_argument("--method", default="spearman", choices=("spearman", "pearson"))
    ap.add_argument("--no-whole-brain", action="store_true")
    ap.add_argument("--device", default=None, help="torch device for repalign, e.g. cuda (default: the CPU)")
    args = ap.parse_args()

    from nilearn.datasets import load_mni152_brain_mask
    from rsatoolbox.inference import eval_fixed
    from rsatoolbox.model import ModelFixed
    from rsatoolbox.rdm import RDMs
    from rsatoolbox.util.searchlight import (
        _get_searchlight_neighbors,
        evaluate_models_searchlight,
        get_searchlight_RDMs,
    )
    from scipy.spatial.distance import pdist

    from repalign.searchlight import searchlight_rsa

    mask = np.asarray(load_mni152_brain_mask(resolution=2).dataobj) > 0
    n_cond = args.n_conditions
    rng = np.random.default_rng(0)
    data = rng.standard_normal((n_cond,) + mask.shape, dtype=np.float32)
    model = pdist(rng.normal(size=(n_cond, 8)))
    print(
        f"mask {mask.shape}, {mask.sum()} centres, {n_cond} conditions, radius {args.radius}; "
        f"{os.cpu_count()} CPUs; {load()}"
    )
    ours = None
    # a fresh process pays for importing torch once (about 3 s here): done first, untimed, and printed
    t0 = time.perf_counter()
    dev = {} if args.device is None else {"device": args.device}
    searchlight_rsa(data[:, 40:44, 50:54, 40:44], mask[40:44, 50:54, 40:44], model, radius=2, progress=False, **dev)
    print(f"warm-up (imports torch on first use; not in the times below): {time.perf_counter() - t0:.1f} s")
    if not args.no_whole_brain:  # first, so that the peak memory is repalign's (rsatoolbox needs float64 copies)
        rss0 = peak_rss_gb()
        print(f"whole brain ... ({load()})", flush=True)
        cpu0, t0 = cpu_seconds(), time.perf_counter()
        ours = searchlight_rsa(data, mask, model, radius=args.radius, method=args.method, progress=False, **dev)
        t_whole, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
        print(
            f"WHOLE BRAIN: {t_whole:.1f} s ({t_whole / 60:.2f} min), {mask.sum() / t_whole:.0f} centres/s, "
            f"peak RSS {peak_rss_gb():.2f} GB (inputs loaded: {rss0:.2f} GB); {load()}",
            flush=True,
        )
        print(
            f"  CPU time {cpu:.0f} s (user + system): at least {cpu / os.cpu_count():.0f} s "
            f"({cpu / os.cpu_count() / 60:.2f} min) of wall time on {os.cpu_count()} cores nobody else uses",
            flush=True,
        )
    coords = np.argwhere(mask)
    data_2d = data.reshape(n_cond, -1).astype(np.float64)
    slab = np.zeros_like(mask)
    slab[:, 50:56, :] = mask[:, 50:56, :]

    def rsatoolbox_on(pick):
        centres = np.ravel_multi_index(tuple(coords[pick].T), mask.shape)
        neighbours = [
            np.ravel_multi_index(_get_searchlight_neighbors(mask, tuple(c), args.radius, True), mask.shape)
            for c in coords[pick]
        ]
        # only the voxels these spheres use: get_searchlight_RDMs copies its whole input once per call,
        # a fixed cost that a whole-brain run amortises, so it is kept out of the per-centre rate
        cols = np.unique(np.concatenate(neighbours))
        neighbours = [np.searchsorted(cols, nb) for nb in neighbours]
        sub = data_2d[:, cols]
        t0 = time.perf_counter()
        sl = get_searchlight_RDMs(sub, centres, neighbours, np.arange(n_cond), method="correlation", verbose=False)
        res = evaluate_models_searchlight(sl, ModelFixed("m", RDMs(model[None])), eval_fixed, method=rsa_method)
        return time.perf_counter() - t0, np.array([np.ravel(e.evaluations)[0] for e in res])

    rsa_method = {"spearman": "spearman", "pearson": "corr"}[args.method]
    # rsatoolbox's first call is slower (one-off imports and allocations): warmed up too, untimed
    t_warm, _ = rsatoolbox_on(np.sort(rng.choice(len(coords), size=20, replace=False)))
    print(f"rsatoolbox warm-up (20 centres, not in the ratios): {t_warm:.1f} s")
    picks, rsa_vals, ratios, n_rsa_tot, t_rsa_tot, n_ours_tot, t_ours_tot = [], [], [], 0, 0.0, 0, 0.0
    for k in range(args.rounds):
        pick = np.sort(rng.choice(len(coords), size=args.n_rsa, replace=False))
        t_rsa, vals = rsatoolbox_on(pick)
        picks.append(pick)
        rsa_vals.append(vals)
        t0 = time.perf_counter()
        searchlight_rsa(data, slab, model, radius=args.radius, method=args.method, progress=False, **dev)
        t_ours = time.perf_counter() - t0
        ratios.append((slab.sum() / t_ours) / (args.n_rsa / t_rsa))
        n_rsa_tot, t_rsa_tot, n_ours_tot, t_ours_tot = (
            n_rsa_tot + args.n_rsa,
            t_rsa_tot + t_rsa,
            n_ours_tot + int(slab.sum()),
            t_ours_tot + t_ours,
        )
        print(
            f"round {k + 1}: rsatoolbox {args.n_rsa / t_rsa:.0f} centres/s, repalign {slab.sum() / t_ours:.0f} "
            f"centres/s ({slab.sum()} centres in {t_ours:.1f} s): {ratios[-1]:.1f}x; {load()}",
            flush=True,
        )
    rate_rsa, rate_ours = n_rsa_tot / t_rsa_tot, n_ours_tot / t_ours_tot
    print(
        f"SAME-RUN SPEED-UP: {rate_ours / rate_rsa:.1f}x (repalign {rate_ours:.0f} vs rsatoolbox "
        f"{rate_rsa:.0f} centres/s; per round {', '.join(f'{r:.1f}x' for r in ratios)})"
    )

    if ours is not None and args.device is not None:
        t0 = time.perf_counter()
        cpu_map = searchlight_rsa(data, mask, model, radius=args.radius, method=args.method, progress=False)
        print(
            f"CPU whole brain {time.perf_counter() - t0:.1f} s; max |{args.device} - CPU| = "
            f"{np.nanmax(np.abs(ours - cpu_map)):.2e}; NaN patterns equal: "
            f"{np.array_equal(np.isnan(ours), np.isnan(cpu_map))}"
        )
    if ours is not None:
        pick = np.concatenate(picks)
        diff = np.max(np.abs(ours[tuple(coords[pick].T)] - np.concatenate(rsa_vals)))
        print(
            f"rsatoolbox would take {mask.sum() / rate_rsa / 60:.0f} min for the whole brain; "
            f"max |repalign - rsatoolbox| over {pick.size} centres = {diff:.2e}"
        )


if __name__ == "__main__":
    main()
