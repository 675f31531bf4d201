"""Run a computation on one thread, so that its last digits do not depend on the machine's cores.

Multi-threaded BLAS and OpenMP split sums differently with the thread count, so a result can differ
in the last bits between a 2-core laptop and a 16-core server, or between a chapter run alone and two
run side by side. Most analyses do not care; simulations with discrete choices (adaptive trial
designs, eigenvectors of near-equal eigenvalues) amplify those bits into visible differences. Those
run under :func:`single_threaded`, which makes their output the same bits everywhere.
"""

from __future__ import annotations

import functools
import sys

__all__ = ["single_threaded"]


def single_threaded(func):
    """Decorate ``func`` to run with one BLAS, one OpenMP and one torch thread (previous limits restored after).

    torch keeps its own intra-op thread count (``torch.set_num_threads``), which threadpoolctl does not
    reach; it is set too when torch is already imported (a function that imports torch itself should
    import it before the call).

    Parameters
    ----------
    func : callable

    Returns
    -------
    callable
        ``func``, run under ``threadpoolctl.threadpool_limits(1)`` and ``torch.set_num_threads(1)``.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from threadpoolctl import threadpool_limits

        torch = sys.modules.get("torch")
        before = torch.get_num_threads() if torch is not None else None
        with threadpool_limits(limits=1):
            if torch is not None:
                torch.set_num_threads(1)
            try:
                return func(*args, **kwargs)
            finally:
                if torch is not None:
                    torch.set_num_threads(before)

    return wrapper
