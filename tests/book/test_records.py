"""Tests of ``repalign.book.records``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from repalign.book import read_records, record


@pytest.fixture
def records(tmp_path, monkeypatch):
    path = tmp_path / "sub" / "records.json"
    monkeypatch.setenv("REPALIGN_RECORDS", str(path))
    return path


class TestRecord:
    def test_writes_and_returns_value(self, records):
        value = 0.4213
        assert record("rho_mpnet", value, glue=False) is value
        assert json.loads(records.read_text()) == {"rho_mpnet": 0.4213}

    def test_merges_and_overwrites(self, records):
        record("a", 1, glue=False)
        record("b", [1, 2], glue=False)
        record("a", 3, glue=False)
        assert read_records(records) == {"a": 3, "b": [1, 2]}
        # merges into a file that already exists (written by another process / an earlier chapter)
        records.write_text(json.dumps({"earlier": "x"}))
        record("c", None, glue=False)
        assert read_records(records) == {"earlier": "x", "c": None}

    def test_converts_numpy(self, records):
        value = {
            "f32": np.float32(0.25),
            "i64": np.int64(7),
            "flag": np.bool_(True),
            "arr": np.arange(3, dtype=np.int32),
            "mat": np.eye(2),
            "tup": (np.float64(1.5), "s"),
            3: "int key",
        }
        out = record("stuff", value, glue=False)
        assert out is value  # the caller's object is returned unchanged
        stored = read_records(records)["stuff"]
        assert stored == {
            "f32": 0.25,
            "i64": 7,
            "flag": True,
            "arr": [0, 1, 2],
            "mat": [[1.0, 0.0], [0.0, 1.0]],
            "tup": [1.5, "s"],
            "3": "int key",
        }
        assert type(stored["i64"]) is int and type(stored["flag"]) is bool

    def test_scalar_array_and_nan(self, records):
        record("arr0", np.array(2.5), glue=False)
        record("missing", float("nan"), glue=False)
        data = read_records(records)
        assert data["arr0"] == 2.5
        assert np.isnan(data["missing"])

    @pytest.mark.parametrize("name", ["1abc", "has space", "a-b", "", "x.y", 5, None])
    def test_rejects_non_identifiers(self, records, name):
        with pytest.raises(ValueError, match=r"^name must be an identifier-like string"):
            record(name, 1.0, glue=False)
        assert not records.exists()

    @pytest.mark.parametrize("value", [object(), {1, 2}, {"a": {"b": object()}}, b"bytes", 1 + 2j])
    def test_rejects_non_serialisable(self, records, value):
        record("ok", 1, glue=False)
        with pytest.raises(TypeError, match="not JSON serializable"):
            record("bad", value, glue=False)
        assert read_records(records) == {"ok": 1}  # nothing half-written

    def test_without_env_writes_nothing(self, tmp_path, monkeypatch):
        monkeypatch.delenv("REPALIGN_RECORDS", raising=False)
        monkeypatch.chdir(tmp_path)
        assert record("x", 2, glue=False) == 2
        assert list(tmp_path.iterdir()) == []

    def test_glue_outside_a_notebook_is_harmless(self, records):
        assert record("glued", np.float64(0.5)) == 0.5
        assert read_records(records) == {"glued": 0.5}
