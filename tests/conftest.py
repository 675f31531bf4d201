"""Fixtures shared by the unit tests of several subpackages (a Dask cluster, a COCO folder, the stimulus sets)."""

from __future__ import annotations

import json

import pytest

import distributed  # noqa: F401  (a requirement: these tests must run, never skip)
from repalign.distributed import local_cluster
from repalign.models.shards import extract_image_features
from repalign.stimuli import load_stimuli
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


@pytest.fixture(scope="module")
def special():
    return load_stimuli("nsd_special100")


@pytest.fixture(scope="module")
def shared():
    return load_stimuli("nsd_shared1000")


@pytest.fixture(scope="module")
def mini():
    return load_stimuli("coco_mini")
