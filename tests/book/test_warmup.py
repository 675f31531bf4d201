"""Tests of ``repalign.book.warmup``: the pass that fills the feature cache covers the chapters' images and captions."""

from __future__ import annotations

import pytest

import repalign.models as models
from repalign.book import warm_feature_cache
from repalign.models import EFFICIENTNET_LAYERS
from repalign.stimuli import load_stimuli


def test_warmup_asks_for_every_layer_of_the_chapters_images_and_captions(monkeypatch):
    images, texts = [], []
    monkeypatch.setattr(models, "image_features", lambda imgs, **kw: images.append((list(imgs), kw)))
    monkeypatch.setattr(models, "encode_text", lambda txt, **kw: texts.append((list(txt), kw)))
    seconds = warm_feature_cache(progress=False)
    assert list(seconds) == [
        "captions mpnet",
        "images nsd_shared1000",
        "images nsd_special100",
        "images coco_mini",
        "captions minilm",
        "caption layers mpnet",
        "caption layers minilm",
    ]
    assert all(s >= 0 for s in seconds.values())
    assert [len(imgs) for imgs, _ in images] == [1000, 100, 239]
    assert all(kw["layer"] == list(EFFICIENTNET_LAYERS) for _, kw in images)  # one pass fills every layer
    shared, special = load_stimuli("nsd_shared1000"), load_stimuli("nsd_special100")
    assert set(special.ids) <= set(shared.ids)  # special100's rows are read back, not computed again
    (mpnet, kw_mpnet), (minilm, kw_minilm), (mpnet_layers, kw_layers), (minilm_layers, kw_minilm_layers) = texts
    assert kw_mpnet["model"] == "mpnet" and kw_minilm["model"] == "minilm" and mpnet == minilm
    assert "layer" not in kw_mpnet and "layer" not in kw_minilm
    # every caption a chapter embeds: the first five of each scene, and special100's GPT-4 captions
    wanted = {c for caps in shared.captions for c in caps[:5]} | set(special.meta["gpt4_caption"])
    assert wanted <= set(mpnet) and len(mpnet) == len(set(mpnet))
    assert kw_layers == {"model": "mpnet", "layer": list(range(13)), "progress": False}
    assert kw_minilm_layers["layer"] == list(range(7)) and mpnet_layers == minilm_layers
    assert set(shared.first_captions()) | {c for caps in special.captions for c in caps[:5]} == set(mpnet_layers)


def test_workers_is_checked():
    with pytest.raises(ValueError, match=r"^workers must be >= 1"):
        warm_feature_cache(workers=0)
