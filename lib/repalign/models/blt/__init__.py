"""BLT recurrent CNNs (chapter 5): network, data, training, heads, shipped weights.

- :class:`BLTNet` — the network (a ``torch.nn.Module``); :func:`blt_activations` reads every layer and timestep.
- :class:`SceneDataset` — images with captions and COCO categories (from stimulus sets or a COCO folder);
  :func:`book_split` — the book's training and held-out scenes.
- :func:`train`, :func:`evaluate`, :func:`objective_loss`, :func:`baseline_loss` — the training loop.
- :func:`train_head`, :func:`head_features` — small heads on frozen features.
- :func:`load_pretrained_blt`, :func:`blt_features` — the shipped weights and their cached features.

Random arguments are named ``seed`` (an int >= 0, or a ``numpy.random.Generator`` consumed for one int
seed). Train the shipped weights with ``python -m repalign.models.blt``."""

from . import data, heads, network, pretrained, training
from .data import *
from .heads import *
from .network import *
from .pretrained import *
from .training import *

# The public API is each module's __all__, in this order (see the modules for the names).
__all__ = [*data.__all__, *heads.__all__, *network.__all__, *pretrained.__all__, *training.__all__]
