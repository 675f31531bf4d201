"""Tests of ``repalign.models.blt.training``."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import synthetic
from repalign.models import blt
from repalign.rdm import caption_word_rdm, content_words

torch = pytest.importorskip("torch")


def _images(n, size=20, seed=0):
    rng = np.random.default_rng(seed)
    return [Image.fromarray(rng.integers(0, 256, (size, size + 4, 3), dtype=np.uint8)) for _ in range(n)]


def test_recurrence_changes_later_timesteps_only():
    """t = 0 is a pure feed-forward sweep: zeroing the lateral and top-down weights leaves it unchanged,
    while later timesteps do change."""
    net = synthetic.tiny(seed=3).eval()
    x = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        full = net(x)
        for conv in list(net.lateral) + list(net.top_down):
            conv.weight.zero_()
        ff = net(x)
    assert torch.allclose(full[0], ff[0])
    assert not torch.allclose(full[1], ff[1])


def test_init_seeded_and_global_state_untouched():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = synthetic.tiny(seed=5)
    after = torch.rand(1)
    b, c = synthetic.tiny(seed=5), synthetic.tiny(seed=6)
    assert torch.equal(before, after)  # building a net does not consume global random state
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a.bottom_up[0].weight, c.bottom_up[0].weight)


def test_seed_accepts_a_generator():
    a = synthetic.tiny(seed=np.random.default_rng(7))
    b = synthetic.tiny(seed=np.random.default_rng(7))
    assert a.config["seed"] == b.config["seed"] == int(np.random.default_rng(7).integers(0, 2**63 - 1))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    ref = synthetic.tiny(seed=a.config["seed"])  # a Generator is one draw of an int seed
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), ref.parameters()))
    with pytest.raises(ValueError, match="seed"):
        synthetic.tiny(seed=-1)
    with pytest.raises(TypeError, match="Generator"):
        synthetic.tiny(seed=1.5)
    ds = synthetic.dataset()
    ha = blt.train(synthetic.tiny(), ds, epochs=1, batch_size=4, seed=np.random.default_rng(3), progress=False)
    hb = blt.train(
        synthetic.tiny(),
        ds,
        epochs=1,
        batch_size=4,
        seed=int(np.random.default_rng(3).integers(0, 2**63 - 1)),
        progress=False,
    )
    assert ha["step_loss"] == hb["step_loss"]


def test_category_loss_falls():
    ds = synthetic.dataset()
    h = blt.train(synthetic.tiny(), ds, epochs=20, batch_size=8, lr=3e-2, schedule="constant", progress=False)
    assert h["train_loss"][-1] < 0.3 * h["train_loss"][0]  # measured: 0.70 -> 0.05
    assert h["steps"] == 20 and len(h["step_loss"]) == 20


def test_embedding_loss_falls_with_given_targets():
    ds = synthetic.dataset()
    y = np.random.default_rng(0).normal(size=(8, 12)).astype(np.float32)
    h = blt.train(
        synthetic.tiny("embedding", out_features=12),
        ds,
        targets=y,
        epochs=20,
        batch_size=8,
        lr=1e-2,
        augment=False,
        progress=False,
    )
    assert h["train_loss"][-1] < h["train_loss"][0] - 0.2
    assert 0 <= min(h["step_loss"]) and max(h["step_loss"]) <= 2


def test_embedding_dimension_mismatch():
    ds = synthetic.dataset()
    with pytest.raises(ValueError, match="out_features=12"):
        blt.train(synthetic.tiny("embedding", out_features=12), ds, targets=np.ones((8, 768)), progress=False)
    with pytest.raises(ValueError, match="8 images"):
        blt.train(synthetic.tiny("embedding", out_features=12), ds, targets=np.ones((7, 12)), progress=False)


def test_objective_loss_values():
    out = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    assert float(
        blt.objective_loss(out, torch.tensor([[1.0, 0.0], [0.0, 1.0]]), objective="embedding")
    ) == pytest.approx(0)
    assert float(
        blt.objective_loss(out, torch.tensor([[0.0, 1.0], [1.0, 0.0]]), objective="embedding")
    ) == pytest.approx(1)
    bce = float(blt.objective_loss(torch.zeros(2, 3), torch.ones(2, 3), objective="category"))
    assert bce == pytest.approx(np.log(2))


def test_training_is_deterministic():
    ds = synthetic.dataset()
    a, b = synthetic.tiny(), synthetic.tiny()
    ha = blt.train(a, ds, epochs=2, batch_size=4, progress=False)
    hb = blt.train(b, ds, epochs=2, batch_size=4, progress=False)
    assert ha["step_loss"] == hb["step_loss"]
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_checkpoint_resume_reproduces(tmp_path):
    ds = synthetic.dataset()
    ref = synthetic.tiny()
    h_ref = blt.train(ref, ds, epochs=3, batch_size=4, progress=False)
    ckpt = tmp_path / "run.ckpt"
    first = synthetic.tiny()
    blt.train(first, ds, epochs=3, batch_size=4, max_steps=4, checkpoint=ckpt, progress=False)  # 2 of 3 epochs
    assert ckpt.exists() and not list(tmp_path.glob("*.tmp"))
    resumed = synthetic.tiny()
    h = blt.train(resumed, ds, epochs=3, batch_size=4, checkpoint=ckpt, progress=False)
    assert h["epoch"] == [1, 2, 3]
    np.testing.assert_allclose(h["step_loss"], h_ref["step_loss"], rtol=1e-6)
    for p, q in zip(ref.parameters(), resumed.parameters()):
        torch.testing.assert_close(p, q)
    with pytest.raises(ValueError, match="another model"):
        blt.train(
            synthetic.tiny("embedding", out_features=80),
            ds,
            objective="category",
            epochs=3,
            checkpoint=ckpt,
            progress=False,
        )


def test_activations_and_validation_loss():
    ds = synthetic.dataset()
    net = synthetic.tiny()
    h = blt.train(net, ds, epochs=1, batch_size=8, val_dataset=ds, progress=False)
    assert h["val_loss"][0] == pytest.approx(
        blt.evaluate(net, ds, ds.category_targets(), objective="category"), rel=1e-5
    )
    acts = blt.blt_activations(net, _images(3), layers=[-1], timesteps=[0, 1])
    assert acts[(1, 1)].shape == (3, 8 * 4 * 4) and acts[("readout", 0)].shape == (3, 80)


def test_content_words():
    assert content_words("Two dogs are playing on the grass near a bus.") == ["dog", "playing", "grass", "near", "bus"]
    with pytest.raises(TypeError):
        content_words(3)


def test_caption_word_rdm_oracle():
    caps = [["A dog on the grass.", "A dog running."], ["Dogs on grass!"], ["A red car."]]
    d = caption_word_rdm(caps)
    # counts over vocab (car, dog, grass, red, running): [0,2,1,0,1], [0,1,1,0,0], [1,0,0,1,0]
    a, b = np.array([0, 2, 1, 0, 1.0]), np.array([0, 1, 1, 0, 0.0])
    assert d[0, 1] == pytest.approx(1 - a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    assert d[0, 2] == pytest.approx(1) and d[1, 2] == pytest.approx(1)
    assert caption_word_rdm(caps, n_captions=1)[0, 1] == pytest.approx(0)
    with pytest.raises(ValueError, match="no content words"):
        caption_word_rdm([["the a of"], ["dog"]])
    with pytest.raises(TypeError, match=r"captions\[0\] is a string"):
        caption_word_rdm(["a dog", "a cat"])
