"""Interactive widgets: the playable Multiple Arrangements arena."""

from . import arena, page
from .arena import *
from .page import *

# The public API is each module's __all__, in this order (see the modules for the names).
__all__ = [*arena.__all__, *page.__all__]
