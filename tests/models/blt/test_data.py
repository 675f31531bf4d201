"""Tests of ``repalign.models.blt.data``."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import synthetic
from repalign.models import blt


def _images(n, size=20, seed=0):
    rng = np.random.default_rng(seed)
    return [Image.fromarray(rng.integers(0, 256, (size, size + 4, 3), dtype=np.uint8)) for _ in range(n)]


def test_dataset_errors_and_targets():
    with pytest.raises(ValueError, match="images is empty"):
        blt.SceneDataset([], [], [], np.array([]))
    with pytest.raises(ValueError, match=r"captions\[1\].*no captions"):
        blt.SceneDataset(_images(2), [["a"], []], [[], []], np.arange(2))
    with pytest.raises(ValueError, match="not COCO categories"):
        blt.SceneDataset(_images(1), [["a"]], [["unicorn"]], np.arange(1))
    ds = synthetic.dataset()
    y = ds.category_targets()
    assert y.shape == (8, 80) and y[1, blt.COCO_CATEGORIES.index("cat")] == 1 and y[1].sum() == 2
    px = ds.pixels(18)
    assert px.shape == (8, 3, 18, 18) and px.dtype == np.uint8


def test_preprocess_refuses_non_images():
    with pytest.raises(TypeError, match=r"images\[0\]"):
        blt.preprocess_images([np.zeros((4, 4, 3))], 8)


def test_from_coco_folder(tmp_path):
    synthetic.write_coco(tmp_path)
    ds = blt.SceneDataset.from_coco(tmp_path)
    assert len(ds) == 3 and list(ds.ids) == [1, 2, 3]
    assert ds.categories == [["person", "dog"], [], ["person"]]  # COCO order, empty where no instances
    assert ds.captions[0] == ["caption 0 of image 1", "caption 1 of image 1"]
    assert ds.images[0].size == (34, 30)
    assert len(blt.SceneDataset.from_coco(tmp_path, split="val2017", require_categories=True)) == 2
    with pytest.raises(ValueError, match="captions_train2017"):
        blt.SceneDataset.from_coco(tmp_path, split="train2017")


def test_from_coco_image_without_captions(tmp_path):
    synthetic.write_coco(tmp_path, with_caption_for_all=False)
    with pytest.raises(ValueError, match=r"image id 2\) has no captions"):
        blt.SceneDataset.from_coco(tmp_path)
