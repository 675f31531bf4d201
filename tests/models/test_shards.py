"""Tests of ``repalign.models.shards``."""

from __future__ import annotations

import json

import numpy as np
import pytest

import distributed  # noqa: F401  (a requirement: these tests must run, never skip)
from repalign.distributed import local_cluster
from repalign.models.shards import extract_image_features
from repalign.stimuli.coco import coco_image_list


@pytest.fixture(scope="module")
def cluster():
    cm = local_cluster(n_workers=2, threads_per_worker=1, processes=True, memory_limit="2GB")
    client = cm.__enter__()
    state = {"client": client, "cm": cm, "open": True}
    yield state
    if state["open"]:
        cm.__exit__(None, None, None)


@pytest.fixture(scope="module")
def coco_folder(tmp_path_factory):
    """A tiny COCO-format folder: 10 COCO-MINI photos (shrunk) and a captions annotation file."""
    from repalign.stimuli import load_stimuli

    root = tmp_path_factory.mktemp("coco")
    (root / "images").mkdir()
    stim = load_stimuli("coco_mini")
    entries = []
    for k in range(10):
        img = stim.images[k]
        img.thumbnail((96, 96))
        name = f"{int(stim.ids[k]):012d}.jpg"
        img.save(root / "images" / name, quality=90)
        entries.append({"id": int(stim.ids[k]), "file_name": name})
    (root / "captions.json").write_text(json.dumps({"images": entries[::-1], "annotations": []}))
    return root


@pytest.fixture(scope="module")
def local_features(coco_folder, tmp_path_factory):
    """Single-process reference: shards of 3 images, EfficientNet-Lite0 stage 3 (40-d)."""
    ids, files = coco_image_list(coco_folder / "images", coco_folder / "captions.json")
    return extract_image_features(
        files, tmp_path_factory.mktemp("local"), ids=ids, layer="stage3", shard_size=3, batch_size=2, progress=False
    )


def test_feature_shards_resume_and_corruption(cluster, coco_folder, local_features, tmp_path):
    from PIL import Image

    from repalign.models import image_features

    client = cluster["client"]
    local = local_features
    ids, files = coco_image_list(coco_folder / "images", coco_folder / "captions.json")
    kw = dict(ids=ids, layer="stage3", shard_size=3, batch_size=2, progress=False)
    assert local.computed == [0, 1, 2, 3] and local.features.shape == (10, 40)
    assert np.array_equal(local.ids, ids)
    direct = image_features([Image.open(f).convert("RGB") for f in files], layer="stage3", cache=False, progress=False)
    np.testing.assert_allclose(local.features, direct, atol=1e-5)
    remote = extract_image_features(files, tmp_path / "remote", client=client, **kw)
    np.testing.assert_allclose(remote.features, local.features, atol=1e-6)
    # an interrupted run: one shard never written, one half-written, one stray temporary file
    out = tmp_path / "remote"
    (out / "shard_00001.npz").unlink()
    raw = (out / "shard_00002.npz").read_bytes()
    (out / "shard_00002.npz").write_bytes(raw[: len(raw) // 2])
    (out / ".shard_00003.npz.abc.tmp").write_bytes(raw[:100])
    before = (out / "shard_00000.npz").stat().st_mtime_ns
    with pytest.warns(RuntimeWarning, match="shard_00002.npz is unreadable"):
        again = extract_image_features(files, out, client=client, **kw)
    assert again.computed == [1, 2]  # finished shards are skipped
    assert (out / "shard_00000.npz").stat().st_mtime_ns == before
    assert np.array_equal(again.features, remote.features)
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*.tmp"))
    assert extract_image_features(files, out, client=client, **kw).computed == []
