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

from . import agreement, barycentric, choice, layers, measures, orthogonal, retrieval
from .agreement import *
from .barycentric import *
from .choice import *
from .layers import *
from .measures import *
from .orthogonal import *
from .retrieval import *

# The public API is each module's __all__, in this order (see the modules for the names).
__all__ = [
    *agreement.__all__,
    *barycentric.__all__,
    *choice.__all__,
    *layers.__all__,
    *measures.__all__,
    *orthogonal.__all__,
    *retrieval.__all__,
]
