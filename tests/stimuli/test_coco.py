"""Tests of ``repalign.stimuli.coco``."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest
from PIL import Image

import distributed  # noqa: F401  (a requirement: these tests must run, never skip)
import synthetic
from repalign.models import blt
from repalign.models.shards import extract_image_features
from repalign.stimuli.coco import coco_image_list


def _images(n, size=20, seed=0):
    rng = np.random.default_rng(seed)
    return [Image.fromarray(rng.integers(0, 256, (size, size + 4, 3), dtype=np.uint8)) for _ in range(n)]


def test_from_coco_and_coco_image_list_share_one_reader(tmp_path):
    from repalign.stimuli import coco_image_list, read_coco

    synthetic.write_coco(tmp_path)
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


def test_coco_image_list(coco_folder):
    ids, files = coco_image_list(coco_folder / "images", coco_folder / "captions.json")
    ids2, files2 = coco_image_list(coco_folder / "images")
    assert np.array_equal(ids, np.sort(ids)) and np.array_equal(ids, ids2) and files == files2
    with pytest.raises(FileNotFoundError, match="images folder"):
        coco_image_list(coco_folder / "nope")


def test_feature_shards_survive_a_killed_worker(cluster, coco_folder, local_features, tmp_path):
    client = cluster["client"]
    ids, files = coco_image_list(coco_folder / "images")
    pids = client.run(os.getpid)
    out = tmp_path / "killed"
    result = {}
    run = threading.Thread(
        target=lambda: result.update(
            r=extract_image_features(files, out, layer="stage3", shard_size=1, client=client, progress=False)
        )
    )
    run.start()
    deadline = time.time() + 30
    while not list(out.glob("shard_*.npz")) and time.time() < deadline:
        time.sleep(0.05)
    victim = sorted(pids.values())[0]
    os.kill(victim, signal.SIGKILL)  # mid-run: shards done so far stay, its running task is redone
    run.join(timeout=60)
    assert not run.is_alive() and "r" in result
    assert len(result["r"].computed) == 10 and len(list(out.glob("shard_*.npz"))) == 10
    np.testing.assert_allclose(result["r"].features, local_features.features, atol=1e-5)
    client.wait_for_workers(2, timeout=30)  # the nanny restarted the killed worker
    assert victim not in client.run(os.getpid).values()
