"""Tests of ``repalign.plotting.profiles``."""

from __future__ import annotations

import numpy as np
import pytest

from repalign import plotting as P


class TestLayerTimeProfiles:
    def test_each_panel_is_labelled_with_its_own_data(self):
        nets = ["embedding", "category", "untrained"]
        profiles = {
            "MPNet captions": np.full((3, 4, 2), 0.5) + np.arange(3)[:, None, None],
            "COCO categories": -np.ones((3, 4, 2)) - np.arange(3)[:, None, None],
        }
        fig = P.layer_time_profiles(profiles, nets=nets, title="t")
        titles = [a.text for a in fig.layout.annotations]
        assert titles[:3] == [
            "embedding vs MPNet captions",
            "category vs MPNet captions",
            "untrained vs MPNet captions",
        ]
        assert titles[3:] == [
            "embedding vs COCO categories",
            "category vs COCO categories",
            "untrained vs COCO categories",
        ]
        for r, (ref, p) in enumerate(profiles.items()):
            for k, net in enumerate(nets):
                trace = fig.data[r * 3 + k]
                assert trace.name == f"{net} vs {ref}"
                np.testing.assert_array_equal(np.asarray(trace.z), p[k])
        # the first reference is the top row: its panels' y-domains lie above the second's
        assert fig.layout.yaxis.domain[0] > fig.layout.yaxis4.domain[1]
        assert fig.data[0].zmin == -3 and fig.data[0].zmax == 2.5

    def test_bad_input(self):
        with pytest.raises(TypeError, match="profiles"):
            P.layer_time_profiles([], nets=["a"])
        with pytest.raises(ValueError, match="profiles\\['x'\\]"):
            P.layer_time_profiles({"x": np.zeros((2, 3, 2))}, nets=["a"])
