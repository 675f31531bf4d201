"""Images read on access: a lazy sequence of PIL images and an RGB opener."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = ["LazyImages", "open_rgb"]


def open_rgb(source):
    """Open an image file (a path or its bytes) fully decoded, as an RGB PIL image.

    Parameters
    ----------
    source : str, pathlib.Path or bytes
        A file path, or the file's bytes.

    Returns
    -------
    PIL.Image.Image
        RGB, decoded (the file is closed).
    """
    from PIL import Image

    with Image.open(io.BytesIO(source) if isinstance(source, bytes) else Path(source)) as img:
        img.load()
        return img.convert("RGB")


class LazyImages(Sequence):
    """A read-only sequence of ``n`` PIL images, each produced on access by ``load(i)``.

    Used for the stimulus sets (files checked against their sha256 on every read) and for BLT training
    sets, so that thousands of scenes cost no memory until they are read.

    Parameters
    ----------
    n : int
        Number of images.
    load : callable
        ``load(i)`` returns image ``i`` (``0 <= i < n``); slices return lists.
    """

    def __init__(self, n: int, load: Callable[[int], object]):
        self._n, self._load = int(n), load

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._n))]
        if not -self._n <= index < self._n:
            raise IndexError(index)
        return self._load(index % self._n)

    def __repr__(self) -> str:
        return f"<{self._n} lazily loaded images>"
