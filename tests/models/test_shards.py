"""Tests of ``repalign.models.shards``."""

from __future__ import annotations

import numpy as np
import pytest

import distributed  # noqa: F401  (a requirement: these tests must run, never skip)
from repalign.models.shards import extract_image_features
from repalign.stimuli.coco import coco_image_list


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
