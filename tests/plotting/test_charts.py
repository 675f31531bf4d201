"""Tests of ``repalign.plotting.charts``."""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import squareform

from repalign import plotting as P
from repalign.core import Interval
from repalign.inference import BootstrapResult


class TestBootstrapHistogram:
    def test_vlines_and_title(self):
        dist = np.random.default_rng(0).normal(0.4, 0.05, 200)
        r = BootstrapResult(0.41, Interval(0.31, 0.5, 0.9), 0.05, dist, "bc")
        fig = P.bootstrap_histogram(r, xlabel="Spearman")
        assert len(fig.data) == 1 and fig.data[0].type == "histogram"
        np.testing.assert_array_equal(fig.data[0].x, dist)
        xs = [s.x0 for s in fig.layout.shapes]
        assert xs == [0.41, 0.31, 0.5]
        assert all(s.x0 == s.x1 and s.type == "line" for s in fig.layout.shapes)
        assert fig.layout.shapes[0].line.dash is None and fig.layout.shapes[1].line.dash == "dash"
        assert fig.layout.annotations[0].text == "estimate 0.410"
        assert fig.layout.title.text == "90% CI [0.310, 0.500]"
        assert fig.layout.xaxis.title.text == "Spearman"

    def test_from_a_real_bootstrap(self):
        from repalign.inference import bootstrap_rdm_correlation

        rng = np.random.default_rng(0)
        a = squareform(np.abs(rng.normal(size=105)))
        r = bootstrap_rdm_correlation(a, a + squareform(np.abs(rng.normal(size=105))), n_boot=50, seed=0)
        fig = P.bootstrap_histogram(r, title="custom")
        assert [s.x0 for s in fig.layout.shapes] == [r.estimate, r.ci.low, r.ci.high]
        assert fig.layout.title.text == "custom"
        assert r.ci.low > 0  # b = a + noise: a real relation


class TestLayerProfile:
    def test_one_trace_per_series(self):
        values = {"mpnet": {"L0": 0.1, "L6": 0.3, "L12": 0.25}, "minilm": {"L0": 0.05, "L6": 0.2}}
        errors = {"mpnet": {"L0": (0.0, 0.2), "L6": (0.2, 0.35), "L12": (0.2, 0.3)}}
        fig = P.layer_profile(values, errors=errors, ylabel="rho")
        assert [t.name for t in fig.data] == ["mpnet", "minilm"]
        assert list(fig.data[0].x) == ["L0", "L6", "L12"]
        assert list(fig.data[0].y) == [0.1, 0.3, 0.25]
        np.testing.assert_allclose(fig.data[0].error_y.array, [0.1, 0.05, 0.05])
        np.testing.assert_allclose(fig.data[0].error_y.arrayminus, [0.1, 0.1, 0.05])
        assert fig.data[1].error_y.array is None
        assert fig.layout.yaxis.title.text == "rho"
        assert "mpnet" in fig.data[0].hovertemplate


class TestGroupedBars:
    def test_values_errors_and_wrapped_group_names(self):
        values = {"a": {"human IT vs monkey IT": 0.4, "human IT: session 1 vs session 2": 0.2}, "b": {"x": 0.1}}
        errors = {"a": {"human IT vs monkey IT": (0.3, 0.5), "human IT: session 1 vs session 2": (0.1, 0.25)}}
        fig = P.grouped_bars(values, errors=errors, ylabel="rho")
        assert [t.name for t in fig.data] == ["a", "b"]
        np.testing.assert_allclose(fig.data[0].y, [0.4, 0.2])
        np.testing.assert_allclose(fig.data[0].error_y.array, [0.1, 0.05])
        np.testing.assert_allclose(fig.data[0].error_y.arrayminus, [0.1, 0.1])
        # every group keeps its name as the bar's x; long names are shown on several lines, level
        assert list(fig.layout.xaxis.tickvals) == ["human IT vs monkey IT", "human IT: session 1 vs session 2", "x"]
        assert [t.replace("<br>", " ") for t in fig.layout.xaxis.ticktext] == list(fig.layout.xaxis.tickvals)
        assert all(len(line) <= 18 for t in fig.layout.xaxis.ticktext for line in t.split("<br>"))
        five = P.grouped_bars({"a": {f"WS-353 relatedness {k}": k for k in range(5)} | {"greyscalecropped": 5}})
        assert five.layout.xaxis.ticktext[0].split("<br>") == ["WS-353", "relatedness", "0"]
        assert five.layout.xaxis.ticktext[-1] == "greyscalecropped"  # words are not broken
        many = P.grouped_bars({"a": {f"category {k}": k for k in range(12)}})
        assert many.layout.xaxis.tickangle is None and many.layout.xaxis.ticktext is None  # plotly tilts them
