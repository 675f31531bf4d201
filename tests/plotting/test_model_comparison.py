"""Tests of ``repalign.plotting.model_comparison``: the standard model-comparison figure and its letters."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import pdist

from repalign import plotting as P
from repalign.inference import compare_models


@pytest.fixture(scope="module")
def result():
    rng = np.random.default_rng(0)
    shared = rng.standard_normal((20, 6))
    data = np.stack([pdist(shared + 0.8 * rng.standard_normal(shared.shape), "correlation") for _ in range(5)])
    models = {
        "true": pdist(shared, "correlation"),
        "half": pdist(shared[:, :3], "correlation"),
        "noise": pdist(rng.standard_normal((20, 6))),
    }
    return compare_models(models, data, n_boot=100, seed=0, progress=False)


def test_traces_band_points_and_letters(result):
    fig = P.model_comparison_figure(result)
    assert [t.name for t in fig.data][:4] == ["noise ceiling", "models", "subjects", "letters"]
    band, bars, points, letters, below, not_below = fig.data
    # the legend explains the bar colours: light = significantly below the lower bound, dark = not
    colours = {below.marker.color: True, not_below.marker.color: False}
    assert "below" in below.name and "not" in not_below.name and not bars.showlegend
    assert [colours[c] for c in bars.marker.color] == list(result.below_ceiling)
    assert band.fill == "toself"
    assert min(band.y) == result.noise_ceiling.lower and max(band.y) == result.noise_ceiling.upper
    assert bars.type == "bar" and len(bars.y) == 3
    order = np.argsort(-result.estimates)
    np.testing.assert_allclose(np.asarray(bars.x)[order], [0, 1, 2])  # sorted: best model leftmost
    np.testing.assert_allclose(bars.y, result.estimates)
    np.testing.assert_allclose(np.asarray(bars.y) + np.asarray(bars.error_y.array), result.ci.high)
    np.testing.assert_allclose(np.asarray(bars.y) - np.asarray(bars.error_y.arrayminus), result.ci.low)
    assert len(points.x) == len(points.y) == result.per_subject.size == 3 * 5
    np.testing.assert_allclose(points.y, result.per_subject.ravel())
    assert list(fig.layout.xaxis.ticktext) == [result.names[i] for i in order]
    assert list(letters.text) == P.compact_letters(result.pairwise_significant, order=order)
    assert "FDR" in fig.layout.title.text
    assert fig.layout.yaxis.title.text.startswith("Spearman")


def test_unsorted_and_title(result):
    fig = P.model_comparison_figure(result, title="mine", sort=False)
    assert fig.layout.title.text == "mine"
    assert list(fig.layout.xaxis.ticktext) == list(result.names)


def test_compact_letters():
    none = np.zeros((3, 3), dtype=bool)
    assert P.compact_letters(none) == ["a", "a", "a"]
    chain = np.zeros((3, 3), dtype=bool)
    chain[0, 2] = chain[2, 0] = True  # 0 and 2 differ; 1 differs from neither
    assert P.compact_letters(chain) == ["a", "ab", "b"]
    full = ~np.eye(3, dtype=bool)
    assert P.compact_letters(full, order=[2, 0, 1]) == ["b", "c", "a"]
    with pytest.raises(ValueError, match="square matrix"):
        P.compact_letters(np.zeros((2, 3), dtype=bool))
    with pytest.raises(ValueError, match="permutation"):
        P.compact_letters(none, order=[0, 0, 1])
