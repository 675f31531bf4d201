"""What many aligned spaces agree on: per-stimulus agreement, cross-modal scores, caption agreement.

All three read the universal space of :class:`~repalign.alignment.GeneralizedProcrustes`
(Saha, He & Khosla 2026).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from repalign.alignment.barycentric import GeneralizedProcrustes, _check_spaces
from repalign.alignment.orthogonal import _check_indices, _unit_rows
from repalign.core.intervals import Interval, check_level, percentile_interval
from repalign.core.validation import check_choice, check_int, check_matrix, check_seed

__all__ = [
    "INSTANCE_REFERENCES",
    "AdjustedMeans",
    "InstanceSimilarity",
    "adjusted_group_means",
    "caption_agreement",
    "cross_modal_scores",
    "instance_similarity",
]

#: What each stimulus' embeddings are compared with in :func:`instance_similarity`.
INSTANCE_REFERENCES = ("pairwise", "barycenter")


@dataclass(frozen=True)
class InstanceSimilarity:
    """Per-stimulus agreement of many spaces in their universal space (from :func:`instance_similarity`).

    Attributes
    ----------
    scores : numpy.ndarray, shape (n,)
        Agreement per stimulus (a cosine similarity, in [-1, 1]).
    ci : Interval
        Bootstrap interval over spaces (resampled with replacement, within each group when
        ``groups`` is given) with the alignment held fixed; ``low`` and ``high`` have shape (n,)
        (NaN when ``n_boot=0``).
    per_space : numpy.ndarray, shape (k, n)
        Each space's contribution: its mean cosine to the other spaces (``"pairwise"``; only those of
        other groups when ``groups`` is given) or to the barycenter (``"barycenter"``).
    cosines : numpy.ndarray, shape (k, k, n)
        Cosine between the aligned embeddings of every pair of spaces, per stimulus.
    barycenter : numpy.ndarray, shape (n, n_components)
    maps : list of numpy.ndarray
        As in :class:`GeneralizedProcrustes` (``maps_``).
    reference : str
    groups : tuple or None
    """

    scores: np.ndarray
    ci: Interval = field(repr=False)
    per_space: np.ndarray = field(repr=False)
    cosines: np.ndarray = field(repr=False)
    barycenter: np.ndarray = field(repr=False)
    maps: list = field(repr=False)
    reference: str = "pairwise"
    groups: tuple | None = None

    def __repr__(self) -> str:
        return (
            f"InstanceSimilarity({self.reference}, {self.cosines.shape[0]} spaces, {self.scores.size} stimuli, "
            f"mean {self.scores.mean():.3f}, range [{self.scores.min():.3f}, {self.scores.max():.3f}])"
        )


def _instance_scores(G: np.ndarray, C: np.ndarray, w: np.ndarray, reference: str, between: np.ndarray) -> np.ndarray:
    """Scores for space weights ``w`` (B, k) from the per-stimulus Gram ``G`` and cosines ``C`` (k, k, n)."""
    if reference == "pairwise":
        W = w[:, :, None] * w[:, None, :] * between[None]  # (B, k, k): pairs of distinct (other-group) spaces
        den = W.sum(axis=(1, 2))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.einsum("bij,ijs->bs", W, C) / den[:, None]
    # barycenter: b = sum_j w_j a_j / sum w; cos(a_i, b) from the Gram matrix alone
    norms = np.sqrt(np.einsum("iis->is", G))  # (k, n)
    dots = np.einsum("bj,ijs->bis", w, G)  # a_i . (sum_j w_j a_j)
    bnorm = np.sqrt(np.maximum(np.einsum("bi,bis->bs", w, dots), 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = dots / (norms[None] * bnorm[:, None])
        return np.einsum("bi,bis->bs", w, cos) / w.sum(1)[:, None]


def instance_similarity(
    Xs,
    *,
    reference: str = "pairwise",
    groups=None,
    n_components: int | None = None,
    n_boot: int = 1000,
    confidence: float = 0.95,
    n_iter: int = 1000,
    tol: float = 1e-8,
    seed=0,
) -> InstanceSimilarity:
    """Agreement of many spaces about each stimulus, after aligning them into one universal space.

    The spaces are aligned by :class:`GeneralizedProcrustes`; then, for every stimulus, the
    aligned embeddings it receives from the ``k`` spaces are compared by cosine similarity
    (Saha, He & Khosla 2026). A stimulus on which the spaces converge scores near 1; one on which
    they diverge scores near 0.

    Parameters
    ----------
    Xs : list of array-like, shapes (n, d_i)
        At least two spaces over the same stimuli.
    reference : {"pairwise", "barycenter"}
        What each space's embedding of a stimulus is compared with. ``"pairwise"``: the mean cosine over pairs of distinct spaces. ``"barycenter"``: the mean
        cosine of each space's embedding to the barycenter (the mean embedding of all spaces).
    groups : sequence of str, optional
        A label per space (e.g. ``"vision"``, ``"language"``). With ``"pairwise"`` only pairs of
        spaces from *different* groups count (between-group agreement), and the bootstrap
        resamples spaces within each group. Needs at least two groups.
    n_components, n_iter, tol :
        See :class:`GeneralizedProcrustes`.
    n_boot : int
        Bootstrap resamples of the spaces (0: no interval; ``ci`` is then NaN).
    confidence : float
        Level of the percentile interval.
    seed : int or numpy.random.Generator
        Seeds the alignment's start and the bootstrap.

    Returns
    -------
    InstanceSimilarity
    """
    spaces = _check_spaces(Xs)
    check_choice(reference, "reference", INSTANCE_REFERENCES)
    n_boot = check_int(n_boot, "n_boot", minimum=0)
    confidence = check_level(confidence, "confidence")
    k = len(spaces)
    if groups is not None:
        from repalign.core.validation import check_strings

        groups = tuple(check_strings(groups, "groups"))
        if len(groups) != k:
            raise ValueError(f"groups has {len(groups)} labels for {k} spaces")
        if len(set(groups)) < 2:
            raise ValueError("groups must contain at least two different labels")
        if reference != "pairwise":
            raise ValueError("groups is only supported with reference='pairwise'")
    rng = check_seed(seed)
    gpa = GeneralizedProcrustes(n_components=n_components, n_iter=n_iter, tol=tol, seed=rng)
    aligned = np.stack(gpa.fit_transform(spaces))  # (k, n, n_components)
    B, maps = gpa.barycenter_, gpa.maps_
    G = np.einsum("isd,jsd->ijs", aligned, aligned)
    norms = np.sqrt(np.einsum("iis->is", G))
    with np.errstate(invalid="ignore", divide="ignore"):
        C = np.nan_to_num(G / (norms[:, None] * norms[None, :]))  # a zero embedding agrees with nothing
    labels = np.array(groups if groups is not None else range(k), dtype=object)
    between = (labels[:, None] != labels[None, :]).astype(float)
    scores = _instance_scores(G, C, np.ones((1, k)), reference, between)[0]
    if reference == "pairwise":
        per_space = np.einsum("ij,ijs->is", between, C) / between.sum(1)[:, None]
    else:
        bnorm = np.linalg.norm(B, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            per_space = np.nan_to_num(np.einsum("isd,sd->is", aligned, B) / (norms * bnorm[None]))
    ci = Interval(np.full(scores.size, np.nan), np.full(scores.size, np.nan), confidence)
    if n_boot:
        strata = [np.flatnonzero(labels == g) for g in dict.fromkeys(labels)] if groups is not None else [np.arange(k)]
        draws = np.zeros((n_boot, k))
        for members in strata:
            pick = members[rng.integers(0, members.size, size=(n_boot, members.size))]
            np.add.at(draws, (np.arange(n_boot)[:, None], pick), 1.0)
        boot = np.concatenate(
            [_instance_scores(G, C, draws[b : b + 100], reference, between) for b in range(0, n_boot, 100)]
        )
        ci = percentile_interval(boot, confidence)
    return InstanceSimilarity(
        scores=scores,
        ci=ci,
        per_space=per_space,
        cosines=C,
        barycenter=B,
        maps=maps,
        reference=reference,
        groups=groups,
    )


def _check_split(train, n: int) -> tuple[np.ndarray, np.ndarray]:
    arr = np.asarray(train)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise ValueError(f"train as a boolean mask must have one entry per stimulus ({n}); got shape {arr.shape}")
        mask = arr
    else:
        mask = np.zeros(n, dtype=bool)
        mask[_check_indices(arr, n, "train")] = True
    if mask.sum() < 3 or (~mask).sum() < 1:
        raise ValueError("train must leave at least 3 training and 1 held-out stimulus")
    return np.flatnonzero(mask), np.flatnonzero(~mask)


def cross_modal_scores(
    image_spaces,
    text_spaces,
    train,
    *,
    test_texts=None,
    n_components: int | None = None,
    n_iter: int = 1000,
    tol: float = 1e-8,
    seed=0,
) -> np.ndarray:
    """Image–text similarity scores through a universal space fitted on training stimuli only.

    All image and text spaces of the training stimuli are aligned together by
    :class:`GeneralizedProcrustes`. A held-out image is then embedded by every image space's map and
    the embeddings are averaged; a text likewise through the text spaces; the score of an image and
    a text is the cosine of the two (Saha, He & Khosla 2026: post-hoc aligned unimodal models as an
    image–text scorer). Nothing of the held-out stimuli is used in the fit.

    Parameters
    ----------
    image_spaces : list of array-like, shapes (n, d_i)
        Features of the ``n`` stimuli' images, one array per vision model or layer.
    text_spaces : list of array-like, shapes (n, d_j)
        Embeddings of the same stimuli' texts (e.g. the mean of each scene's captions), one array
        per language model or layer.
    train : array-like of bool (n,) or of int
        The training stimuli; the others are held out and scored.
    test_texts : list of array-like, shapes (m, d_j), optional
        Texts to score instead of the held-out stimuli' own rows of ``text_spaces`` (e.g. single
        captions or other writers' captions), embedded by the same models, one array per text space.
    n_components, n_iter, tol, seed :
        See :class:`GeneralizedProcrustes`.

    Returns
    -------
    numpy.ndarray, shape (n_test, n_test) or (n_test, m)
        Cosine scores, held-out images (in stimulus order) by texts.
    """
    image_spaces = _check_spaces(image_spaces, "image_spaces", min_spaces=1)
    text_spaces = _check_spaces(text_spaces, "text_spaces", min_spaces=1)
    spaces = image_spaces + text_spaces
    if text_spaces[0].shape[0] != image_spaces[0].shape[0]:
        raise ValueError(
            f"image_spaces and text_spaces describe {image_spaces[0].shape[0]} and "
            f"{text_spaces[0].shape[0]} stimuli; they must be the same stimuli"
        )
    tr, te = _check_split(train, spaces[0].shape[0])
    n_img = len(image_spaces)
    if test_texts is None:
        test_texts = [T[te] for T in text_spaces]
    else:
        if not isinstance(test_texts, (list, tuple)) or len(test_texts) != len(text_spaces):
            raise ValueError(f"test_texts must be a list with one array per text space ({len(text_spaces)})")
        test_texts = [check_matrix(T, f"test_texts[{j}]") for j, T in enumerate(test_texts)]
        for j, (T, S) in enumerate(zip(test_texts, text_spaces)):
            if T.shape[1] != S.shape[1] or T.shape[0] != test_texts[0].shape[0]:
                raise ValueError(f"test_texts[{j}] must have shape (m, {S.shape[1]}) with the same m for every space")
    gpa = GeneralizedProcrustes(n_components=n_components, n_iter=n_iter, tol=tol, seed=seed)
    gpa.fit([X[tr] for X in spaces])
    img = np.mean([gpa.transform(X[te], space=i) for i, X in enumerate(spaces[:n_img])], axis=0)
    txt = np.mean([gpa.transform(T, space=n_img + j) for j, T in enumerate(test_texts)], axis=0)
    return _unit_rows(img) @ _unit_rows(txt).T


def caption_agreement(embeddings) -> np.ndarray:
    """How much the writers of each item agree: mean pairwise cosine of its texts' embeddings.

    Parameters
    ----------
    embeddings : array-like, shape (n, m, d)
        ``m >= 2`` texts (e.g. the five COCO captions) per item, embedded by one model.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Mean cosine over the ``m (m - 1) / 2`` pairs of each item's texts.
    """
    E = check_matrix(embeddings, "embeddings", ndim=3)
    if E.shape[1] < 2:
        raise ValueError(f"embeddings must hold at least 2 texts per item; got {E.shape[1]}")
    norm = np.linalg.norm(E, axis=2, keepdims=True)
    U = E / np.where(norm == 0, 1.0, norm)
    G = np.einsum("imd,ikd->imk", U, U)
    m = E.shape[1]
    return (G.sum(axis=(1, 2)) - np.einsum("imm->i", G)) / (m * (m - 1))


@dataclass(frozen=True)
class AdjustedMeans:
    """Group means of a per-item value before and after regressing out a covariate (from :func:`adjusted_group_means`).

    Attributes
    ----------
    rho : float
        Spearman correlation between the values and the covariate.
    slope, intercept : float
        The least-squares line ``value ~ intercept + slope * covariate`` over all items.
    r_squared : float
        The share of the values' variance the line explains.
    residuals : numpy.ndarray, shape (n,)
        Each item's value minus the line's prediction (what the covariate does not explain).
    means : dict
        ``{group: mean value of its items}`` (unadjusted).
    adjusted : dict
        ``{group: mean residual of its items}``: how far the group lies above (+) or below (-) what its
        items' covariate predicts.
    ci : dict
        ``{group: Interval}`` of ``adjusted``, a percentile bootstrap over items (the line is refitted in
        every resample).
    distribution : dict
        ``{group: array (n_boot,)}`` of the bootstrap samples; all groups share the resamples, so the
        difference of two groups' samples gives a paired interval of their difference.
    """

    rho: float
    slope: float
    intercept: float
    r_squared: float
    residuals: np.ndarray = field(repr=False)
    means: dict
    adjusted: dict
    ci: dict
    distribution: dict = field(repr=False)


def adjusted_group_means(
    values, covariate, groups, *, n_boot: int = 1000, level: float = 0.95, seed=0
) -> AdjustedMeans:
    """Compare groups of items on a value after regressing the value on a covariate.

    When a per-item value (e.g. per-scene agreement) tracks a covariate (e.g. how distinctive the scene
    is), a difference between groups of items (e.g. scenes with and without a person) may only reflect
    their covariate. This fits ``value ~ a + b * covariate`` by least squares over all items and reports
    each group's mean residual, with a bootstrap interval over items that refits the line every time.

    Parameters
    ----------
    values, covariate : array-like, shape (n,)
        Finite per-item values and the covariate to control for (at least 3 items).
    groups : dict
        ``{name: boolean mask of shape (n,)}``; groups may overlap, each needs at least one item.
    n_boot : int
        Bootstrap resamples of the items (0: NaN intervals).
    level : float
        Confidence level of the intervals.
    seed : int or numpy.random.Generator
        Seeds the resampling.

    Returns
    -------
    AdjustedMeans
    """
    from scipy.stats import spearmanr

    y = check_matrix(values, "values", ndim=1, min_rows=3)
    x = check_matrix(covariate, "covariate", ndim=1, min_rows=3)
    if x.shape != y.shape:
        raise ValueError(f"covariate must have one value per item ({y.size}); got {x.size}")
    if np.ptp(x) == 0:
        raise ValueError("covariate is constant: there is nothing to regress on")
    if not isinstance(groups, dict) or not groups:
        raise TypeError("groups must be a non-empty dict {name: boolean mask}")
    masks = {}
    for name, m in groups.items():
        m = np.asarray(m)
        if m.dtype != bool or m.shape != y.shape:
            raise ValueError(f"groups[{name!r}] must be a boolean mask of shape {y.shape}")
        if not m.any():
            raise ValueError(f"groups[{name!r}] holds no item")
        masks[name] = m
    n_boot = check_int(n_boot, "n_boot", minimum=0)
    level = check_level(level, "level")
    rng = check_seed(seed)

    slope, intercept = np.polyfit(x, y, 1)
    resid = y - (intercept + slope * x)
    r2 = 1.0 - resid.var() / y.var() if y.var() > 0 else 0.0
    dist = {name: np.full(n_boot, np.nan) for name in masks}
    for b in range(n_boot):
        idx = rng.integers(0, y.size, y.size)
        xb, yb = x[idx], y[idx]
        if np.ptp(xb) == 0:
            continue
        sb, ib = np.polyfit(xb, yb, 1)
        rb = yb - (ib + sb * xb)
        for name, m in masks.items():
            mb = m[idx]
            if mb.any():
                dist[name][b] = rb[mb].mean()
    if n_boot:
        ci = {name: percentile_interval(d, level) for name, d in dist.items()}
    else:
        ci = {name: Interval(np.nan, np.nan, level) for name in masks}
    return AdjustedMeans(
        rho=float(spearmanr(x, y).statistic),
        slope=float(slope),
        intercept=float(intercept),
        r_squared=float(r2),
        residuals=resid,
        means={name: float(y[m].mean()) for name, m in masks.items()},
        adjusted={name: float(resid[m].mean()) for name, m in masks.items()},
        ci=ci,
        distribution=dist,
    )
