"""Searchlight RSA: inputs, spheres, the fast engine, maps, group statistics, simulated fMRI, regions."""

from . import crossnobis, engine, group, nsd, partial, regions, rsa, simulate, spheres
from .crossnobis import *
from .engine import *
from .group import *
from .nsd import *
from .partial import *
from .regions import *
from .rsa import *
from .simulate import *
from .spheres import *

# The public API is each module's __all__, in this order (see the modules for the names).
__all__ = [
    *crossnobis.__all__,
    *engine.__all__,
    *group.__all__,
    *nsd.__all__,
    *partial.__all__,
    *regions.__all__,
    *rsa.__all__,
    *simulate.__all__,
    *spheres.__all__,
]
