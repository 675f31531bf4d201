"""Benchmark: inverse_mds on 100 items and 60 MA trials (target: "iterative" < 5 s on one core).

Run: OMP_NUM_THREADS=1 python benchmarks/arrangement.py
"""

import time

import numpy as np

from repalign.arrangement import inverse_mds, simulate_participant


def main(n_items: int = 100, n_trials: int = 60, repeats: int = 3) -> None:
    x = np.random.default_rng(0).normal(size=(n_items, 10))
    trials = simulate_participant(x, n_trials=n_trials, criterion=1.0, metric="euclidean", seed=0)
    print(
        f"{n_items} items, {len(trials)} trials, {sum(i.size * (i.size - 1) // 2 for i, _ in trials)} pair observations"
    )
    for estimator in ("average", "iterative"):
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            inverse_mds(trials, n_items, estimator=estimator)
            times.append(time.perf_counter() - t0)
        print(f"inverse_mds(estimator={estimator!r}): best {min(times):.3f} s of {repeats}")


if __name__ == "__main__":
    main()
