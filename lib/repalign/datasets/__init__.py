"""Real human and brain data shipped in ``data/`` (checksummed on read): the 92-object set, HED tags, word norms."""

from . import hed, kriegeskorte92, word_similarity
from .hed import *
from .kriegeskorte92 import *
from .word_similarity import *

# The public API is each module's __all__, in this order (see the modules for the names).
__all__ = [*hed.__all__, *kriegeskorte92.__all__, *word_similarity.__all__]
