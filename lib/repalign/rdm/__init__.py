"""Representational dissimilarity matrices: compute, compare, annotate, lay out, convert."""

from .annotations import TAG_METRICS, caption_word_rdm, category_rdm, content_words, feature_rdm, tag_rdm
from .compare import COMPARE_METHODS, compare_rdms, correlate, kendall_tau_a
from .compute import (
    RDM_METRICS,
    check_same_items,
    compute_rdm,
    condensed_stack,
    n_items_from_condensed,
    square_stack,
    to_condensed,
    to_square,
)
from .interop import from_rsatoolbox, to_rsatoolbox
from .layout import LINKAGES, classical_mds, cluster_order, mds

__all__ = [
    "RDM_METRICS",
    "check_same_items",
    "compute_rdm",
    "condensed_stack",
    "n_items_from_condensed",
    "square_stack",
    "to_condensed",
    "to_square",
    "COMPARE_METHODS",
    "compare_rdms",
    "correlate",
    "kendall_tau_a",
    "caption_word_rdm",
    "category_rdm",
    "content_words",
    "feature_rdm",
    "TAG_METRICS",
    "tag_rdm",
    "LINKAGES",
    "classical_mds",
    "cluster_order",
    "mds",
    "from_rsatoolbox",
    "to_rsatoolbox",
]
