"""Tests of ``repalign.inference.multiple``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import false_discovery_control

from repalign.inference import fdr


def test_fdr_is_benjamini_hochberg():
    p = np.random.default_rng(0).uniform(0, 0.1, 50)
    np.testing.assert_array_equal(fdr(p, q=0.05), false_discovery_control(p, method="bh") <= 0.05)
    with_nan = np.array([0.001, np.nan, 0.04, 0.5])
    np.testing.assert_array_equal(fdr(with_nan), [True, False, False, False])


@pytest.mark.parametrize(
    ("pvalues", "match"),
    [
        (None, "got NoneType"),
        ("0.01", "got str"),
        (["0.01", "0.2"], "got dtype <U4"),
        ([0.01, None], "got dtype object"),
        ([True, False], "got dtype bool"),
    ],
)
def test_fdr_refuses_what_is_not_numbers(pvalues, match):
    with pytest.raises(TypeError, match=rf"^pvalues must be an array-like of numbers; {match}"):
        fdr(pvalues)


def test_fdr_bad_q_and_range():
    with pytest.raises(ValueError, match="q must be in"):
        fdr([0.1], q=1.5)
    with pytest.raises(ValueError, match=r"pvalues must lie in \[0, 1\]"):
        fdr([0.1, 1.2])
