"""Tests of ``repalign.models.blt.heads``."""

from __future__ import annotations

import numpy as np
import pytest

from repalign.models import blt


def test_head_learns_and_exposes_layers():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 20))
    w = rng.normal(size=(20, 6))
    y = x @ w
    y /= np.linalg.norm(y, axis=1, keepdims=True)
    head, curve = blt.train_head(x, y, objective="embedding", hidden=32, epochs=60, lr=1e-2, seed=1)
    assert curve[-1] < 0.25 * curve[0]
    fit = blt.train_head(x, y, objective="embedding", hidden=32, epochs=2, lr=1e-2, seed=np.random.default_rng(1))
    assert isinstance(fit, blt.HeadFit) and len(fit.curve) == 2
    assert blt.head_features(fit, x).shape == (120, 32)
    assert blt.head_features(head, x).shape == (120, 32)
    assert blt.head_features(head, x, layer="output").shape == (120, 6)
    head2, curve2 = blt.train_head(x, y, objective="embedding", hidden=32, epochs=60, lr=1e-2, seed=1)
    assert curve == curve2
    with pytest.raises(ValueError, match="different numbers of rows"):
        blt.train_head(x, y[:5], objective="embedding")
    with pytest.raises(ValueError, match="columns"):
        blt.head_features(head, x[:, :5])
