"""Interactive widgets: the playable Multiple Arrangements arena."""

from . import arena
from .arena import *

# The public API is each module's __all__, in this order (see the modules for the names).
__all__ = [*arena.__all__]
