"""The book's own helpers: recording a chapter's numbers, the cached simulated cohorts, the image-feature cache warm-up."""

from . import cohorts, explorers, reader_sessions, records, warmup
from .cohorts import *
from .explorers import *
from .reader_sessions import *
from .records import *
from .warmup import *

# The public API is each module's __all__, in this order (see the modules for the names).
__all__ = [*cohorts.__all__, *explorers.__all__, *reader_sessions.__all__, *records.__all__, *warmup.__all__]
