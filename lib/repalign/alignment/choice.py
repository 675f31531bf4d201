"""Image-caption forced choice with category-matched distractors (chapter 7)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from repalign.alignment.orthogonal import DIM_MATCH, Procrustes, _unit_rows
from repalign.core.intervals import Interval, check_level, percentile_interval
from repalign.core.validation import check_choice, check_int, check_matrix, check_seed

__all__ = [
    "DIFFICULTIES",
    "DIRECTIONS",
    "ExemplarDifference",
    "ForcedChoiceResult",
    "category_distractors",
    "exemplar_difference",
    "forced_choice",
]

#: Directions of a forced choice: image chooses among captions, or caption among images.
DIRECTIONS = ("i2c", "c2i")

#: Distractor difficulties: sharing a COCO category with the target, or not.
DIFFICULTIES = ("hard", "easy")


# --------------------------------------------------------------------------------------------
# forced choice
def category_distractors(
    categories, *, difficulty: str = "hard", n_distractors: int = 1, per_target=1, seed=0
) -> np.ndarray:
    """Forced-choice trials whose distractors do or do not share a COCO category with the target.

    Parameters
    ----------
    categories : sequence of sequences of str
        Category labels per scene (e.g. ``StimulusSet.categories``).
    difficulty : {"hard", "easy"}
        ``"hard"``: every distractor shares at least one category with the target scene;
        ``"easy"``: none does. Scenes without categories are never targets or distractors.
    n_distractors : int
        Distractors per trial (chance is ``1 / (1 + n_distractors)``).
    per_target : int or None
        Trials per target scene, each with its own distinct distractors drawn at random; ``None``
        (only with ``n_distractors=1``) makes one trial for *every* admissible distractor.
    seed : int or numpy.random.Generator
        Seeds the choice of distractors.

    Returns
    -------
    numpy.ndarray of int, shape (n_trials, 1 + n_distractors)
        Column 0 the target scene, the others its distractors. Targets with too few admissible
        distractors get no trial.
    """
    if isinstance(categories, str) or not hasattr(categories, "__len__") or len(categories) < 2:
        raise ValueError("categories must be a sequence of category lists, one per scene (at least 2)")
    sets = []
    for i, cs in enumerate(categories):
        if isinstance(cs, str) or not hasattr(cs, "__iter__"):
            raise TypeError(f"categories[{i}] must be a list of category names; got {type(cs).__name__}")
        sets.append(set(cs))
    check_choice(difficulty, "difficulty", DIFFICULTIES)
    n_distractors = check_int(n_distractors, "n_distractors", minimum=1)
    if per_target is None:
        if n_distractors != 1:
            raise ValueError("per_target=None (every admissible distractor) needs n_distractors=1")
    else:
        per_target = check_int(per_target, "per_target", minimum=1)
    rng = check_seed(seed)
    n = len(sets)
    trials = []
    for t in range(n):
        if not sets[t]:
            continue
        ok = np.array(
            [j != t and bool(sets[j]) and (bool(sets[t] & sets[j]) == (difficulty == "hard")) for j in range(n)]
        )
        pool = np.flatnonzero(ok)
        if per_target is None:
            trials.extend([t, int(j)] for j in pool)
            continue
        if pool.size < n_distractors * per_target:
            continue
        pick = rng.choice(pool, size=n_distractors * per_target, replace=False).reshape(per_target, n_distractors)
        trials.extend([t, *map(int, row)] for row in pick)
    if not trials:
        raise ValueError(f"no scene has enough {difficulty} distractors for these settings")
    return np.array(trials, dtype=int)


@dataclass(frozen=True)
class ForcedChoiceResult:
    """Accuracy of a forced choice between a true partner and distractors (from :func:`forced_choice`).

    Attributes
    ----------
    accuracy : float
        Fraction of correct choices over all trials (and caption exemplars).
    ci : Interval
        Percentile interval from a bootstrap over target scenes (trials of one target are resampled
        together, so it is valid when a target has several trials or captions).
    ci_binomial : Interval
        Clopper–Pearson interval treating every choice as independent (exact for one trial per target
        and one caption per scene; too narrow otherwise).
    p_value : float
        One-sided binomial test of accuracy > chance, same independence assumption as ``ci_binomial``.
    chance : float
        ``1 / (1 + n_distractors)``.
    per_exemplar : numpy.ndarray, shape (m,)
        Accuracy separately for each caption exemplar (``m = 1`` for 2-D ``caption_emb``).
    correct : numpy.ndarray of bool, shape (n_trials, m)
    n_trials, n_targets : int
    direction : str
    """

    accuracy: float
    ci: Interval
    ci_binomial: Interval
    p_value: float
    chance: float
    per_exemplar: np.ndarray
    correct: np.ndarray
    n_trials: int = 0
    n_targets: int = 0
    direction: str = "i2c"

    def __repr__(self) -> str:
        return (
            f"ForcedChoiceResult({self.direction}: accuracy={self.accuracy:.3f} "
            f"[{self.ci.low:.3f}, {self.ci.high:.3f}], chance={self.chance:.3f}, {self.n_trials} trials)"
        )


def forced_choice(
    image_emb,
    caption_emb,
    candidates,
    train,
    *,
    direction: str = "i2c",
    n_boot: int = 1000,
    seed=0,
    confidence: float = 0.95,
    dim_match: str = "pca",
    normalize: bool = True,
) -> ForcedChoiceResult:
    """Pick the true partner among distractors, after a Procrustes map fitted on other scenes.

    A map ``R`` is fitted on the training pairs (:func:`procrustes`, centred with the training
    means). Test images are mapped into the caption space and compared by cosine similarity.
    ``"i2c"``: the image of the target scene chooses among the captions of the trial's scenes;
    ``"c2i"``: the target's caption chooses among their images. A choice is correct when the true
    partner scores strictly higher than every distractor (a tie counts as wrong).

    Parameters
    ----------
    image_emb : array-like, shape (n, dx)
        Test images.
    caption_emb : array-like, shape (n, dy) or (n, m, dy)
        Test captions; with ``m`` captions per scene every trial is run once per caption exemplar
        ``j`` (the options are the scenes' captions ``j``), the many-to-many setting.
    candidates : array-like of int, shape (n_trials, 1 + n_distractors)
        Trials: column 0 the target scene, the others distractor scenes (see
        :func:`category_distractors`); indices into the test scenes, distinct within a row.
    train : tuple of two array-likes, shapes (n_train, dx) and (n_train, dy)
        Training images and captions (other scenes than the test ones) for the map.
    direction : {"i2c", "c2i"}
        Which side chooses.
    n_boot : int
        Bootstrap resamples of target scenes for ``ci``.
    seed : int or numpy.random.Generator
        Seeds the bootstrap.
    confidence : float
        Level of ``ci`` and ``ci_binomial``.
    dim_match : {"pca", "pad"}
        See :func:`procrustes`.
    normalize : bool
        Scale every embedding to unit length before fitting and comparing.

    Returns
    -------
    ForcedChoiceResult
    """
    from scipy.stats import binomtest

    img = check_matrix(image_emb, "image_emb", min_rows=2)
    cap = np.asarray(caption_emb)
    if cap.ndim == 2:
        cap = check_matrix(cap, "caption_emb", min_rows=2)[:, None, :]
    elif cap.ndim == 3:
        cap = check_matrix(cap.reshape(cap.shape[0], -1), "caption_emb", min_rows=2).reshape(cap.shape)
    else:
        raise ValueError(f"caption_emb must be 2-D (n, d) or 3-D (n, m, d); got shape {cap.shape}")
    if cap.shape[0] != img.shape[0]:
        raise ValueError(
            f"image_emb and caption_emb must describe the same scenes; got {img.shape[0]} and {cap.shape[0]}"
        )
    if not isinstance(train, (tuple, list)) or len(train) != 2:
        raise TypeError("train must be a tuple (train_image_emb, train_caption_emb)")
    Xtr = check_matrix(train[0], "train[0]", min_rows=3)
    Ytr = check_matrix(train[1], "train[1]", min_rows=3)
    if Xtr.shape[0] != Ytr.shape[0]:
        raise ValueError(f"train pairs must have the same number of rows; got {Xtr.shape[0]} and {Ytr.shape[0]}")
    if Xtr.shape[1] != img.shape[1] or Ytr.shape[1] != cap.shape[2]:
        raise ValueError(
            f"train widths ({Xtr.shape[1]}, {Ytr.shape[1]}) must match image_emb and caption_emb "
            f"({img.shape[1]}, {cap.shape[2]})"
        )
    trials = np.asarray(candidates)
    if trials.ndim != 2 or trials.shape[1] < 2 or trials.shape[0] == 0 or not np.issubdtype(trials.dtype, np.integer):
        raise ValueError("candidates must be a 2-D integer array (n_trials, 1 + n_distractors) with >= 1 distractor")
    if trials.min() < 0 or trials.max() >= img.shape[0]:
        raise ValueError(f"candidates must index the {img.shape[0]} test scenes")
    if any(np.unique(row).size != row.size for row in trials):
        raise ValueError("candidates rows must hold distinct scenes (a distractor equal to its target, or repeated)")
    check_choice(direction, "direction", DIRECTIONS)
    check_choice(dim_match, "dim_match", DIM_MATCH)
    n_boot = check_int(n_boot, "n_boot", minimum=10)
    confidence = check_level(confidence, "confidence")
    rng = check_seed(seed)

    if normalize:
        img, Xtr, Ytr = _unit_rows(img), _unit_rows(Xtr), _unit_rows(Ytr)
        cap = _unit_rows(cap.reshape(-1, cap.shape[2])).reshape(cap.shape)
    fitted = Procrustes(dim_match=dim_match).fit(Xtr, Ytr)  # centred with the training means
    mapped = _unit_rows(fitted.transform(img))
    capc = _unit_rows((cap - fitted.mean_y_).reshape(-1, cap.shape[2])).reshape(cap.shape)
    m = cap.shape[1]
    correct = np.empty((trials.shape[0], m), dtype=bool)
    for j in range(m):
        c = capc[:, j, :]
        if direction == "i2c":  # the target image against each option's caption j
            s = np.einsum("td,tod->to", mapped[trials[:, 0]], c[trials])
        else:  # the target's caption j against each option's image
            s = np.einsum("td,tod->to", c[trials[:, 0]], mapped[trials])
        correct[:, j] = s[:, 0] > s[:, 1:].max(axis=1)

    chance = 1.0 / trials.shape[1]
    k, total = int(correct.sum()), correct.size
    targets, inv = np.unique(trials[:, 0], return_inverse=True)
    hits = np.bincount(inv, weights=correct.sum(1), minlength=targets.size)
    counts = np.bincount(inv, minlength=targets.size) * m
    draws = rng.integers(0, targets.size, (n_boot, targets.size))
    ci = percentile_interval(hits[draws].sum(1) / counts[draws].sum(1), confidence)
    test = binomtest(k, total, chance, alternative="greater")
    ci_b = test.proportion_ci(confidence_level=confidence, method="exact")
    return ForcedChoiceResult(
        accuracy=k / total,
        ci=ci,
        ci_binomial=Interval(float(ci_b.low), float(ci_b.high), confidence),
        p_value=float(test.pvalue),
        chance=chance,
        per_exemplar=correct.mean(0),
        correct=correct,
        n_trials=int(trials.shape[0]),
        n_targets=int(targets.size),
        direction=direction,
    )


@dataclass(frozen=True)
class ExemplarDifference:
    """Accuracy difference between two groups of caption exemplars (from :func:`exemplar_difference`).

    Attributes
    ----------
    difference : float
        Mean accuracy of exemplars ``a`` minus that of exemplars ``b``, over all trials.
    ci : Interval
        Percentile interval from a paired bootstrap over target scenes (the same resampled targets for both).
    distribution : numpy.ndarray, shape (n_boot,)
        The bootstrap differences.
    """

    difference: float
    ci: Interval
    distribution: np.ndarray


def exemplar_difference(result, candidates, a, b, *, n_boot: int = 1000, seed=0, confidence: float = 0.95):
    """Paired bootstrap of the accuracy difference between caption exemplars of one forced choice.

    Parameters
    ----------
    result : ForcedChoiceResult
        A many-to-many forced choice (``caption_emb`` with ``m`` exemplars per scene).
    candidates : array-like of int, shape (n_trials, 1 + n_distractors)
        The trials ``result`` was computed on (column 0: the target scene).
    a, b : int or sequence of int
        Exemplar columns of each group (e.g. ``[5]`` for a GPT-4 caption, ``range(5)`` for human captions).
    n_boot : int
        Bootstrap resamples of target scenes.
    seed : int or numpy.random.Generator
        Seeds the bootstrap.
    confidence : float
        Level of ``ci``.

    Returns
    -------
    ExemplarDifference
    """
    if not isinstance(result, ForcedChoiceResult):
        raise TypeError(f"result must be a ForcedChoiceResult; got {type(result).__name__}")
    trials = np.asarray(candidates)
    if trials.ndim != 2 or trials.shape[0] != result.correct.shape[0]:
        raise ValueError(
            f"candidates must have the {result.correct.shape[0]} trials of result; got shape {trials.shape}"
        )
    m = result.correct.shape[1]
    groups = []
    for name, cols in (("a", a), ("b", b)):
        cols = np.atleast_1d(np.asarray(cols))
        if cols.size == 0 or not np.issubdtype(cols.dtype, np.integer) or cols.min() < 0 or cols.max() >= m:
            raise ValueError(f"{name} must hold exemplar indices in [0, {m}); got {cols.tolist()}")
        groups.append(cols)
    n_boot = check_int(n_boot, "n_boot", minimum=10)
    confidence = check_level(confidence, "confidence")
    rng = check_seed(seed)
    targets, inv = np.unique(trials[:, 0], return_inverse=True)
    counts = np.bincount(inv, minlength=targets.size)
    hits = [np.bincount(inv, weights=result.correct[:, g].mean(1), minlength=targets.size) for g in groups]
    draws = rng.integers(0, targets.size, (n_boot, targets.size))
    dist = (hits[0][draws].sum(1) - hits[1][draws].sum(1)) / counts[draws].sum(1)
    diff = float(result.correct[:, groups[0]].mean() - result.correct[:, groups[1]].mean())
    return ExemplarDifference(difference=diff, ci=percentile_interval(dist, confidence), distribution=dist)
