"""Representational dissimilarity matrices (RDMs): compute, convert, compare.

RDMs are plain arrays: a square ``(n, n)`` symmetric matrix with a zero diagonal, or its
condensed upper triangle of length ``n * (n - 1) / 2`` (scipy's ``squareform`` order).
Stacks of RDMs are ``(n_rdms, n, n)``. For rsatoolbox users, :func:`to_rsatoolbox` and
:func:`from_rsatoolbox` convert both ways.
"""

from __future__ import annotations

import inspect

import numpy as np
from scipy.spatial.distance import pdist, squareform

from ._validation import check_choice, check_finite, check_int, check_matrix, check_seed

__all__ = [
    "RDM_METRICS",
    "COMPARE_METHODS",
    "compute_rdm",
    "compare_rdms",
    "kendall_tau_a",
    "to_condensed",
    "to_square",
    "n_items_from_condensed",
    "mds",
    "cluster_order",
    "category_rdm",
    "content_words",
    "caption_word_rdm",
    "to_rsatoolbox",
    "from_rsatoolbox",
]

RDM_METRICS = ("correlation", "euclidean", "cosine")
COMPARE_METHODS = ("spearman", "pearson", "kendall_tau_a")


def n_items_from_condensed(length: int, name: str = "rdm") -> int:
    """Number of items ``n`` for a condensed RDM of ``length = n (n - 1) / 2``."""
    n = int(round((1 + np.sqrt(1 + 8 * length)) / 2))
    if n * (n - 1) // 2 != length or n < 2:
        raise ValueError(f"{name} has length {length}, which is not n*(n-1)/2 for any n >= 2")
    return n


def _check_square(rdm: np.ndarray, name: str, atol: float) -> np.ndarray:
    if rdm.shape[0] != rdm.shape[1]:
        raise ValueError(f"{name} must be square; got shape {rdm.shape}")
    if rdm.shape[0] < 2:
        raise ValueError(f"{name} must hold at least 2 items; got {rdm.shape[0]}")
    scale = max(1.0, float(np.max(np.abs(rdm))))
    if not np.allclose(rdm, rdm.T, rtol=0, atol=atol * scale):
        raise ValueError(f"{name} is not symmetric (max |A - A.T| = {np.max(np.abs(rdm - rdm.T)):.3g})")
    if np.any(np.abs(np.diag(rdm)) > atol * scale):
        raise ValueError(f"{name} has a non-zero diagonal (max |diag| = {np.max(np.abs(np.diag(rdm))):.3g})")
    return rdm


def to_condensed(rdm, name: str = "rdm", atol: float = 1e-8) -> np.ndarray:
    """Return the condensed upper triangle of a square RDM (a condensed RDM is checked and returned).

    Raises ``ValueError`` if a square RDM is not symmetric or has a non-zero diagonal.
    """
    arr = np.asarray(rdm)
    if arr.ndim == 1:
        arr = check_matrix(arr, name, ndim=1)
        n_items_from_condensed(arr.size, name)
        return arr
    arr = check_matrix(arr, name, ndim=2)
    _check_square(arr, name, atol)
    return squareform(arr, checks=False)


def to_square(rdm, name: str = "rdm", atol: float = 1e-8) -> np.ndarray:
    """Return the square form of a condensed RDM (a square RDM is checked and returned)."""
    arr = np.asarray(rdm)
    if arr.ndim == 2:
        arr = check_matrix(arr, name, ndim=2)
        return _check_square(arr, name, atol)
    arr = check_matrix(arr, name, ndim=1)
    n_items_from_condensed(arr.size, name)
    return squareform(arr, checks=False)


def compute_rdm(patterns, metric: str = "correlation") -> np.ndarray:
    """Dissimilarities between the rows of ``patterns``.

    Parameters
    ----------
    patterns : array-like, shape (n_items, n_features)
        One row per stimulus (e.g. model features or voxel patterns).
    metric : {"correlation", "euclidean", "cosine"}
        ``"correlation"``: 1 - Pearson r between rows (the RSA default); ``"euclidean"``;
        ``"cosine"``: 1 - cosine similarity.

    Returns
    -------
    numpy.ndarray, shape (n_items, n_items)
        Symmetric, zero diagonal.
    """
    check_choice(metric, "metric", RDM_METRICS)
    x = check_matrix(patterns, "patterns", ndim=2, min_rows=2)
    if x.shape[1] < 2 and metric == "correlation":
        raise ValueError("patterns needs at least 2 features (columns) for metric='correlation'")
    if metric in ("correlation", "cosine"):
        centred = x - x.mean(1, keepdims=True) if metric == "correlation" else x
        norms = np.linalg.norm(centred, axis=1)
        # rounding leaves ~1e-17 residues when centring a constant row: compare with a tolerance
        tol = 1e-12 * np.maximum(1.0, np.abs(x).max(axis=1)) * np.sqrt(x.shape[1])
        if np.any(norms <= tol):
            what = "constant" if metric == "correlation" else "all-zero"
            raise ValueError(f"patterns has {int(np.sum(norms <= tol))} {what} row(s); "
                             f"metric={metric!r} is undefined for them")
    return squareform(pdist(x, metric=metric), checks=False)  # zero diagonal by construction


def kendall_tau_a(a, b) -> float:
    """Kendall's tau-a between two vectors: (concordant - discordant) / (n (n - 1) / 2).

    Unlike tau-b, ties are not forgiven, which favours models that predict ties only where
    the data have them (Nili et al. 2014). Computed in O(n log n) from scipy's tau-b.
    """
    from scipy.stats import kendalltau

    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    n = x.size
    n0 = n * (n - 1) / 2

    def tied_pairs(v):
        _, counts = np.unique(v, return_counts=True)
        return float(np.sum(counts * (counts - 1) / 2))

    n1, n2 = tied_pairs(x), tied_pairs(y)
    if n1 == n0 or n2 == n0:
        return float("nan")
    tau_b = kendalltau(x, y, variant="b").statistic
    return float(tau_b * np.sqrt((n0 - n1) * (n0 - n2)) / n0)


def _correlate(x: np.ndarray, y: np.ndarray, method: str) -> float:
    from scipy.stats import pearsonr, spearmanr

    if method == "spearman":
        return float(spearmanr(x, y).statistic)
    if method == "pearson":
        return float(pearsonr(x, y).statistic)
    return kendall_tau_a(x, y)


def compare_rdms(a, b, method: str = "spearman") -> float:
    """Correlate two RDMs over their off-diagonal upper triangles.

    Parameters
    ----------
    a, b : array-like
        Square ``(n, n)`` or condensed RDMs over the same ``n`` stimuli (forms may differ).
    method : {"spearman", "pearson", "kendall_tau_a"}
        Rank correlation (Spearman, Kendall tau-a) assumes only a monotonic relation between
        dissimilarities, the usual choice in RSA; Pearson assumes a linear one.

    Returns
    -------
    float
    """
    check_choice(method, "method", COMPARE_METHODS)
    x = to_condensed(a, "a")
    y = to_condensed(b, "b")
    if x.size != y.size:
        raise ValueError(f"a and b describe different numbers of items "
                         f"({n_items_from_condensed(x.size, 'a')} vs {n_items_from_condensed(y.size, 'b')})")
    if x.size < 3:
        raise ValueError("a and b need at least 3 items (3 pairs) to be compared")
    for v, name in ((x, "a"), (y, "b")):
        if np.ptp(v) == 0:
            raise ValueError(f"{name} is constant; its correlation with anything is undefined")
    return _correlate(x, y, method)


def mds(rdm, n_components: int = 2, seed=0, n_init: int = 4) -> np.ndarray:
    """Metric MDS (SMACOF, scikit-learn) of a square or condensed RDM; returns ``(n, n_components)``."""
    from sklearn.manifold import MDS

    d = to_square(rdm)
    n_components = check_int(n_components, "n_components", minimum=1)
    rng = check_seed(seed)
    kwargs = dict(n_components=n_components, n_init=n_init, random_state=int(rng.integers(2**31 - 1)))
    if "metric_mds" in inspect.signature(MDS).parameters:  # scikit-learn >= 1.8 renamed the options
        kwargs.update(metric="precomputed", metric_mds=True, init="random")
    else:
        kwargs.update(dissimilarity="precomputed", metric=True, normalized_stress="auto")
    model = MDS(**kwargs)
    return model.fit_transform(d)


def cluster_order(rdm, method: str = "average") -> np.ndarray:
    """Leaf order of a hierarchical clustering of an RDM (scipy), for displaying it with blocks.

    Parameters
    ----------
    rdm : array-like
        Square or condensed RDM.
    method : {"average", "complete", "single", "weighted"}
        Linkage criterion (metric-free linkages only: the RDM is used as given).
    """
    from scipy.cluster.hierarchy import leaves_list, linkage, optimal_leaf_ordering

    check_choice(method, "method", ("average", "complete", "single", "weighted"))
    d = to_condensed(rdm)
    z = optimal_leaf_ordering(linkage(d, method=method), d)
    return leaves_list(z)


def category_rdm(categories) -> np.ndarray:
    """Jaccard-distance RDM between stimuli's label sets (e.g. COCO categories).

    ``d_ij = 1 - |C_i & C_j| / |C_i | C_j|``: 0 for identical label sets, 1 for disjoint ones. A model
    RDM built from human annotations, independent of any network.

    Parameters
    ----------
    categories : sequence of sequences of str
        The labels of each stimulus (``StimulusSet.categories``); none may be empty.
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


def to_rsatoolbox(rdms, descriptor: str = "dissimilarity", pattern_descriptors: dict | None = None):
    """Wrap an RDM or a stack of RDMs as ``rsatoolbox.rdm.RDMs``.

    Parameters
    ----------
    rdms : array-like
        ``(n, n)``, condensed ``(n_pairs,)``, a stack ``(n_rdms, n, n)`` or ``(n_rdms, n_pairs)``
        (a square 2-D array is always read as one RDM).
    descriptor : str
        Stored as the RDMs' ``dissimilarity_measure``.
    pattern_descriptors : dict, optional
        Passed through (e.g. ``{"coco_id": ids}``).
    """
    from rsatoolbox.rdm import RDMs

    arr = np.asarray(rdms, dtype=float)
    if arr.ndim == 1 or (arr.ndim == 2 and arr.shape[0] == arr.shape[1]):
        # a square 2-D array is always one RDM (checked for symmetry and a zero diagonal)
        vectors = to_condensed(arr, "rdms")[None, :]
    elif arr.ndim in (2, 3):  # (n_rdms, n_pairs) or (n_rdms, n, n): a stack
        vectors = np.stack([to_condensed(r, f"rdms[{i}]") for i, r in enumerate(arr)])
    else:
        raise ValueError(f"rdms must be 1-, 2- or 3-D; got shape {arr.shape}")
    check_finite(vectors, "rdms")
    return RDMs(vectors, dissimilarity_measure=descriptor, pattern_descriptors=pattern_descriptors)


def from_rsatoolbox(rdms) -> np.ndarray:
    """Square RDM(s) from ``rsatoolbox.rdm.RDMs``: ``(n, n)`` for one RDM, ``(n_rdms, n, n)`` for several."""
    try:
        mats = rdms.get_matrices()
    except AttributeError:
        raise TypeError(f"rdms must be an rsatoolbox.rdm.RDMs; got {type(rdms).__name__}") from None
    return mats[0] if mats.shape[0] == 1 else mats


def content_words(text: str) -> list[str]:
    """Lower-cased content words of a caption: letters only, scikit-learn's English stop words removed,
    plural ``-s`` folded (``"dogs"`` -> ``"dog"``, but not ``"grass"``, ``"bus"``)."""
    import re

    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    if not isinstance(text, str):
        raise TypeError(f"text must be a string; got {type(text).__name__}")
    words = [w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 1 and w not in ENGLISH_STOP_WORDS]
    return [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")) else w for w in words]


def caption_word_rdm(captions, n_captions: int = 5) -> np.ndarray:
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
