"""Tests of ``repalign.book.warmup``: the one pass that fills the image-feature cache covers the chapters' images."""

from __future__ import annotations

import repalign.models as models
from repalign.book import warm_feature_cache
from repalign.models import EFFICIENTNET_LAYERS
from repalign.stimuli import load_stimuli


def test_warmup_asks_for_every_layer_of_the_chapters_images(monkeypatch):
    calls = []
    monkeypatch.setattr(models, "image_features", lambda images, **kw: calls.append((list(images), kw)))
    seconds = warm_feature_cache(progress=False)
    assert list(seconds) == ["images nsd_shared1000", "images nsd_special100", "images coco_mini"]
    assert all(s >= 0 for s in seconds.values())
    assert [len(images) for images, _ in calls] == [1000, 100, 239]
    assert all(kw["layer"] == list(EFFICIENTNET_LAYERS) for _, kw in calls)  # one pass fills every layer
    # special100 is part of shared1000: its rows are read back, not computed again
    shared, special = load_stimuli("nsd_shared1000"), load_stimuli("nsd_special100")
    assert set(special.ids) <= set(shared.ids)
