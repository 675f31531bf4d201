"""Tests of ``repalign.inference.comparison``: the model comparison, cross-checked against rsatoolbox on real data.

Conventions that differ from rsatoolbox 0.3.2 (documented here, checked below):

- ``method="spearman"`` is rsatoolbox's ``"spearman"`` (ranks with tie correction), not its ``"rho-a"``;
  ``method="pearson"`` is its ``"corr"``.
- The noise ceiling for ``"pearson"``: rsatoolbox z-scores each RDM before pooling, repalign averages the
  raw RDMs; the two agree exactly on z-scored data (the per-subject correlations are unaffected).
- Under subject resampling, repalign's lower ceiling of a sample is the mean of the sampled subjects'
  leave-one-out values (each against the other *original* subjects); rsatoolbox recomputes the
  ceiling on the resampled set, leaving all copies of a subject out.
- Intervals are percentile intervals of the bootstrap distribution; rsatoolbox reports variances.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.spatial.distance import pdist

from repalign.datasets import load_kriegeskorte92
from repalign.inference import ModelComparison, compare_models, fdr, noise_ceiling
from repalign.inference.bootstrap import _resampled_pairs
from repalign.inference.comparison import _sample_scores


@pytest.fixture(scope="module")
def k92():
    k = load_kriegeskorte92()
    models = dict(k.models)
    models["behaviour"] = k.behaviour.mean(0)
    return models, k.hit


@pytest.fixture(scope="module")
def result(k92):
    models, hit = k92
    return compare_models(models, hit, n_boot=200, resample="both", seed=0, progress=False)


def _rsatoolbox(models, data):
    pytest.importorskip("rsatoolbox")
    from rsatoolbox.model import ModelFixed
    from rsatoolbox.rdm import RDMs

    return [ModelFixed(name, RDMs(rdm[None])) for name, rdm in models.items()], RDMs(np.asarray(data))


@pytest.mark.parametrize(("method", "theirs"), [("spearman", "spearman"), ("pearson", "corr")])
def test_point_estimates_match_rsatoolbox_eval_fixed(k92, method, theirs):
    from rsatoolbox.inference import eval_fixed

    models, hit = k92
    ours = compare_models(models, hit, method=method, n_boot=10, resample="subjects", progress=False)
    rsa_models, rsa_data = _rsatoolbox(models, hit)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fixed = eval_fixed(rsa_models, rsa_data, method=theirs)
    np.testing.assert_allclose(ours.per_subject, fixed.evaluations[0], atol=1e-10)
    np.testing.assert_allclose(ours.estimates, fixed.evaluations[0].mean(1), atol=1e-10)
    # both pool as rsatoolbox does (ranks for Spearman, z-scored RDMs for Pearson): equal on the raw data
    np.testing.assert_allclose([ours.noise_ceiling.lower, ours.noise_ceiling.upper], fixed.noise_ceiling, atol=1e-10)
    if method == "pearson":  # and the bound is the one of z-scored data
        iu, ju = np.triu_indices(hit.shape[1], 1)
        v = hit[:, iu, ju]
        z = (v - v.mean(1, keepdims=True)) / v.std(1, keepdims=True)
        nc = noise_ceiling(z, method="pearson")
        np.testing.assert_allclose([nc.lower, nc.upper], fixed.noise_ceiling, atol=1e-10)


def test_stimulus_resample_matches_rsatoolbox_subsample_pattern(k92):
    """One stimulus resample (with duplicates) scored like rsatoolbox's subsample_pattern + compare."""
    from rsatoolbox.rdm import compare

    models, hit = k92
    rsa_models, rsa_data = _rsatoolbox(models, hit)
    idx = np.random.default_rng(3).integers(0, 92, 92)
    ii, jj = _resampled_pairs(idx)
    x = np.stack([m for m in models.values()])[:, ii, jj]
    scores, _ = _sample_scores(x, hit[:, ii, jj], "spearman")
    sample = rsa_data.subsample_pattern("index", idx)
    for m, model in enumerate(rsa_models):
        pred = model.predict_rdm().subsample_pattern("index", idx)
        np.testing.assert_allclose(scores[m], compare(pred, sample, method="spearman")[0], atol=1e-10)


@pytest.mark.parametrize(
    ("resample", "fn"), [("stimuli", "eval_bootstrap_pattern"), ("subjects", "eval_bootstrap_rdm")]
)
def test_bootstrap_se_close_to_rsatoolbox(k92, resample, fn):
    import rsatoolbox.inference as ri

    models, hit = k92
    few = {name: models[name] for name in ("animacy", "EVA", "V1")}
    ours = compare_models(few, hit, n_boot=200, resample=resample, seed=1, progress=False)
    rsa_models, rsa_data = _rsatoolbox(few, hit)
    np.random.seed(0)  # noqa: NPY002 (rsatoolbox draws from numpy's global generator)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(ri, fn)(rsa_models, rsa_data, method="spearman", N=100, boot_noise_ceil=False)
    ev = theirs.evaluations[np.isfinite(theirs.evaluations[:, 0])]
    ratio = ours.se / ev.std(0, ddof=1)
    assert np.all((ratio > 0.7) & (ratio < 1.4)), ratio  # random: loosely


def test_result_structure(result, k92):
    models, hit = k92
    n_models, n_sub = len(models), hit.shape[0]
    assert isinstance(result, ModelComparison)
    assert result.names == tuple(models)
    assert result.per_subject.shape == (n_models, n_sub) and result.n_subjects == n_sub
    assert result.distribution.shape == (200, n_models) and result.ceiling_distribution.shape == (200,)
    assert result.ci.low.shape == (n_models,) and result.ci.level == 0.95
    assert np.all(result.ci.low <= result.estimates) and np.all(result.estimates <= result.ci.high)
    np.testing.assert_allclose(result.se, result.distribution.std(0, ddof=1))
    assert result.noise_ceiling == noise_ceiling(hit)
    d, p = result.pairwise_difference, result.pairwise_p
    np.testing.assert_allclose(d, -d.T)
    np.testing.assert_array_equal(p, p.T)
    assert np.all(np.isnan(np.diag(p))) and np.all(p[~np.eye(n_models, dtype=bool)] > 0)
    np.testing.assert_allclose(result.pairwise_ci.low, -np.asarray(result.pairwise_ci.high).T)
    assert result.ranking[0] == "animacy" and result.ranking[-1] in ("V1", "RADON")
    frame = result.to_frame()
    assert list(frame.index) == list(models) and frame.shape == (n_models, 7)
    assert frame.loc["animacy", "estimate"] == result.estimates[0]
    assert len(result.pairs_frame()) == n_models * (n_models - 1) // 2
    text = repr(result)
    assert text.splitlines()[2].split()[0] == "animacy" and "pairs differ" in text and "noise ceiling" in text


def test_fdr_applied(result):
    iu = np.triu_indices(len(result.names), 1)
    p = result.pairwise_p[iu]
    np.testing.assert_array_equal(result.pairwise_significant[iu], fdr(p, q=0.05))
    np.testing.assert_array_equal(result.pairwise_significant, result.pairwise_significant.T)
    assert not result.pairwise_significant.diagonal().any()
    assert result.pairwise_significant.any()
    # FDR is stricter than the raw threshold on these data
    assert (p <= 0.05).sum() > result.pairwise_significant[iu].sum()
    np.testing.assert_array_equal(result.below_ceiling, fdr(result.ceiling_p, q=0.05))
    # the worst models fall below the lower bound of the noise ceiling
    assert result.below_ceiling[list(result.names).index("V1")]


def test_pairwise_p_and_ceiling_p_from_the_distribution(result):
    b, n = result.distribution, result.distribution.shape[0]
    d = b[:, 0] - b[:, 5]
    tail = min((d <= 0).sum(), (d >= 0).sum())
    assert result.pairwise_p[0, 5] == pytest.approx(min(1, 2 * (tail + 1) / (n + 1)))
    below = result.ceiling_distribution[:, None] - b
    np.testing.assert_allclose(result.ceiling_p, ((below <= 0).sum(0) + 1) / (n + 1))


def test_deterministic_given_seed(k92):
    models, hit = k92
    few = {name: models[name] for name in ("animacy", "HMAX")}
    a = compare_models(few, hit, n_boot=30, seed=7, progress=False)
    b = compare_models(few, hit, n_boot=30, seed=np.random.default_rng(7), progress=False)
    c = compare_models(few, hit, n_boot=30, seed=8, progress=False)
    np.testing.assert_array_equal(a.distribution, b.distribution)
    np.testing.assert_array_equal(a.ceiling_distribution, b.ceiling_distribution)
    assert not np.array_equal(a.distribution, c.distribution)
    np.testing.assert_array_equal(a.estimates, c.estimates)


def test_subjects_resample_keeps_per_subject_values(k92):
    models, hit = k92
    few = {name: models[name] for name in ("animacy", "V1")}
    r = compare_models(few, hit, n_boot=50, resample="subjects", seed=0, progress=False)
    rng = np.random.default_rng(0)
    expected = np.stack([r.per_subject[:, rng.integers(0, 8, 8)].mean(1) for _ in range(50)])
    np.testing.assert_allclose(r.distribution, expected)


@pytest.mark.parametrize("method", ["pearson", "kendall_tau_a", "rho_a", "cosine", "corr_cov", "cosine_cov"])
def test_other_methods_match_compare_rdms_and_noise_ceiling(method):
    from repalign.rdm import compare_rdms

    rng = np.random.default_rng(0)
    shared = rng.standard_normal((12, 5))
    data = np.stack([pdist(shared + rng.standard_normal(shared.shape), "correlation") for _ in range(4)])
    models = {"true": pdist(shared, "correlation"), "noise": pdist(rng.standard_normal((12, 5)))}
    resample = "subjects" if method.endswith("_cov") else "both"  # whitened comparisons need whole RDMs
    r = compare_models(models, data, method=method, n_boot=20, resample=resample, progress=False)
    assert r.per_subject[1, 2] == compare_rdms(models["noise"], data[2], method=method)
    assert r.noise_ceiling == noise_ceiling(data, method=method)
    # the lower bound of a sample with all stimuli and subjects kept equals the noise ceiling's
    _, loo = _sample_scores(np.stack(list(models.values())), data, method)
    assert loo.mean() == pytest.approx(r.noise_ceiling.lower, abs=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(models=[1, 2]), TypeError, "models must be a dict"),
        (dict(models={}), ValueError, "models is empty"),
        (dict(models={1: np.ones(3)}), TypeError, "models keys must be strings"),
        (dict(models={"a": pdist(np.eye(5))}), ValueError, r"models\['a'\] describes 5 items"),
        (dict(models={"flat": np.zeros(6)}), ValueError, r"models\['flat'\] is constant"),
        (dict(data=pdist(np.eye(4))), ValueError, "data must be a stack of RDMs"),
        (dict(data=pdist(np.arange(4.0)[:, None])[None]), ValueError, "data must hold at least 2"),
        (dict(method="rho-a"), ValueError, "method must be one of"),
        (dict(resample="people"), ValueError, "resample must be one of"),
        (dict(n_boot=5), ValueError, "n_boot must be >= 10"),
        (dict(n_boot=100.0), TypeError, "n_boot must be an integer"),
        (dict(level=95), ValueError, "level must be a number in"),
        (dict(q=0), ValueError, "q must be a number in"),
        (dict(seed=None), TypeError, "seed must be an int"),
        (dict(progress="yes"), TypeError, "progress must be a bool"),
    ],
)
def test_bad_inputs(kwargs, error, match):
    rng = np.random.default_rng(0)
    args = dict(
        models={"m": pdist(rng.standard_normal((4, 3)))},
        data=np.stack([pdist(rng.standard_normal((4, 3))) for _ in range(3)]),
        n_boot=10,
        progress=False,
    )
    args.update(kwargs)
    with pytest.raises(error, match=match):
        compare_models(args.pop("models"), args.pop("data"), **args)
