"""Tests of ``repalign.distributed``."""

from __future__ import annotations

import os
import time

import pytest

import distributed  # noqa: F401  (a requirement: these tests must run, never skip)
from repalign.distributed import local_cluster


@pytest.fixture(scope="module")
def cluster():
    cm = local_cluster(n_workers=2, threads_per_worker=1, processes=True, memory_limit="2GB")
    client = cm.__enter__()
    state = {"client": client, "cm": cm, "open": True}
    yield state
    if state["open"]:
        cm.__exit__(None, None, None)


def test_clean_shutdown(cluster):
    import psutil

    client, cm = cluster["client"], cluster["cm"]
    pids = list(client.run(os.getpid).values())
    assert len(pids) == 2 and all(psutil.pid_exists(p) for p in pids)
    cm.__exit__(None, None, None)
    cluster["open"] = False
    assert client.status == "closed"
    deadline = time.time() + 10
    while (
        any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in pids)
        and time.time() < deadline
    ):
        time.sleep(0.1)
    assert not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in pids)
