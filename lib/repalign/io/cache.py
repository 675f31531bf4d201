"""A content-addressed on-disk cache of arrays, written atomically and checked on read."""

from __future__ import annotations

import hashlib
import io
import json
import warnings
from collections.abc import Callable

import numpy as np

import repalign.io.paths as paths
from repalign import __version__

__all__ = ["CACHE_VERSION", "array_digest", "cached_array", "content_key"]


#: Bump when a change to feature extraction changes its numbers.
CACHE_VERSION = f"{__version__}-1"


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
            h.update(json.dumps(value, sort_keys=True, default=str).encode())
        h.update(b"\1")
    return h.hexdigest()


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
    """
    if not enabled:
        return compute()
    path = paths.cache_dir(namespace) / f"{key}.npz"
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as z:
                arr = z["array"]
                digest = str(z["sha256"])
            if array_digest(arr) == digest:
                return arr
            reason = "checksum mismatch"
        except Exception as exc:  # truncated zip, missing member, bad header ...
            reason = f"{type(exc).__name__}: {exc}"
        warnings.warn(f"corrupt cache file {path} ({reason}); recomputing", RuntimeWarning, stacklevel=2)
        path.unlink(missing_ok=True)
    arr = np.asarray(compute())
    buf = io.BytesIO()
    np.savez(buf, array=arr, sha256=np.array(array_digest(arr)))
    paths.atomic_write_bytes(path, buf.getvalue())
    return arr
