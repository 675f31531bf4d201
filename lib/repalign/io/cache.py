"""A content-addressed on-disk cache of arrays, written atomically and checked on read."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import warnings
from collections.abc import Callable

import numpy as np

import repalign.io.paths as paths
from repalign import __version__

__all__ = ["CACHE_VERSION", "array_digest", "cached_array", "content_key", "locked"]


#: Bump when a change to feature extraction changes its numbers.
CACHE_VERSION = f"{__version__}-2"


def _json_default(value):
    """numpy scalars and paths hash by their text (as always); other objects are refused, not hashed by id."""
    from pathlib import PurePath

    if isinstance(value, (np.generic, PurePath)):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot be part of a content key (its text is not its content)")


def content_key(**parts) -> str:
    """Return a sha256 hex digest over keyword parts (bytes, str, numbers, lists, arrays)."""
    h = hashlib.sha256()
    for name in sorted(parts):
        value = parts[name]
        h.update(name.encode() + b"\0")
        if isinstance(value, bytes):
            h.update(value)
        elif isinstance(value, np.ndarray):
            h.update(str(value.dtype).encode() + str(value.shape).encode())
            h.update(np.ascontiguousarray(value).tobytes())
        else:
            try:
                text = json.dumps(value, sort_keys=True, default=_json_default)
            except TypeError as exc:
                raise TypeError(f"content_key part {name!r}: {exc}") from None
            h.update(text.encode())
        h.update(b"\1")
    return h.hexdigest()


@contextlib.contextmanager
def locked(path):
    """Hold an exclusive lock on the file ``path`` (created if missing) across processes.

    POSIX ``flock``: released when the block ends or the process dies; where ``fcntl`` is missing
    (Windows) the block runs unlocked.

    Parameters
    ----------
    path : str or pathlib.Path
        The lock file, e.g. beside the cache entry it guards.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    with open(path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def array_digest(arr: np.ndarray) -> str:
    """A sha256 hex digest of an array's dtype, shape and bytes."""
    return hashlib.sha256(np.ascontiguousarray(arr).tobytes()).hexdigest()


def cached_array(
    key: str, compute: Callable[[], np.ndarray], namespace: str = "features", enabled: bool = True
) -> np.ndarray:
    """Return the array stored under ``key``, or compute, store and return it.

    Parameters
    ----------
    key : str
        A content key, e.g. from :func:`content_key`.
    compute : callable
        Called without arguments on a miss; must return a numeric array.
    namespace : str
        Sub-folder of the cache.
    enabled : bool
        ``False`` bypasses the cache entirely.

    Returns
    -------
    numpy.ndarray
        The stored or freshly computed array.

    Raises
    ------
    IsADirectoryError
        If a directory sits at the cache file's path (one line naming the path).
    ValueError, TypeError
        For a key that is not a plain file name, or ``compute`` returning a non-numeric array.
    """
    if not isinstance(key, str) or not key or any(c in key for c in "/\\\0") or key in (".", ".."):
        raise ValueError(f"key must be a non-empty file-name-safe string (e.g. from content_key); got {key!r:.60}")
    if not isinstance(namespace, str) or not namespace or any(c in namespace for c in "\\\0") or ".." in namespace:
        raise ValueError(f"namespace must be a cache sub-folder name; got {namespace!r:.60}")
    if not callable(compute):
        raise TypeError(f"compute must be callable; got {type(compute).__name__}")
    if not isinstance(enabled, (bool, np.bool_)):
        raise TypeError(f"enabled must be True or False; got {type(enabled).__name__} {enabled!r:.20}")
    if not enabled:
        return compute()
    path = paths.cache_dir(namespace) / f"{key}.npz"
    if path.is_dir() or (path.exists() and not path.is_file()):
        raise IsADirectoryError(
            f"cache path {str(path)!r} is a directory, not a cache file; remove it or set REPALIGN_CACHE"
        )
    arr = _read_entry(path)
    if arr is not None:
        return arr
    # one process computes an entry; another asking for it meanwhile waits, then reads it
    with locked(path.with_name(f".{path.name}.lock")):
        arr = _read_entry(path)
        if arr is None:
            arr = _compute_entry(path, compute)
    return arr


def _read_entry(path):
    """The array stored at ``path``; None if there is none or it is corrupt (then it is removed, with a warning)."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            arr = z["array"]
            digest = str(z["sha256"])
        if array_digest(arr) == digest:
            return arr
        reason = "checksum mismatch"
    except Exception as exc:  # truncated zip, missing member, bad header ...
        reason = f"{type(exc).__name__}: {exc}"
    warnings.warn(f"corrupt cache file {path} ({reason}); recomputing", RuntimeWarning, stacklevel=3)
    path.unlink(missing_ok=True)
    return None


def _compute_entry(path, compute):
    arr = np.asarray(compute())
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"compute must return a numeric array; got dtype {arr.dtype}")
    buf = io.BytesIO()
    np.savez(buf, array=arr, sha256=np.array(array_digest(arr)))
    paths.atomic_write_bytes(path, buf.getvalue())
    return arr
