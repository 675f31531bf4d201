"""Real human and brain data shipped in ``data/`` (checksummed on read): the 92-object set, HED tags, word norms."""

from .hed import HED_FILE, HedTags, load_hed, parse_hed
from .kriegeskorte92 import KRIEGESKORTE92_FILE, Kriegeskorte92, load_kriegeskorte92
from .word_similarity import WORD_SIMILARITY_SETS, WordSimilarity, load_word_similarity

__all__ = [
    "KRIEGESKORTE92_FILE",
    "Kriegeskorte92",
    "load_kriegeskorte92",
    "HED_FILE",
    "HedTags",
    "load_hed",
    "parse_hed",
    "WORD_SIMILARITY_SETS",
    "WordSimilarity",
    "load_word_similarity",
]
