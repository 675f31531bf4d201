"""Tests of ``repalign.core.threads``: a decorated computation runs on one thread, and the limits come back."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from repalign.core import single_threaded


def _blas_threads() -> list[int]:
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_runs_on_one_thread_and_restores_the_limits():
    assert _blas_threads(), "numpy's BLAS should be visible to threadpoolctl"

    import torch

    @single_threaded
    def inside(x, *, power=2):
        """Doc kept."""
        return _blas_threads(), torch.get_num_threads(), float(np.sum((x @ x.T) ** power))

    x = np.random.default_rng(0).normal(size=(50, 20))
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        with threadpool_limits(limits=2):
            threads, torch_threads, value = inside(x, power=1)
            assert _blas_threads() == [2] * len(threads)  # restored after the call
        assert torch.get_num_threads() == 2  # torch's own count too
    finally:
        torch.set_num_threads(before)
    assert set(threads) == {1} and torch_threads == 1
    assert value == pytest.approx(float(np.sum(x @ x.T)))
    assert inside.__name__ == "inside" and inside.__doc__ == "Doc kept."


def test_simulated_fmri_is_the_same_whatever_the_outer_thread_limit():
    from repalign.searchlight import simulate_fmri

    rdm = np.random.default_rng(1).random((6, 6))
    rdm = rdm + rdm.T
    np.fill_diagonal(rdm, 0)
    runs = []
    for limit in (1, 2):
        with threadpool_limits(limits=limit):
            runs.append(simulate_fmri([rdm, rdm.T**2], subject=0, seed=3, resolution=6).data.get_fdata())
    np.testing.assert_array_equal(runs[0], runs[1])
