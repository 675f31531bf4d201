"""Tests of ``repalign.book.warmup``: the one pass that fills the feature cache covers what the chapters ask for."""

from __future__ import annotations

import numpy as np

import repalign.models as models
from repalign.book import warm_feature_cache
from repalign.datasets import WORD_SIMILARITY_SETS
from repalign.models import EFFICIENTNET_LAYERS
from repalign.stimuli import load_stimuli


def test_warmup_asks_for_every_rows_the_chapters_share(monkeypatch):
    calls = []
    monkeypatch.setattr(models, "image_features", lambda images, **kw: calls.append(("images", len(images), kw)))
    monkeypatch.setattr(models, "encode_text", lambda texts, **kw: calls.append(("texts", list(texts), kw)))
    monkeypatch.setattr(
        models, "word_pair_similarity", lambda w1, w2, **kw: calls.append(("words", len(w1), kw)) or None
    )
    seconds = warm_feature_cache(progress=False)
    assert all(s >= 0 for s in seconds.values()) and len(seconds) == 9
    images = [(n, kw["layer"]) for kind, n, kw in calls if kind == "images"]
    assert images == [
        (1000, list(EFFICIENTNET_LAYERS)),
        (100, list(EFFICIENTNET_LAYERS)),
        (239, list(EFFICIENTNET_LAYERS)),
    ]
    shared, special = load_stimuli("nsd_shared1000"), load_stimuli("nsd_special100")
    embedded = {kw["model"]: set(texts) for kind, texts, kw in calls if kind == "texts" and "layer" not in kw}
    assert set(embedded) == {"mpnet", "minilm"}
    for (
        texts
    ) in embedded.values():  # the five captions of every scene (ch. 6, 8), first captions (ch. 1), GPT-4 (ch. 8)
        assert {c for cs in shared.captions for c in cs[:5]} <= texts
        assert set(special.meta["gpt4_caption"]) <= texts and set(special.first_captions()) <= texts
    layered = {kw["model"]: (texts, kw["layer"]) for kind, texts, kw in calls if kind == "texts" and "layer" in kw}
    assert layered["mpnet"] == (shared.first_captions(), list(range(13)))  # chapter 7's layer sweep
    assert layered["minilm"] == (shared.first_captions(), list(range(7)))
    words = [(n, kw["model"]) for kind, n, kw in calls if kind == "words"]
    assert sorted({m for _, m in words}) == ["minilm", "mpnet"] and len(words) == 2 * len(WORD_SIMILARITY_SETS)
    assert np.all([n > 0 for n, _ in words])
