"""repalign.arrangement: planted-truth recovery, evidence, lift-the-weakest, rsatoolbox agreement,
the task session, Meadows import, bad inputs."""

from __future__ import annotations

import importlib
import time
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.distance import squareform

from repalign import arrangement as A

IM = importlib.import_module("repalign.arrangement.inverse_mds")  # the module (the package attribute is the function)
from repalign.rdm import compare_rdms, compute_rdm

FIXTURE = Path(__file__).parent / "fixtures" / "Meadows_demo_v_v1_cuddly-bunny_tree.json"


def _space(n=30, d=2, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d))


def _true_trials(x, subsets):
    """Noiseless trials that show each subset at its exact (scaled) 2-D geometry."""
    out = []
    for s in subsets:
        p = x[s] - x[s].mean(0)
        out.append((np.asarray(s), p / np.linalg.norm(p, axis=1).max()))
    return out


@pytest.mark.parametrize("estimator", A.ESTIMATORS)
def test_planted_2d_truth_recovered_exactly(estimator):
    x = _space(20)
    rng = np.random.default_rng(1)
    trials = _true_trials(x, [np.arange(20)] + [np.sort(rng.choice(20, 6, replace=False)) for _ in range(8)])
    est = A.inverse_mds(trials, 20, estimator=estimator)
    assert est.shape == (20, 20) and np.allclose(est, est.T) and np.all(np.diag(est) == 0)
    assert compare_rdms(est, compute_rdm(x, metric="euclidean"), method="pearson") > 0.9999


def test_simulated_participant_recovers_2d_and_high_d_spaces():
    x2 = _space(40, 2)
    trials = A.simulate_participant(x2, n_trials=15, noise=0.0, metric="euclidean", seed=0)
    assert compare_rdms(A.inverse_mds(trials, 40), compute_rdm(x2, metric="euclidean")) > 0.99
    # high-D: the 2-D layouts distort, but more trials recover more
    x8 = _space(40, 8, seed=2)
    truth = compute_rdm(x8, metric="euclidean")
    few, many = (A.simulate_recovery(x8, n_trials=n, noise=0.03, metric="euclidean", seed=3, subset_sizes=None)
                 for n in (1, 25))
    assert many.scores["average"] > few.scores["average"] + 0.05
    assert many.scores["iterative"] >= many.scores["average"]
    assert truth.shape == (40, 40)


def test_simulation_is_deterministic_and_first_trial_holds_all_items():
    x = _space(25, 5)
    a = A.simulate_participant(x, n_trials=6, seed=11)
    b = A.simulate_participant(x, n_trials=6, seed=11)
    assert len(a) == len(b) and all(np.array_equal(i, j) and np.array_equal(p, q) for (i, p), (j, q) in zip(a, b))
    assert np.array_equal(a[0][0], np.arange(25))
    assert all(np.linalg.norm(p, axis=1).max() <= 1 + 1e-12 for _, p in a)


def test_evidence_is_sum_of_squared_screen_distances():
    trials = [(np.array([0, 1, 2]), np.array([[-1.0, 0], [1, 0], [0, 0]])),
              (np.array([1, 2, 3]), np.array([[0.0, 0], [0, 1], [0, -1]]))]
    ev = A.evidence_matrix(trials, 5)
    assert ev[0, 1] == pytest.approx(1.0)            # opposite rims: 1 diameter
    assert ev[1, 2] == pytest.approx(0.25 + 0.25)    # shown twice, 0.5 diameters each time
    assert ev[0, 3] == 0 and ev[4].sum() == 0        # never shown together
    assert np.allclose(ev, ev.T)
    # the estimate is NaN exactly where there is no evidence (inverse_mds no longer returns the evidence)
    with pytest.warns(RuntimeWarning, match="never shown together"):
        est = A.inverse_mds(trials, 4)
    assert np.array_equal(np.isnan(est), (A.evidence_matrix(trials, 4) == 0) & ~np.eye(4, dtype=bool))


def test_lift_the_weakest_starts_from_weakest_pair_and_stops():
    n = 8
    ev = np.full((n, n), 1.0)
    np.fill_diagonal(ev, 0)
    assert A.lift_the_weakest(ev, criterion=0.5) is None          # all utilities ~1: stop
    ev[2, 5] = ev[5, 2] = 0.0                                   # the weakest pair
    ev[2, 6] = ev[6, 2] = ev[5, 6] = ev[6, 5] = 0.01
    sub = A.lift_the_weakest(ev, criterion=0.5)
    assert {2, 5} <= set(sub.tolist()) and 6 in sub and len(sub) >= 3
    assert len(sub) < n                                          # well-measured items are not added
    # with no evidence at all the whole set is worth showing
    assert len(A.lift_the_weakest(np.zeros((n, n)))) == n
    assert len(A.lift_the_weakest(np.zeros((n, n)), max_items=5)) == 5


def test_iterative_beats_average_on_high_dimensional_truths():
    # A 2-D arena distorts a high-dimensional geometry; the iterative estimator's metric constraint
    # (a 20-D configuration fitted to all trials) recovers a planted Euclidean truth better than the
    # average (measured gains 0.01-0.04). Its assumption: dissimilarities behave like distances (for
    # correlation distances of random 30-D patterns, which behave like squared distances, it loses ~0.01).
    gains = []
    for seed in range(3):
        x = _space(40, 30, seed=seed)
        r = A.simulate_recovery(x, n_trials=10, noise=0.05, metric="euclidean", seed=seed)
        gains.append(r.scores["iterative"] - r.scores["average"])
    assert min(gains) > 0, gains


def test_iterative_with_least_squares_scaling_would_be_biased():
    # Why the trials are scaled by root-sum-of-squares: a least-squares scale shrinks each trial by its
    # correlation with the estimate, so a trial that fits badly (a noisy one here) comes out too small.
    x = _space(12, 2, seed=1)
    clean = _true_trials(x, [np.arange(12)])[0]
    noisy = (clean[0], clean[1] + np.random.default_rng(0).normal(scale=0.8, size=clean[1].shape))
    st = IM._stack([clean, noisy], 12)
    est = IM._rms_normalise(IM._average(st))
    scaled = IM._trial_scaled(st, est)
    half = st.trial_of == 1
    e = est[st.pair[half]]
    ls = (st.dist[half] @ e) / (st.dist[half] @ st.dist[half]) * st.dist[half]
    assert np.sum(scaled[half] ** 2) == pytest.approx(np.sum(e ** 2))   # matched energy
    assert np.sum(ls ** 2) < 0.95 * np.sum(e ** 2)                     # least squares shrinks


def test_lift_the_weakest_beats_random_subsets_at_equal_budget():
    x = _space(40, 6, seed=5)
    lift = [A.simulate_recovery(x, n_trials=12, estimators=("average",), noise=0.05, metric="euclidean", seed=s)
            for s in range(3)]
    rand = [A.simulate_recovery(x, n_trials=12, estimators=("average",), design="random", subset_sizes=r.sizes[1:],
                                noise=0.05, metric="euclidean", seed=s) for s, r in enumerate(lift)]
    assert [r.sizes for r in rand] == [r.sizes for r in lift]  # same budget
    assert np.mean([r.scores["average"] for r in lift]) >= np.mean([r.scores["average"] for r in rand]) - 0.01


def test_average_agrees_with_rsatoolbox_rescale():
    from rsatoolbox.rdm import RDMs
    from rsatoolbox.rdm.combine import rescale

    n = 30
    trials = A.simulate_participant(_space(n, 5), n_trials=10, noise=0.05, seed=4)
    partial = np.full((len(trials), n * (n - 1) // 2), np.nan)
    for t, (idx, pos) in enumerate(trials):
        m = np.full((n, n), np.nan)
        m[np.ix_(idx, idx)] = squareform(A.trial_distances(pos))
        np.fill_diagonal(m, 0)
        partial[t] = squareform(m, checks=False)
    scaled = rescale(RDMs(partial), method="evidence")
    theirs = scaled.mean(weights="rescalingWeights").get_vectors()[0]
    ours = squareform(A.inverse_mds(trials, n, estimator="average"), checks=False)
    assert np.corrcoef(ours, theirs)[0, 1] > 0.9999


@pytest.mark.parametrize("estimator", A.ESTIMATORS)
def test_unestimable_pairs_are_nan_with_warning(estimator):
    trials = [(np.array([0, 1, 2]), np.array([[0.0, 0], [1, 0], [0, 1]])),
              (np.array([2, 3, 4]), np.array([[0.0, 0], [1, 0], [0, 1]]))]
    with pytest.warns(RuntimeWarning, match="never shown together"):
        est = A.inverse_mds(trials, 5, estimator=estimator)
    assert np.isnan(est[0, 3]) and np.isnan(est[3, 0]) and np.isfinite(est[0, 1]) and est[0, 0] == 0


def test_session_driven_programmatically():
    x = _space(12, 3, seed=7)
    truth = compute_rdm(x, metric="euclidean")
    s = A.ArrangementSession(12, max_trials=6, seed=0)
    assert np.array_equal(s.current_items, np.arange(12)) and s.start_positions().shape == (12, 2)
    while not s.done:
        idx = s.current_items
        s.submit(A.arrange_subset(truth[np.ix_(idx, idx)], noise=0.0))
    assert 1 <= len(s.trials) <= 6 and s.evidence.shape == (12, 12)
    assert compare_rdms(s.estimate(), truth) > 0.9
    assert set(s.to_dict()) == {"n_items", "trials"}
    with pytest.raises(RuntimeError, match="over"):
        s.submit(np.zeros((3, 2)))
    s2 = A.ArrangementSession(5)
    with pytest.raises(ValueError, match="positions"):
        s2.submit(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="arena"):
        s2.submit(np.full((5, 2), 2.0))


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
        trial["positions"] = trial["positions"][::-1]          # another order on screen
    data["tasks"].append(second)
    path = tmp_path / FIXTURE.name                                # rsatoolbox parses the file name
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


GOOD = (np.array([0, 1, 2]), np.array([[0.0, 0], [0.5, 0], [0, 0.5]]))


@pytest.mark.parametrize("trials, err, match", [
    ([(np.array([0, 1, 2]), np.zeros((3, 3)))], ValueError, r"trials\[0\] positions must have shape \(3, 2\)"),
    ([(np.array([0, 1, 2]), np.zeros(3))], ValueError, r"trials\[0\] positions must be 2-D"),
    ([(np.array([0, 1, 9]), np.zeros((3, 2)))], ValueError, r"trials\[0\] item_indices must lie in \[0, 5\)"),
    ([(np.array([-1, 1, 2]), np.zeros((3, 2)))], ValueError, r"must lie in"),
    ([GOOD, (np.array([0, 1, 1]), np.zeros((3, 2)))], ValueError, r"trials\[1\] item_indices contains repeated"),
    ([(np.array([0, 1]), np.zeros((2, 2)))], ValueError, r"trials\[0\] holds 2 item\(s\); a trial needs at least 3"),
    ([(np.array([0, 1, 2]), np.array([[0.0, 0], [np.nan, 0], [0, 1]]))], ValueError, r"NaN or infinite"),
    ([(np.array([0, 1, 2]), np.array([[0.0, 0], [np.inf, 0], [0, 1]]))], ValueError, r"NaN or infinite"),
    ([(np.array([0.0, 1, 2]), np.zeros((3, 2)))], TypeError, r"item_indices must be a 1-D integer array"),
    ([np.zeros((3, 2))], TypeError, r"trials\[0\] must be a pair"),
    ([], ValueError, r"trials is empty"),
    ("abc", TypeError, r"trials must be a sequence"),
])
def test_bad_trials(trials, err, match):
    with pytest.raises(err, match=match):
        A.inverse_mds(trials, 5)


def test_bad_arguments():
    with pytest.raises(ValueError, match="estimator must be one of"):
        A.inverse_mds([GOOD], 5, estimator="mean")
    with pytest.raises(TypeError, match="n_items must be an integer"):
        A.inverse_mds([GOOD], 5.0)
    with pytest.raises(ValueError, match="n_components must be"):
        A.inverse_mds([GOOD], 5, estimator="iterative", n_components=0)
    with pytest.raises(ValueError, match="evidence must be a square"):
        A.lift_the_weakest(np.zeros((4, 5)))
    with pytest.raises(ValueError, match="evidence must be non-negative"):
        A.lift_the_weakest(-np.ones((4, 4)))
    with pytest.raises(ValueError, match="design must be one of"):
        A.simulate_participant(_space(5), design="greedy")
    with pytest.raises(ValueError, match="noise must be"):
        A.simulate_participant(_space(5), noise=-0.1)
    with pytest.raises(ValueError, match="embedding contains"):
        A.simulate_participant(np.full((5, 2), np.nan))
    with pytest.raises(TypeError, match="seed must be"):
        A.simulate_participant(_space(5), seed=None)


def test_iterative_is_fast_on_100_items_60_trials():
    rng = np.random.default_rng(0)
    trials = [(np.arange(100), rng.uniform(-0.7, 0.7, (100, 2)))]
    trials += [(np.sort(rng.choice(100, k, replace=False)), rng.uniform(-0.7, 0.7, (k, 2)))
               for k in rng.integers(5, 30, 59)]
    t0 = time.perf_counter()
    A.inverse_mds(trials, 100, estimator="iterative")
    assert time.perf_counter() - t0 < 5.0
