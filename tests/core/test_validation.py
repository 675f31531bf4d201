"""Tests of ``repalign.core.validation``."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from repalign.core import validation as v

DATA = Path(__file__).resolve().parents[2] / "data"


def _one_line(exc_info) -> str:
    msg = str(exc_info.value)
    assert msg and "\n" not in msg, f"error message is not one line: {msg!r}"
    return msg


def _csv_rows(relpath: str) -> list[dict]:
    with open(DATA / relpath, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


class TestCheckChoice:
    def test_accepts_member(self):
        assert v.check_choice("b", "mode", ("a", "b")) == "b"

    def test_unknown_value_names_argument_and_choices(self):
        with pytest.raises(ValueError, match=r"^mode must be one of \('a', 'b'\); got 'c'$") as ei:
            v.check_choice("c", "mode", ["a", "b"])
        _one_line(ei)

    def test_non_string_is_type_error(self):
        with pytest.raises(TypeError, match=r"^mode must be a string.*got int") as ei:
            v.check_choice(1, "mode", ("a",))
        _one_line(ei)

    def test_choices_may_be_a_generator(self):
        assert v.check_choice("y", "axis", (c for c in "xyz")) == "y"


class TestCheckInt:
    @pytest.mark.parametrize("value", [3, np.int64(3), np.uint8(3)])
    def test_integers_become_python_int(self, value):
        out = v.check_int(value, "k", minimum=0, maximum=5)
        assert out == 3 and type(out) is int

    @pytest.mark.parametrize("value", [True, 3.0, "3", None, np.float64(3)])
    def test_non_integers_are_type_errors(self, value):
        with pytest.raises(TypeError, match=r"^k must be an integer") as ei:
            v.check_int(value, "k")
        _one_line(ei)

    def test_bounds(self):
        with pytest.raises(ValueError, match=r"^k must be >= 2; got 1$"):
            v.check_int(1, "k", minimum=2)
        with pytest.raises(ValueError, match=r"^k must be <= 4; got 5$"):
            v.check_int(5, "k", maximum=4)
        assert v.check_int(2, "k", minimum=2, maximum=2) == 2


class TestCheckJobs:
    def test_none_is_every_core_this_process_may_use(self):
        import os

        expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        assert v.check_jobs(None) == expected >= 1
        assert v.check_jobs(np.int64(3)) == 3

    @pytest.mark.parametrize(("bad", "error"), [(0, ValueError), (-1, ValueError), (2.0, TypeError), (True, TypeError)])
    def test_refuses_non_positive_and_non_integers_naming_the_argument(self, bad, error):
        with pytest.raises(error, match="n_jobs must be"):
            v.check_jobs(bad)


class TestCheckFinite:
    def test_counts_bad_values(self):
        arr = np.array([1.0, np.nan, np.inf, -np.inf, 2.0])
        with pytest.raises(ValueError, match=r"^x contains 3 NaN or infinite value\(s\)$") as ei:
            v.check_finite(arr, "x")
        _one_line(ei)

    def test_returns_input_unchanged(self):
        arr = np.arange(4.0)
        assert v.check_finite(arr, "x") is arr


class TestCheckMatrix:
    def test_converts_to_float64(self):
        out = v.check_matrix([[1, 2], [3, 4]], "m")
        assert out.dtype == np.float64 and out.shape == (2, 2)
        np.testing.assert_array_equal(out, [[1.0, 2.0], [3.0, 4.0]])

    def test_bool_is_numeric(self):
        out = v.check_matrix(np.array([[True, False]]), "m")
        np.testing.assert_array_equal(out, [[1.0, 0.0]])

    @pytest.mark.parametrize("bad", ["abc", [["a", "b"]], [[1, None]], {"a": 1}])
    def test_non_numeric_is_type_error(self, bad):
        with pytest.raises(TypeError, match=r"^m must") as ei:
            v.check_matrix(bad, "m")
        _one_line(ei)

    def test_ragged_is_type_error(self):
        with pytest.raises(TypeError, match=r"^m must"):
            v.check_matrix([[1, 2], [3]], "m")

    def test_wrong_ndim(self):
        with pytest.raises(ValueError, match=r"^m must be 2-D; got shape \(3,\)$"):
            v.check_matrix([1, 2, 3], "m")
        with pytest.raises(ValueError, match=r"^m must be 1-D; got shape \(1, 3\)$"):
            v.check_matrix([[1, 2, 3]], "m", ndim=1)

    def test_too_few_rows(self):
        with pytest.raises(ValueError, match=r"^m must have at least 3 rows; got 2$"):
            v.check_matrix(np.zeros((2, 4)), "m", min_rows=3)

    def test_non_finite(self):
        with pytest.raises(ValueError, match=r"^m contains 1 NaN"):
            v.check_matrix([[1.0, np.nan]], "m")
        out = v.check_matrix([[1.0, np.nan]], "m", finite=False)
        assert np.isnan(out[0, 1])


class TestCheckSeed:
    def test_int_gives_reproducible_generator(self):
        a = v.check_seed(7).integers(0, 10**9, 5)
        b = v.check_seed(np.int32(7)).integers(0, 10**9, 5)
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, np.random.default_rng(7).integers(0, 10**9, 5))

    def test_generator_passes_through(self):
        g = np.random.default_rng(1)
        assert v.check_seed(g) is g

    @pytest.mark.parametrize("bad", [None, 1.5, True, "1"])
    def test_refuses_non_seeds(self, bad):
        with pytest.raises(TypeError, match=r"^rs must be an int or numpy.random.Generator") as ei:
            v.check_seed(bad, "rs")
        _one_line(ei)

    @pytest.mark.parametrize("bad", [-1, np.int64(-5)])
    def test_refuses_negative_seeds_naming_the_argument(self, bad):
        # today: numpy's "expected non-negative integer", which names no argument
        with pytest.raises(ValueError, match=r"^rs must be a non-negative int") as ei:
            v.check_seed(bad, "rs")
        _one_line(ei)


class TestCheckReal:
    def test_accepts_python_and_numpy_reals(self):
        assert v.check_real(0.25, "x") == 0.25
        assert v.check_real(3, "x") == 3.0
        assert v.check_real(np.float32(0.1), "x") == pytest.approx(0.1, abs=1e-8)
        assert v.check_real(np.int64(2), "x", minimum=0, maximum=2) == 2.0
        assert isinstance(v.check_real(np.float32(0.5), "x"), float)

    @pytest.mark.parametrize("bad", ["0.5", None, True, np.bool_(True), 1 + 2j, [0.5], np.array([0.5])])
    def test_refuses_non_reals(self, bad):
        with pytest.raises(TypeError, match=r"^noise must be a real number") as ei:
            v.check_real(bad, "noise")
        _one_line(ei)

    @pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, np.float32("nan")])
    def test_refuses_non_finite(self, bad):
        with pytest.raises(ValueError, match=r"^noise must be finite") as ei:
            v.check_real(bad, "noise")
        _one_line(ei)

    def test_bounds(self):
        with pytest.raises(ValueError, match=r"^noise must be >= 0; got -0.1$"):
            v.check_real(-0.1, "noise", minimum=0)
        with pytest.raises(ValueError, match=r"^c must be <= 1; got 1.5$"):
            v.check_real(1.5, "c", maximum=1)
        with pytest.raises(ValueError, match=r"^s must be > 0; got 0$"):
            v.check_real(0.0, "s", minimum=0, exclusive=True)
        assert v.check_real(0.0, "noise", minimum=0) == 0.0


class TestCheckStrings:
    def test_returns_list(self):
        assert v.check_strings(("a", "b"), "texts") == ["a", "b"]
        assert v.check_strings((s for s in ["x"]), "texts") == ["x"]

    def test_lone_string(self):
        with pytest.raises(TypeError, match=r"^texts must be a sequence of strings, not a single string$"):
            v.check_strings("hello", "texts")

    def test_empty(self):
        with pytest.raises(ValueError, match=r"^texts is empty$"):
            v.check_strings([], "texts")

    def test_non_string_item_is_located(self):
        with pytest.raises(TypeError, match=r"^texts\[2\] is int, not str$"):
            v.check_strings(["a", "b", 3], "texts")

    def test_non_iterable(self):
        with pytest.raises(TypeError, match=r"^texts must be a sequence of strings; got int$"):
            v.check_strings(5, "texts")


class TestSpecial100:
    def test_size_and_ids_follow_csv_order(self, special):
        rows = sorted(_csv_rows("nsd_special100/captions.csv"), key=lambda r: int(r["order"]))
        assert len(special) == 100 == len(rows)
        assert special.name == "nsd_special100"
        assert special.ids.dtype == np.int64
        np.testing.assert_array_equal(special.ids, [int(r["coco_id"]) for r in rows])
        assert len(set(special.ids.tolist())) == 100

    def test_captions_are_the_csvs(self, special):
        rows = sorted(_csv_rows("nsd_special100/captions.csv"), key=lambda r: int(r["order"]))
        assert all(len(c) == 5 for c in special.captions)
        for caps, r in zip(special.captions, rows):
            assert caps == [r[f"caption_{k}"] for k in range(1, 6)]
        assert special.first_captions() == [r["caption_1"] for r in rows]
        assert list(special.meta["gpt4_caption"]) == [r["gpt4_caption"] for r in rows]

    def test_categories(self, special):
        rows = sorted(_csv_rows("nsd_special100/captions.csv"), key=lambda r: int(r["order"]))
        assert all(isinstance(c, list) and c for c in special.categories)
        for cats, r in zip(special.categories, rows):
            assert cats == r["categories"].split(";")
        # first scene: a windsurfer in front of kayaks
        assert special.categories[0] == ["boat", "person", "surfboard"]

    def test_files_point_at_the_coco_id(self, special):
        for cid, f in zip(special.ids, special.files):
            assert f == f"coco_scenes/images/{cid:012d}.jpg"

    def test_images_are_200px_rgb(self, special):
        from PIL import Image

        imgs = special.images
        assert len(imgs) == 100
        for img in imgs[:]:
            assert isinstance(img, Image.Image)
            assert img.mode == "RGB" and img.size == (200, 200)
        # a photo, not a blank: real pixel variance
        assert np.asarray(imgs[0], dtype=float).std() > 10

    def test_meta(self, special):
        m = special.meta
        assert len(m) == 100
        np.testing.assert_array_equal(m["coco_id"].to_numpy(dtype=np.int64), special.ids)
        np.testing.assert_array_equal(
            m["nsd_id"].to_numpy(dtype=np.int64), m["nsd_file_id"].to_numpy(dtype=np.int64) - 1
        )
        rows = sorted(_csv_rows("nsd_special100/captions.csv"), key=lambda r: int(r["order"]))
        np.testing.assert_array_equal(m["nsd_id"].to_numpy(dtype=np.int64), [int(r["nsd_id"]) for r in rows])
        np.testing.assert_array_equal(
            m["nsd_shared1000_idx"].to_numpy(dtype=np.int64), [int(r["nsd_shared1000_idx"]) for r in rows]
        )


class TestShared1000:
    def test_size_order_and_ids(self, shared, special):
        assert len(shared) == 1000
        assert len(set(shared.ids.tolist())) == 1000
        idx = shared.meta["nsd_shared1000_idx"].to_numpy(dtype=np.int64)
        np.testing.assert_array_equal(idx, np.arange(1, 1001))
        assert set(special.ids.tolist()) <= set(shared.ids.tolist())

    def test_special100_rows_agree(self, shared, special):
        pos = {int(c): i for i, c in enumerate(shared.ids)}
        for k, cid in enumerate(special.ids):
            i = pos[int(cid)]
            assert shared.captions[i] == special.captions[k]
            assert shared.categories[i] == special.categories[k]
            assert shared.meta["nsd_shared1000_idx"][i] == special.meta["nsd_shared1000_idx"][k]
        assert (shared.meta["nsd_id"] == shared.meta["nsd_file_id"] - 1).all()

    def test_at_least_five_captions(self, shared):
        assert min(len(c) for c in shared.captions) >= 5
        assert all(isinstance(c, str) and c for caps in shared.captions for c in caps)


class TestCocoMini:
    def test_size_and_sorted_ids(self, mini):
        assert len(mini) == 239
        assert np.all(np.diff(mini.ids) > 0)
        assert set(mini.meta["subset"]) == {"coco_mini_val2017", "coco_mini_train2017"}

    def test_eighty_without_categories(self, mini):
        assert sum(1 for c in mini.categories if not c) == 80

    def test_images_keep_aspect_ratio(self, mini):
        img = mini.images[0]
        assert img.mode == "RGB"
        assert max(img.size) == 384
        w, h = img.size
        assert (w, h) == (int(mini.meta["width"][0]), int(mini.meta["height"][0]))


class TestSubset:
    def test_keeps_order_and_aligns_everything(self, special):
        idx = [7, 2, 99, 0]
        sub = special.subset(idx)
        assert len(sub) == 4
        assert sub.name == "nsd_special100[subset]"
        np.testing.assert_array_equal(sub.ids, special.ids[idx])
        assert sub.captions == [special.captions[i] for i in idx]
        assert sub.categories == [special.categories[i] for i in idx]
        assert sub.files == [special.files[i] for i in idx]
        np.testing.assert_array_equal(sub.meta["coco_id"].to_numpy(dtype=np.int64), special.ids[idx])
        assert list(sub.meta.index) == [0, 1, 2, 3]
        assert np.array_equal(np.asarray(sub.images[2]), np.asarray(special.images[99]))

    def test_numpy_and_negative_indices(self, special):
        sub = special.subset(np.array([-1, 0], dtype=np.int32))
        np.testing.assert_array_equal(sub.ids, special.ids[[99, 0]])
        assert sub.captions[0] == special.captions[99]

    def test_subset_of_subset(self, special):
        sub = special.subset([10, 20, 30]).subset([2, 0])
        np.testing.assert_array_equal(sub.ids, special.ids[[30, 10]])

    def test_original_untouched(self, special):
        before = special.ids.copy()
        special.subset([5, 4])
        np.testing.assert_array_equal(special.ids, before)
        assert len(special.meta) == 100

    @pytest.mark.parametrize("idx", [[1, 1], [0, 3, 0], [0, -100]])
    def test_duplicates(self, special, idx):
        with pytest.raises(ValueError, match=r"^indices contains duplicates$"):
            special.subset(idx)

    @pytest.mark.parametrize("idx", [[100], [0, 100], [-101]])
    def test_out_of_range(self, special, idx):
        with pytest.raises(ValueError, match=r"^indices must lie in \[0, 100\)"):
            special.subset(idx)

    def test_empty_integer_array(self, special):
        with pytest.raises(ValueError, match=r"^indices is empty$"):
            special.subset(np.array([], dtype=int))

    def test_empty_list(self, special):
        # BUG: np.asarray([]) is float64, so an empty list hits the "must be integers" TypeError
        # instead of the "indices is empty" ValueError the function has for this case.
        with pytest.raises(ValueError, match=r"^indices is empty$"):
            special.subset([])

    @pytest.mark.parametrize("idx", [[0.0, 1.0], [[0, 1]], ["a"], [True, False]])
    def test_non_integer(self, special, idx):
        with pytest.raises(TypeError, match=r"^indices must be a 1-D sequence of integers$"):
            special.subset(idx)
