"""Tests of ``repalign.arrangement.design``."""

from __future__ import annotations

import numpy as np

from repalign import arrangement as A


def test_lift_the_weakest_starts_from_weakest_pair_and_stops():
    n = 8
    ev = np.full((n, n), 1.0)
    np.fill_diagonal(ev, 0)
    assert A.lift_the_weakest(ev, criterion=0.5) is None  # all utilities ~1: stop
    ev[2, 5] = ev[5, 2] = 0.0  # the weakest pair
    ev[2, 6] = ev[6, 2] = ev[5, 6] = ev[6, 5] = 0.01
    sub = A.lift_the_weakest(ev, criterion=0.5)
    assert {2, 5} <= set(sub.tolist()) and 6 in sub and len(sub) >= 3
    assert len(sub) < n  # well-measured items are not added
    # with no evidence at all the whole set is worth showing
    assert len(A.lift_the_weakest(np.zeros((n, n)))) == n
    assert len(A.lift_the_weakest(np.zeros((n, n)), max_items=5)) == 5
