"""Tests of ``repalign.io.rows``: rows keyed one by one, computed once (also across processes), checked on read."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest

import synthetic
from repalign.io.rows import cached_rows


@pytest.fixture
def cache_root(tmp_path, monkeypatch):
    monkeypatch.setenv("REPALIGN_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _table(rows):
    """Two groups per item: its number and its square (float32), as a model's layers would be."""
    rows = np.asarray(rows, dtype=np.float32)
    return {"x": np.stack([rows, rows + 0.5], 1), "sq": (rows**2)[:, None]}


def _keys(items, groups=("x", "sq")):
    return {g: [f"{g}-{i}" for i in items] for g in groups}


def test_only_missing_rows_are_computed_in_one_pass(cache_root):
    asked = []

    def compute(items):
        def run(rows):
            asked.append([items[r] for r in rows])
            return _table([items[r] for r in rows])

        return run

    items = [3, 1, 4]
    first = cached_rows(_keys(items), compute(items), wanted=["x"])
    assert list(first) == ["x"] and asked == [[3, 1, 4]]
    np.testing.assert_array_equal(first["x"], _table(items)["x"])
    # a new list: duplicates, another order, one new item; the group not asked for before is stored too
    items = [1, 5, 3, 1]
    again = cached_rows(_keys(items), compute(items))
    assert asked == [[3, 1, 4], [5]]  # only the new item, once
    np.testing.assert_array_equal(again["x"], _table(items)["x"])
    np.testing.assert_array_equal(again["sq"], _table(items)["sq"])
    assert again["x"].dtype == np.float32
    assert len(list((cache_root / "features").glob("rows-*.npz"))) == 2
    # disabled: everything computed, nothing written
    off = cached_rows(_keys(items), compute(items), enabled=False)
    assert asked[-1] == items
    np.testing.assert_array_equal(off["sq"], again["sq"])
    assert len(list((cache_root / "features").glob("rows-*.npz"))) == 2


def test_corrupt_chunk_is_removed_and_recomputed(cache_root):
    items = [7, 8]
    cached_rows(_keys(items), lambda rows: _table([items[r] for r in rows]))
    (path,) = (cache_root / "features").glob("rows-*.npz")
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.warns(RuntimeWarning, match="corrupt cache file"):
        out = cached_rows(_keys(items), lambda rows: _table([items[r] for r in rows]))
    np.testing.assert_array_equal(out["sq"], [[49.0], [64.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cached_rows(_keys(items), lambda rows: pytest.fail("recomputed"))["x"].shape == (2, 2)


def test_bad_arguments_one_line(cache_root):
    with pytest.raises(ValueError, match="^keys must map each group to the same, non-zero number of row keys$"):
        cached_rows({"a": ["1"], "b": ["1", "2"]}, _table)
    with pytest.raises(ValueError, match=r"^wanted names groups without keys: \['z'\]$"):
        cached_rows(_keys([1]), _table, wanted=["z"])
    with pytest.raises(TypeError, match="^enabled must be True or False"):
        cached_rows(_keys([1]), _table, enabled="yes")
    with pytest.raises(TypeError, match="^compute must return a numeric array of 1 rows for group 'x'$"):
        cached_rows(_keys([1]), lambda rows: {"x": np.array(["a"]), "sq": np.zeros((1, 1))})
    assert not list((cache_root / "features").glob("rows-*.npz"))


def _slow_worker(root, out):
    import os

    os.environ["REPALIGN_CACHE"] = root

    def compute(rows):
        with open(out, "a") as fh:
            fh.write(f"{len(rows)}\n")
        time.sleep(1.0)
        return _table(rows)

    cached_rows(_keys(range(4)), compute)


def test_two_processes_compute_once(cache_root, tmp_path):
    log = tmp_path / "computed.txt"
    assert synthetic.exit_codes_of_two_processes(_slow_worker, str(cache_root), str(log)) == [0, 0]
    assert log.read_text().split() == ["4"]  # the second process waited for the lock, then read the rows
