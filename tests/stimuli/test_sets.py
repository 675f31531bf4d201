"""Tests of ``repalign.stimuli.sets``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import repalign.stimuli.sets as stimuli_mod
from repalign.stimuli import STIMULUS_SETS, ChecksumError, load_stimuli

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    root = tmp_path / "data"
    shutil.copytree(DATA, root)
    monkeypatch.setenv("REPALIGN_DATA", str(root))
    stimuli_mod._checksums.cache_clear()
    yield root
    stimuli_mod._checksums.cache_clear()


def _flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


class TestLoadErrors:
    def test_unknown_name(self):
        with pytest.raises(ValueError, match=r"^name must be one of") as ei:
            load_stimuli("nsd_special1000")
        assert all(s in str(ei.value) for s in STIMULUS_SETS)

    def test_non_string_name(self):
        with pytest.raises(TypeError, match=r"^name must be a string"):
            load_stimuli(100)

    def test_missing_data_dir(self, tmp_path, monkeypatch):
        monkeypatch.setenv("REPALIGN_DATA", str(tmp_path / "nope"))
        with pytest.raises(FileNotFoundError, match="REPALIGN_DATA"):
            load_stimuli("coco_mini")


class TestChecksums:
    def test_copy_loads_from_the_copy(self, data_copy):
        s = load_stimuli("nsd_special100")
        assert s.root == data_copy
        assert s.images[0].size == (200, 200)

    def test_altered_image_raises_on_access(self, data_copy):
        s = load_stimuli("nsd_special100")
        target = data_copy / s.files[3]
        _flip_byte(target, target.stat().st_size // 2)
        imgs = s.images
        assert imgs[2].size == (200, 200)  # untouched neighbours still load
        name = s.files[3].split("/")[-1].replace(".", r"\.")
        with pytest.raises(ChecksumError, match=name + r" does not match its sha256"):
            imgs[3]
        with pytest.raises(ChecksumError):
            imgs[:5]
        assert issubclass(ChecksumError, RuntimeError)

    def test_image_altered_after_loading_is_caught(self, data_copy):
        """Every access re-reads the file; a set loaded before the damage does not go stale."""
        s = load_stimuli("coco_mini")
        first = s.images[0]
        assert first.mode == "RGB"
        _flip_byte(data_copy / s.files[0], 100)
        with pytest.raises(ChecksumError):
            s.images[0]
        assert s.images[1].mode == "RGB"  # only the damaged file is refused

    @pytest.mark.parametrize("name", ["nsd_special100", "nsd_shared1000", "coco_mini"])
    def test_altered_manifest(self, data_copy, name):
        manifest = data_copy / "coco_scenes" / "manifest.csv"
        manifest.write_text(manifest.read_text().replace("People shopping", "People shoppinG", 1))
        with pytest.raises(ChecksumError, match="manifest.csv"):
            load_stimuli(name)

    def test_altered_special_captions(self, data_copy):
        path = data_copy / "nsd_special100" / "captions.csv"
        path.write_text(path.read_text().replace("windsurfer", "kitesurfer", 1))
        with pytest.raises(ChecksumError, match="captions.csv"):
            load_stimuli("nsd_special100")
        load_stimuli("coco_mini")  # does not read that file

    def test_missing_image(self, data_copy):
        s = load_stimuli("coco_mini")
        (data_copy / s.files[5]).unlink()
        with pytest.raises(FileNotFoundError, match="stimulus file missing"):
            s.images[5]

    def test_unlisted_file(self, data_copy):
        sums = data_copy / "SHA256SUMS"
        lines = [ln for ln in sums.read_text().splitlines() if not ln.endswith("coco_scenes/manifest.csv")]
        sums.write_text("\n".join(lines) + "\n")
        with pytest.raises(ChecksumError, match="not listed"):
            load_stimuli("coco_mini")

    def test_missing_checksum_list(self, data_copy):
        (data_copy / "SHA256SUMS").unlink()
        with pytest.raises(FileNotFoundError, match="SHA256SUMS"):
            load_stimuli("coco_mini")
