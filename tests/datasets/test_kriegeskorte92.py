"""Tests of ``repalign.datasets.kriegeskorte92``: the real 92-object RDMs."""

from __future__ import annotations

import numpy as np
import pytest

from repalign.datasets import KRIEGESKORTE92_FILE, Kriegeskorte92, load_kriegeskorte92
from repalign.rdm import compare_rdms
from repalign.stimuli import ChecksumError


@pytest.fixture(scope="module")
def k92() -> Kriegeskorte92:
    return load_kriegeskorte92()


class TestShapesAndLabels:
    def test_rdm_shapes_and_dtype(self, k92):
        assert k92.behaviour.shape == (16, 92, 92)
        assert k92.hit.shape == (8, 92, 92)
        assert k92.mit.shape == k92.hit_fig1.shape == (92, 92)
        for a in (k92.behaviour, k92.hit, k92.mit, k92.hit_fig1, *k92.models.values()):
            assert a.dtype == np.float64
            assert np.all(np.isfinite(a))
        assert k92.n_objects == 92

    def test_rdms_are_symmetric_with_zero_diagonal(self, k92):
        stack = np.concatenate([k92.behaviour, k92.hit, np.stack(list(k92.models.values())), k92.mit[None]])
        assert np.array_equal(stack, stack.transpose(0, 2, 1))
        assert np.all(np.diagonal(stack, axis1=1, axis2=2) == 0)

    def test_behaviour_subjects(self, k92):
        assert k92.behaviour_subjects.tolist() == [f"subject{i}" for i in range(1, 17)]

    def test_hit_labels(self, k92):
        assert k92.hit_subject.tolist() == ["BE", "BE", "KO", "KO", "SN", "SN", "TI", "TI"]
        assert k92.hit_session.tolist() == [1, 2] * 4
        assert k92.hit_session.dtype.kind == "i"

    def test_models_in_file_order(self, k92):
        assert list(k92.models) == [
            "animacy",
            "FaceBodyManmadeNatobj",
            "monkeyIT",
            "EVA",
            "HMAX",
            "V1",
            "Silhouette",
            "RADON",
        ]
        assert all(m.shape == (92, 92) for m in k92.models.values())

    def test_categories(self, k92):
        assert k92.categories.shape == (92,)
        names, counts = np.unique(k92.categories, return_counts=True)
        assert dict(zip(names.tolist(), counts.tolist())) == {
            "artificial inanimate": 21,
            "human bodypart": 12,
            "human face": 12,
            "natural inanimate": 23,
            "nonhuman bodypart": 12,
            "nonhuman face": 12,
        }
        assert k92.category_vectors.shape == (92, 12)
        assert k92.category_vectors.dtype == bool
        assert k92.category_labels.tolist()[:2] == ["animate", "inanim"]
        animate = k92.category_vectors[:, 0]
        # the animate flag agrees with the per-object labels; animate and inanimate partition the set
        assert np.array_equal(animate, ~np.char.endswith(k92.categories, "inanimate"))
        assert np.array_equal(animate, ~k92.category_vectors[:, 1])

    def test_animacy_model_matches_the_animate_flag(self, k92):
        animate = k92.category_vectors[:, 0]
        expected = (animate[:, None] != animate[None, :]).astype(float)
        assert np.array_equal(k92.models["animacy"] > 0, expected > 0)


class TestSourceCrossChecks:
    """The checks ``data/kriegeskorte92/SOURCE.md`` reports, to 3 decimals."""

    def test_mean_hit_vs_mit(self, k92):
        assert round(compare_rdms(k92.hit.mean(0), k92.mit), 3) == 0.439

    def test_mean_behaviour_vs_mean_hit(self, k92):
        assert round(compare_rdms(k92.behaviour.mean(0), k92.hit.mean(0)), 3) == 0.392

    def test_mean_behaviour_vs_mit(self, k92):
        assert round(compare_rdms(k92.behaviour.mean(0), k92.mit), 3) == 0.394

    def test_behaviour_split_half(self, k92):
        odd, even = k92.behaviour[0::2].mean(0), k92.behaviour[1::2].mean(0)
        assert round(compare_rdms(odd, even), 3) == 0.739


class TestChecksum:
    def test_altered_file(self, data_copy, flip_byte):
        flip_byte(data_copy / KRIEGESKORTE92_FILE, 5000)
        with pytest.raises(ChecksumError, match="kriegeskorte92_compact.npz"):
            load_kriegeskorte92()

    def test_missing_file(self, data_copy):
        (data_copy / KRIEGESKORTE92_FILE).unlink()
        with pytest.raises(FileNotFoundError, match="kriegeskorte92_compact.npz"):
            load_kriegeskorte92()

    def test_unlisted_file(self, data_copy):
        sums = data_copy / "SHA256SUMS"
        sums.write_text("".join(x for x in sums.read_text().splitlines(True) if "kriegeskorte92_compact" not in x))
        with pytest.raises(ChecksumError, match="not listed"):
            load_kriegeskorte92()
