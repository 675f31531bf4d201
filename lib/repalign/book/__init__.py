"""The book's own helpers: recording a chapter's numbers and the cached simulated cohorts."""

from . import cohorts, explorers, records
from .cohorts import *
from .explorers import *
from .records import *

# The public API is each module's __all__, in this order (see the modules for the names).
__all__ = [*cohorts.__all__, *explorers.__all__, *records.__all__]
