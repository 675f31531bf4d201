"""Tests of ``repalign.core.intervals.Interval``: the one interval type refuses a meaningless level."""

from __future__ import annotations

import numpy as np
import pytest

from repalign.core import Interval


def test_interval_unpacks_and_checks_its_level():
    ci = Interval(0.1, 0.4, 0.9)
    lo, hi = ci
    assert (lo, hi) == (0.1, 0.4) and 0.2 in ci and ci.width == pytest.approx(0.3) and ci.excludes(0.0)
    assert Interval(0.1, 0.4, np.float32(0.95)).level == pytest.approx(0.95)
    for bad in (np.nan, 0.0, 1.0, 95):
        with pytest.raises(ValueError, match="level must lie in"):
            Interval(0.0, 1.0, bad)
    for bad in ("0.95", True, None):
        with pytest.raises(TypeError, match="level must be a number"):
            Interval(0.0, 1.0, bad)
