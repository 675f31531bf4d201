"""Tests of ``repalign.arrangement.trials``."""

from __future__ import annotations

import numpy as np
import pytest

from repalign import arrangement as A


def test_evidence_is_sum_of_squared_screen_distances():
    trials = [
        (np.array([0, 1, 2]), np.array([[-1.0, 0], [1, 0], [0, 0]])),
        (np.array([1, 2, 3]), np.array([[0.0, 0], [0, 1], [0, -1]])),
    ]
    ev = A.evidence_matrix(trials, 5)
    assert ev[0, 1] == pytest.approx(1.0)  # opposite rims: 1 diameter
    assert ev[1, 2] == pytest.approx(0.25 + 0.25)  # shown twice, 0.5 diameters each time
    assert ev[0, 3] == 0 and ev[4].sum() == 0  # never shown together
    assert np.allclose(ev, ev.T)
    # the estimate is NaN exactly where there is no evidence (inverse_mds no longer returns the evidence)
    with pytest.warns(RuntimeWarning, match="never shown together"):
        est = A.inverse_mds(trials, 4)
    assert np.array_equal(np.isnan(est), (A.evidence_matrix(trials, 4) == 0) & ~np.eye(4, dtype=bool))


def test_evidence_utility_refuses_bad_scale_and_evidence():
    np.testing.assert_allclose(A.evidence_utility(np.array([0.0, 0.1]), scale=np.float32(10)), [0, 1 - np.exp(-1)])
    with pytest.raises(ValueError, match=r"^scale must be finite"):
        A.evidence_utility(np.zeros(3), scale=float("nan"))  # today: an all-NaN utility
    with pytest.raises(ValueError, match=r"^scale must be > 0"):
        A.evidence_utility(np.zeros(3), scale=-1.0)
    with pytest.raises(ValueError, match=r"^evidence contains 1 NaN"):
        A.evidence_utility(np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match=r"^evidence must be non-negative"):
        A.evidence_utility(np.array([0.0, -1.0]))
    with pytest.raises(TypeError, match=r"^evidence must hold real numbers"):
        A.evidence_utility(np.array(["a"]))


def test_trial_distances_and_trials_refuse_unreadable_positions():
    np.testing.assert_allclose(A.trial_distances([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]), [0.5, 0.5, np.sqrt(2) / 2])
    with pytest.raises(ValueError, match=r"^positions must be 2-D"):
        A.trial_distances([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"^positions contains 1 NaN"):
        A.trial_distances([[0.0, 0.0], [np.nan, 1.0]])  # today: a NaN distance
    with pytest.raises(ValueError, match=r"^positions must have shape \(k, 2\)"):
        A.trial_distances(np.eye(3))  # today: 3-D distances read as screen distances
    with pytest.raises(ValueError, match=r"^trials\[0\] positions place all 3 items at one point"):
        A.check_trials([(np.array([0, 1, 2]), np.full((3, 2), 0.3))], 3)  # today: an all-NaN inverse MDS
