"""Tests of ``repalign.models.blt.data``."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from repalign.models import blt


def _images(n, size=20, seed=0):
    rng = np.random.default_rng(seed)
    return [Image.fromarray(rng.integers(0, 256, (size, size + 4, 3), dtype=np.uint8)) for _ in range(n)]


def _dataset(n=8, seed=0):
    cats = [["dog"], ["cat", "dog"], ["car"], ["person"], ["dog", "person"], ["cat"], ["bus"], ["car", "person"]]
    caps = [[f"a photo number {i}", "another caption"] for i in range(n)]
    return blt.SceneDataset(_images(n, seed=seed), caps, [cats[i % len(cats)] for i in range(n)], np.arange(n))


def _write_coco(root, with_caption_for_all=True):
    (root / "annotations").mkdir(parents=True)
    (root / "val2017").mkdir()
    images = []
    for k, img in enumerate(_images(3, size=30)):
        name = f"{k + 1:012d}.jpg"
        img.save(root / "val2017" / name)
        images.append({"id": k + 1, "file_name": name, "width": 34, "height": 30})
    caps = [
        {"image_id": i, "id": 10 * i + j, "caption": f"caption {j} of image {i}"}
        for i in (1, 2, 3)
        for j in range(2)
        if with_caption_for_all or i != 2
    ]
    (root / "annotations" / "captions_val2017.json").write_text(json.dumps({"images": images, "annotations": caps}))
    inst = {
        "images": images,
        "categories": [{"id": 1, "name": "person"}, {"id": 18, "name": "dog"}],
        "annotations": [
            {"image_id": 1, "category_id": 18, "id": 1},
            {"image_id": 1, "category_id": 1, "id": 2},
            {"image_id": 3, "category_id": 1, "id": 3},
        ],
    }
    (root / "annotations" / "instances_val2017.json").write_text(json.dumps(inst))


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


def test_from_coco_image_without_captions(tmp_path):
    _write_coco(tmp_path, with_caption_for_all=False)
    with pytest.raises(ValueError, match=r"image id 2\) has no captions"):
        blt.SceneDataset.from_coco(tmp_path)
