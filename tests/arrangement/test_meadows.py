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


# ------------------------------------------------------------------------------------ real exports (data/meadows)
MEADOWS = Path(__file__).resolve().parents[2] / "data" / "meadows"
TWO_TASKS = MEADOWS / "Meadows_twoMaTasks_v_v1_informed-mole_tree.json"
MAT = MEADOWS / "Meadows_myExp_v_v1_arrangement_1D.mat"
FORM = MEADOWS / "Meadows_nsd100annotations_v_v1_devoted-caiman_2_annotations.csv"


def test_meadows_files_match_their_checksums():
    from repalign.stimuli.sets import read_verified

    for path in (TWO_TASKS, MAT, FORM, MEADOWS / "SOURCE.md", MEADOWS / "LICENSE_rsatoolbox_MIT.txt"):
        assert read_verified(MEADOWS.parent, f"meadows/{path.name}") == path.read_bytes()


def test_real_multi_task_tree_skips_info_tasks_and_matches_rsatoolbox():
    from rsatoolbox.io.meadows import load_rdms

    ref = load_rdms(str(TWO_TASKS), sort=False)
    assert list(ref.rdm_descriptors["task"]) == ["ma1", "ma2"]
    first = A.load_meadows(TWO_TASKS)
    assert first.task == "ma1"  # the first multiarrange task; the info task "gi1" before it is skipped
    for k, name in enumerate(["ma1", "ma2"]):
        ma = A.load_meadows(TWO_TASKS, task=name)
        assert ma.task == name and ma.stimuli == ["beach", "fireplace", "river"] and len(ma.trials) == 2
        assert [s.split(".")[0] for s in ma.stimuli] == list(ref.pattern_descriptors["conds"])
        np.testing.assert_allclose(ma.rdm, ref.get_vectors()[k], rtol=0, atol=1e-15)
        assert max(np.linalg.norm(p, axis=1).max() for _, p in ma.trials) == pytest.approx(1.0)
    # the first trial of ma1 lists river, beach, fireplace: indices into the task's stimulus order
    np.testing.assert_array_equal(first.trials[0][0], [2, 0, 1])
    with pytest.raises(ValueError, match="no multiarrange task named 'gi1'.*'ma1', 'ma2'"):
        A.load_meadows(TWO_TASKS, task="gi1")


def _real(path=TWO_TASKS):
    import json

    return json.loads(path.read_text(encoding="utf-8"))


def _write(tmp_path, data, name="Meadows_x_v_v1_some-one_tree.json"):
    import json

    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def _same(a, b):
    assert (a.task, a.stimuli) == (b.task, b.stimuli)
    np.testing.assert_array_equal(a.rdm, b.rdm)
    for (ia, pa), (ib, pb) in zip(a.trials, b.trials, strict=True):
        np.testing.assert_array_equal(ia, ib)
        np.testing.assert_allclose(pa, pb, rtol=0, atol=1e-15)


def test_single_task_tree_reads_like_the_same_task_in_a_multi_task_tree(tmp_path):
    data = _real()
    single = data["tasks"][3]  # ma2: task, stimuli, trials and rdm at the top level
    assert single["task"]["name"] == "ma2"
    _same(A.load_meadows(_write(tmp_path, single)), A.load_meadows(TWO_TASKS, task="ma2"))
    _same(A.load_meadows(_write(tmp_path, single), task="ma2"), A.load_meadows(TWO_TASKS, task="ma2"))
    info = data["tasks"][0]
    with pytest.raises(ValueError, match=r"no multiarrange task \(task types: info\)"):
        A.load_meadows(_write(tmp_path, info))


def test_object_and_list_positions_read_the_same(tmp_path):
    data = _real()
    for t in data["tasks"]:
        for trial in t["trials"]:
            trial["positions"] = [[p["id"], p["x"], p["y"]] for p in trial["positions"]]
    as_lists = _write(tmp_path, data)
    for name in ("ma1", "ma2"):
        _same(A.load_meadows(as_lists, task=name), A.load_meadows(TWO_TASKS, task=name))


def _broken(edit):
    data = _real()
    edit(data)
    return data


MALFORMED = {
    "top-level list": ([1, 2], "JSON list at the top level"),
    "tasks not a list": ({"tasks": 5}, "'tasks' must be a list of task objects; got int"),
    "neither layout": ({"token": None}, "neither a 'tasks' list"),
    "task not an object": ({"tasks": ["ma1"]}, r"tasks\[0\] must be a task object; got str"),
    "missing stimuli": (
        _broken(lambda d: d["tasks"][1].pop("stimuli")),
        r"tasks\[1\] needs a non-empty 'stimuli'.*missing",
    ),
    "empty stimuli": (_broken(lambda d: d["tasks"][1].update(stimuli=[])), r"'stimuli'.*\(empty\)"),
    "stimulus without name": (_broken(lambda d: d["tasks"][1]["stimuli"][2].pop("name")), r"stimuli\[2\] must be"),
    "repeated stimulus id": (
        _broken(lambda d: d["tasks"][1]["stimuli"][2].update(id=d["tasks"][1]["stimuli"][0]["id"])),
        "repeats stimulus id",
    ),
    "two stimuli": (_broken(lambda d: d["tasks"][1]["stimuli"].pop()), "lists 2 stimuli; a multiple-arrangement task"),
    "missing trials": (_broken(lambda d: d["tasks"][1].pop("trials")), "needs a 'trials' list; got missing"),
    "no trials": (_broken(lambda d: d["tasks"][1].update(trials=[])), "holds no trials"),
    "trial without positions": (_broken(lambda d: d["tasks"][1]["trials"][1].pop("positions")), r"trials\[1\] needs"),
    "object position without y": (
        _broken(lambda d: d["tasks"][1]["trials"][0]["positions"][1].pop("y")),
        r"trials\[0\]\.positions\[1\] lacks 'y'",
    ),
    "list position without y": (
        _broken(
            lambda d: d["tasks"][1]["trials"][0].update(
                positions=[[p["id"], p["x"]] for p in d["tasks"][1]["trials"][0]["positions"]]
            )
        ),
        r"positions\[0\] holds 2 value\(s\); a position list is \[id, x, y\]",
    ),
    "text coordinate": (
        _broken(lambda d: d["tasks"][1]["trials"][0]["positions"][0].update(x="0.3")),
        r"positions\[0\] x must be a finite number",
    ),
    "unknown stimulus": (
        _broken(lambda d: d["tasks"][1]["trials"][0]["positions"][0].update(id="nope")),
        "names stimulus 'nope', not among",
    ),
    "too few items": (
        _broken(lambda d: d["tasks"][1]["trials"][0]["positions"].pop()),
        r"trials\[0\] holds 2 item\(s\)",
    ),
    "rdm too long": (_broken(lambda d: d["tasks"][1]["rdm"].append(0.5)), "'rdm' holds 4 values; 3 stimuli need 3"),
    "rdm too short": (_broken(lambda d: d["tasks"][1]["rdm"].pop()), "'rdm' holds 2 values; 3 stimuli need 3"),
    "rdm not numbers": (_broken(lambda d: d["tasks"][1].update(rdm=["a", "b", "c"])), "'rdm' must hold numbers"),
    "not JSON": ("{'tasks': [", "not valid JSON"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_tree_exports_are_refused_in_one_line(tmp_path, case):
    data, message = MALFORMED[case]
    path = _write(tmp_path, data)
    with pytest.raises(ValueError, match=message) as err:
        A.load_meadows(path)
    assert "\n" not in str(err.value)
    assert path.name in str(err.value)


def test_unreadable_paths_are_refused(tmp_path):
    binary = tmp_path / "latin1_tree.json"
    binary.write_bytes('{"tasks": [], "note": "caf\u00e9"}'.encode("latin-1"))
    with pytest.raises(ValueError, match=r"is not UTF-8 text \(byte 0xe9 at offset"):
        A.load_meadows(binary)
    with pytest.raises(IsADirectoryError, match="is a directory"):
        A.load_meadows(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        A.load_meadows(tmp_path / "missing.json")
    with pytest.raises(TypeError, match="task must be a task name"):
        A.load_meadows(TWO_TASKS, task=1)


# Meadows' own RDM against inverse MDS of the participant's own trials (issue 16). Observed: the two real tasks
# (3 stimuli, 2 trials over all 3 items, so only 3 pairs) are reproduced to rounding error (max |diff| <= 1e-15
# after RMS normalisation) by both estimators; the demo fixture (6 stimuli, 3 partial trials) to 4e-5
# (Pearson 0.9999999993 average / 0.9999999994 iterative, Spearman 1).
REPRODUCTION = [
    (TWO_TASKS, "ma1", 1e-12),
    (TWO_TASKS, "ma2", 1e-12),
    (FIXTURE, "ma_scenes", 1e-4),
]


@pytest.mark.parametrize("estimator", A.ESTIMATORS)
@pytest.mark.parametrize(("path", "task", "atol"), REPRODUCTION, ids=["real ma1", "real ma2", "demo fixture"])
def test_inverse_mds_of_the_trials_reproduces_meadows_rdm(path, task, atol, estimator):
    from repalign.rdm.compute import to_condensed

    ma = A.load_meadows(path, task=task)
    est = to_condensed(A.inverse_mds(ma.trials, len(ma.stimuli), estimator=estimator))
    ref = ma.rdm / np.sqrt(np.mean(ma.rdm**2))  # inverse_mds returns RMS 1; Meadows' scale is its own
    assert np.sqrt(np.mean(est**2)) == pytest.approx(1.0)
    assert np.abs(est - ref).max() < atol
    assert compare_rdms(est, ref, method="pearson") > 1 - atol
    assert compare_rdms(est, ref, method="spearman") == pytest.approx(1.0)


# ------------------------------------------------------------------------------------ MATLAB "1D" download
def test_mat_download_matches_rsatoolbox():
    from rsatoolbox.io.meadows import load_rdms

    r = A.load_meadows_rdms(MAT)
    assert r.rdms.shape == (3, 118, 118) and r.participants == ["able-fly", "clean-koi", "cuddly-bunny"]
    assert len(r.stimuli) == 118 and r.stimuli[:2] == ["stim118.png", "stim117.png"]  # the file's order
    np.testing.assert_array_equal(r.rdms, r.rdms.transpose(0, 2, 1))
    assert (np.diagonal(r.rdms, axis1=1, axis2=2) == 0).all()
    ref = load_rdms(str(MAT), sort=False)
    assert list(ref.rdm_descriptors["participant"]) == r.participants
    assert [s.split(".")[0] for s in r.stimuli] == list(ref.pattern_descriptors["conds"])
    np.testing.assert_array_equal(r.rdms, ref.get_matrices())
    ref_sorted = load_rdms(str(MAT))  # rsatoolbox's default sorts by name
    order = np.argsort(r.stimuli)
    np.testing.assert_array_equal(r.rdms[:, order][:, :, order], ref_sorted.get_matrices())
    # the three participants agree little (SOURCE.md): use them for the format, not for findings
    iu = np.triu_indices(118, k=1)
    r_between = np.corrcoef(r.rdms[:, iu[0], iu[1]])[np.triu_indices(3, k=1)]
    assert np.all((r_between > 0.01) & (r_between < 0.2))


def test_single_participant_mat_and_reordered_stimuli(tmp_path):
    from rsatoolbox.io.meadows import load_rdms
    from scipy.io import loadmat, savemat

    data = loadmat(str(MAT))
    one = tmp_path / "Meadows_myExp_v_v1_clean-koi_2_1D.mat"
    savemat(str(one), {"rdmutv": data["rdmutv_clean_koi"], "stimuli": data["stimuli_clean_koi"]})
    r = A.load_meadows_rdms(one)
    assert r.participants == ["clean-koi"] and r.rdms.shape == (1, 118, 118)
    np.testing.assert_array_equal(r.rdms[0], A.load_meadows_rdms(MAT).rdms[1])
    np.testing.assert_array_equal(r.rdms, load_rdms(str(one), sort=False).get_matrices())
    # a participant listing the same stimuli in another order is put in the first participant's order
    flipped = dict(data)
    rdm = np.ascontiguousarray(A.load_meadows_rdms(MAT).rdms[2][::-1, ::-1])
    flipped["stimuli_cuddly_bunny"] = np.ascontiguousarray(data["stimuli_cuddly_bunny"][::-1])
    flipped["rdmutv_cuddly_bunny"] = rdm[np.triu_indices(118, k=1)][None]
    path = tmp_path / "Meadows_myExp_v_v1_arrangement_1D.mat"
    savemat(str(path), {k: v for k, v in flipped.items() if not k.startswith("__")})
    np.testing.assert_array_equal(A.load_meadows_rdms(path).rdms, A.load_meadows_rdms(MAT).rdms)


def test_malformed_mat_downloads_are_refused(tmp_path):
    from scipy.io import savemat

    names = np.array(["a.png", "b.png", "c.png"])
    cases = {
        "wrong_length": ({"rdmutv_x_y": np.ones((1, 4)), "stimuli_x_y": names}, "holds 4 values; 3 stimuli need 3"),
        "no_stimuli": ({"rdmutv_x_y": np.ones((1, 3))}, "'rdmutv_x_y' has no 'stimuli_x_y' beside it"),
        "no_rdm": ({"stimuli": names}, r"no 'rdmutv' or 'rdmutv_<participant>' variable \(variables: stimuli\)"),
        "other_stimuli": (
            {
                "rdmutv_a": np.ones((1, 3)),
                "stimuli_a": names,
                "rdmutv_b": np.ones((1, 3)),
                "stimuli_b": np.array(["c.png", "b.png", "x.png"]),
            },
            "'stimuli_b' lists other stimuli",
        ),
        "numeric_stimuli": ({"rdmutv": np.ones((1, 3)), "stimuli": np.arange(3.0)}, "must hold stimulus names"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / f"{name}_1D.mat"
        savemat(str(path), content)
        with pytest.raises(ValueError, match=message) as err:
            A.load_meadows_rdms(path)
        assert "\n" not in str(err.value)
    text = tmp_path / "fake_1D.mat"
    text.write_text("not a mat file")
    with pytest.raises(ValueError, match="not a readable MATLAB file"):
        A.load_meadows_rdms(text)
    with pytest.raises(IsADirectoryError, match="is a directory"):
        A.load_meadows_rdms(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        A.load_meadows_rdms(tmp_path / "missing.mat")


# ------------------------------------------------------------------------------------ Stimulus Form CSV
def test_annotations_of_one_participant_align_with_special100():
    from repalign.stimuli import load_stimuli

    a = A.load_meadows_annotations(FORM)
    assert (a.participant, a.task, len(a)) == ("devoted-caiman", "stimform1", 100)
    assert a.stimuli[0] == "shared0004_nsd03078" and a.nsd_file_id[0] == 3078 and a.nsd_shared1000_idx[0] == 4
    assert list(a.features) == ["distance", "animacy", "inoutdoors", "color"]
    d = a.features["distance"]
    assert d.dtype == float and np.isfinite(d).all() and d.min() >= 0 and d.max() <= 1
    assert set(a.features["animacy"]) == {"No", "Yes, animals/humans present"}
    assert set(a.features["inoutdoors"]) == {"Indoor", "Outdoor"}
    assert set(a.features["color"]) == {"blue", "green", "red"}
    s = load_stimuli("nsd_special100")
    b = a.in_order_of(s)
    np.testing.assert_array_equal(b.nsd_file_id, s.meta["nsd_file_id"].to_numpy(dtype=np.int64))
    np.testing.assert_array_equal(b.nsd_file_id, s.meta["nsd_id"].to_numpy(dtype=np.int64) + 1)
    np.testing.assert_array_equal(b.nsd_shared1000_idx, s.meta["nsd_shared1000_idx"].to_numpy(dtype=np.int64))
    k = a.stimuli.index(b.stimuli[5])
    assert b.features["color"][5] == a.features["color"][k] and b.features["distance"][5] == d[k]
    sub = a.in_order_of(s.subset([3, 1]))
    assert sub.stimuli == [b.stimuli[3], b.stimuli[1]]
    with pytest.raises(ValueError, match="900 of the 1000 scenes of 'nsd_shared1000' were not rated"):
        a.in_order_of(load_stimuli("nsd_shared1000"))
    with pytest.raises(ValueError, match="StimulusSet with NSD ids"):
        a.in_order_of([1, 2])


def test_malformed_annotations_are_refused(tmp_path):
    lines = FORM.read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    cases = {
        "twice": ([header, rows[0], rows[1], rows[0]], "line 4: shared0004_nsd03078 was already rated on line 2"),
        "bad_name": ([header, rows[0].replace("shared0004_nsd03078", "scene4.png")], "is not sharedNNNN_nsdNNNNN"),
        "bad_label": ([header, rows[0].replace('"{', '"[').replace('}"', ']"')], "is not a JSON object"),
        "no_label": ([header.replace("label", "answer"), rows[0]], r"missing column\(s\) \['label'\]"),
        "empty": ([header], "no rows"),
        "two_people": ([header, rows[0], rows[1].replace("devoted-caiman", "other-one")], "one participation expected"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / f"{name}.csv"
        path.write_text("\n".join(content) + "\n", encoding="utf-8")
        with pytest.raises(ValueError, match=message) as err:
            A.load_meadows_annotations(path)
        assert "\n" not in str(err.value)
    latin = tmp_path / "latin.csv"
    latin.write_bytes((header + "\n" + rows[0].replace("green", "gr\u00fcn") + "\n").encode("latin-1"))
    with pytest.raises(ValueError, match="not UTF-8 text"):
        A.load_meadows_annotations(latin)
    with pytest.raises(IsADirectoryError):
        A.load_meadows_annotations(tmp_path)
    with pytest.raises(FileNotFoundError):
        A.load_meadows_annotations(tmp_path / "missing.csv")
