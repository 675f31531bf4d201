"""Validation at the door: one-line errors that name the argument (shared by every subpackage)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

__all__ = [
    "check_bool",
    "check_choice",
    "check_finite",
    "check_images",
    "check_int",
    "check_jobs",
    "check_matrix",
    "check_not_complex",
    "check_real",
    "check_seed",
    "check_strings",
]


def check_bool(value, name: str) -> bool:
    """Return ``value`` as ``bool`` if it is a bool (or ``numpy.bool_``), else raise ``TypeError``.

    Parameters
    ----------
    value : object
        The argument to check (strings such as ``"no"`` and numbers are refused).
    name : str
        The argument's name, for the error message.

    Returns
    -------
    bool
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {type(value).__name__} {value!r}")
    return bool(value)


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


def check_jobs(n_jobs, name: str = "n_jobs") -> int:
    """Return the number of threads ``n_jobs`` asks for: an integer ``>= 1``, or ``None`` for every core this
    process may use (its CPU affinity)."""
    if n_jobs is None:
        import os

        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return check_int(n_jobs, name, minimum=1)


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


def check_not_complex(x, name: str) -> np.ndarray:
    """Return ``x`` as an array, refusing complex numbers (``astype(float)`` would drop the imaginary part).

    Parameters
    ----------
    x : array-like
        The input.
    name : str
        Name used in the error message.

    Returns
    -------
    numpy.ndarray
        ``numpy.asarray(x)``, its dtype unchanged.
    """
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged sequences and the like
        raise TypeError(f"{name} must be an array-like of numbers ({exc})") from None
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must hold real numbers; got dtype {arr.dtype}")
    return arr


def check_seed(seed, name: str = "seed") -> np.random.Generator:
    """Turn ``seed`` (int or Generator) into a Generator; ``None`` is refused (determinism)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{name} must be an int or numpy.random.Generator; got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"{name} must be a non-negative int or a numpy.random.Generator; got {int(seed)}")
    return np.random.default_rng(int(seed))


def check_real(
    value,
    name: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive: bool = False,
) -> float:
    """Return ``value`` as a finite ``float`` within bounds.

    Python and numpy real scalars (``np.float32(0.1)``, ``np.int64(2)``) are accepted; bools, strings,
    complex numbers, arrays and NaN or infinite values are refused with a one-line error naming ``name``.

    Parameters
    ----------
    value : int, float or numpy real scalar
        The number to check.
    name : str
        The argument's name, for the error message.
    minimum, maximum : float, optional
        Bounds (inclusive unless ``exclusive``).
    exclusive : bool
        Whether the bounds themselves are refused.

    Returns
    -------
    float
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number; got {type(value).__name__} {value!r:.40}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value}")
    if minimum is not None and (value <= minimum if exclusive else value < minimum):
        raise ValueError(f"{name} must be {'>' if exclusive else '>='} {minimum}; got {value:g}")
    if maximum is not None and (value >= maximum if exclusive else value > maximum):
        raise ValueError(f"{name} must be {'<' if exclusive else '<='} {maximum}; got {value:g}")
    return value


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
