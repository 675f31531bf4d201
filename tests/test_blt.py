"""Tests of repalign.models.blt: the BLT network, datasets, training loop, heads and shipped weights."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from PIL import Image  # noqa: E402

from repalign.models import blt  # noqa: E402
from repalign.rdm import caption_word_rdm, content_words  # noqa: E402


@pytest.fixture(autouse=True)
def _one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def _images(n, size=20, seed=0):
    rng = np.random.default_rng(seed)
    return [Image.fromarray(rng.integers(0, 256, (size, size + 4, 3), dtype=np.uint8)) for _ in range(n)]


def _dataset(n=8, seed=0):
    cats = [["dog"], ["cat", "dog"], ["car"], ["person"], ["dog", "person"], ["cat"], ["bus"], ["car", "person"]]
    caps = [[f"a photo number {i}", "another caption"] for i in range(n)]
    return blt.SceneDataset(_images(n, seed=seed), caps, [cats[i % len(cats)] for i in range(n)], np.arange(n))


def _tiny(readout="category", seed=0, out_features=None):
    return blt.BLTNet(n_layers=2, channels=(4, 8), timesteps=2, input_size=16, readout=readout,
                      out_features=out_features, seed=seed)


# ------------------------------------------------------------------ network

def test_shapes_and_activations():
    net = blt.BLTNet(n_layers=3, channels=(4, 8, 16), timesteps=3, input_size=32, readout="embedding")
    out, acts = net(torch.zeros(2, 3, 32, 32), return_activations=True)
    assert out.shape == (3, 2, 768)
    assert len(acts) == 3 and all(len(a) == 3 for a in acts)
    assert acts[0][0].shape == (2, 4, 16, 16)  # stride-2 first layer
    assert acts[1][2].shape == (2, 8, 8, 8) and acts[2][1].shape == (2, 16, 4, 4)
    assert net(torch.zeros(1, 3, 32, 32)).shape == (3, 1, 768)
    assert _tiny().readout.out_features == len(blt.COCO_CATEGORIES) == 80


def test_recurrence_changes_later_timesteps_only():
    """t = 0 is a pure feed-forward sweep: zeroing the lateral and top-down weights leaves it unchanged,
    while later timesteps do change."""
    net = _tiny(seed=3).eval()
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
    a = _tiny(seed=5)
    after = torch.rand(1)
    b, c = _tiny(seed=5), _tiny(seed=6)
    assert torch.equal(before, after)  # building a net does not consume global random state
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a.bottom_up[0].weight, c.bottom_up[0].weight)


def test_bltnet_is_a_module_class():
    net = _tiny()
    assert isinstance(net, blt.BLTNet) and isinstance(net, torch.nn.Module)
    assert net.config == dict(n_layers=2, channels=[4, 8], timesteps=2, input_size=16, readout="category",
                              out_features=80, seed=0)
    rebuilt = blt.BLTNet(**net.config)
    assert all(torch.equal(p, q) for p, q in zip(net.parameters(), rebuilt.parameters()))
    with pytest.raises(TypeError):
        blt.BLTNet(2, (4, 8))  # keyword-only


def test_seed_accepts_a_generator():
    a = _tiny(seed=np.random.default_rng(7))
    b = _tiny(seed=np.random.default_rng(7))
    assert a.config["seed"] == b.config["seed"] == int(np.random.default_rng(7).integers(0, 2**63 - 1))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    ref = _tiny(seed=a.config["seed"])  # a Generator is one draw of an int seed
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), ref.parameters()))
    with pytest.raises(ValueError, match="seed"):
        _tiny(seed=-1)
    with pytest.raises(TypeError, match="Generator"):
        _tiny(seed=1.5)
    ds = _dataset()
    ha = blt.train(_tiny(), ds, epochs=1, batch_size=4, seed=np.random.default_rng(3), progress=False)
    hb = blt.train(_tiny(), ds, epochs=1, batch_size=4, seed=int(np.random.default_rng(3).integers(0, 2**63 - 1)),
                   progress=False)
    assert ha["step_loss"] == hb["step_loss"]


def test_input_errors():
    net = _tiny()
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


# ------------------------------------------------------------------ data

def test_dataset_errors_and_targets():
    with pytest.raises(ValueError, match="images is empty"):
        blt.SceneDataset([], [], [], np.array([]))
    with pytest.raises(ValueError, match=r"captions\[1\].*no captions"):
        blt.SceneDataset(_images(2), [["a"], []], [[], []], np.arange(2))
    with pytest.raises(ValueError, match="not COCO categories"):
        blt.SceneDataset(_images(1), [["a"]], [["unicorn"]], np.arange(1))
    ds = _dataset()
    y = ds.category_targets()
    assert y.shape == (8, 80) and y[1, blt.COCO_CATEGORIES.index("cat")] == 1 and y[1].sum() == 2
    px = ds.pixels(18)
    assert px.shape == (8, 3, 18, 18) and px.dtype == np.uint8


def test_preprocess_refuses_non_images():
    with pytest.raises(TypeError, match=r"images\[0\]"):
        blt.preprocess_images([np.zeros((4, 4, 3))], 8)


def _write_coco(root, with_caption_for_all=True):
    (root / "annotations").mkdir(parents=True)
    (root / "val2017").mkdir()
    images = []
    for k, img in enumerate(_images(3, size=30)):
        name = f"{k + 1:012d}.jpg"
        img.save(root / "val2017" / name)
        images.append({"id": k + 1, "file_name": name, "width": 34, "height": 30})
    caps = [{"image_id": i, "id": 10 * i + j, "caption": f"caption {j} of image {i}"} for i in (1, 2, 3)
            for j in range(2) if with_caption_for_all or i != 2]
    (root / "annotations" / "captions_val2017.json").write_text(json.dumps({"images": images, "annotations": caps}))
    inst = {"images": images, "categories": [{"id": 1, "name": "person"}, {"id": 18, "name": "dog"}],
            "annotations": [{"image_id": 1, "category_id": 18, "id": 1}, {"image_id": 1, "category_id": 1, "id": 2},
                            {"image_id": 3, "category_id": 1, "id": 3}]}
    (root / "annotations" / "instances_val2017.json").write_text(json.dumps(inst))


def test_from_coco_folder(tmp_path):
    _write_coco(tmp_path)
    ds = blt.SceneDataset.from_coco(tmp_path)
    assert len(ds) == 3 and list(ds.ids) == [1, 2, 3]
    assert ds.categories == [["person", "dog"], [], ["person"]]  # COCO order, empty where no instances
    assert ds.captions[0] == ["caption 0 of image 1", "caption 1 of image 1"]
    assert ds.images[0].size == (34, 30)
    assert len(blt.SceneDataset.from_coco(tmp_path, split="val2017", require_categories=True)) == 2
    with pytest.raises(ValueError, match="captions_train2017"):
        blt.SceneDataset.from_coco(tmp_path, split="train2017")


def test_from_coco_and_coco_image_list_share_one_reader(tmp_path):
    from repalign.stimuli import coco_image_list, read_coco

    _write_coco(tmp_path)
    scenes = read_coco(tmp_path)
    listed = coco_image_list(tmp_path / "val2017", tmp_path / "annotations" / "captions_val2017.json")
    assert scenes.split == "val2017" and len(scenes) == len(listed) == 3
    np.testing.assert_array_equal(scenes.ids, listed.ids)
    assert [str(f) for f in scenes.files] == listed.files
    ids, files = listed  # unpacks like the old tuple
    assert list(ids) == [1, 2, 3]
    (tmp_path / "val2017" / "000000000002.jpg").unlink()
    with pytest.raises(FileNotFoundError, match="missing"):
        blt.SceneDataset.from_coco(tmp_path)
    with pytest.raises(FileNotFoundError, match="missing"):
        coco_image_list(tmp_path / "val2017", tmp_path / "annotations" / "captions_val2017.json")


def test_from_coco_image_without_captions(tmp_path):
    _write_coco(tmp_path, with_caption_for_all=False)
    with pytest.raises(ValueError, match=r"image id 2\) has no captions"):
        blt.SceneDataset.from_coco(tmp_path)


# ------------------------------------------------------------------ training

def test_category_loss_falls():
    ds = _dataset()
    h = blt.train(_tiny(), ds, epochs=20, batch_size=8, lr=3e-2, schedule="constant", progress=False)
    assert h["train_loss"][-1] < 0.3 * h["train_loss"][0]  # measured: 0.70 -> 0.05
    assert h["steps"] == 20 and len(h["step_loss"]) == 20


def test_embedding_loss_falls_with_given_targets():
    ds = _dataset()
    y = np.random.default_rng(0).normal(size=(8, 12)).astype(np.float32)
    h = blt.train(_tiny("embedding", out_features=12), ds, targets=y, epochs=20, batch_size=8, lr=1e-2,
                  augment=False, progress=False)
    assert h["train_loss"][-1] < h["train_loss"][0] - 0.2
    assert 0 <= min(h["step_loss"]) and max(h["step_loss"]) <= 2


def test_embedding_dimension_mismatch():
    ds = _dataset()
    with pytest.raises(ValueError, match="out_features=12"):
        blt.train(_tiny("embedding", out_features=12), ds, targets=np.ones((8, 768)), progress=False)
    with pytest.raises(ValueError, match="8 images"):
        blt.train(_tiny("embedding", out_features=12), ds, targets=np.ones((7, 12)), progress=False)


def test_objective_loss_values():
    out = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    assert float(blt.objective_loss(out, torch.tensor([[1.0, 0.0], [0.0, 1.0]]), objective="embedding")) == pytest.approx(0)
    assert float(blt.objective_loss(out, torch.tensor([[0.0, 1.0], [1.0, 0.0]]), objective="embedding")) == pytest.approx(1)
    bce = float(blt.objective_loss(torch.zeros(2, 3), torch.ones(2, 3), objective="category"))
    assert bce == pytest.approx(np.log(2))


def test_training_is_deterministic():
    ds = _dataset()
    a, b = _tiny(), _tiny()
    ha = blt.train(a, ds, epochs=2, batch_size=4, progress=False)
    hb = blt.train(b, ds, epochs=2, batch_size=4, progress=False)
    assert ha["step_loss"] == hb["step_loss"]
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_checkpoint_resume_reproduces(tmp_path):
    ds = _dataset()
    ref = _tiny()
    h_ref = blt.train(ref, ds, epochs=3, batch_size=4, progress=False)
    ckpt = tmp_path / "run.ckpt"
    first = _tiny()
    blt.train(first, ds, epochs=3, batch_size=4, max_steps=4, checkpoint=ckpt, progress=False)  # 2 of 3 epochs
    assert ckpt.exists() and not list(tmp_path.glob("*.tmp"))
    resumed = _tiny()
    h = blt.train(resumed, ds, epochs=3, batch_size=4, checkpoint=ckpt, progress=False)
    assert h["epoch"] == [1, 2, 3]
    np.testing.assert_allclose(h["step_loss"], h_ref["step_loss"], rtol=1e-6)
    for p, q in zip(ref.parameters(), resumed.parameters()):
        torch.testing.assert_close(p, q)
    with pytest.raises(ValueError, match="another model"):
        blt.train(_tiny("embedding", out_features=80), ds, objective="category", epochs=3, checkpoint=ckpt,
                  progress=False)


def test_activations_and_validation_loss():
    ds = _dataset()
    net = _tiny()
    h = blt.train(net, ds, epochs=1, batch_size=8, val_dataset=ds, progress=False)
    assert h["val_loss"][0] == pytest.approx(blt.evaluate(net, ds, ds.category_targets(), objective="category"), rel=1e-5)
    acts = blt.blt_activations(net, _images(3), layers=[-1], timesteps=[0, 1])
    assert acts[(1, 1)].shape == (3, 8 * 4 * 4) and acts[("readout", 0)].shape == (3, 80)


# ------------------------------------------------------------------ heads

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


# ------------------------------------------------------------------ shipped weights (contract for chapter 8)

def test_missing_weights_error(tmp_path, monkeypatch):
    monkeypatch.setenv("REPALIGN_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="python -m repalign.models.blt train"):
        blt.blt_features(_images(2), objective="category")


def _shipped():
    try:
        blt.pretrained_metrics("embedding")
        blt.pretrained_metrics("category")
    except FileNotFoundError:
        return False
    return True


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


# ------------------------------------------------------------------ annotation RDMs

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
