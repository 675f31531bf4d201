"""Tests of ``repalign.rdm.annotations``."""

from __future__ import annotations

import numpy as np
import pytest


def test_category_rdm_is_jaccard_distance():
    from repalign.rdm import category_rdm

    cats = [["dog", "person"], ["dog"], ["pizza"], ["person", "dog"]]
    d = category_rdm(cats)
    assert d.shape == (4, 4)
    assert d[0, 1] == pytest.approx(0.5)  # {dog} / {dog, person}
    assert d[0, 2] == pytest.approx(1.0)  # disjoint
    assert d[0, 3] == pytest.approx(0.0)  # same set, other order
    assert d[1, 3] == pytest.approx(0.5)
    np.testing.assert_array_equal(d, d.T)
    np.testing.assert_array_equal(np.diag(d), 0)


@pytest.mark.parametrize(
    "cats, exc, match",
    [
        ([["dog"], []], ValueError, r"categories\[1\] is empty"),
        ([["dog"], "cat"], TypeError, r"categories\[1\] is a string"),
        ([["dog"]], ValueError, "at least 2"),
        ("dog", TypeError, "categories"),
    ],
)
def test_category_rdm_bad_input(cats, exc, match):
    from repalign.rdm import category_rdm

    with pytest.raises(exc, match=match):
        category_rdm(cats)
