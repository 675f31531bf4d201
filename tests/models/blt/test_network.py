"""Tests of ``repalign.models.blt.network``."""

from __future__ import annotations

import pytest

import synthetic
from repalign.models import blt

torch = pytest.importorskip("torch")


def test_shapes_and_activations():
    net = blt.BLTNet(n_layers=3, channels=(4, 8, 16), timesteps=3, input_size=32, readout="embedding")
    out, acts = net(torch.zeros(2, 3, 32, 32), return_activations=True)
    assert out.shape == (3, 2, 768)
    assert len(acts) == 3 and all(len(a) == 3 for a in acts)
    assert acts[0][0].shape == (2, 4, 16, 16)  # stride-2 first layer
    assert acts[1][2].shape == (2, 8, 8, 8) and acts[2][1].shape == (2, 16, 4, 4)
    assert net(torch.zeros(1, 3, 32, 32)).shape == (3, 1, 768)
    assert synthetic.tiny().readout.out_features == len(blt.COCO_CATEGORIES) == 80


def test_bltnet_is_a_module_class():
    net = synthetic.tiny()
    assert isinstance(net, blt.BLTNet) and isinstance(net, torch.nn.Module)
    assert net.config == dict(
        n_layers=2, channels=[4, 8], timesteps=2, input_size=16, readout="category", out_features=80, seed=0
    )
    rebuilt = blt.BLTNet(**net.config)
    assert all(torch.equal(p, q) for p, q in zip(net.parameters(), rebuilt.parameters()))
    with pytest.raises(TypeError):
        blt.BLTNet(2, (4, 8))  # keyword-only


def test_input_errors():
    net = synthetic.tiny()
    with pytest.raises(ValueError, match="16x16"):
        net(torch.zeros(1, 3, 24, 24))
    with pytest.raises(ValueError, match=r"shape \(batch, 3"):
        net(torch.zeros(1, 1, 16, 16))
    with pytest.raises(ValueError, match="input_size"):
        blt.BLTNet(n_layers=3, channels=(4, 4, 4), input_size=20)
    with pytest.raises(ValueError, match="channels"):
        blt.BLTNet(n_layers=2, channels=(4, 8, 16), input_size=16)
    with pytest.raises(ValueError, match="readout"):
        blt.BLTNet(readout="caption")
