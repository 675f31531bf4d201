"""Benchmark: a group searchlight and a permutation null on dask.distributed with 1 and 2 workers.

Run: .venv/bin/python benchmarks/distributed.py [--subjects 4] [--slab 4] [--n-perm 2000]

Data: ``--subjects`` subjects of random patterns (100 conditions, float32) over a slab of
``--slab`` coronal planes of nilearn's MNI152 2 mm brain mask, radius 6 voxels, Spearman with two
model RDMs; then a sign-flip test (``--n-perm`` flips, max-statistic FWE) of the subjects' first
maps over the whole slab. Each is timed

- locally (``n_jobs`` = all cores of this machine: the single-process path),
- on a ``LocalCluster`` with 1 worker process (1 thread) and with 2 worker processes (1 thread each),

and the cluster maps are checked to equal the local ones bit for bit. The workers' CPU time is
measured too: on a shared machine (the load average is printed) the wall clock shows how much CPU
the others left us, the CPU time how much work the analysis needed. Extrapolations use CPU time.

Extrapolation to N machines (printed at the end). The searchlight is embarrassingly parallel
over subjects x chunks of centres; what does not shrink with N is (a) starting the cluster,
(b) sending each subject's masked patterns (``4 x voxels x (conditions + 1)`` bytes, 95 MB per
subject for a whole 2 mm brain and 100 conditions) to every worker process, and (c) the scheduler's
few milliseconds per task. With ``t_core`` the CPU-seconds per centre (measured here with 1
worker), ``C`` centres per subject, ``S`` subjects, ``N`` machines of ``c`` cores and efficiency
``e`` (CPU-seconds with 1 worker / CPU-seconds with 2 workers)::

    T(N) ~ S C t_core / (e N c)  +  S x bytes_per_subject / bandwidth  +  n_tasks x 5 ms / N

Run one worker process per machine with ``c`` threads (``dask worker --nthreads c``), so each
subject's patterns are held once per machine; tasks run one chunk loop each with one BLAS/torch
thread, so threads scale like processes here.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

# this file is called distributed.py: keep its folder off the path so `import distributed` finds Dask's
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]


def load() -> str:
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    os.environ.setdefault("TQDM_DISABLE", "1")
    ap = argparse.ArgumentParser()
    ap.add_argument("--subjects", type=int, default=4)
    ap.add_argument("--slab", type=int, default=4, help="coronal 2 mm planes of the brain mask")
    ap.add_argument("--n-conditions", type=int, default=100)
    ap.add_argument("--n-perm", type=int, default=2000)
    args = ap.parse_args()

    from nilearn.datasets import load_mni152_brain_mask
    from scipy.spatial.distance import pdist

    from repalign.distributed import local_cluster
    from repalign.searchlight import group_permutation_test, group_searchlight

    brain = np.asarray(load_mni152_brain_mask(resolution=2).dataobj) > 0
    mask = np.zeros_like(brain)
    mask[:, 50 : 50 + args.slab, :] = brain[:, 50 : 50 + args.slab, :]
    rng = np.random.default_rng(0)
    n = args.n_conditions
    subjects = [rng.standard_normal((n,) + mask.shape, dtype=np.float32) for _ in range(args.subjects)]
    models = [pdist(rng.normal(size=(n, 8))), pdist(rng.normal(size=(n, 3)))]
    n_centres = int(mask.sum())
    print(
        f"{args.subjects} subjects x {n_centres} centres x 2 models, {n} conditions, radius 6; "
        f"{os.cpu_count()} CPUs; {load()}",
        flush=True,
    )

    kw = dict(radius=6, progress=False)
    cpu0 = time.process_time()
    ref, t_local = timed(lambda: group_searchlight(subjects, mask, models, **kw))
    cpu_local = time.process_time() - cpu0
    firsts = np.stack([m[0] for m in ref])
    perm_ref, tp_local = timed(lambda: group_permutation_test(firsts, mask, n_perm=args.n_perm, progress=False))
    rows = [("local (all cores, threads)", t_local, cpu_local, tp_local)]
    for n_workers in (1, 2):
        with local_cluster(n_workers=n_workers, threads_per_worker=1) as client:
            client.run(lambda: __import__("repalign.searchlight"))  # imports are start-up, not work
            c0 = client.run(time.process_time)
            maps, t = timed(lambda: group_searchlight(subjects, mask, models, client=client, **kw))
            c1 = client.run(time.process_time)
            perm, tp = timed(
                lambda: group_permutation_test(firsts, mask, n_perm=args.n_perm, client=client, progress=False)
            )
        cpu = sum(c1[w] - c0[w] for w in c0)
        same = all(np.array_equal(a, b, equal_nan=True) for a, b in zip(ref, maps))
        same &= all(np.array_equal(getattr(perm_ref, f), getattr(perm, f), equal_nan=True) for f in ("t", "p", "p_fwe"))
        rows.append((f"LocalCluster, {n_workers} worker(s)", t, cpu, tp))
        print(
            f"{n_workers} worker(s): searchlight {t:.1f} s ({cpu:.1f} CPU-s in the workers), permutations "
            f"{tp:.1f} s, bit-for-bit equal to local: {same}; {load()}",
            flush=True,
        )
    total = args.subjects * n_centres
    print("\n| run | group searchlight, wall (s) | centres/s | CPU-s | centres per CPU-s | sign-flip null (s) |")
    print("|---|---|---|---|---|---|")
    for name, t, cpu, tp in rows:
        print(f"| {name} | {t:.1f} | {total / t:.0f} | {cpu:.1f} | {total / cpu:.0f} | {tp:.1f} |")
    (_, t1, c1_, _), (_, t2, c2_, _) = rows[1], rows[2]
    eff = c1_ / c2_  # work done per CPU-second with 2 workers relative to 1 (overheads of splitting)
    t_core = c1_ / total
    print(
        f"\nwall-clock speed-up 1 -> 2 workers: {t1 / t2:.2f}x on this shared machine ({load()}); "
        f"CPU efficiency of 2 workers vs 1: e = {eff:.2f}; t_core = {t_core * 1e3:.2f} CPU-ms per centre"
    )
    whole, per_subject_gb = 235_375, 4 * 235_375 * (n + 1) / 1e9
    for machines, cores in ((1, 2), (4, 16), (16, 16), (64, 16)):
        compute = 8 * whole * t_core / (min(eff, 1.0) * machines * cores)  # 8 NSD subjects; models share a task
        transfer = 8 * per_subject_gb / 1.0  # GB/s into each machine
        print(
            f"extrapolated (cores to ourselves): 8 subjects x whole 2 mm brain x 2 models on {machines} machine(s) "
            f"x {cores} cores: ~{compute + transfer:.0f} s ({compute:.0f} s compute + {transfer:.0f} s data), "
            f"plus starting the cluster"
        )


if __name__ == "__main__":
    main()
