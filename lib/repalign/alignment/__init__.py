"""Aligning representational spaces (chapters 6–8).

- :mod:`~repalign.alignment.orthogonal` — the :class:`Procrustes` estimator (and :func:`procrustes`).
- :mod:`~repalign.alignment.retrieval` — nearest-neighbour and CSLS retrieval, cross-validated P@k.
- :mod:`~repalign.alignment.measures` — map-free alignment measures (RSA, linear CKA, mutual k-NN and
  the peers' measures) through one entry point, and their bootstrap over items.
- :mod:`~repalign.alignment.peer_measures` — unbiased CKA, CKNNA, SVCCA, angular Procrustes distance.
- :mod:`~repalign.alignment.calibration` — permutation nulls and chance-calibrated scores.
- :mod:`~repalign.alignment.layers` — layer sweeps with held-out selection, exemplar averaging.
- :mod:`~repalign.alignment.choice` — image–caption forced choice with category-matched distractors.
- :mod:`~repalign.alignment.barycentric` — the :class:`GeneralizedProcrustes` estimator (many spaces at once).
- :mod:`~repalign.alignment.agreement` — per-stimulus agreement, cross-modal scores, caption agreement.
- :mod:`~repalign.alignment.scoring` — the pooled AUC of a score matrix with a bootstrap interval over rows.
"""

from . import (
    agreement,
    barycentric,
    calibration,
    choice,
    layers,
    measures,
    orthogonal,
    peer_measures,
    retrieval,
    scoring,
)
from .agreement import *
from .barycentric import *
from .calibration import *
from .choice import *
from .layers import *
from .measures import *
from .orthogonal import *
from .peer_measures import *
from .retrieval import *
from .scoring import *

# The public API is each module's __all__, in this order (see the modules for the names).
__all__ = [
    *agreement.__all__,
    *barycentric.__all__,
    *calibration.__all__,
    *choice.__all__,
    *layers.__all__,
    *measures.__all__,
    *orthogonal.__all__,
    *peer_measures.__all__,
    *retrieval.__all__,
    *scoring.__all__,
]
