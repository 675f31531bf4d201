"""Laying out an RDM: multidimensional scaling and cluster ordering."""

from __future__ import annotations

import inspect

import numpy as np

from repalign.core.validation import check_choice, check_int, check_seed
from repalign.rdm.compute import to_condensed, to_square

__all__ = ["LINKAGES", "classical_mds", "cluster_order", "mds"]


LINKAGES = ("average", "complete", "single", "weighted")


def mds(rdm, *, n_components: int = 2, seed=0, n_init: int = 4) -> np.ndarray:
    """Metric MDS (SMACOF, scikit-learn) of a square or condensed RDM.

    Parameters
    ----------
    rdm : array-like
        Square or condensed RDM.
    n_components : int
        Dimensions of the layout.
    seed : int or numpy.random.Generator
        Seeds scikit-learn's random starts.
    n_init : int
        Random starts (the best is kept).

    Returns
    -------
    numpy.ndarray, shape (n_items, n_components)
    """
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


def cluster_order(rdm, *, linkage: str = "average") -> np.ndarray:
    """Leaf order of a hierarchical clustering of an RDM (scipy), for displaying it with blocks.

    Parameters
    ----------
    rdm : array-like
        Square or condensed RDM.
    linkage : {"average", "complete", "single", "weighted"}
        Linkage criterion (metric-free linkages only: the RDM is used as given). The leaves are
        put in optimal order (scipy's ``optimal_leaf_ordering``).

    Returns
    -------
    numpy.ndarray of int, shape (n_items,)
        A permutation of the items.
    """
    from scipy.cluster import hierarchy

    check_choice(linkage, "linkage", LINKAGES)
    d = to_condensed(rdm)
    z = hierarchy.optimal_leaf_ordering(hierarchy.linkage(d, method=linkage), d)
    return hierarchy.leaves_list(z)


def classical_mds(d: np.ndarray, *, n_components: int = 2) -> np.ndarray:
    """Classical (Torgerson) MDS: coordinates whose Euclidean distances approximate ``d``.

    The top ``n_components`` eigenvectors of the double-centred squared distances, largest first,
    scaled by the square roots of their eigenvalues (floored at 1e-12). A fast, deterministic start
    for SMACOF; ``d`` is trusted (no validation).

    Parameters
    ----------
    d : numpy.ndarray, shape (n_items, n_items)
        Symmetric dissimilarities with a zero diagonal.
    n_components : int
        Dimensions kept.

    Returns
    -------
    numpy.ndarray, shape (n_items, n_components)
    """
    k = d.shape[0]
    j = np.eye(k) - 1.0 / k
    b = -0.5 * j @ (d**2) @ j
    vals, vecs = np.linalg.eigh(b)
    top = np.argsort(vals)[::-1][:n_components]
    return vecs[:, top] * np.sqrt(np.maximum(vals[top], 1e-12))
