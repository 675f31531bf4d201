"""BLT recurrent CNNs (chapter 5): network, data, training, heads, shipped weights.

- :class:`BLTNet` — the network (a ``torch.nn.Module``); :func:`blt_activations` reads every layer and timestep.
- :class:`SceneDataset` — images with captions and COCO categories (from stimulus sets or a COCO folder);
  :func:`book_split` — the book's training and held-out scenes.
- :func:`train`, :func:`evaluate`, :func:`objective_loss`, :func:`baseline_loss` — the training loop.
- :func:`train_head`, :func:`head_features` — small heads on frozen features.
- :func:`load_pretrained_blt`, :func:`blt_features` — the shipped weights and their cached features.

Random arguments are named ``seed`` (an int >= 0, or a ``numpy.random.Generator`` consumed for one int
seed). Train the shipped weights with ``python -m repalign.models.blt``."""

from .data import (
    BLT_SPLIT,
    COCO_CATEGORIES,
    OBJECTIVES,
    SceneDataset,
    SceneSplit,
    book_split,
    preprocess_images,
)
from .heads import HeadFit, head_features, train_head
from .network import BLTNet, blt_activations
from .pretrained import (
    DEFAULT_CONFIG,
    blt_features,
    load_pretrained_blt,
    pretrained_metrics,
    train_shipped,
)
from .training import baseline_loss, evaluate, objective_loss, train

__all__ = [
    "BLTNet",
    "blt_activations",
    "BLT_SPLIT",
    "COCO_CATEGORIES",
    "OBJECTIVES",
    "SceneDataset",
    "SceneSplit",
    "book_split",
    "preprocess_images",
    "baseline_loss",
    "evaluate",
    "objective_loss",
    "train",
    "HeadFit",
    "head_features",
    "train_head",
    "DEFAULT_CONFIG",
    "blt_features",
    "load_pretrained_blt",
    "pretrained_metrics",
    "train_shipped",
]
