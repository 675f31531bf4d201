"""The notebook harness itself (``notebook_runner``), without executing real notebooks.

``papermill.execute_notebook`` is replaced inside the worker processes by a fake that fails
the way a kernel start does on a chapter's first attempt, so these tests take seconds.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path
from unittest import mock

import notebook_runner
import pytest
from notebook_runner import Execution, execute, execute_all, longest_first


def _fake_execute_notebook(src, out, **kwargs):
    """Stand-in for papermill: first attempt per chapter fails to start, ``*bad*`` chapters raise."""
    from papermill.exceptions import PapermillExecutionError

    out = Path(out)
    name = out.stem
    if "bad" in name:
        raise PapermillExecutionError(0, 1, "1/0", "ZeroDivisionError", "division by zero", ["tb"])
    marker = out.with_suffix(".started")
    if not marker.exists():
        marker.write_text("1")
        raise RuntimeError("Kernel didn't respond in 120 seconds")
    out.write_text("{}")
    records = os.environ["REPALIGN_RECORDS"]
    Path(records).write_text(
        json.dumps(
            {
                "records_env": records,
                "pid": os.getpid(),
                "start_timeout": kwargs["start_timeout"],
                "threads": {var: os.environ.get(var) for var in notebook_runner.THREAD_ENV},
            }
        )
    )


def flaky_execute(name, out_root, cache_dir, retries=1, *, root=notebook_runner.ROOT):
    """``execute`` with the fake papermill (module level, so worker processes can unpickle it)."""
    with mock.patch("papermill.execute_notebook", _fake_execute_notebook):
        return execute(name, out_root, cache_dir, retries, root=root)


def dying_execute(name, out_root, cache_dir, retries=1, *, root=notebook_runner.ROOT):
    """Kills its worker process; succeeds when run in the main process."""
    if multiprocessing.parent_process() is not None:
        os._exit(1)
    return Execution(name, Path(out_root) / f"{name}.ipynb", records={"x": 1}, seconds=0.1, attempts=1)


@pytest.mark.parametrize("workers", [2, 1])
def test_start_failure_is_retried_and_cell_errors_are_not(tmp_path, workers):
    names = ["nb/a_ok", "nb/b_bad", "nb/c_ok"]
    lines = []
    runs = execute_all(names, tmp_path, tmp_path / "cache", workers=workers, runner=flaky_execute, report=lines.append)
    assert list(runs) == names  # toc order, whatever the completion order
    for name in ("nb/a_ok", "nb/c_ok"):
        run = runs[name]
        assert run.error is None and run.attempts == 2, run
        # each run got its own records path in its kernel's environment
        assert run.records["records_env"] == str(tmp_path / f"{name}.records.json")
        assert run.records["start_timeout"] == notebook_runner.START_TIMEOUT
        assert run.output == tmp_path / f"{name}.ipynb"
    bad = runs["nb/b_bad"]
    assert bad.attempts == 1 and bad.error.startswith("ZeroDivisionError") and not bad.records
    pids = {runs[n].records["pid"] for n in ("nb/a_ok", "nb/c_ok")}
    assert (os.getpid() in pids) == (workers == 1)  # parallel runs happen in worker processes
    if workers > 1:  # side by side, each kernel gets its share of the cores as its thread count
        share = notebook_runner.thread_share(workers)
        assert share["OMP_NUM_THREADS"] == os.environ.get(
            "OMP_NUM_THREADS", str(max(1, len(os.sched_getaffinity(0)) // workers))
        )
        assert all(runs[n].records["threads"] == share for n in ("nb/a_ok", "nb/c_ok"))
    assert sum(line.startswith("[notebooks] nb/") for line in lines) == 3
    assert f"on {workers} worker(s)" in lines[-1] and "1 failed" in lines[-1]


def test_chapter_of_a_dead_worker_is_run_again_in_process(tmp_path):
    lines = []
    runs = execute_all(["a", "b"], tmp_path, tmp_path, workers=2, runner=dying_execute, report=lines.append)
    assert list(runs) == ["a", "b"]
    assert all(run.error is None and run.records == {"x": 1} for run in runs.values())
    assert any("worker failed" in line for line in lines)


def test_longest_first_and_worker_count(monkeypatch):
    names = [
        "notebooks/02_multiple_arrangements",
        "notebooks/05_rcnn",
        "notebooks/99_new",
        "notebooks/01_rdms",
        "notebooks/06_procrustes_retrieval",
    ]
    assert longest_first(names) == [
        "notebooks/99_new",
        "notebooks/06_procrustes_retrieval",
        "notebooks/05_rcnn",
        "notebooks/01_rdms",
        "notebooks/02_multiple_arrangements",
    ]
    monkeypatch.setenv(notebook_runner.WORKERS_ENV, "3")
    assert notebook_runner.default_workers() == 3
    monkeypatch.setenv(notebook_runner.WORKERS_ENV, "0")
    with pytest.raises(ValueError):
        notebook_runner.default_workers()
    monkeypatch.delenv(notebook_runner.WORKERS_ENV)
    assert notebook_runner.default_workers() >= 1


def test_every_toc_chapter_is_in_the_longest_first_order():
    missing = [n for n in notebook_runner.toc_notebooks() if Path(n).name not in notebook_runner.LONGEST_FIRST]
    assert not missing, f"place {missing} in notebook_runner.LONGEST_FIRST"
