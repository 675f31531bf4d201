"""Shared fixtures: the chapters executed once per session in FAST mode.

- ``repalign_cache``: the model/feature cache the slow tests share (``REPALIGN_CACHE``, else
  ``.cache/repalign`` in the checkout).
- ``notebook_executions``: every chapter of ``_toc.yml`` executed with papermill (FAST=True),
  keyed by toc path (in toc order), after one pass that caches the image features they share
  (``notebook_runner.warm_up``); each run knows its output, recorded numbers, error and
  duration. Chapters run side by side, one worker process each, as many workers as CPU cores;
  ``REPALIGN_NOTEBOOK_WORKERS=N`` overrides that (``1``: one after another, in-process).
- ``executed_notebooks``: the directory holding those executions at their toc paths, from which
  the site test builds the book. ``REPALIGN_EXECUTED_DIR`` points it at an existing directory
  instead (handy when iterating on the site alone).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from notebook_runner import ROOT, execute_all, toc_notebooks, warm_up


@pytest.fixture(scope="session")
def repalign_cache() -> Path:
    path = Path(os.environ.get("REPALIGN_CACHE") or ROOT / ".cache" / "repalign")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def notebook_executions(tmp_path_factory, repalign_cache) -> dict:
    out_root = tmp_path_factory.mktemp("executed")
    warm_up(repalign_cache)  # the features the chapters share, once, before they run side by side
    return execute_all(toc_notebooks(), out_root, repalign_cache)


@pytest.fixture(scope="session")
def executed_notebooks(request) -> Path:
    directory = os.environ.get("REPALIGN_EXECUTED_DIR")
    if directory:
        return Path(directory)
    runs = request.getfixturevalue("notebook_executions")
    failed = sorted(k for k, v in runs.items() if v.error)
    if failed:
        pytest.fail(f"chapters failed to execute, so the site cannot be built: {failed}")
    first = next(iter(runs.values()))
    return first.output.parents[len(Path(first.name).parts) - 1]
