"""Aligning representational spaces (chapters 6–8).

- :mod:`~repalign.alignment.orthogonal` — the :class:`Procrustes` estimator (and :func:`procrustes`).
- :mod:`~repalign.alignment.retrieval` — nearest-neighbour and CSLS retrieval, cross-validated P@k.
- :mod:`~repalign.alignment.measures` — map-free alignment measures (RSA, linear CKA, mutual k-NN) and
  their bootstrap over items.
- :mod:`~repalign.alignment.layers` — layer sweeps with held-out selection, exemplar averaging.
- :mod:`~repalign.alignment.choice` — image–caption forced choice with category-matched distractors.
- :mod:`~repalign.alignment.barycentric` — the :class:`GeneralizedProcrustes` estimator (many spaces at once).
- :mod:`~repalign.alignment.agreement` — per-stimulus agreement, cross-modal scores, caption agreement.
"""

from .agreement import (
    INSTANCE_REFERENCES,
    InstanceSimilarity,
    caption_agreement,
    cross_modal_scores,
    instance_similarity,
)
from .barycentric import (
    GeneralizedProcrustes,
    GeneralizedProcrustesResult,
    generalized_procrustes,
)
from .choice import (
    DIFFICULTIES,
    DIRECTIONS,
    ForcedChoiceResult,
    category_distractors,
    forced_choice,
)
from .layers import (
    ExemplarResult,
    LayerAlignmentResult,
    exemplar_average,
    layer_alignment,
)
from .measures import (
    MEASURES,
    AlignmentBootstrap,
    alignment_score,
    bootstrap_alignment,
    linear_cka,
    mutual_knn,
)
from .orthogonal import DIM_MATCH, Procrustes, procrustes, random_orthogonal
from .retrieval import (
    CANDIDATES,
    RETRIEVAL_RULES,
    RetrievalResult,
    cv_retrieval,
    hit_ranks,
    precision_at_k,
    retrieve,
)

__all__ = [
    "DIM_MATCH",
    "Procrustes",
    "procrustes",
    "random_orthogonal",
    "CANDIDATES",
    "RETRIEVAL_RULES",
    "RetrievalResult",
    "cv_retrieval",
    "hit_ranks",
    "precision_at_k",
    "retrieve",
    "MEASURES",
    "AlignmentBootstrap",
    "alignment_score",
    "bootstrap_alignment",
    "linear_cka",
    "mutual_knn",
    "ExemplarResult",
    "LayerAlignmentResult",
    "exemplar_average",
    "layer_alignment",
    "DIFFICULTIES",
    "DIRECTIONS",
    "ForcedChoiceResult",
    "category_distractors",
    "forced_choice",
    "GeneralizedProcrustes",
    "GeneralizedProcrustesResult",
    "generalized_procrustes",
    "INSTANCE_REFERENCES",
    "InstanceSimilarity",
    "caption_agreement",
    "cross_modal_scores",
    "instance_similarity",
]
