"""Tests of ``repalign.arrangement.session``."""

from __future__ import annotations

import numpy as np
import pytest

import synthetic
from repalign import arrangement as A
from repalign.rdm import compare_rdms, compute_rdm


def test_session_driven_programmatically():
    x = synthetic.space(12, 3, seed=7)
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
        s2.submit(np.column_stack([2.0 + 0.1 * np.arange(5), np.zeros(5)]))  # distinct, outside the arena
    with pytest.raises(ValueError, match="place all 5 items at one point"):
        s2.submit(np.full((5, 2), 0.5))  # today: accepted, and the estimate is all NaN


@pytest.mark.parametrize(("bad", "exc"), [("0.5", TypeError), (float("nan"), ValueError), (1.5, ValueError)])
def test_session_refuses_bad_criterion_at_construction(bad, exc):
    # today: "0.5" is silently coerced by float(); nan makes the session never stop early
    with pytest.raises(exc, match=r"^criterion must be"):
        A.ArrangementSession(5, criterion=bad)
