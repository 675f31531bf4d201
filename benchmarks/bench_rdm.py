"""Benchmark: RDM computation and comparison, repalign vs rsatoolbox, on the same data in one run.

Run: .venv/bin/python benchmarks/bench_rdm.py
Prints wall-clock medians and the speed ratio (rsatoolbox time / repalign time) and checks that both
libraries give the same numbers. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import numpy as np

from _timing import median_time


def main() -> None:
    import rsatoolbox

    from repalign.rdm import compare_rdms, compute_rdm

    rng = np.random.default_rng(0)
    for n_items, n_features in ((100, 1280), (1000, 768)):
        x = rng.normal(size=(n_items, n_features))
        y = x + rng.normal(scale=2.0, size=x.shape)
        ds_x = rsatoolbox.data.Dataset(x)
        ds_y = rsatoolbox.data.Dataset(y)

        t_ours = median_time(lambda: compute_rdm(x, metric="correlation"))
        t_rsa = median_time(lambda: rsatoolbox.rdm.calc_rdm(ds_x, method="correlation"))
        ours = compute_rdm(x, metric="correlation")
        theirs = rsatoolbox.rdm.calc_rdm(ds_x, method="correlation").get_matrices()[0]
        assert np.allclose(ours, theirs, atol=1e-8)
        print(
            f"compute_rdm  n={n_items:5d} d={n_features}: repalign {t_ours * 1e3:8.1f} ms  "
            f"rsatoolbox {t_rsa * 1e3:8.1f} ms  ratio {t_rsa / t_ours:5.1f}x"
        )

        ry = compute_rdm(y, metric="correlation")
        r_x = rsatoolbox.rdm.calc_rdm(ds_x, method="correlation")
        r_y = rsatoolbox.rdm.calc_rdm(ds_y, method="correlation")
        for method, rsa_method in (("spearman", "spearman"), ("kendall_tau_a", "tau-a")):
            if method == "kendall_tau_a" and n_items > 300:
                continue  # rsatoolbox's tau-a is O(n_pairs^2) in memory/time at this size
            t_ours = median_time(lambda: compare_rdms(ours, ry, method=method), repeat=3)
            t_rsa = median_time(lambda: rsatoolbox.rdm.compare(r_x, r_y, method=rsa_method), repeat=3)
            a = compare_rdms(ours, ry, method=method)
            b = float(rsatoolbox.rdm.compare(r_x, r_y, method=rsa_method)[0, 0])
            assert abs(a - b) < 1e-8, (method, a, b)
            print(
                f"compare {method:13s} n={n_items:5d}: repalign {t_ours * 1e3:8.1f} ms  "
                f"rsatoolbox {t_rsa * 1e3:8.1f} ms  ratio {t_rsa / t_ours:5.1f}x  (value {a:.4f})"
            )


if __name__ == "__main__":
    main()
