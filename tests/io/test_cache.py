"""Tests of ``repalign.io.cache``: a directory at a cache path and bad keys are refused in one line."""

from __future__ import annotations

import numpy as np
import pytest

import synthetic
from repalign.io import cache, paths


def _one_line(exc_info) -> str:
    msg = str(exc_info.value)
    assert msg and "\n" not in msg, f"error message is not one line: {msg!r}"
    return msg


@pytest.fixture
def cache_root(tmp_path, monkeypatch):
    monkeypatch.setenv("REPALIGN_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_round_trip_computes_once(cache_root):
    calls = []

    def compute():
        calls.append(1)
        return np.arange(6.0).reshape(2, 3)

    key = cache.content_key(a=1, b="x")
    first = cache.cached_array(key, compute)
    second = cache.cached_array(key, compute)
    np.testing.assert_array_equal(first, second)
    assert len(calls) == 1 and (cache_root / "features" / f"{key}.npz").is_file()


def test_directory_at_the_cache_path_is_refused_naming_the_path(cache_root):
    key = cache.content_key(a=2)
    target = paths.cache_dir("features") / f"{key}.npz"
    target.mkdir()
    with pytest.raises(IsADirectoryError) as exc:  # today: a bare [Errno 21] from numpy's loader
        cache.cached_array(key, lambda: np.zeros(3))
    msg = _one_line(exc)
    assert str(target) in msg and "is a directory" in msg
    assert target.is_dir()  # nothing of the user's is deleted


@pytest.mark.parametrize("key", ["../escape", "a/b", "", ".."])
def test_keys_that_are_not_file_names_are_refused(cache_root, key):
    with pytest.raises(ValueError, match="^key must be"):
        cache.cached_array(key, lambda: np.zeros(3))
    assert not (cache_root / "escape.npz").exists()


def test_non_numeric_results_are_not_stored(cache_root):
    with pytest.raises(TypeError, match="^compute must return a numeric array"):
        cache.cached_array("k", lambda: np.array([object()]))
    assert not (cache_root / "features" / "k.npz").exists()
    with pytest.raises(TypeError, match="^compute must be callable"):
        cache.cached_array("k", np.zeros(3))


def test_flags_keys_and_paths_are_checked(cache_root):
    with pytest.raises(TypeError, match="^enabled must be True or False"):
        cache.cached_array("k", lambda: np.zeros(2), enabled="no")  # today: "no" is truthy, the cache is used
    with pytest.raises(TypeError, match="^content_key part 'seed': Generator cannot be part of a content key"):
        cache.content_key(seed=np.random.default_rng(0))  # today: every Generator gives the same key
    # numpy scalars keep the keys they always had (their text)
    assert cache.content_key(seed=np.int64(3)) == cache.content_key(seed="3")
    with pytest.raises(ValueError, match="^cache_dir parts must be relative folder names"):
        paths.cache_dir("..", "elsewhere")  # today: a folder outside the cache
    with pytest.raises(TypeError, match="^data must be bytes"):
        paths.atomic_write_bytes(cache_root / "x.bin", "text")
    (cache_root / "adir").mkdir(parents=True)
    with pytest.raises(IsADirectoryError, match="adir' is a directory"):
        paths.atomic_write_bytes(cache_root / "adir", b"1")


def _slow_entry(root, log):
    import os
    import time

    os.environ["REPALIGN_CACHE"] = root

    def compute():
        with open(log, "a") as fh:
            fh.write("computed\n")
        time.sleep(1.0)
        return np.arange(3.0)

    cache.cached_array("shared-entry", compute)


def test_two_processes_compute_an_entry_once(cache_root, tmp_path):
    log = tmp_path / "log.txt"
    assert synthetic.exit_codes_of_two_processes(_slow_entry, str(cache_root), str(log)) == [0, 0]
    assert log.read_text().split() == ["computed"]  # the second process waited on the entry's lock, then read it
    np.testing.assert_array_equal(cache.cached_array("shared-entry", lambda: pytest.fail("recomputed")), np.arange(3.0))
