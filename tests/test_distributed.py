"""Tests of ``repalign.distributed``."""

from __future__ import annotations

import os
import time

import distributed  # noqa: F401  (a requirement: these tests must run, never skip)


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
