"""Where the data and the caches live (``REPALIGN_DATA``, ``REPALIGN_CACHE``), and atomic writes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write_bytes", "cache_dir", "data_dir"]


_REPO_ROOT = Path(__file__).resolve().parents[3]


def data_dir() -> Path:
    """Return the folder holding the book's stimuli (``data/``)."""
    env = os.environ.get("REPALIGN_DATA")
    path = Path(env) if env else _REPO_ROOT / "data"
    if not path.is_dir():
        raise FileNotFoundError(
            f"data folder not found at {path}; set REPALIGN_DATA or install repalign from a checkout"
        )
    return path


def cache_dir(*parts: str) -> Path:
    """Return (and create) a folder inside the repalign cache."""
    for part in parts:
        if not isinstance(part, str) or not part or Path(part).is_absolute() or ".." in Path(part).parts:
            raise ValueError(f"cache_dir parts must be relative folder names inside the cache; got {part!r:.60}")
    env = os.environ.get("REPALIGN_CACHE")
    if env:
        root = Path(env)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        root = Path(base) / "repalign"
    path = root.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes; got {type(data).__name__}")
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"path {str(path)!r} is a directory; cannot write a file there")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
