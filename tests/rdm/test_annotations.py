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


class TestTagRdm:
    SETS = [frozenset({"a", "b"}), frozenset({"a"}), frozenset({"c"}), {"b", "a"}, frozenset({"a", "b", "c", "d"})]

    def test_jaccard_distance(self):
        from repalign.rdm import tag_rdm

        d = tag_rdm(self.SETS)
        assert d.shape == (5, 5)
        assert d[0, 1] == pytest.approx(0.5)  # {a} / {a, b}
        assert d[0, 2] == pytest.approx(1.0)  # disjoint
        assert d[0, 3] == pytest.approx(0.0)  # same set
        assert d[0, 4] == pytest.approx(0.5)  # 2 of 4
        np.testing.assert_array_equal(d, d.T)
        np.testing.assert_array_equal(np.diag(d), 0)

    def test_dice_distance(self):
        from repalign.rdm import tag_rdm

        d = tag_rdm(self.SETS, metric="dice")
        assert d[0, 1] == pytest.approx(1 - 2 * 1 / 3)
        assert d[0, 2] == pytest.approx(1.0)
        assert d[0, 4] == pytest.approx(1 - 2 * 2 / 6)

    def test_matches_category_rdm(self):
        from repalign.rdm import category_rdm, tag_rdm

        np.testing.assert_allclose(tag_rdm(self.SETS), category_rdm([sorted(s) for s in self.SETS]))

    def test_non_string_tags(self):
        from repalign.rdm import tag_rdm

        d = tag_rdm([{1, 2}, {2, 3}, {("x", 1)}])
        assert d[0, 1] == pytest.approx(1 - 1 / 3)
        assert d[0, 2] == pytest.approx(1.0)

    @pytest.mark.parametrize(
        "sets, kwargs, exc, match",
        [
            ([], {}, ValueError, r"^tag_sets must describe at least 2 stimuli; got 0"),
            ([{"a"}], {}, ValueError, r"^tag_sets must describe at least 2 stimuli; got 1"),
            ([{"a"}, set()], {}, ValueError, r"^tag_sets\[1\] is empty"),
            ([{"a"}, ["a", "b"]], {}, TypeError, r"^tag_sets\[1\] must be a set or frozenset"),
            ([{"a"}, "ab"], {}, TypeError, r"^tag_sets\[1\] must be a set or frozenset"),
            ("ab", {}, TypeError, r"^tag_sets must be a sequence of sets"),
            ({frozenset({"a"}), frozenset({"b"})}, {}, TypeError, r"^tag_sets must be a sequence of sets"),
            (5, {}, TypeError, r"^tag_sets must be a sequence of sets"),
            ([{"a"}, {"b"}], {"metric": "cosine"}, ValueError, r"^metric must be one of"),
        ],
    )
    def test_bad_input(self, sets, kwargs, exc, match):
        from repalign.rdm import tag_rdm

        with pytest.raises(exc, match=match) as ei:
            tag_rdm(sets, **kwargs)
        assert "\n" not in str(ei.value)


def test_feature_rdm_standardises_numeric_and_one_hot_codes_categories():
    from repalign.rdm import feature_rdm

    dist = np.array([0.2, 0.4, 0.6, 0.8])
    colour = np.array(["red", "red", "blue", "green"])
    d = feature_rdm({"distance": dist, "colour": colour})
    z = (dist - dist.mean()) / dist.std()
    # a different answer adds 1 to the squared distance, like one standard deviation on a numeric feature
    expected = np.sqrt((z[:, None] - z[None, :]) ** 2 + (colour[:, None] != colour[None, :]))
    np.testing.assert_allclose(d, expected, atol=1e-12)
    np.testing.assert_allclose(feature_rdm({"colour": colour})[0, 2], 1.0)
    # the scale of a numeric feature does not matter, nor does a constant one
    np.testing.assert_allclose(feature_rdm({"distance": 100 * dist, "c": np.ones(4)}), feature_rdm({"distance": dist}))
    assert feature_rdm({"colour": colour}, metric="cosine").shape == (4, 4)


@pytest.mark.parametrize(
    "features, exc, match",
    [
        ([1.0, 2.0], TypeError, "mapping"),
        ({}, ValueError, "empty"),
        ({"a": [1.0, 2.0], "b": ["x", "y", "z"]}, ValueError, "'b' has 3 values"),
        ({"a": [1.0, np.nan]}, ValueError, "'a' has 1 missing"),
        ({"a": ["x", ""]}, ValueError, "'a' has 1 missing"),
        ({"a": [1.0]}, ValueError, "at least 2"),
        ({"a": np.ones((2, 2))}, ValueError, "1-D"),
    ],
)
def test_feature_rdm_rejects_bad_input(features, exc, match):
    from repalign.rdm import feature_rdm

    with pytest.raises(exc, match=match):
        feature_rdm(features)
