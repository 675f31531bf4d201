"""Images read on access: a lazy sequence of PIL images and an RGB opener."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

__all__ = ["LazyImages", "open_rgb", "to_rgb"]

_MODES_16BIT = ("I;16", "I;16L", "I;16B", "I;16N")


def to_rgb(img, *, name: str = "img"):
    """An 8-bit RGB copy of a PIL image, with 16-bit and floating-point images scaled by their range.

    ``Image.convert("RGB")`` clips 16-bit (``I;16``, ``I``) and float (``F``) pixels to 0-255, so every
    pixel above 255 (or above 1 / 255 of a float image's range) turns white. Here 16-bit images are scaled
    by 255 / 65535 (``I`` images, which is how 16-bit PNGs are often decoded, must hold values in
    [0, 65535]) and float images, which must lie in [0, 1], by 255; other modes are converted as Pillow does.

    Parameters
    ----------
    img : PIL.Image.Image
        Any mode.
    name : str
        The argument's name, for error messages.

    Returns
    -------
    PIL.Image.Image
        Mode ``"RGB"``, 8 bits per channel.

    Raises
    ------
    TypeError
        If ``img`` is not a PIL image.
    ValueError
        If a float image leaves [0, 1] (or holds NaN), an ``I`` image leaves [0, 65535], or the mode is a
        signed or multi-channel 16-bit one that cannot be scaled unambiguously.
    """
    from PIL import Image

    if not isinstance(img, Image.Image):
        raise TypeError(f"{name} must be a PIL image; got {type(img).__name__}")
    mode = img.mode
    if mode == "RGB":
        return img.copy()
    if mode in _MODES_16BIT or mode == "I" or mode == "F":
        arr = np.asarray(img)
        if mode == "F":
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"{name} is a float (mode F) image with NaN or infinite values outside [0, 1]")
            if arr.min() < 0 or arr.max() > 1:
                raise ValueError(
                    f"{name} is a float (mode F) image with values outside [0, 1] "
                    f"(min {arr.min():.4g}, max {arr.max():.4g}); scale it to [0, 1] first"
                )
            scaled = arr.astype(np.float64) * 255.0
        else:
            if arr.min() < 0 or arr.max() > 65535:
                raise ValueError(
                    f"{name} is a 32-bit integer (mode I) image with values outside [0, 65535] "
                    f"(min {arr.min()}, max {arr.max()}); convert it to 8 or 16 bits first"
                )
            scaled = arr.astype(np.float64) * (255.0 / 65535.0)
        gray = np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
        return Image.fromarray(gray, "L").convert("RGB")
    if mode.startswith("I;16") or mode.startswith("BGR;"):
        raise ValueError(f"{name} has mode {mode!r}, which cannot be scaled to 8-bit RGB unambiguously")
    return img.convert("RGB")


def open_rgb(source):
    """Open an image file (a path or its bytes) fully decoded, as an RGB PIL image.

    Parameters
    ----------
    source : str, pathlib.Path or bytes
        A file path, or the file's bytes.

    Returns
    -------
    PIL.Image.Image
        RGB, decoded (the file is closed); 16-bit and float images are scaled by :func:`to_rgb`.
    """
    from PIL import Image

    if not isinstance(source, (bytes, str, Path)):
        raise TypeError(f"source must be a path or the file's bytes; got {type(source).__name__}")
    with Image.open(io.BytesIO(source) if isinstance(source, bytes) else Path(source)) as img:
        img.load()
        return to_rgb(img, name="source")


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
        from repalign.core.validation import check_int

        if not callable(load):
            raise TypeError(f"load must be callable; got {type(load).__name__}")
        self._n, self._load = check_int(n, "n", minimum=0), load

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._n))]
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"index must be an int or a slice; got {type(index).__name__}")
        index = int(index)
        if not -self._n <= index < self._n:
            raise IndexError(index)
        return self._load(index % self._n)

    def __repr__(self) -> str:
        return f"<{self._n} lazily loaded images>"
