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


def test_paired_groups_share_the_person_across_tasks():
    """The same person does both tasks: their two RDMs agree more than two different people's do."""
    from repalign.book import simulate_group, simulate_paired_groups
    from repalign.inference import crossed_random_effects

    rng = np.random.default_rng(4)
    shared, vis, lin = (rng.normal(size=(14, d)) for d in (5, 4, 3))
    kw = dict(n_participants=6, n_trials=3, noise=1.0, progress=False)
    paired = simulate_paired_groups(shared, vis, lin, **kw, seed=0)
    assert paired["visual"].shape == paired["linguistic"].shape == (6, 14, 14)
    res = crossed_random_effects(paired["visual"], paired["linguistic"], paired=True, n_boot=50)
    assert res.within_person > res.estimate + 0.1  # shared idiosyncrasies and shared weight
    # two independent groups: no such person effect on the diagonal
    indep = [simulate_group(shared, s, **kw, seed=k) for k, s in enumerate((vis, lin))]
    unpaired = crossed_random_effects(*indep, paired=True, n_boot=50)
    assert unpaired.within_person < unpaired.estimate + 0.05
    # seeded: the same seed gives the same RDMs
    again = simulate_paired_groups(shared, vis, lin, **kw, seed=0)
    np.testing.assert_array_equal(again["visual"], paired["visual"])


def test_mixed_space_refuses_nan_and_strings_and_accepts_numpy_scalars():
    # issue 17: noise=nan gave a NaN space (an error deep inside numpy later); strings failed inside numpy
    from repalign.book.cohorts import mixed_space

    rng = np.random.default_rng(0)
    shared, specific = rng.normal(size=(6, 4)), rng.normal(size=(6, 3))
    a = mixed_space(shared, specific, weight=np.float32(0.5), noise=np.float32(0.25), seed=1)
    b = mixed_space(shared, specific, weight=0.5, noise=0.25, seed=1)
    np.testing.assert_allclose(a, b)
    with pytest.raises(ValueError, match=r"^noise must be finite"):
        mixed_space(shared, specific, weight=0.5, noise=float("nan"))
    with pytest.raises(TypeError, match=r"^weight must be a real number"):
        mixed_space(shared, specific, weight="0.5", noise=0.1)
    with pytest.raises(ValueError, match=r"^weight must be <= 1"):
        mixed_space(shared, specific, weight=1.5, noise=0.1)
