"""Tests of ``repalign.datasets.hed``: HED tags of the NSD scenes, in a StimulusSet's order."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from repalign.datasets import HED_FILE, HedTags, load_hed, parse_hed
from repalign.rdm import category_rdm, compare_rdms, tag_rdm
from repalign.stimuli import ChecksumError, load_stimuli

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def rows():
    with open(DATA / HED_FILE, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


class TestParse:
    def test_groups_are_dissolved(self):
        text = (
            "(Foreground-view, ((Item-count, High), Ingestible-object)), (Background-view, (Human, Agent-trait/Adult))"
        )
        assert parse_hed(text) == {
            "Foreground-view",
            "Item-count",
            "High",
            "Ingestible-object",
            "Background-view",
            "Human",
            "Agent-trait/Adult",
        }

    def test_values_stay_distinct_tags(self):
        assert parse_hed("(Item-count/1, Human), (Item-count/2, Human)") == {"Item-count/1", "Item-count/2", "Human"}

    def test_empty_and_non_string(self):
        assert parse_hed("") == frozenset()
        with pytest.raises(TypeError, match="^text must be a HED string"):
            parse_hed(["Human"])


class TestLoad:
    def test_special100_in_stimulus_order(self, special, rows):
        hed = load_hed(special)
        assert isinstance(hed, HedTags)
        assert len(hed) == len(hed.tags) == len(hed.hed_short) == len(hed.hed_long) == 100
        assert hed.stimuli == "nsd_special100"
        assert np.array_equal(hed.ids, special.ids)
        assert np.array_equal(hed.nsd_ids, special.meta["nsd_id"].to_numpy(dtype=np.int64))
        # the first scene, looked up in the file by its COCO id
        first = next(r for r in rows if int(r["cocoId"]) == int(special.ids[0]))
        assert hed.hed_short[0] == first["HED_short"]
        assert hed.hed_long[0] == first["HED_long"]
        assert "Mountain" in hed.tags[0] and "River" in hed.tags[0] and "Outdoors" in hed.tags[0]
        assert all(isinstance(t, frozenset) and t for t in hed.tags)

    def test_shared1000_in_file_order(self, shared, rows):
        hed = load_hed(shared)
        assert len(hed) == 1000
        # shared1000 order is the order of the file (sharedNNNN); nsd_id is 0-based, the file name 1-based
        assert hed.hed_short == [r["HED_short"] for r in rows]
        assert [int(r["File_Name"].split("_nsd")[1][:5]) for r in rows] == (hed.nsd_ids + 1).tolist()
        assert hed.nsd_ids[0] == 2950 and hed.ids[0] == 262145
        assert sorted(hed.tags[0]) == [
            "Agent-trait/Adult",
            "Background-view",
            "Body",
            "Foreground-view",
            "Furnishing",
            "High",
            "Human",
            "Ingestible-object",
            "Item-count",
            "Man-made-object",
            "Natural-feature/Sky",
            "Outdoors",
            "Urban",
        ]
        assert round(float(np.mean([len(t) for t in hed.tags])), 2) == 11.04  # "about 11 tags" (SOURCE.md)
        assert len(hed.vocabulary) == 111

    def test_subset_keeps_its_order(self, special):
        sub = special.subset([5, 0, 17])
        hed, full = load_hed(sub), load_hed(special)
        assert np.array_equal(hed.ids, special.ids[[5, 0, 17]])
        assert hed.tags == [full.tags[5], full.tags[0], full.tags[17]]

    def test_source_cross_check_against_coco_categories(self, special):
        # SOURCE.md: the HED-tag Jaccard RDM of special100 has Spearman 0.40 with the COCO-category one
        r = compare_rdms(tag_rdm(load_hed(special).tags), category_rdm(special.categories))
        assert round(r, 2) == 0.40


class TestErrors:
    def test_coco_mini_has_no_tags(self):
        with pytest.raises(ValueError, match=r"^'coco_mini' has 239 scenes without an NSD id; HED tags exist only"):
            load_hed(load_stimuli("coco_mini"))

    def test_not_a_stimulus_set(self):
        with pytest.raises(TypeError, match="^stimuli must be a StimulusSet"):
            load_hed("nsd_special100")

    def test_altered_file(self, special, data_copy, flip_byte):
        flip_byte(data_copy / HED_FILE, 1000)
        with pytest.raises(ChecksumError, match="shared1000_HED.tsv"):
            load_hed(special)

    def test_missing_file(self, special, data_copy):
        (data_copy / HED_FILE).unlink()
        with pytest.raises(FileNotFoundError, match="shared1000_HED.tsv"):
            load_hed(special)
