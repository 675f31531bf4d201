"""Models: sentence encoders and image CNNs from PyPI wheels (offline), with an on-disk cache.

- :func:`encode_text` — MPNet / MiniLM sentence embeddings, or a layer's mean-pooled state.
- :func:`image_features` — EfficientNet-Lite0 (ImageNet) pooled block activations.
- :func:`word_pair_similarity` — cosine similarity of word pairs in GloVe, MiniLM or MPNet.
- :func:`glove_sentence_embeddings` — mean GloVe (6B, 50-d) vector of a text's words.
- :func:`extract_image_features` — features of large image collections in resumable shards (optionally on
  Dask); list a COCO folder with :func:`repalign.stimuli.coco_image_list`.
- :mod:`repalign.models.blt` — recurrent BLT networks (chapter 5), imported on first use.
"""

from .concepts import (
    efficientnet_class_weights,
    imagenet_class_names,
    strip_parenthetical,
    word_frequency,
)
from .glove import (
    GloveEmbedding,
    GloveVectors,
    glove_embed,
    glove_sentence_embeddings,
    glove_tokens,
    glove_vectors,
)
from .shards import ShardedFeatures, extract_image_features
from .text import (
    MPNET_ZIP_SHA256,
    TEXT_MODELS,
    encode_text,
    load_text_model,
    minilm_path,
    mpnet_path,
)
from .vision import (
    EFFICIENTNET_LAYERS,
    IMAGE_MODELS,
    image_digest,
    image_features,
    preprocess_image,
    resize_center_crop,
)
from .words import WORD_MODELS, WordPairSimilarity, word_pair_similarity

__all__ = [
    "TEXT_MODELS",
    "MPNET_ZIP_SHA256",
    "image_digest",
    "resize_center_crop",
    "IMAGE_MODELS",
    "EFFICIENTNET_LAYERS",
    "encode_text",
    "load_text_model",
    "image_features",
    "preprocess_image",
    "mpnet_path",
    "minilm_path",
    "GloveEmbedding",
    "GloveVectors",
    "glove_vectors",
    "glove_embed",
    "glove_sentence_embeddings",
    "glove_tokens",
    "imagenet_class_names",
    "efficientnet_class_weights",
    "strip_parenthetical",
    "word_frequency",
    "WORD_MODELS",
    "WordPairSimilarity",
    "word_pair_similarity",
    "ShardedFeatures",
    "extract_image_features",
]

# Chapter 5: recurrent CNNs (BLT) trained on sentence embeddings or categories, from repalign.models.blt.
# Resolved on first use, so `python -m repalign.models.blt` does not find the module already imported.
_BLT_NAMES = ("BLTNet", "SceneDataset", "blt_features", "load_pretrained_blt", "train")  # see repalign.models.blt
__all__ += list(_BLT_NAMES)


def __getattr__(name):
    if name in _BLT_NAMES:
        from . import blt

        return getattr(blt, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
