"""Paths, atomic writes, the content-addressed array cache and the row-by-row feature cache."""

from . import cache, paths, rows
from .cache import *
from .paths import *
from .rows import *

# The public API is each module's __all__, in this order (see the modules for the names).
__all__ = [*cache.__all__, *paths.__all__, *rows.__all__]
