"""Paths, atomic writes and the content-addressed array cache."""

from . import cache, paths
from .cache import *
from .paths import *

# The public API is each module's __all__, in this order (see the modules for the names).
__all__ = [*cache.__all__, *paths.__all__]
