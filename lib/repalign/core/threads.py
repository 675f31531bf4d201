"""Run a computation on one thread, so that its last digits do not depend on the machine's cores.

Multi-threaded BLAS and OpenMP split sums differently with the thread count, so a result can differ
in the last bits between a 2-core laptop and a 16-core server, or between a chapter run alone and two
run side by side. Most analyses do not care; simulations with discrete choices (adaptive trial
designs, eigenvectors of near-equal eigenvalues) amplify those bits into visible differences. Those
run under :func:`single_threaded`, which makes their output the same bits everywhere.
"""

from __future__ import annotations

import functools

__all__ = ["single_threaded"]


def single_threaded(func):
    """Decorate ``func`` to run with one BLAS and one OpenMP thread (the previous limits are restored after).

    Parameters
    ----------
    func : callable

    Returns
    -------
    callable
        ``func``, run under ``threadpoolctl.threadpool_limits(1)``.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            return func(*args, **kwargs)

    return wrapper
