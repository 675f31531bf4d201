"""Tests of ``repalign.models.blt.pretrained``."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from repalign.models import blt


def _images(n, size=20, seed=0):
    rng = np.random.default_rng(seed)
    return [Image.fromarray(rng.integers(0, 256, (size, size + 4, 3), dtype=np.uint8)) for _ in range(n)]


def _shipped():
    try:
        blt.pretrained_metrics("embedding")
        blt.pretrained_metrics("category")
    except FileNotFoundError:
        return False
    return True


def test_missing_weights_error(tmp_path, monkeypatch):
    monkeypatch.setenv("REPALIGN_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="python -m repalign.models.blt train"):
        blt.blt_features(_images(2), objective="category")


@pytest.mark.skipif(not _shipped(), reason="shipped BLT weights not present")
def test_shipped_weights_and_features(tmp_path, monkeypatch):
    monkeypatch.setenv("REPALIGN_CACHE", str(tmp_path))
    meta = blt.pretrained_metrics("embedding")
    net = blt.load_pretrained_blt("embedding")
    cfg = meta["config"]
    assert net.config == cfg
    assert isinstance(net, blt.BLTNet) and isinstance(blt.load_pretrained_blt("untrained", seed=2), blt.BLTNet)
    with pytest.raises(ValueError, match="seed must be 0"):
        blt.load_pretrained_blt("category", seed=np.random.default_rng(0))
    imgs = _images(3, size=40)
    f = blt.blt_features(imgs, objective="embedding", layer=-1, timestep=-1)
    side = cfg["input_size"] // 2 ** cfg["n_layers"]
    assert f.shape == (3, cfg["channels"][-1] * side * side) and f.dtype == np.float32
    np.testing.assert_array_equal(f, blt.blt_features(imgs, objective="embedding", layer=-1, timestep=-1))  # cached
    assert blt.blt_features(imgs, objective="category", layer="readout").shape == (3, 80)
    u0, u1 = (blt.blt_features(imgs, objective="untrained", layer=0, seed=s) for s in (0, 1))
    assert u0.shape == (3, cfg["channels"][0] * (cfg["input_size"] // 2) ** 2) and not np.allclose(u0, u1)
    with pytest.raises(ValueError, match="seed must be 0"):
        blt.blt_features(imgs, objective="embedding", seed=1)
    with pytest.raises(ValueError, match="layer"):
        blt.blt_features(imgs, objective="embedding", layer=cfg["n_layers"])
    with pytest.raises(TypeError, match="sequence of PIL"):
        blt.blt_features(imgs[0], objective="embedding")
