"""Tests of ``repalign.book.reader_sessions``: the arena's scenes and the bundled example sessions."""

from __future__ import annotations

import json

import numpy as np
import pytest

from repalign.arrangement import inverse_mds, load_meadows
from repalign.book import arena_scenes, example_reader_sessions
from repalign.io.paths import data_dir


def test_arena_scenes_step_along_the_order():
    order = np.random.default_rng(0).permutation(100)
    got = arena_scenes(order)
    assert got["short"] == order[::4][:24].tolist() and got["long"] == order[::2][:48].tolist()
    assert set(got["short"]) <= set(order[::2])  # the short session's scenes are part of the long one
    with pytest.raises(ValueError, match="order must be a permutation"):
        arena_scenes([0, 0, 1])
    with pytest.raises(ValueError, match="short"):
        arena_scenes(order, short=30)


def test_example_sessions_are_seeded_and_readable(tmp_path):
    rng = np.random.default_rng(1)
    spaces = {"shared": rng.normal(size=(30, 8)), "visual": rng.normal(size=(30, 5))}
    scenes = list(range(0, 30, 3))
    ids = [f"s{i}" for i in scenes]
    a = example_reader_sessions(spaces, scenes, ids, n_sessions=2, n_trials=3, seed=4)
    b = example_reader_sessions(spaces, scenes, ids, n_sessions=2, n_trials=3, seed=4)
    assert a == b and a[0] != a[1] and a[1]["tasks"][0]["task"]["name"] == "simulated_reader_2"
    path = tmp_path / "x.json"
    path.write_text(json.dumps(a[0]))
    ma = load_meadows(path)
    assert ma.stimuli == ids and 1 <= len(ma.trials) <= 3


def test_bundled_example_sessions():
    folder = data_dir() / "arena_sessions"
    paths = sorted(folder.glob("simulated_reader_*_tree.json"))
    assert len(paths) == 4
    sessions = [load_meadows(p) for p in paths]
    assert all(s.stimuli == sessions[0].stimuli and len(s.stimuli) == 24 for s in sessions)
    assert all(s.stimuli[0].startswith("coco_") and len(s.trials) == 6 for s in sessions)
    for s in sessions:  # the stored RDM is the estimate of the stored trials (up to load_meadows' rescaling)
        est = inverse_mds(s.trials, 24)
        rho = np.corrcoef(est[np.triu_indices(24, 1)], s.rdm)[0, 1]
        assert rho > 0.999
