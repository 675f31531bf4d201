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
