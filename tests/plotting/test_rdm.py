"""Tests of ``repalign.plotting.rdm``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import squareform

from repalign import plotting as P


def _rdm(n, seed=0):
    return squareform(np.random.default_rng(seed).random(n * (n - 1) // 2))


class TestRdmHeatmap:
    def test_single_trace_with_labels_and_customdata(self):
        d = _rdm(6)
        labels = [f"scene {i}" for i in range(6)]
        fig = P.rdm_heatmap(squareform(d), labels=labels, title="T")
        assert len(fig.data) == 1 and fig.data[0].type == "heatmap"
        tr = fig.data[0]
        assert list(tr.x) == labels and list(tr.y) == labels
        np.testing.assert_array_equal(np.asarray(tr.customdata), d)
        # raw values when rank=False; the zero diagonal is drawn at the smallest pair so that it
        # does not stretch the colour scale
        z = np.asarray(tr.z)
        off = ~np.eye(6, dtype=bool)
        np.testing.assert_array_equal(z[off], d[off])
        np.testing.assert_array_equal(np.diag(z), np.full(6, d[off].min()))

        assert "%{customdata:.3f}" in tr.hovertemplate
        assert fig.layout.title.text == "T"
        assert fig.layout.yaxis.autorange == "reversed"

    def test_order_permutes_rows_columns_and_labels(self):
        d = _rdm(6)
        labels = [f"scene {i}" for i in range(6)]
        order = [5, 3, 1, 0, 2, 4]
        tr = P.rdm_heatmap(d, labels=labels, order=order).data[0]
        assert list(tr.x) == [labels[i] for i in order]
        np.testing.assert_array_equal(np.asarray(tr.customdata), d[np.ix_(order, order)])
        with pytest.raises(ValueError, match="order"):
            P.rdm_heatmap(d, labels=labels, order=[0, 0, 1, 2, 3, 4])

    def test_default_labels(self):
        fig = P.rdm_heatmap(_rdm(3))
        assert list(fig.data[0].x) == ["#0", "#1", "#2"]

    def test_rank_colouring(self):
        d = squareform(np.array([0.1, 5.0, 0.2, 3.0, 0.15, 100.0]))
        fig = P.rdm_heatmap(d, rank=True)
        z = np.asarray(fig.data[0].z)
        np.testing.assert_array_equal(np.asarray(fig.data[0].customdata), d)  # hover keeps raw
        np.testing.assert_allclose(squareform(z, checks=False), [0, 80, 40, 60, 20, 100])
        np.testing.assert_array_equal(np.diag(z), 0)
        assert fig.layout.coloraxis.colorbar.title.text == "rank %"

    def test_rejects_bad_labels(self):
        with pytest.raises(ValueError, match=r"^labels must be unique"):
            P.rdm_heatmap(_rdm(3), labels=["a", "a", "b"])
        with pytest.raises(ValueError, match=r"^labels has 2 entries for 3 stimuli$"):
            P.rdm_heatmap(_rdm(3), labels=["a", "b"])

    def test_rejects_bad_rdm(self):
        d = _rdm(4)
        d[0, 1] += 1
        with pytest.raises(ValueError, match=r"^rdm is not symmetric"):
            P.rdm_heatmap(d)


class TestRdmHeatmaps:
    def test_one_subplot_per_rdm(self):
        rdms = {"model": _rdm(5, 0), "brain": squareform(_rdm(5, 1)), "behaviour": _rdm(5, 2)}
        fig = P.rdm_heatmaps(rdms, labels=list("abcde"))
        assert len(fig.data) == 3
        assert [a.text for a in fig.layout.annotations] == ["model", "brain", "behaviour"]
        assert [t.xaxis for t in fig.data] == ["x", "x2", "x3"]
        for tr, d in zip(fig.data, rdms.values()):
            np.testing.assert_array_equal(np.asarray(tr.customdata), np.asarray(squareform(d) if d.ndim == 1 else d))
            assert list(tr.x) == list("abcde")
            assert np.asarray(tr.z).max() == pytest.approx(100)  # rank colouring by default

    def test_errors(self):
        with pytest.raises(ValueError, match=r"^rdms hold different numbers of stimuli: \[4, 5\]$"):
            P.rdm_heatmaps({"a": _rdm(4), "b": _rdm(5)})
        with pytest.raises(TypeError, match=r"^rdms must be a non-empty dict"):
            P.rdm_heatmaps({})
        with pytest.raises(TypeError, match=r"^rdms must be a non-empty dict"):
            P.rdm_heatmaps([_rdm(4)])
        bad = _rdm(4)
        bad[1, 1] = 1
        with pytest.raises(ValueError, match=r"^rdms\['x'\] has a non-zero diagonal"):
            P.rdm_heatmaps({"x": bad})
        with pytest.raises(ValueError, match=r"^labels has 3 entries for 4 stimuli"):
            P.rdm_heatmaps({"x": _rdm(4)}, labels=list("abc"))
