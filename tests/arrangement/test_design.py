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


# --------------------------------------------------------------------------- bad inputs (issue 17)
def _weak_evidence(n=6):
    ev = np.full((n, n), 0.01)
    np.fill_diagonal(ev, 0)
    return ev


def test_lift_the_weakest_refuses_asymmetric_evidence():
    import pytest

    ev = _weak_evidence()
    ev[0, 1] = 0.5  # today: accepted, and the design reads only the upper triangle
    with pytest.raises(ValueError, match=r"^evidence must be symmetric"):
        A.lift_the_weakest(ev)


def test_lift_the_weakest_refuses_non_finite_and_string_parameters():
    import pytest

    ev = _weak_evidence()
    for name in ("cost_exponent", "utility_scale", "increment", "criterion"):
        with pytest.raises(ValueError, match=rf"^{name} must be finite"):
            A.lift_the_weakest(ev, **{name: float("nan")})
        with pytest.raises(TypeError, match=rf"^{name} must be a real number"):
            A.lift_the_weakest(ev, **{name: "1"})
    with pytest.raises(ValueError, match=r"^increment must be > 0"):
        A.lift_the_weakest(ev, increment=-0.1)
    with pytest.raises(ValueError, match=r"^criterion must be <= 1"):
        A.lift_the_weakest(ev, criterion=2.0)
    # numpy scalars are numbers: the same trial as with Python floats
    np.testing.assert_array_equal(
        A.lift_the_weakest(ev, criterion=np.float32(0.5), cost_exponent=np.float64(1.5)),
        A.lift_the_weakest(ev, criterion=0.5, cost_exponent=1.5),
    )
