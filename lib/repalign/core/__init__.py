"""Shared building blocks: validation at the door, progress bars, one confidence-interval type, one-thread runs."""

from . import device, intervals, progress, threads, validation
from .device import *
from .intervals import *
from .progress import *
from .threads import *
from .validation import *

# The public API is each module's __all__, in this order (see the modules for the names).
__all__ = [*device.__all__, *intervals.__all__, *progress.__all__, *threads.__all__, *validation.__all__]
