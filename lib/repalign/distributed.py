"""Running the book's heavy analyses on a Dask cluster (``dask.distributed``).

The library does not schedule work itself: it cuts an analysis into independent tasks and hands
them to a ``distributed.Client``, which may stand for two processes on a laptop
(``LocalCluster``), a SLURM or PBS allocation (``dask-jobqueue``) or a Kubernetes deployment
(``dask-kubernetes``). The same functions run without a client; with one, they return bit-for-bit
the same numbers, because every task makes exactly the calls the local path makes on the same
inputs, and results are gathered back in a fixed order.

- :func:`searchlight_scores` — the tasks behind ``searchlight_rsa(..., client=)`` and
  ``group_searchlight(..., client=)``: subject x model group x chunk of centres.
- :func:`permutation_batches` — the tasks behind ``group_permutation_test(..., client=)``.
- :func:`local_cluster` — a ``LocalCluster`` + ``Client`` that shuts down cleanly (a context manager).

Sharded feature extraction over a large image folder lives in :mod:`repalign.feature_shards`.

Dask is imported lazily: the rest of the library works without it
(``pip install "dask[distributed]"`` to use this module).
"""

from __future__ import annotations

import contextlib

import numpy as np

from ._progress import progress_bar
from ._validation import check_int

__all__ = ["require_distributed", "local_cluster", "searchlight_scores", "permutation_batches", "gather_in_order"]


def require_distributed():
    """Import and return ``distributed`` (Dask's scheduler), or raise an ImportError that says how to get it."""
    try:
        import distributed
    except ImportError:
        raise ImportError("this needs dask.distributed: pip install 'dask[distributed]'") from None
    return distributed


def _check_client(client):
    distributed = require_distributed()
    if not isinstance(client, distributed.Client):
        raise TypeError(f"client must be a distributed.Client; got {type(client).__name__}")
    if client.status != "running":
        raise ValueError(f"client is not running (status {client.status!r})")
    return distributed


@contextlib.contextmanager
def local_cluster(n_workers: int = 2, threads_per_worker: int = 1, processes: bool = True, **kwargs):
    """A ``LocalCluster`` on 127.0.0.1 and a ``Client`` connected to it, closed on exit.

    >>> with local_cluster(n_workers=2) as client:                       # doctest: +SKIP
    ...     maps = group_searchlight(subjects, mask, rdms, client=client)

    Extra keyword arguments go to ``distributed.LocalCluster`` (e.g. ``memory_limit``).
    """
    distributed = require_distributed()
    n_workers = check_int(n_workers, "n_workers", minimum=1)
    threads_per_worker = check_int(threads_per_worker, "threads_per_worker", minimum=1)
    kwargs.setdefault("host", "127.0.0.1")
    kwargs.setdefault("dashboard_address", None)
    cluster = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker,
                                       processes=processes, **kwargs)
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def gather_in_order(client, futures: list, progress: bool = True, desc: str = "tasks") -> list:
    """Results of ``futures`` in their order, with a progress bar that advances as tasks finish."""
    distributed = require_distributed()
    bar = progress_bar(distributed.as_completed(futures), enabled=progress, desc=desc, unit="task",
                       total=len(futures))
    for _ in bar:
        pass
    return client.gather(futures)


# --------------------------------------------------------------------------------------------
# searchlight
# --------------------------------------------------------------------------------------------

_MALLOC_TUNED = False


def _keep_freed_memory():
    """Let glibc reuse freed blocks of a few MB instead of unmapping them (once per worker process).

    Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which also freezes glibc's
    mmap threshold at 128 kB: every chunk temporary (a few MB) is then a fresh ``mmap`` whose pages
    fault in one by one, which made searchlight tasks about 3x slower in CPU time than the same
    calls in the client process (measured: 376,336 vs 598 minor page faults for 40 chunks). Raising
    both thresholds to 32 MB / 256 MB keeps the working set mapped (a worker then holds about
    ``max_memory`` more memory).
    """
    global _MALLOC_TUNED
    if _MALLOC_TUNED:
        return
    _MALLOC_TUNED = True
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 32 * 1024 * 1024)  # M_MMAP_THRESHOLD (glibc's maximum)
        libc.mallopt(-1, 256 * 1024 * 1024)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to tune
        pass


def _searchlight_task(plan, chunk_ids, model_cols):
    from .searchlight import _run_chunks

    _keep_freed_memory()
    return _run_chunks(plan, chunk_ids, model_cols, n_jobs=1)


def searchlight_scores(client, plans: list, models_per_task: int | None = None, chunks_per_task: int | None = None,
                       progress: bool = True) -> list:
    """Searchlight scores ``(n_models, n_centres)`` of each plan, computed as tasks on ``client``.

    Used by ``searchlight_rsa(..., client=)`` and ``group_searchlight(..., client=)`` (plans come
    from ``repalign.searchlight._prepare``). Each subject's plan (its masked patterns, about
    ``4 x n_voxels x n_conditions`` bytes) is sent to the workers once; a task computes a run of
    consecutive chunks of centres for a group of models, exactly as the local path does.

    Parameters
    ----------
    client : distributed.Client
    plans : list
        One plan per subject.
    models_per_task : int, optional
        Models per task (default: all in one task, so each sphere's RDM is ranked once).
    chunks_per_task : int, optional
        Engine chunks per task (default: about 8 tasks per worker thread over all subjects).
    progress : bool
        Progress bar over finished tasks.
    """
    _check_client(client)
    n_threads = max(1, sum(client.nthreads().values()))
    n_models = plans[0].models.shape[1]
    models_per_task = n_models if models_per_task is None else check_int(models_per_task, "models_per_task", minimum=1)
    groups = [list(range(s, min(s + models_per_task, n_models))) for s in range(0, n_models, models_per_task)]
    total_chunks = sum(p.n_chunks for p in plans) * len(groups)
    if chunks_per_task is None:
        chunks_per_task = max(1, total_chunks // (8 * n_threads))
    chunks_per_task = check_int(chunks_per_task, "chunks_per_task", minimum=1)
    futures, where = [], []
    for si, plan in enumerate(plans):
        remote = client.scatter(plan, broadcast=True, hash=False)  # on every worker: survives a lost worker
        for gi, cols in enumerate(groups):
            for c0 in range(0, plan.n_chunks, chunks_per_task):
                ids = list(range(c0, min(c0 + chunks_per_task, plan.n_chunks)))
                futures.append(client.submit(_searchlight_task, remote, ids, cols, pure=False,
                                             key=f"searchlight-{plan.token}-{gi}-{c0}"))
                where.append((si, gi, c0))
    results = gather_in_order(client, futures, progress=progress, desc="searchlight tasks")
    out = [np.full((n_models, p.n_centres), np.nan) for p in plans]
    for (si, gi, c0), r in zip(where, results):
        plan = plans[si]
        start = c0 * plan.chunk
        out[si][np.array(groups[gi])[:, None], np.arange(start, start + r.shape[1])[None, :]] = r
    return out


# --------------------------------------------------------------------------------------------
# permutation nulls
# --------------------------------------------------------------------------------------------

def _perm_task(x, flips, t_obs, alternative):
    from .searchlight import _perm_batch

    return _perm_batch(x, flips, t_obs, alternative)


def permutation_batches(client, x: np.ndarray, batches: list, t_obs: np.ndarray, alternative: str,
                        progress: bool = True) -> list:
    """``[(exceedance counts, max statistics), ...]`` of each batch of sign flips, as tasks on ``client``.

    Used by ``group_permutation_test(..., client=)``; ``x`` (subjects x voxels) is sent to the
    workers once.
    """
    _check_client(client)
    remote_x = client.scatter(x, broadcast=True, hash=False)
    remote_t = client.scatter(t_obs, broadcast=True, hash=False)
    futures = [client.submit(_perm_task, remote_x, b, remote_t, alternative, pure=False) for b in batches]
    return gather_in_order(client, futures, progress=progress, desc="sign-flip batches")
