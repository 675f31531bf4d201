"""Paths, atomic writes and the content-addressed array cache."""

from .cache import CACHE_VERSION, array_digest, cached_array, content_key
from .paths import atomic_write_bytes, cache_dir, data_dir

__all__ = [
    "atomic_write_bytes",
    "cache_dir",
    "data_dir",
    "CACHE_VERSION",
    "array_digest",
    "cached_array",
    "content_key",
]
