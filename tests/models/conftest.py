"""Fixtures shared by the model tests: the feature caches."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("repalign-cache")


@pytest.fixture
def shared_cache(session_cache, monkeypatch) -> Path:
    monkeypatch.setenv("REPALIGN_CACHE", str(session_cache))
    return session_cache


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("REPALIGN_CACHE", str(root))
    return root
