"""RDMs from human annotations: category sets, tag sets (e.g. HED tags) and caption content words."""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import pdist, squareform

from repalign.core.validation import check_choice, check_int
from repalign.rdm.compute import compute_rdm

__all__ = ["TAG_METRICS", "caption_word_rdm", "category_rdm", "content_words", "feature_rdm", "tag_rdm"]


def category_rdm(categories) -> np.ndarray:
    """Jaccard-distance RDM between stimuli's label sets (e.g. COCO categories).

    ``d_ij = 1 - |C_i & C_j| / |C_i | C_j|``: 0 for identical label sets, 1 for disjoint ones. A model
    RDM built from human annotations, independent of any network.

    Parameters
    ----------
    categories : sequence of sequences of str
        The labels of each stimulus (``StimulusSet.categories``); none may be empty.

    Returns
    -------
    numpy.ndarray, shape (n_items, n_items)
    """
    if isinstance(categories, (str, bytes)) or not hasattr(categories, "__len__"):
        raise TypeError("categories must be a sequence of label lists")
    sets = []
    for i, labels in enumerate(categories):
        if isinstance(labels, str):
            raise TypeError(f"categories[{i}] is a string; expected a list of labels")
        labels = set(labels)
        if not labels:
            raise ValueError(f"categories[{i}] is empty; the Jaccard distance is undefined for it")
        sets.append(labels)
    if len(sets) < 2:
        raise ValueError(f"categories must describe at least 2 stimuli; got {len(sets)}")
    vocab = sorted(set().union(*sets))
    onehot = np.array([[c in s for c in vocab] for s in sets], dtype=bool)
    return squareform(pdist(onehot, metric="jaccard"), checks=False)


#: Set dissimilarities accepted by :func:`tag_rdm`.
TAG_METRICS = ("jaccard", "dice")


def tag_rdm(tag_sets, *, metric: str = "jaccard") -> np.ndarray:
    """Set-overlap RDM between stimuli described by tag sets (e.g. the HED tags of ``load_hed(...).tags``).

    ``"jaccard"``: ``d_ij = 1 - |A_i & A_j| / |A_i | A_j|``; ``"dice"``: ``d_ij = 1 - 2 |A_i & A_j| / (|A_i| + |A_j|)``.
    Both are 0 for identical tag sets and 1 for disjoint ones.

    Parameters
    ----------
    tag_sets : sequence of set or frozenset
        One non-empty set of hashable tags per stimulus (at least 2 stimuli).
    metric : {"jaccard", "dice"}
        The set dissimilarity.

    Returns
    -------
    numpy.ndarray, shape (n_items, n_items)
        The dissimilarity of every pair of tag sets.

    Raises
    ------
    TypeError
        If ``tag_sets`` is not a sequence of sets.
    ValueError
        If fewer than 2 stimuli are given or a tag set is empty.
    """
    from collections.abc import Set

    check_choice(metric, "metric", TAG_METRICS)
    if isinstance(tag_sets, (str, bytes, Set)) or not hasattr(tag_sets, "__len__"):
        raise TypeError(f"tag_sets must be a sequence of sets, one per stimulus; got {type(tag_sets).__name__}")
    sets = list(tag_sets)
    if len(sets) < 2:
        raise ValueError(f"tag_sets must describe at least 2 stimuli; got {len(sets)}")
    for i, tags in enumerate(sets):
        if not isinstance(tags, Set):
            raise TypeError(f"tag_sets[{i}] must be a set or frozenset of tags; got {type(tags).__name__}")
        if not tags:
            raise ValueError(f"tag_sets[{i}] is empty; the {metric} distance is undefined for it")
    vocab = {t: k for k, t in enumerate(sorted(set().union(*sets), key=repr))}
    onehot = np.zeros((len(sets), len(vocab)), dtype=bool)
    for i, tags in enumerate(sets):
        onehot[i, [vocab[t] for t in tags]] = True
    return squareform(pdist(onehot, metric=metric), checks=False)


def content_words(text: str) -> list[str]:
    """Lower-cased content words of a caption: letters only, scikit-learn's English stop words removed,
    plural ``-s`` folded (``"dogs"`` -> ``"dog"``, but not ``"grass"``, ``"bus"``).

    Parameters
    ----------
    text : str
        One caption.

    Returns
    -------
    list of str
    """
    import re

    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    if not isinstance(text, str):
        raise TypeError(f"text must be a string; got {type(text).__name__}")
    words = [w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 1 and w not in ENGLISH_STOP_WORDS]
    return [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")) else w for w in words]


def caption_word_rdm(captions, *, n_captions: int = 5) -> np.ndarray:
    """Content-word overlap RDM between stimuli, from their human captions only (no model involved).

    Each stimulus becomes the count vector of the content words (:func:`content_words`) of its first
    ``n_captions`` captions, so a word that several annotators used weighs more; ``d_ij`` is
    ``1 - cosine`` between the count vectors: 0 for the same words in the same proportions, 1 for no
    shared word.

    Parameters
    ----------
    captions : sequence of sequences of str
        The captions of each stimulus (``StimulusSet.captions``).
    n_captions : int
        Captions used per stimulus (the first ones).

    Returns
    -------
    numpy.ndarray, shape (n_items, n_items)
    """
    n_captions = check_int(n_captions, "n_captions", minimum=1)
    if isinstance(captions, (str, bytes)) or not hasattr(captions, "__len__"):
        raise TypeError("captions must be a sequence of caption lists")
    if len(captions) < 2:
        raise ValueError(f"captions must describe at least 2 stimuli; got {len(captions)}")
    bags = []
    for i, caps in enumerate(captions):
        if isinstance(caps, str):
            raise TypeError(f"captions[{i}] is a string; expected a list of captions")
        words = [w for c in list(caps)[:n_captions] for w in content_words(c)]
        if not words:
            raise ValueError(f"captions[{i}] has no content words")
        bags.append(words)
    vocab = {w: k for k, w in enumerate(sorted({w for b in bags for w in b}))}
    counts = np.zeros((len(bags), len(vocab)))
    for i, b in enumerate(bags):
        np.add.at(counts[i], [vocab[w] for w in b], 1.0)
    return compute_rdm(counts, metric="cosine")


def feature_rdm(features, *, metric: str = "euclidean") -> np.ndarray:
    """RDM between stimuli described by a few rated features, numeric and categorical (e.g. a Meadows form).

    Each numeric feature is standardised (z-scored over the stimuli); each categorical feature is one-hot
    coded with its columns scaled by ``1 / sqrt(2)``, so that two stimuli with different answers differ by
    1 in squared Euclidean distance, the same as two stimuli one standard deviation apart on a numeric
    feature. The RDM is then :func:`repalign.rdm.compute_rdm` of the stacked columns with ``metric``.

    Parameters
    ----------
    features : mapping of str to array-like
        One array of length ``n_items`` per feature (e.g. ``MeadowsAnnotations.features``). A float or
        integer array is numeric; a string or object array is categorical. Missing values (NaN, ``""``
        or ``None``) are refused.
    metric : {"euclidean", "correlation", "cosine"}
        The dissimilarity of the coded features.

    Returns
    -------
    numpy.ndarray, shape (n_items, n_items)

    Raises
    ------
    TypeError
        If ``features`` is not a mapping.
    ValueError
        If it is empty, the features differ in length, describe fewer than 2 stimuli, or have missing
        values.
    """
    from collections.abc import Mapping

    from repalign.rdm.compute import RDM_METRICS

    check_choice(metric, "metric", RDM_METRICS)
    if not isinstance(features, Mapping):
        raise TypeError(f"features must be a mapping of feature name to values; got {type(features).__name__}")
    if not features:
        raise ValueError("features is empty; give at least one feature")
    columns, n_items = [], None
    for name, values in features.items():
        values = np.asarray(values)
        if values.ndim != 1:
            raise ValueError(f"feature {name!r} must be 1-D (one value per stimulus); got shape {values.shape}")
        if n_items is None:
            n_items = len(values)
        elif len(values) != n_items:
            raise ValueError(f"feature {name!r} has {len(values)} values; the first feature has {n_items}")
        if values.dtype.kind in "biuf":
            x = values.astype(float)
            if np.isnan(x).any():
                raise ValueError(f"feature {name!r} has {int(np.isnan(x).sum())} missing values")
            sd = x.std()
            columns.append(((x - x.mean()) / sd if sd > 0 else np.zeros_like(x))[:, None])
        else:
            answers = [None if v is None else str(v) for v in values]
            n_missing = sum(a is None or a == "" for a in answers)
            if n_missing:
                raise ValueError(f"feature {name!r} has {n_missing} missing values")
            levels = sorted(set(answers))
            columns.append(np.array([[a == lev for lev in levels] for a in answers], dtype=float) / np.sqrt(2.0))
    if n_items < 2:
        raise ValueError(f"features must describe at least 2 stimuli; got {n_items}")
    return compute_rdm(np.hstack(columns), metric=metric)
