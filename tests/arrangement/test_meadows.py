"""Tests of ``repalign.arrangement.meadows``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from repalign import arrangement as A
from repalign.rdm import compare_rdms

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "Meadows_demo_v_v1_cuddly-bunny_tree.json"


def test_meadows_import_matches_rsatoolbox():
    from rsatoolbox.io.meadows import load_rdms

    ma = A.load_meadows(FIXTURE)
    assert ma.task == "ma_scenes" and len(ma.stimuli) == 6 and len(ma.trials) == 3
    assert max(np.linalg.norm(p, axis=1).max() for _, p in ma.trials) == pytest.approx(1.0)
    ref = load_rdms(str(FIXTURE), sort=False)
    assert [s.split(".")[0] for s in ma.stimuli] == list(ref.pattern_descriptors["conds"])
    assert np.allclose(ma.rdm, ref.get_vectors()[0])
    est = A.inverse_mds(ma.trials, len(ma.stimuli))
    assert compare_rdms(est, ma.rdm, method="pearson") > 0.999  # the trials show the same 2-D geometry
    with pytest.raises(ValueError, match="no multiarrange task named"):
        A.load_meadows(FIXTURE, task="nope")
    with pytest.raises(FileNotFoundError, match="path"):
        A.load_meadows(FIXTURE.with_name("missing.json"))


def test_meadows_two_tasks_match_rsatoolbox_task_by_task(tmp_path):
    import json

    from rsatoolbox.io.meadows import load_rdms

    data = json.loads(FIXTURE.read_text())
    second = json.loads(json.dumps(data["tasks"][1]))
    second["task"]["name"] = "ma_captions"
    second["rdm"] = [2 * v for v in second["rdm"]]
    for trial in second["trials"]:
        trial["positions"] = trial["positions"][::-1]  # another order on screen
    data["tasks"].append(second)
    path = tmp_path / FIXTURE.name  # rsatoolbox parses the file name
    path.write_text(json.dumps(data))
    ref = load_rdms(str(path), sort=False)
    assert list(ref.rdm_descriptors["task"]) == ["ma_scenes", "ma_captions"]
    for k, name in enumerate(["ma_scenes", "ma_captions"]):
        ma = A.load_meadows(path, task=name)
        assert ma.task == name
        np.testing.assert_allclose(ma.rdm, ref.get_vectors()[k])
    a, b = A.load_meadows(path, task="ma_scenes"), A.load_meadows(path, task="ma_captions")
    # reversed on-screen order, same items: the estimates agree once mapped back to stimulus order
    np.testing.assert_allclose(A.inverse_mds(a.trials, 6), A.inverse_mds(b.trials, 6), atol=1e-9)
