"""book.record (the chapters' claimed numbers) and the plotly figures of the book."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
from scipy.spatial.distance import squareform

from repalign import plotting as P
from repalign.book import read_records, record
from repalign.core import Interval
from repalign.inference import BootstrapResult

# --------------------------------------------------------------------------------------------
# book.record
# --------------------------------------------------------------------------------------------


@pytest.fixture
def records(tmp_path, monkeypatch):
    path = tmp_path / "sub" / "records.json"
    monkeypatch.setenv("REPALIGN_RECORDS", str(path))
    return path


class TestRecord:
    def test_writes_and_returns_value(self, records):
        value = 0.4213
        assert record("rho_mpnet", value, glue=False) is value
        assert json.loads(records.read_text()) == {"rho_mpnet": 0.4213}

    def test_merges_and_overwrites(self, records):
        record("a", 1, glue=False)
        record("b", [1, 2], glue=False)
        record("a", 3, glue=False)
        assert read_records(records) == {"a": 3, "b": [1, 2]}
        # merges into a file that already exists (written by another process / an earlier chapter)
        records.write_text(json.dumps({"earlier": "x"}))
        record("c", None, glue=False)
        assert read_records(records) == {"earlier": "x", "c": None}

    def test_converts_numpy(self, records):
        value = {
            "f32": np.float32(0.25),
            "i64": np.int64(7),
            "flag": np.bool_(True),
            "arr": np.arange(3, dtype=np.int32),
            "mat": np.eye(2),
            "tup": (np.float64(1.5), "s"),
            3: "int key",
        }
        out = record("stuff", value, glue=False)
        assert out is value  # the caller's object is returned unchanged
        stored = read_records(records)["stuff"]
        assert stored == {"f32": 0.25, "i64": 7, "flag": True, "arr": [0, 1, 2],
                          "mat": [[1.0, 0.0], [0.0, 1.0]], "tup": [1.5, "s"], "3": "int key"}
        assert type(stored["i64"]) is int and type(stored["flag"]) is bool

    def test_scalar_array_and_nan(self, records):
        record("arr0", np.array(2.5), glue=False)
        record("missing", float("nan"), glue=False)
        data = read_records(records)
        assert data["arr0"] == 2.5
        assert np.isnan(data["missing"])

    @pytest.mark.parametrize("name", ["1abc", "has space", "a-b", "", "x.y", 5, None])
    def test_rejects_non_identifiers(self, records, name):
        with pytest.raises(ValueError, match=r"^name must be an identifier-like string"):
            record(name, 1.0, glue=False)
        assert not records.exists()

    @pytest.mark.parametrize("value", [object(), {1, 2}, {"a": {"b": object()}}, b"bytes", 1 + 2j])
    def test_rejects_non_serialisable(self, records, value):
        record("ok", 1, glue=False)
        with pytest.raises(TypeError, match="not JSON serializable"):
            record("bad", value, glue=False)
        assert read_records(records) == {"ok": 1}  # nothing half-written

    def test_without_env_writes_nothing(self, tmp_path, monkeypatch):
        monkeypatch.delenv("REPALIGN_RECORDS", raising=False)
        monkeypatch.chdir(tmp_path)
        assert record("x", 2, glue=False) == 2
        assert list(tmp_path.iterdir()) == []

    def test_glue_outside_a_notebook_is_harmless(self, records):
        assert record("glued", np.float64(0.5)) == 0.5
        assert read_records(records) == {"glued": 0.5}


# --------------------------------------------------------------------------------------------
# plotting
# --------------------------------------------------------------------------------------------


def _rdm(n, seed=0):
    return squareform(np.random.default_rng(seed).random(n * (n - 1) // 2))


class _FakeStimuli:
    """What scene_grid / hover_labels need from a StimulusSet."""

    def __init__(self, n):
        from PIL import Image

        self.ids = np.arange(100, 100 + n)
        self.captions = [[f"caption number {i} " + "long " * (i % 3) * 20, "second"] for i in range(n)]
        self.images = [Image.new("RGB", (40, 30), (10 * i, 0, 255 - 10 * i)) for i in range(n)]


def _decode_uri(uri):
    from PIL import Image

    assert uri.startswith("data:image/jpeg;base64,")
    return Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))


class TestTemplate:
    def test_registers_and_sets_default(self):
        import plotly.io as pio

        assert P.use_book_template() == "repalign"
        assert pio.templates.default == "repalign"
        t = pio.templates["repalign"]
        assert list(t.layout.colorway) == P.OKABE_ITO


class TestHoverLabels:
    def test_unique_and_truncated(self):
        s = _FakeStimuli(4)
        labels = P.hover_labels(s, n_chars=30)
        assert len(set(labels)) == 4
        assert labels[0] == "#0 (COCO 100): caption number 0 "
        assert labels[1].endswith("…") and len(labels[1].split(": ", 1)[1]) == 30


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


class TestMdsScatter:
    def test_points_hover_and_images(self):
        coords = np.array([[0.0, 0.0], [1.0, 2.0], [-1.0, 0.5], [3.0, -1.0]])
        s = _FakeStimuli(4)
        hover = ["short"] + ["word " * 30] * 3
        fig = P.mds_scatter(coords, hover=hover, images=s.images, thumb_size=0.1)
        assert len(fig.data) == 1
        tr = fig.data[0]
        np.testing.assert_array_equal(tr.x, coords[:, 0])
        np.testing.assert_array_equal(tr.y, coords[:, 1])
        assert tr.text[0] == "short"
        assert "<br>" in tr.text[1] and tr.text[1].replace("<br>", " ") == ("word " * 30).strip()
        assert len(fig.layout.images) == 4
        span = 4.0  # max(ptp x, ptp y) = max(4, 3)
        for im, (x, y), src in zip(fig.layout.images, coords, s.images):
            assert (im.x, im.y) == (x, y)
            assert im.sizex == pytest.approx(0.1 * span)
            thumb = _decode_uri(im.source)
            assert thumb.size == src.size  # already smaller than 64 px
            # colour survives JPEG roughly
            assert np.abs(np.asarray(thumb, float).mean((0, 1)) - np.asarray(src, float).mean((0, 1))).max() < 8
        assert fig.layout.xaxis.range == pytest.approx((-1 - 0.32, 3 + 0.32))

    def test_colour_groups_make_traces(self):
        coords = np.random.default_rng(0).normal(size=(6, 2))
        fig = P.mds_scatter(coords, color=["dog", "cat", "dog", "food", "cat", "dog"])
        assert [t.name for t in fig.data] == ["dog", "cat", "food"]
        assert [len(t.x) for t in fig.data] == [3, 2, 1]
        np.testing.assert_array_equal(fig.data[1].x, coords[[1, 4], 0])
        assert fig.data[0].text == ("#0", "#2", "#5")
        assert len(fig.layout.images) == 0

    def test_errors(self):
        with pytest.raises(ValueError, match=r"^coords must have 2 columns; got 3$"):
            P.mds_scatter(np.zeros((4, 3)))
        with pytest.raises(ValueError, match=r"^hover has 2 entries for 3 points$"):
            P.mds_scatter(np.zeros((3, 2)), hover=["a", "b"])
        with pytest.raises(ValueError, match=r"^images has 1 entries for 3 points$"):
            P.mds_scatter(np.zeros((3, 2)), images=[None])
        with pytest.raises(ValueError, match=r"^coords contains 1 NaN"):
            P.mds_scatter([[0, 1], [np.nan, 2]])


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


class TestSceneGrid:
    def test_one_image_per_index(self):
        s = _FakeStimuli(7)
        fig = P.scene_grid(s, [6, 0, 3, 2, 5], ncols=2)
        assert [t.type for t in fig.data] == ["image"] * 5
        # row-major placement in a 3 x 2 grid
        assert [t.xaxis for t in fig.data] == ["x", "x2", "x3", "x4", "x5"]
        titles = [a.text for a in fig.layout.annotations]
        assert titles[0].startswith("#6: caption number 6")
        assert titles[1] == "#0: caption number 0"
        assert all(len(t.replace("<br>", " ")) <= len("#6: ") + 70 for t in titles)
        img = _decode_uri(fig.data[2].source)
        assert img.size == (40, 30)
        assert np.asarray(img, float)[..., 2].mean() == pytest.approx(255 - 30, abs=6)
        assert fig.layout.height == 260 * 3 + 40

    def test_real_stimuli(self):
        from repalign.stimuli import load_stimuli

        s = load_stimuli("nsd_special100")
        fig = P.scene_grid(s, np.array([0, 1]))
        assert len(fig.data) == 2
        assert "windsurfer" in fig.layout.annotations[0].text
        assert _decode_uri(fig.data[0].source).size == (200, 200)

    def test_empty(self):
        with pytest.raises(ValueError, match=r"^indices is empty$"):
            P.scene_grid(_FakeStimuli(2), [])


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


def test_arrangement_replay_moves_points_and_thumbnails_per_trial():
    from PIL import Image

    rng = np.random.default_rng(0)
    images = [Image.new("RGB", (20, 20), tuple(int(v) for v in rng.integers(0, 255, 3))) for _ in range(6)]
    labels = [f"scene {i}" for i in range(6)]
    trials = [(np.arange(6), rng.uniform(-0.7, 0.7, (6, 2))), (np.array([1, 4, 5]), rng.uniform(-0.7, 0.7, (3, 2)))]
    fig = P.arrangement_replay(trials, labels, title="replay", images=images)
    steps = fig.layout.sliders[0].steps
    assert len(steps) == 2 and all(s.method == "update" for s in steps)
    assert len(fig.layout.images) == 6                       # trial 1 drawn as thumbnails
    restyle, relayout = steps[1].args
    assert restyle["hovertext"] == [["scene 1", "scene 4", "scene 5"]]
    np.testing.assert_allclose(restyle["x"][0], trials[1][1][:, 0])
    assert [(im["x"], im["y"]) for im in relayout["images"]] == [tuple(p) for p in trials[1][1]]
    assert all(im["source"].startswith("data:image/jpeg;base64,") for im in relayout["images"])
    # Without images: numbered points, no thumbnails.
    plain = P.arrangement_replay(trials, labels, title="replay")
    assert len(plain.layout.images) == 0 and plain.data[0].mode == "markers+text"
    assert plain.layout.sliders[0].steps[1].args[1]["images"] == []
