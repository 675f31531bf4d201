"""Representational dissimilarity matrices: compute (incl. crossnobis), compare, annotate, lay out, convert."""

from . import annotations, compare, compute, crossnobis, interop, layout
from .annotations import *
from .compare import *
from .compute import *
from .crossnobis import *
from .interop import *
from .layout import *

# The public API is each module's __all__, in this order (see the modules for the names).
__all__ = [
    *annotations.__all__,
    *compare.__all__,
    *compute.__all__,
    *crossnobis.__all__,
    *interop.__all__,
    *layout.__all__,
]
