"""Tests of ``repalign.arrangement.export``: a session written as a Meadows tree reads back exactly."""

from __future__ import annotations

import json

import numpy as np
import pytest

from repalign.arrangement import ArrangementSession, arrange_subset, inverse_mds, load_meadows, to_meadows
from repalign.rdm import compute_rdm


def _session(n=8, seed=0):
    truth = compute_rdm(np.random.default_rng(seed).normal(size=(n, 3)), metric="euclidean")
    s = ArrangementSession(n, max_trials=3, seed=seed)
    while not s.done:
        idx = s.current_items
        s.submit(arrange_subset(truth[np.ix_(idx, idx)], noise=0.02, seed=len(s.trials)))
    return s


def test_round_trip_through_load_meadows(tmp_path):
    s = _session()
    ids = [f"img{k}" for k in range(s.n_items)]
    tree = to_meadows(s, ids, names=[f"caption {k}" for k in range(s.n_items)])
    task = tree["tasks"][0]
    assert task["task"] == {"name": "shared_spaces_reader", "task_type": "multiarrange"}
    assert task["status"] == "finished" and len(task["trials"]) == len(s.trials)
    assert set(task["trials"][0]["positions"][0]) == {"id", "x", "y"}
    path = tmp_path / "tree.json"
    path.write_text(json.dumps(tree))
    ma = load_meadows(path)
    assert ma.stimuli == [f"caption {k}" for k in range(s.n_items)]
    scale = max(np.linalg.norm(p, axis=1).max() for _, p in s.trials)
    for (idx, pos), (idx0, pos0) in zip(ma.trials, s.trials):
        assert idx.tolist() == idx0.tolist()
        np.testing.assert_allclose(pos * scale, pos0, atol=1e-12)
    est = inverse_mds(s.trials, s.n_items)
    np.testing.assert_allclose(ma.rdm, est[np.triu_indices(s.n_items, 1)], rtol=1e-12)


def test_trials_without_a_session_and_missing_pairs():
    trials = [(np.array([0, 1, 2]), np.array([[0.0, 0.0], [0.5, 0.0], [0.0, 0.5]]))]
    with pytest.warns(RuntimeWarning, match="never shown together"):
        tree = to_meadows(trials, ["a", "b", "c", "d"])
    rdm = tree["tasks"][0]["rdm"]
    assert len(rdm) == 6 and rdm[2] is None and rdm[0] == pytest.approx(rdm[1])  # pair (a, d) never shown


def test_bad_arguments():
    s = _session()
    with pytest.raises(TypeError, match="stimuli must be"):
        to_meadows(s, "abc")
    with pytest.raises(ValueError, match="stimuli holds 3 ids"):
        to_meadows(s, ["a", "b", "c"])
    with pytest.raises(ValueError, match="distinct"):
        to_meadows(s, ["a"] * s.n_items)
    with pytest.raises(ValueError, match="names holds 1"):
        to_meadows(s, [str(k) for k in range(s.n_items)], names=["x"])
    with pytest.raises(TypeError, match="task must be"):
        to_meadows(s, [str(k) for k in range(s.n_items)], task="")
