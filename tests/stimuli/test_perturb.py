"""Tests of ``repalign.stimuli.perturb``."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from repalign.stimuli import perturb as P


# --------------------------------------------------------------------------------------------
# perturbations
def _image(seed=0, size=(48, 40)):
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


class TestImagePerturbations:
    @pytest.mark.parametrize("kind", P.IMAGE_PERTURBATIONS)
    def test_deterministic_same_size_and_changes_image(self, kind):
        img = _image()
        a, b = P.perturb_image(img, kind, seed=3), P.perturb_image(img, kind, seed=3)
        assert a.size == img.size and a.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        assert not np.array_equal(np.asarray(a), np.asarray(img))

    def test_seed_matters_for_random_kinds_only(self):
        img = _image()
        for kind in ("colour_jitter", "crop", "augment", "shuffle_tiles"):
            assert not np.array_equal(
                np.asarray(P.perturb_image(img, kind, seed=1)), np.asarray(P.perturb_image(img, kind, seed=2))
            )
        for kind in ("greyscale", "blur", "hflip"):
            np.testing.assert_array_equal(
                np.asarray(P.perturb_image(img, kind, seed=1)), np.asarray(P.perturb_image(img, kind, seed=2))
            )

    def test_kinds_do_what_they_say(self):
        img = _image(size=(40, 40))
        arr = np.asarray(img)
        np.testing.assert_array_equal(np.asarray(P.perturb_image(img, "hflip")), arr[:, ::-1])
        grey = np.asarray(P.perturb_image(img, "greyscale"))
        assert np.all(grey[..., 0] == grey[..., 1]) and np.all(grey[..., 1] == grey[..., 2])
        tiles = np.asarray(P.perturb_image(img, "shuffle_tiles", seed=0))
        # a tile shuffle keeps the multiset of pixels
        np.testing.assert_array_equal(np.sort(tiles.reshape(-1, 3), axis=0), np.sort(arr.reshape(-1, 3), axis=0))
        blurred = np.asarray(P.perturb_image(img, "blur")).astype(float)
        assert blurred.std() < arr.astype(float).std() / 2

    def test_perturb_images_per_image_streams(self):
        imgs = [_image(s) for s in range(3)]
        out = P.perturb_images(imgs, "crop", seed=5)
        alone = P.perturb_images(imgs[1:], "crop", seed=5)
        ref = P.perturb_image(imgs[1], "crop", seed=np.random.default_rng([5, 1]))
        np.testing.assert_array_equal(np.asarray(out[1]), np.asarray(ref))
        assert not np.array_equal(np.asarray(alone[0]), np.asarray(out[1]))  # stream follows the index

    def test_bad_input(self):
        with pytest.raises(ValueError, match="^kind must be one of"):
            P.perturb_image(_image(), "rotate")
        with pytest.raises(TypeError, match="^img must be a PIL image"):
            P.perturb_image(np.zeros((4, 4, 3)), "blur")
        with pytest.raises(TypeError, match=r"^images\[1\] must be a PIL image"):
            P.perturb_images([_image(), "x"], "blur")
        with pytest.raises(ValueError, match="^images is empty"):
            P.perturb_images([], "blur")


class TestTextPerturbations:
    CAPS = [
        "A man riding a wave on a surfboard.",
        "Two giraffes standing near a tree.",
        "A plate with a hot dog and fries.",
        "A cat sleeping on a laptop keyboard.",
    ]

    def test_scramble_keeps_words_changes_order_deterministically(self):
        out = P.scramble_words(self.CAPS, seed=1)
        assert out == P.scramble_words(self.CAPS, seed=1) != P.scramble_words(self.CAPS, seed=2)
        for a, b in zip(self.CAPS, out):
            assert sorted(a.split()) == sorted(b.split()) and a != b
        assert P.scramble_words(["one", "same same"]) == ["one", "same same"]

    def test_main_noun(self):
        assert P.main_noun(self.CAPS[0]) == ("man", "person")
        assert P.main_noun(self.CAPS[2]) == ("hot dog", "hot dog")  # longer terms win over "dog"
        assert P.main_noun("A HOT DOG on a bun") == ("HOT DOG", "hot dog")
        assert P.main_noun("An empty street at night") is None

    def test_swap_main_noun_changes_category(self):
        out = P.swap_main_noun(self.CAPS, seed=0)
        assert out == P.swap_main_noun(self.CAPS, seed=0)
        for a, b in zip(self.CAPS, out):
            assert P.main_noun(a)[1] != P.main_noun(b)[1]
            assert a.split()[-1] == b.split()[-1] or P.main_noun(a)[0] in a.split()[-1]
        with pytest.raises(ValueError, match=r"^texts\[1\] has no COCO object noun"):
            P.swap_main_noun(["A dog.", "A street."])
        with pytest.raises(ValueError, match="^texts all name the same COCO category"):
            P.swap_main_noun(["A dog.", "Two dogs."])

    def test_paraphrase_is_another_caption_of_the_same_scene(self):
        caps = [["a", "b", "c"], ["d", "e"]]
        out = P.paraphrase(caps, reference=0, seed=0)
        assert out[0] in ("b", "c") and out[1] == "e"
        assert out == P.paraphrase(caps, reference=0, seed=0)
        with pytest.raises(ValueError, match=r"^captions\[1\] needs at least 2 captions"):
            P.paraphrase([["a", "b"], ["c"]])
        with pytest.raises(TypeError, match="^texts must be a sequence of strings, not a single string"):
            P.scramble_words("a b c")
