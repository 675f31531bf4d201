"""The Multiple Arrangements task: trials, evidence, inverse MDS, lift-the-weakest, sessions, simulation, Meadows."""

from . import design, export, inverse, meadows, meadows_downloads, session, simulation, trials
from .design import *
from .export import *
from .inverse import *
from .meadows import *
from .meadows_downloads import *
from .session import *
from .simulation import *
from .trials import *

# The public API is each module's __all__, in this order (see the modules for the names).
__all__ = [
    *design.__all__,
    *export.__all__,
    *inverse.__all__,
    *meadows.__all__,
    *meadows_downloads.__all__,
    *session.__all__,
    *simulation.__all__,
    *trials.__all__,
]
