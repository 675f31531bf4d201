"""Models: sentence encoders and image CNNs from PyPI wheels (offline), with an on-disk cache.

- :func:`encode_text` — MPNet / MiniLM sentence embeddings, or a layer's mean-pooled state.
- :func:`image_features` — EfficientNet-Lite0 (ImageNet) pooled block activations.
- :func:`glove_sentence_embeddings` — mean GloVe (6B, 50-d) vector of a text's words.
"""

from .glove import glove_embed, glove_sentence_embeddings, glove_vectors
from .text import TEXT_MODELS, encode_text, load_text_model, minilm_path, mpnet_path
from .vision import EFFICIENTNET_LAYERS, IMAGE_MODELS, image_features, preprocess_image

__all__ = [
    "TEXT_MODELS",
    "IMAGE_MODELS",
    "EFFICIENTNET_LAYERS",
    "encode_text",
    "load_text_model",
    "image_features",
    "preprocess_image",
    "mpnet_path",
    "minilm_path",
    "glove_vectors",
    "glove_embed",
    "glove_sentence_embeddings",
]

# Chapter 5: recurrent CNNs (BLT) trained on sentence embeddings or categories, from repalign.models.blt.
# Resolved on first use, so `python -m repalign.models.blt` does not find the module already imported.
_BLT_NAMES = ("BLTNet", "SceneDataset", "blt_features", "load_pretrained_blt", "train")
__all__ += list(_BLT_NAMES)


def __getattr__(name):
    if name in _BLT_NAMES:
        from . import blt

        return getattr(blt, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
