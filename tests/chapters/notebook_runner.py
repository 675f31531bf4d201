"""Execute the book's chapters with papermill in FAST mode, robustly and in parallel.

Kernel start-up here occasionally stalls or races (see shared notes): every execution has a
per-cell timeout and a kernel start timeout, and an execution that fails for a reason other than
an error raised by the notebook's own code (a timeout, a dead kernel, a start failure) is retried
once. An error in a cell is never retried.

:func:`execute_all` runs the chapters side by side, one chapter per worker *process* (each with
its own kernel): :func:`execute` sets the kernel's environment through ``os.environ``, so
threads would race. Workers default to the number of usable CPU cores;
``REPALIGN_NOTEBOOK_WORKERS`` overrides it (``1`` runs the chapters one after another in this
process, as before). Chapters start longest first so the last to finish
are short ones (:data:`LONGEST_FIRST`); the result keeps the toc order. Side by side, each kernel
gets its share of the cores as its thread count (:data:`THREAD_ENV`, ``cores // workers``): two
kernels with two threads each on two cores take twice as long as with one thread each (measured:
EfficientNet + MPNet on 100 scenes, 52 s against 28 s).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]
CELL_TIMEOUT = 600  # seconds per cell (the slowest FAST cell takes < 60 s here)
FULL_CELL_TIMEOUT = 1800  # full mode (``make book``)
START_TIMEOUT = 120  # seconds for the kernel to come up
WORKERS_ENV = "REPALIGN_NOTEBOOK_WORKERS"
#: Thread-count variables of the libraries the chapters use (OpenMP: torch; BLAS; numba).
THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS")

#: Chapters (by file stem), longest first, so that the long ones start first and the last to finish
#: are short. Measured on 2 cores after the image-feature warm-up, one thread per kernel: full mode
#: (``make book``) 04 ~450 s, 06 ~400 (its captions), 07 ~320, 01, 05, 08 ~150, 03 ~120, 02 ~50; FAST
#: from a cold cache 05 271, 06 179, 07 164, 08 121, 04 84, 01 66, 03 32, 02 17. This order keeps
#: both near the sum over two workers. A chapter missing here counts as long: it starts first.
LONGEST_FIRST = (
    "06_procrustes_retrieval",
    "04_searchlight",
    "07_layers_forced_choice",
    "05_rcnn",
    "08_barycentric",
    "01_rdms",
    "03_cross_modal",
    "02_multiple_arrangements",
)


def toc_notebooks(root: Path = ROOT) -> list[str]:
    """Toc paths (without suffix) of the notebook chapters in ``_toc.yml``, in toc order.

    Parsed with sphinx-external-toc, the parser jupyter-book itself uses.
    """
    from sphinx_external_toc.parsing import parse_toc_yaml

    return [doc for doc in parse_toc_yaml(str(root / "_toc.yml")) if (root / f"{doc}.ipynb").exists()]


@dataclass
class Execution:
    name: str
    output: Path
    records: dict = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0
    attempts: int = 0


def execute(
    name: str, out_root: Path, cache_dir: Path, retries: int = 1, *, root: Path = ROOT, fast: bool = True
) -> Execution:
    """Run ``<root>/<name>.ipynb`` with ``FAST=fast``; write it to ``out_root/<name>.ipynb``."""
    import json

    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    src = Path(root) / f"{name}.ipynb"
    out = out_root / f"{name}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    records = out_root / f"{name}.records.json"
    result = Execution(name, out)
    env = {
        "REPALIGN_RECORDS": str(records),
        "REPALIGN_CACHE": str(cache_dir),
        "PLOTLY_RENDERER": "sphinx_gallery",  # plain HTML output, as in the book build
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "TQDM_DISABLE": "1",
    }
    t0 = time.perf_counter()
    for attempt in range(retries + 1):
        result.attempts = attempt + 1
        records.unlink(missing_ok=True)
        try:
            with mock.patch.dict(os.environ, env):
                pm.execute_notebook(
                    str(src),
                    str(out),
                    parameters={"FAST": fast},
                    kernel_name="python3",
                    cwd=str(src.parent),
                    execution_timeout=CELL_TIMEOUT if fast else FULL_CELL_TIMEOUT,
                    start_timeout=START_TIMEOUT,
                    progress_bar=False,
                    log_output=False,
                )
            result.error = None
            break
        except PapermillExecutionError as exc:  # the notebook's own code failed: no retry
            result.error = f"{exc.ename}: {exc.evalue}\n{''.join(exc.traceback[-3:])}"
            break
        except Exception as exc:  # timeouts, dead kernels, start-up races: retry once
            result.error = f"{type(exc).__name__}: {exc}"
    result.seconds = time.perf_counter() - t0
    if records.exists():
        result.records = json.loads(records.read_text())
    return result


def default_workers() -> int:
    """``$REPALIGN_NOTEBOOK_WORKERS`` if set, else the number of CPU cores this process may use."""
    value = os.environ.get(WORKERS_ENV, "").strip()
    if value:
        workers = int(value)
        if workers < 1:
            raise ValueError(f"{WORKERS_ENV} must be a positive integer, got {value!r}")
        return workers
    return _usable_cores()


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def warm_up(cache_dir: Path, workers: int | None = None) -> dict[str, float]:
    """Fill ``cache_dir`` with the image features and sentence embeddings the chapters share.

    Run before :func:`execute_all`, so that chapters side by side read the EfficientNet, MPNet and
    MiniLM rows they share instead of computing them (twice, or waiting on each other's lock):
    :func:`repalign.book.warm_feature_cache`, its two jobs side by side when ``workers`` (default
    :func:`default_workers`) is 2 or more. Returns its seconds per part.
    """
    from repalign.book import warm_feature_cache

    workers = default_workers() if workers is None else workers
    with mock.patch.dict(os.environ, {"REPALIGN_CACHE": str(cache_dir), **thread_share(min(workers, 2))}):
        return warm_feature_cache(workers=min(workers, 2), progress=False)


def thread_share(workers: int) -> dict[str, str]:
    """The thread-count variables for one of ``workers`` kernels side by side (a variable already set is kept)."""
    share = str(max(1, _usable_cores() // max(1, workers)))
    return {var: os.environ.get(var, share) for var in THREAD_ENV}


def _set_environ(env: dict[str, str]) -> None:  # a worker process's initializer (module level: picklable)
    os.environ.update(env)


def longest_first(names: list[str]) -> list[str]:
    """``names`` in the order of :data:`LONGEST_FIRST` (chapters not listed there first of all)."""
    rank = {stem: i for i, stem in enumerate(LONGEST_FIRST)}
    return sorted(names, key=lambda n: rank.get(Path(n).name, -1))


def summary_line(run: Execution) -> str:
    """The one-line report of one chapter's execution."""
    return (
        f"[notebooks] {run.name}: {run.seconds:.0f} s, attempts={run.attempts}, "
        f"{'ok' if run.error is None else 'FAILED'}"
    )


def execute_all(
    names: list[str],
    out_root: Path,
    cache_dir: Path,
    *,
    workers: int | None = None,
    retries: int = 1,
    root: Path = ROOT,
    runner: Callable[..., Execution] = execute,
    report: Callable[[str], None] = print,
) -> dict[str, Execution]:
    """Execute the chapters ``names`` with ``runner`` (:func:`execute`) on ``workers`` processes.

    Each chapter runs in its own worker process (fresh ``spawn`` interpreter), so the environment
    :func:`execute` gives its kernel cannot leak into a neighbour; every run keeps its own cell and
    start timeouts and its retry. Chapters are submitted longest first; ``report`` gets a line
    per chapter as it finishes and a final line with the wall time against the sum of the
    chapters' times. A chapter whose worker process itself died (not its kernel: that is retried
    inside the worker) is run again here, in this process. Returns the executions keyed by name
    in the order of ``names``. ``runner`` must be picklable (a module-level function).
    """
    workers = min(default_workers() if workers is None else workers, len(names)) or 1
    t0 = time.perf_counter()
    runs: dict[str, Execution] = {}
    if workers == 1:
        for name in names:
            runs[name] = runner(name, out_root, cache_dir, retries, root=root)
            report(summary_line(runs[name]))
    else:
        lost: list[str] = []
        ctx = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=_set_environ, initargs=(thread_share(workers),)
        )
        try:
            futures = {
                pool.submit(runner, name, out_root, cache_dir, retries, root=root): name
                for name in longest_first(names)
            }
            for future in as_completed(futures):
                name = futures[future]
                try:
                    runs[name] = future.result()
                except Exception as exc:  # the worker process died (BrokenProcessPool) or similar
                    report(
                        f"[notebooks] {name}: worker failed ({type(exc).__name__}: {exc}); "
                        "running it again in this process"
                    )
                    lost.append(name)
                    continue
                report(summary_line(runs[name]))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        for name in lost:
            runs[name] = runner(name, out_root, cache_dir, retries, root=root)
            report(summary_line(runs[name]))
    wall = time.perf_counter() - t0
    total = sum(run.seconds for run in runs.values())
    failed = sum(run.error is not None for run in runs.values())
    report(
        f"[notebooks] {len(names)} chapters on {workers} worker(s): {wall:.0f} s wall, "
        f"{total:.0f} s summed over chapters, {failed} failed"
    )
    return {name: runs[name] for name in names}
