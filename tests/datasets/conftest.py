"""Shared fixtures of the ``repalign.datasets`` tests: a private copy of the data folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import repalign.stimuli.sets as stimuli_mod

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A copy of ``data/`` (without the images) that ``REPALIGN_DATA`` points at."""
    root = tmp_path / "data"
    shutil.copytree(DATA, root, ignore=shutil.ignore_patterns("images", "models"))
    monkeypatch.setenv("REPALIGN_DATA", str(root))
    stimuli_mod._checksums.cache_clear()
    yield root
    stimuli_mod._checksums.cache_clear()


@pytest.fixture
def flip_byte():
    """A function that alters one bit of a file at a given offset."""

    def flip(path: Path, offset: int) -> None:
        data = bytearray(path.read_bytes())
        data[offset] ^= 0x01
        path.write_bytes(bytes(data))

    return flip
