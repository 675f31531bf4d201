"""Validation at the door: one-line errors that name the argument (shared by every subpackage)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["check_choice", "check_finite", "check_images", "check_int", "check_matrix", "check_seed", "check_strings"]


def check_choice(value, name: str, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise ``ValueError``."""
    choices = tuple(choices)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {choices}; got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}; got {value!r}")
    return value


def check_int(value, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as ``int`` if it is an integer within bounds (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer; got {type(value).__name__}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}; got {value}")
    return value


def check_finite(arr: np.ndarray, name: str) -> np.ndarray:
    """Raise ``ValueError`` if ``arr`` holds NaN or infinite values."""
    if not np.all(np.isfinite(arr)):
        n_bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} contains {n_bad} NaN or infinite value(s)")
    return arr


def check_matrix(x, name: str, ndim: int = 2, min_rows: int = 1, finite: bool = True) -> np.ndarray:
    """Convert ``x`` to a float array of ``ndim`` dimensions and check it.

    Raises ``TypeError`` for non-numeric input and ``ValueError`` for the wrong number of
    dimensions, too few rows or non-finite values. Nothing is reshaped or coerced silently.
    """
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged sequences and the like
        raise TypeError(f"{name} must be an array-like of numbers ({exc})") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must hold numbers; got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D; got shape {arr.shape}")
    if arr.shape[0] < min_rows:
        raise ValueError(f"{name} must have at least {min_rows} rows; got {arr.shape[0]}")
    arr = arr.astype(np.float64, copy=False)
    if finite:
        check_finite(arr, name)
    return arr


def check_seed(seed, name: str = "seed") -> np.random.Generator:
    """Turn ``seed`` (int or Generator) into a Generator; ``None`` is refused (determinism)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{name} must be an int or numpy.random.Generator; got {type(seed).__name__}")
    return np.random.default_rng(int(seed))


def check_strings(texts, name: str) -> list[str]:
    """Return ``texts`` as a non-empty list of strings (a lone string is refused)."""
    if isinstance(texts, str):
        raise TypeError(f"{name} must be a sequence of strings, not a single string")
    if not isinstance(texts, Sequence) and not hasattr(texts, "__iter__"):
        raise TypeError(f"{name} must be a sequence of strings; got {type(texts).__name__}")
    texts = list(texts)
    if not texts:
        raise ValueError(f"{name} is empty")
    bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
    if bad:
        raise TypeError(f"{name}[{bad[0]}] is {type(texts[bad[0]]).__name__}, not str")
    return texts


def check_images(images, name: str = "images") -> list:
    """Return ``images`` as a non-empty list of PIL images (a lone image or a non-sequence is refused)."""
    from PIL import Image

    if isinstance(images, Image.Image) or not isinstance(images, Sequence):
        raise TypeError(f"{name} must be a sequence of PIL images (a list, or StimulusSet.images)")
    if len(images) == 0:
        raise ValueError(f"{name} is empty")
    images = list(images)
    for i, img in enumerate(images):
        if not isinstance(img, Image.Image):
            raise TypeError(f"{name}[{i}] is {type(img).__name__}, not a PIL image")
    return images
