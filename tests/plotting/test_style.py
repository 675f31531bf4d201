"""Tests of ``repalign.plotting.style``."""

from __future__ import annotations

import numpy as np

from repalign import plotting as P


class _FakeStimuli:
    """What scene_grid / hover_labels need from a StimulusSet."""

    def __init__(self, n):
        from PIL import Image

        self.ids = np.arange(100, 100 + n)
        self.captions = [[f"caption number {i} " + "long " * (i % 3) * 20, "second"] for i in range(n)]
        self.images = [Image.new("RGB", (40, 30), (10 * i, 0, 255 - 10 * i)) for i in range(n)]


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
