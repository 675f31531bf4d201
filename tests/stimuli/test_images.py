"""Tests of ``repalign.stimuli.images``: 16-bit and float images are scaled, not saturated to white."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from repalign.models.vision import image_digest, preprocess_image, resize_center_crop
from repalign.stimuli import open_rgb, to_rgb


def _one_line(exc_info) -> str:
    msg = str(exc_info.value)
    assert msg and "\n" not in msg, f"error message is not one line: {msg!r}"
    return msg


def _ramp8() -> np.ndarray:
    return np.tile(np.arange(256, dtype=np.uint8), (40, 1))  # 40 x 256, every 8-bit level once per row


def test_16bit_png_is_scaled_by_its_range_not_saturated(tmp_path):
    ramp16 = _ramp8().astype(np.uint16) * 257  # 0..65535, exactly 257 x the 8-bit level
    path = tmp_path / "ramp16.png"
    Image.fromarray(ramp16).save(path)
    assert Image.open(path).mode in ("I;16", "I")
    rgb = np.asarray(open_rgb(path))
    assert rgb.shape == (40, 256, 3) and rgb.dtype == np.uint8
    np.testing.assert_array_equal(rgb[..., 0], _ramp8())  # today: every level >= 1 turned white (255)
    assert (rgb == 255).mean() < 0.01
    # the same bytes read from memory, and the image passed directly (as image_features receives it)
    np.testing.assert_array_equal(np.asarray(open_rgb(path.read_bytes())), rgb)
    np.testing.assert_array_equal(np.asarray(to_rgb(Image.open(path))), rgb)


def test_16bit_image_gives_the_network_input_of_its_8bit_twin(tmp_path):
    rng = np.random.default_rng(0)
    img8 = rng.integers(0, 256, size=(64, 80), dtype=np.uint8)
    img16 = Image.fromarray(img8.astype(np.uint16) * 257)
    twin = Image.fromarray(img8, "L")
    np.testing.assert_array_equal(
        np.asarray(resize_center_crop(img16, 40, 32)), np.asarray(resize_center_crop(twin, 40, 32))
    )
    np.testing.assert_allclose(preprocess_image(img16), preprocess_image(twin))
    assert image_digest(img16) == image_digest(twin)


def test_mode_i_and_float_images_are_scaled():
    levels = _ramp8()
    as_i = Image.fromarray(levels.astype(np.int32) * 257)
    assert as_i.mode == "I"
    np.testing.assert_array_equal(np.asarray(to_rgb(as_i))[..., 1], levels)
    as_f = Image.fromarray((levels / 255.0).astype(np.float32))
    assert as_f.mode == "F"
    np.testing.assert_array_equal(np.asarray(to_rgb(as_f))[..., 2], levels)


def test_8bit_images_convert_as_before():
    rng = np.random.default_rng(1)
    rgb = Image.fromarray(rng.integers(0, 256, size=(8, 9, 3), dtype=np.uint8), "RGB")
    for img in (rgb, rgb.convert("L"), rgb.convert("RGBA"), rgb.convert("P")):
        np.testing.assert_array_equal(np.asarray(to_rgb(img)), np.asarray(img.convert("RGB")))


@pytest.mark.parametrize(
    ("arr", "words"),
    [
        (np.full((4, 4), 2.5, dtype=np.float32), "outside [0, 1]"),
        (np.full((4, 4), -0.1, dtype=np.float32), "outside [0, 1]"),
        (np.full((4, 4), np.nan, dtype=np.float32), "outside [0, 1]"),
        (np.full((4, 4), 70000, dtype=np.int32), "outside [0, 65535]"),
        (np.full((4, 4), -3, dtype=np.int32), "outside [0, 65535]"),
    ],
)
def test_unscalable_images_are_refused_in_one_line(arr, words):
    with pytest.raises(ValueError) as exc:
        to_rgb(Image.fromarray(arr))
    msg = _one_line(exc)
    assert msg.startswith("img ") and words in msg


def test_bad_sources_are_refused(tmp_path):
    path = tmp_path / "big.tif"
    Image.fromarray(np.full((4, 4), 3.0, dtype=np.float32)).save(path)
    with pytest.raises(ValueError, match="^source is a float"):
        open_rgb(path)
    with pytest.raises(TypeError, match="^source must be a path"):
        open_rgb(123)
    with pytest.raises(TypeError, match="^img must be a PIL image"):
        to_rgb(np.zeros((4, 4)))


def test_lazy_images_refuse_bad_indices_and_arguments():
    from repalign.stimuli import LazyImages

    lazy = LazyImages(3, lambda i: i * 10)
    assert lazy[np.int64(1)] == 10 and lazy[-1] == 20 and lazy[1:] == [10, 20]
    for bad in (1.5, True, "0"):  # today: 1.5 loads item 1.5 % 3, True loads item 1
        with pytest.raises(TypeError, match="^index must be an int or a slice"):
            lazy[bad]
    with pytest.raises(ValueError, match="^n must be >= 0"):
        LazyImages(-2, lambda i: i)
    with pytest.raises(TypeError, match="^n must be an integer"):
        LazyImages(2.7, lambda i: i)  # today: silently 2 images
    with pytest.raises(TypeError, match="^load must be callable"):
        LazyImages(2, 5)


def test_resize_and_feature_flags_are_checked():
    from repalign.models.vision import image_features

    img = Image.new("RGB", (50, 40))
    with pytest.raises(ValueError, match="^shorter must be >= 1"):
        resize_center_crop(img, 0, 10)  # today: a 10 x 10 crop of a 0-pixel resize request
    with pytest.raises(TypeError, match="^crop must be an integer"):
        resize_center_crop(img, 16, 8.5)
    assert resize_center_crop(img, 10, 20).size == (20, 20)  # crop larger than the resize is allowed
    for flag in ("progress", "cache"):
        with pytest.raises(TypeError, match=rf"^{flag} must be True or False"):
            image_features([img], **{flag: "no"})  # today: "no" is truthy and runs the network
