"""Layer-wise alignment and exemplar averaging (chapter 7)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from repalign.alignment.calibration import _calibrate, _null_grid
from repalign.alignment.measures import (
    DISTANCE_MEASURES,
    MEASURES,
    _boot_grids,
    _check_measure_k,
    _grid,
    _prepare,
    _score_states,
    _states,
)
from repalign.alignment.orthogonal import _check_indices
from repalign.core.intervals import Interval, check_level, percentile_interval
from repalign.core.validation import check_choice, check_int, check_matrix, check_seed

__all__ = ["ExemplarResult", "LayerAlignmentResult", "exemplar_average", "layer_alignment"]


def _check_layers(layers, name: str) -> tuple[list, list]:
    if not isinstance(layers, dict) or not layers:
        raise TypeError(f"{name} must be a non-empty dict mapping layer names to (n, d) arrays")
    arrays = [check_matrix(v, f"{name}[{k!r}]", min_rows=4) for k, v in layers.items()]
    return [str(k) for k in layers], arrays


@dataclass(frozen=True)
class LayerAlignmentResult:
    """Scores of every (vision layer, text layer) pair, and a best pair chosen on held-out items.

    Attributes
    ----------
    measure : str
    vision_names, text_names : list of str
        Row and column labels.
    scores : numpy.ndarray, shape (n_vision, n_text)
        Scores on all items.
    ci : Interval
        Their bootstrap-over-items percentile interval (``low`` and ``high`` arrays of the shape of
        ``scores``).
    selection_scores, test_scores : numpy.ndarray, shape (n_vision, n_text)
        Scores on the selection items and on the held-out test items.
    best : tuple of str
        ``(vision layer, text layer)`` with the best score on the selection items (the highest; the
        lowest for a distance measure).
    selection_score : float
        That pair's score on the selection items (optimistic: it was chosen there).
    heldout_score : float
        That pair's score on the test items: the number to report.
    heldout_ci : Interval
        Bootstrap-over-test-items percentile interval of ``heldout_score``.
    in_sample_best : tuple of str
        The pair that is best on *all* items (what selecting and reporting on the same data picks).
    in_sample_score : float
        Its score on all items.
    select_idx, test_idx : numpy.ndarray of int
        The two disjoint item sets.
    n_boot, confidence, k, n_perm :
        Settings.
    null_mean, calibrated, p : numpy.ndarray, shape (n_vision, n_text), or None
        With ``n_perm > 0``: per pair, the mean score with the text items permuted, the calibrated
        score ``(scores - null_mean) / (perfect - null_mean)`` and the one-sided permutation p-value
        (see :func:`~repalign.alignment.calibrated_score`); ``None`` otherwise.
    """

    measure: str
    vision_names: list
    text_names: list
    scores: np.ndarray = field(repr=False)
    ci: Interval = field(repr=False)
    selection_scores: np.ndarray = field(repr=False)
    test_scores: np.ndarray = field(repr=False)
    best: tuple = ()
    selection_score: float = float("nan")
    heldout_score: float = float("nan")
    heldout_ci: Interval | None = None
    in_sample_best: tuple = ()
    in_sample_score: float = float("nan")
    select_idx: np.ndarray = field(default=None, repr=False)
    test_idx: np.ndarray = field(default=None, repr=False)
    n_boot: int = 0
    confidence: float = 0.95
    k: int = 10
    n_perm: int = 0
    null_mean: np.ndarray | None = field(default=None, repr=False)
    calibrated: np.ndarray | None = field(default=None, repr=False)
    p: np.ndarray | None = field(default=None, repr=False)

    def table(self, which: str = "scores"):
        """A pandas DataFrame (vision layers x text layers) of one grid.

        Parameters
        ----------
        which : {"scores", "selection_scores", "test_scores", "ci_low", "ci_high", "null_mean", "calibrated", "p"}
            The grid (``"ci_low"``/``"ci_high"``: the ends of ``ci``; the last three need ``n_perm > 0``).

        Returns
        -------
        pandas.DataFrame
        """
        import pandas as pd

        grids = ("scores", "selection_scores", "test_scores", "ci_low", "ci_high", "null_mean", "calibrated", "p")
        check_choice(which, "which", grids)
        if which in grids[5:] and self.n_perm == 0:
            raise ValueError(f"which={which!r} needs a result computed with n_perm > 0")
        grid = {"ci_low": self.ci.low, "ci_high": self.ci.high}.get(which)
        return pd.DataFrame(
            getattr(self, which) if grid is None else grid, index=self.vision_names, columns=self.text_names
        )


def layer_alignment(
    vision_layers,
    text_layers,
    *,
    measure: str = "rsa",
    select_on="half",
    n_boot: int = 100,
    k: int = 10,
    seed=0,
    confidence: float = 0.95,
    progress: bool = True,
    n_perm: int = 0,
) -> LayerAlignmentResult:
    """Alignment of every vision layer with every text layer, with a best pair chosen on held-out items.

    Picking the best of many layer pairs and reporting its score on the same items inflates the
    score (the maximum of noisy estimates). Here the pair is chosen on one set of items
    (``select_on``) and its score is reported on the others.

    Parameters
    ----------
    vision_layers, text_layers : dict of str -> array-like, shape (n, d_layer)
        Features of the same ``n`` items (same order) per layer, e.g. from
        ``image_features(images, layer=[...])`` and ``encode_text(captions, layer=[...])``.
    measure : str
        One of :data:`~repalign.alignment.MEASURES`; see :func:`alignment_score`. For a distance
        (``"procrustes_distance"``) the best pair is the one with the *lowest* score.
    select_on : "half" or array-like of int
        ``"half"``: a random half of the items (seeded) selects, the other half tests. An index
        array names the selection items explicitly; the remaining items test.
    n_boot : int
        Bootstrap resamples of the items for the intervals (``>= 10``).
    k : int
        Neighbours for ``"mutual_knn"`` (at most a quarter of the smaller item set).
    seed : int or numpy.random.Generator
        Seeds the split and the bootstrap.
    confidence : float
        Level of the percentile intervals.
    progress : bool
        Show a progress bar over bootstrap resamples.
    n_perm : int
        Permutations of the text items for a null and calibrated scores of every pair on all items
        (0: none; otherwise ``>= 10``). The same permutations serve every pair.

    Returns
    -------
    LayerAlignmentResult
    """
    v_names, v_arrays = _check_layers(vision_layers, "vision_layers")
    t_names, t_arrays = _check_layers(text_layers, "text_layers")
    n = v_arrays[0].shape[0]
    for name, arrays in (("vision_layers", v_arrays), ("text_layers", t_arrays)):
        bad = [nm for nm, a in zip(v_names if arrays is v_arrays else t_names, arrays) if a.shape[0] != n]
        if bad:
            raise ValueError(f"{name}[{bad[0]!r}] has a different number of items than the others (expected {n})")
    check_choice(measure, "measure", MEASURES)
    n_boot = check_int(n_boot, "n_boot", minimum=10)
    n_perm = check_int(n_perm, "n_perm", minimum=0)
    if 0 < n_perm < 10:
        raise ValueError(f"n_perm must be 0 or >= 10; got {n_perm}")
    confidence = check_level(confidence, "confidence")
    rng = check_seed(seed)
    if isinstance(select_on, str):
        check_choice(select_on, "select_on", ("half",))
        select_idx = np.sort(rng.permutation(n)[: n // 2])
    else:
        select_idx = np.sort(_check_indices(select_on, n, "select_on"))
    test_idx = np.setdiff1d(np.arange(n), select_idx)
    if min(select_idx.size, test_idx.size) < 4:
        raise ValueError(f"select_on leaves {select_idx.size} selection and {test_idx.size} test items; both need >= 4")
    k = _check_measure_k(measure, k, min(select_idx.size, test_idx.size))

    pv = [_prepare(a, measure, f"vision_layers[{nm!r}]") for nm, a in zip(v_names, v_arrays)]
    pt = [_prepare(a, measure, f"text_layers[{nm!r}]") for nm, a in zip(t_names, t_arrays)]
    sv, st = _states(pv, measure, np.arange(n), k), _states(pt, measure, np.arange(n), k)
    scores = _score_states(sv, st, measure)
    ci = percentile_interval(_boot_grids(pv, pt, measure, np.arange(n), k, n_boot, rng, progress), confidence)
    sel = _grid(pv, pt, measure, select_idx, k)
    test = _grid(pv, pt, measure, test_idx, k)
    sign = -1.0 if measure in DISTANCE_MEASURES else 1.0
    bi, bj = np.unravel_index(np.nanargmax(sign * sel), sel.shape)
    dist = _boot_grids([pv[bi]], [pt[bj]], measure, test_idx, k, n_boot, rng, False)[:, 0, 0]
    ai, aj = np.unravel_index(np.nanargmax(sign * scores), scores.shape)
    cal = _calibrate(scores, _null_grid(sv, st, measure, n, n_perm, rng), measure) if n_perm else {}
    return LayerAlignmentResult(
        measure=measure,
        vision_names=v_names,
        text_names=t_names,
        scores=scores,
        ci=ci,
        selection_scores=sel,
        test_scores=test,
        best=(v_names[bi], t_names[bj]),
        selection_score=float(sel[bi, bj]),
        heldout_score=float(test[bi, bj]),
        heldout_ci=percentile_interval(dist, confidence),
        in_sample_best=(v_names[ai], t_names[aj]),
        in_sample_score=float(scores[ai, aj]),
        select_idx=select_idx,
        test_idx=test_idx,
        n_boot=n_boot,
        confidence=confidence,
        k=k,
        n_perm=n_perm,
        null_mean=cal.get("null_mean"),
        calibrated=cal.get("calibrated"),
        p=cal.get("p"),
    )


# --------------------------------------------------------------------------------------------
# exemplar averaging
@dataclass(frozen=True)
class ExemplarResult:
    """Alignment against the number of exemplars averaged per item (from :func:`exemplar_average`).

    Attributes
    ----------
    counts : numpy.ndarray of int
        ``1 .. m``.
    scores : numpy.ndarray, shape (m, n_draws)
        Score for each count and each random draw of which exemplars are averaged.
    mean, sd : numpy.ndarray, shape (m,)
        Mean and standard deviation over draws.
    gain : float
        Score with all ``m`` exemplars averaged minus the mean score of single exemplars.
    gain_ci : Interval
        Paired bootstrap-over-items percentile interval of ``gain``.
    side : str
        ``"images"`` or ``"captions"``: which side was averaged.
    measure : str
    """

    counts: np.ndarray
    scores: np.ndarray = field(repr=False)
    mean: np.ndarray = field(repr=False)
    sd: np.ndarray = field(repr=False)
    gain: float = float("nan")
    gain_ci: Interval | None = None
    side: str = "captions"
    measure: str = "rsa"

    def curve(self) -> dict:
        """The mean curve with its spread over draws.

        Returns
        -------
        dict
            ``{count: (mean, sd)}``, e.g. for ``plotting.curves_with_bands``.
        """
        return {int(c): (float(m), float(s)) for c, m, s in zip(self.counts, self.mean, self.sd)}


def exemplar_average(
    image_emb,
    caption_emb,
    *,
    measure: str = "rsa",
    n_draws: int = 20,
    n_boot: int = 200,
    k: int = 10,
    seed=0,
    confidence: float = 0.95,
) -> ExemplarResult:
    """Alignment as a function of how many exemplars of each item are averaged.

    Exactly one side carries exemplars: ``caption_emb`` of shape ``(n, m, d)`` (``m`` captions per
    scene) or ``image_emb`` of shape ``(n, m, d)`` (``m`` views per image). For each count
    ``c = 1..m`` and each of ``n_draws`` draws, ``c`` of the ``m`` exemplars are chosen at random for
    every item (independently per item), averaged, and the result is scored against the other side.

    Parameters
    ----------
    image_emb, caption_emb : array-like
        One of shape ``(n, m, d)``, the other ``(n, d)``.
    measure : str
        One of :data:`~repalign.alignment.MEASURES`; see :func:`alignment_score`.
    n_draws : int
        Random exemplar subsets per count (the count ``m`` has only one subset; it is repeated).
    n_boot : int
        Bootstrap resamples of items for ``gain_ci``.
    k : int
        Neighbours for ``"mutual_knn"``.
    seed : int or numpy.random.Generator
        Seeds the draws and the bootstrap.
    confidence : float
        Level of ``gain_ci``.

    Returns
    -------
    ExemplarResult
    """
    a, b = np.asarray(image_emb), np.asarray(caption_emb)
    if (a.ndim == 3) == (b.ndim == 3) or {a.ndim, b.ndim} != {2, 3}:
        raise ValueError(
            f"exactly one of image_emb and caption_emb must be 3-D (n, m, d), the other 2-D; "
            f"got shapes {a.shape} and {b.shape}"
        )
    side = "images" if a.ndim == 3 else "captions"
    ex, other = (a, b) if side == "images" else (b, a)
    ex_name, other_name = ("image_emb", "caption_emb") if side == "images" else ("caption_emb", "image_emb")
    ex = check_matrix(ex.reshape(ex.shape[0], -1), ex_name, min_rows=4).reshape(ex.shape)
    other = check_matrix(other, other_name, min_rows=4)
    if ex.shape[0] != other.shape[0]:
        raise ValueError(f"image_emb and caption_emb must describe the same items; got {a.shape[0]} and {b.shape[0]}")
    n, m = ex.shape[:2]
    if m < 2:
        raise ValueError(f"{ex_name} needs at least 2 exemplars per item; got {m}")
    k = _check_measure_k(measure, k, n)
    n_draws = check_int(n_draws, "n_draws", minimum=1)
    n_boot = check_int(n_boot, "n_boot", minimum=10)
    confidence = check_level(confidence, "confidence")
    rng = check_seed(seed)

    idx = np.arange(n)
    p_other = [_prepare(other, measure)]
    scores = np.empty((m, n_draws))
    for c in range(1, m + 1):
        for d in range(n_draws):
            pick = np.argsort(rng.random((n, m)), axis=1)[:, :c]
            avg = ex[np.arange(n)[:, None], pick].mean(axis=1)
            scores[c - 1, d] = _grid([_prepare(avg, measure)], p_other, measure, idx, k)[0, 0]
    singles = [_prepare(ex[:, j], measure) for j in range(m)] + [_prepare(ex.mean(1), measure)]
    full = _grid(singles, p_other, measure, idx, k)[:, 0]
    boots = _boot_grids(singles, p_other, measure, idx, k, n_boot, rng, False)[:, :, 0]
    gain_ci = percentile_interval(boots[:, -1] - boots[:, :-1].mean(1), confidence)
    return ExemplarResult(
        counts=np.arange(1, m + 1),
        scores=scores,
        mean=scores.mean(1),
        sd=scores.std(1),
        gain=float(full[-1] - full[:-1].mean()),
        gain_ci=gain_ci,
        side=side,
        measure=measure,
    )
