"""Tests of ``repalign.book.cohorts``."""

from __future__ import annotations

import numpy as np
import pytest


def test_two_session_simulation_counterbalances_and_carries_over():
    from repalign.book import simulate_two_sessions
    from repalign.inference import random_effects

    rng = np.random.default_rng(3)
    shared, vis, lin = (rng.normal(size=(14, d)) for d in (5, 4, 3))
    runs = {
        c: simulate_two_sessions(shared, vis, lin, n_participants=6, n_trials=3, carryover=c, seed=0, progress=False)
        for c in (0.0, 0.8)
    }
    out = runs[0.8]
    assert out.session1.shape == out.session2.shape == (6, 14, 14)
    assert out.first.tolist() == ["visual", "linguistic"] * 3
    within = {c: random_effects(r.session1, r.session2, pairing="matched", n_perm=10).mean for c, r in runs.items()}
    assert within[0.8] > within[0.0]  # memory of session 1 inflates within-person agreement
    with pytest.raises(ValueError, match="carryover"):
        simulate_two_sessions(shared, vis, lin, n_participants=4, n_trials=2, carryover=1.5, progress=False)
