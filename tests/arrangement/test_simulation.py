"""Tests of ``repalign.arrangement.simulation``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import squareform

import synthetic
from repalign import arrangement as A
from repalign.rdm import compare_rdms, compute_rdm

GOOD = (np.array([0, 1, 2]), np.array([[0.0, 0], [0.5, 0], [0, 0.5]]))


def test_simulated_participant_recovers_2d_and_high_d_spaces():
    x2 = synthetic.space(40, 2)
    trials = A.simulate_participant(x2, n_trials=15, noise=0.0, metric="euclidean", seed=0)
    assert compare_rdms(A.inverse_mds(trials, 40), compute_rdm(x2, metric="euclidean")) > 0.99
    # high-D: the 2-D layouts distort, but more trials recover more
    x8 = synthetic.space(40, 8, seed=2)
    truth = compute_rdm(x8, metric="euclidean")
    few, many = (
        A.simulate_recovery(x8, n_trials=n, noise=0.03, metric="euclidean", seed=3, subset_sizes=None) for n in (1, 25)
    )
    assert many.scores["average"] > few.scores["average"] + 0.05
    assert many.scores["iterative"] >= many.scores["average"]
    assert truth.shape == (40, 40)


def test_simulation_is_deterministic_and_first_trial_holds_all_items():
    x = synthetic.space(25, 5)
    a = A.simulate_participant(x, n_trials=6, seed=11)
    b = A.simulate_participant(x, n_trials=6, seed=11)
    assert len(a) == len(b) and all(np.array_equal(i, j) and np.array_equal(p, q) for (i, p), (j, q) in zip(a, b))
    assert np.array_equal(a[0][0], np.arange(25))
    assert all(np.linalg.norm(p, axis=1).max() <= 1 + 1e-12 for _, p in a)


def test_iterative_beats_average_on_high_dimensional_truths():
    # A 2-D arena distorts a high-dimensional geometry; the iterative estimator's metric constraint
    # (a 20-D configuration fitted to all trials) recovers a planted Euclidean truth better than the
    # average (measured gains 0.01-0.04). Its assumption: dissimilarities behave like distances (for
    # correlation distances of random 30-D patterns, which behave like squared distances, it loses ~0.01).
    gains = []
    for seed in range(3):
        x = synthetic.space(40, 30, seed=seed)
        r = A.simulate_recovery(x, n_trials=10, noise=0.05, metric="euclidean", seed=seed)
        gains.append(r.scores["iterative"] - r.scores["average"])
    assert min(gains) > 0, gains


def test_lift_the_weakest_beats_random_subsets_at_equal_budget():
    x = synthetic.space(40, 6, seed=5)
    lift = [
        A.simulate_recovery(x, n_trials=12, estimators=("average",), noise=0.05, metric="euclidean", seed=s)
        for s in range(3)
    ]
    rand = [
        A.simulate_recovery(
            x,
            n_trials=12,
            estimators=("average",),
            design="random",
            subset_sizes=r.sizes[1:],
            noise=0.05,
            metric="euclidean",
            seed=s,
        )
        for s, r in enumerate(lift)
    ]
    assert [r.sizes for r in rand] == [r.sizes for r in lift]  # same budget
    assert np.mean([r.scores["average"] for r in lift]) >= np.mean([r.scores["average"] for r in rand]) - 0.01


def test_average_agrees_with_rsatoolbox_rescale():
    from rsatoolbox.rdm import RDMs
    from rsatoolbox.rdm.combine import rescale

    n = 30
    trials = A.simulate_participant(synthetic.space(n, 5), n_trials=10, noise=0.05, seed=4)
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
        A.simulate_participant(synthetic.space(5), design="greedy")
    with pytest.raises(ValueError, match="noise must be"):
        A.simulate_participant(synthetic.space(5), noise=-0.1)
    with pytest.raises(ValueError, match="embedding contains"):
        A.simulate_participant(np.full((5, 2), np.nan))
    with pytest.raises(TypeError, match="seed must be"):
        A.simulate_participant(synthetic.space(5), seed=None)


# --------------------------------------------------------------------------- bad inputs (issue 17)
def _rdm5():
    d = compute_rdm(synthetic.space(5, 3, seed=2), metric="euclidean")
    return d


def test_noise_accepts_numpy_scalars_and_refuses_nan_and_strings():
    x = synthetic.space(6, 3, seed=3)
    # a valid np.float32 noise was refused; it now gives the same participant as the Python float
    a = A.simulate_participant(x, n_trials=3, noise=np.float32(0.25), seed=1)
    b = A.simulate_participant(x, n_trials=3, noise=float(np.float32(0.25)), seed=1)
    assert len(a) == len(b) == 3
    for (ia, pa), (ib, pb) in zip(a, b, strict=True):
        np.testing.assert_array_equal(ia, ib)
        np.testing.assert_allclose(pa, pb)
    for call in (
        lambda n: A.simulate_participant(x, n_trials=2, noise=n),
        lambda n: A.arrange_subset(_rdm5(), noise=n),
    ):
        with pytest.raises(ValueError, match=r"^noise must be finite"):
            call(float("nan"))  # today: a NaN arrangement (arrange_subset) or a numpy error about evidence
        with pytest.raises(TypeError, match=r"^noise must be a real number"):
            call("0.1")


def test_simulate_participant_refuses_bad_criterion_seed_and_sizes():
    x = synthetic.space(6, 3, seed=3)
    with pytest.raises(TypeError, match=r"^criterion must be a real number"):
        A.simulate_participant(x, n_trials=3, criterion="x")
    with pytest.raises(ValueError, match=r"^seed must be a non-negative int"):
        A.simulate_participant(x, n_trials=2, seed=-1)
    with pytest.raises(ValueError, match=r"^subset_sizes is empty"):
        A.simulate_participant(x, n_trials=3, design="random", subset_sizes=[])
    with pytest.raises(ValueError, match=r"^max_items must be <= 6"):
        A.simulate_participant(x, n_trials=3, max_items=9)


def test_arrange_subset_refuses_non_rdms():
    d = _rdm5()
    with pytest.raises(ValueError, match=r"^dissimilarities must be square"):
        A.arrange_subset(d[:, :4])
    asym = d.copy()
    asym[0, 1] += 1.0
    with pytest.raises(ValueError, match=r"^dissimilarities must be symmetric"):
        A.arrange_subset(asym)
    with pytest.raises(ValueError, match=r"^max_iter must be >= 1"):
        A.arrange_subset(d, max_iter=0)


def test_recovery_refuses_bad_estimators_and_flags():
    x = synthetic.space(6, 3, seed=3)
    with pytest.raises(ValueError, match=r"^estimators is empty"):
        A.simulate_recovery(x, n_trials=2, estimators=[])  # today: an empty result
    with pytest.raises(TypeError, match=r"^estimators must be a sequence"):
        A.simulate_recovery(x, n_trials=2, estimators="average")
    with pytest.raises(TypeError, match=r"^progress must be True or False"):
        A.simulate_participant(x, n_trials=2, progress="yes")
