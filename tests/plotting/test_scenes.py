"""Tests of ``repalign.plotting.scenes``."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest

from repalign import plotting as P


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


def test_arrangement_replay_moves_points_and_thumbnails_per_trial():
    from PIL import Image

    rng = np.random.default_rng(0)
    images = [Image.new("RGB", (20, 20), tuple(int(v) for v in rng.integers(0, 255, 3))) for _ in range(6)]
    labels = [f"scene {i}" for i in range(6)]
    trials = [(np.arange(6), rng.uniform(-0.7, 0.7, (6, 2))), (np.array([1, 4, 5]), rng.uniform(-0.7, 0.7, (3, 2)))]
    fig = P.arrangement_replay(trials, labels, title="replay", images=images)
    steps = fig.layout.sliders[0].steps
    assert len(steps) == 2 and all(s.method == "update" for s in steps)
    assert len(fig.layout.images) == 6  # trial 1 drawn as thumbnails
    restyle, relayout = steps[1].args
    assert restyle["hovertext"] == [["scene 1", "scene 4", "scene 5"]]
    np.testing.assert_allclose(restyle["x"][0], trials[1][1][:, 0])
    assert [(im["x"], im["y"]) for im in relayout["images"]] == [tuple(p) for p in trials[1][1]]
    assert all(im["source"].startswith("data:image/jpeg;base64,") for im in relayout["images"])
    # Without images: numbered points, no thumbnails.
    plain = P.arrangement_replay(trials, labels, title="replay")
    assert len(plain.layout.images) == 0 and plain.data[0].mode == "markers+text"
    assert plain.layout.sliders[0].steps[1].args[1]["images"] == []


def test_arena_numbers_few_items_and_hovers_many():
    rng = np.random.default_rng(0)
    few = P.arena_figure(rng.uniform(-0.7, 0.7, (12, 2)), [f"scene {i}" for i in range(12)])
    assert few.data[0].mode == "markers+text" and list(few.data[0].text) == [str(i) for i in range(12)]
    pos = rng.uniform(-0.7, 0.7, (100, 2))
    many = P.arena_figure(pos, [f"scene {i}" for i in range(100)])
    assert many.data[0].mode == "markers" and many.data[0].text is None  # 100 numbers would overlap
    assert list(many.data[0].hovertext) == [f"scene {i}" for i in range(100)]
    np.testing.assert_array_equal(np.c_[many.data[0].x, many.data[0].y], pos)
