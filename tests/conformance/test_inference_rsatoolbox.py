"""Conformance of ``repalign.inference`` with rsatoolbox 0.3.2 and scipy, on random data and the real 92-object RDMs.

- fixed / random effects: the comparison of group-mean RDMs / of every pair of participants = ``rsatoolbox.rdm.compare``;
- noise ceilings = ``rsatoolbox.inference.boot_noise_ceiling`` (pooling: z-scores for Pearson, ranks for the rank
  comparisons, unit RMS for cosine). For the whitened ``corr_cov`` / ``cosine_cov`` we pool *with* whitening, as
  ``rsatoolbox.util.pooling.pool_rdm`` does (the mean that maximises the mean whitened comparison), while
  ``boot_noise_ceiling`` pools them without whitening (``rsatoolbox.util.inference_util.pool_rdm``): a deliberate
  difference, checked here against a ceiling built from the whitened pooling;
- FDR = ``scipy.stats.false_discovery_control``; CV-NNLS = ``scipy.optimize.nnls`` fold by fold;
- the subject bootstrap = ``rsatoolbox.inference.eval_bootstrap_rdm`` given the *same* resampling indices (rsatoolbox
  draws them from numpy's global generator, ours from a seeded Generator, so only the statistic per sample can be
  compared exactly; its spread then agrees to rounding error too).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from rsatoolbox.inference import boot_noise_ceiling, eval_bootstrap_rdm
from rsatoolbox.model import ModelFixed
from rsatoolbox.rdm import RDMs
from rsatoolbox.rdm import compare as rsa_compare
from rsatoolbox.util.pooling import pool_rdm as whitened_pool_rdm
from scipy.optimize import nnls
from scipy.spatial.distance import squareform
from scipy.stats import false_discovery_control

from repalign import inference as I
from repalign.datasets import load_kriegeskorte92
from repalign.rdm import correlate
from synthetic import RSATOOLBOX_METHODS

METHODS = RSATOOLBOX_METHODS
POOLED_LIKE_BOOT_NOISE_CEILING = ("spearman", "pearson", "kendall_tau_a", "rho_a", "cosine")


def _condensed(stack):
    return np.stack([squareform(r, checks=False) for r in stack])


@pytest.fixture(scope="module")
def k92():
    k = load_kriegeskorte92()
    return _condensed(k.hit), _condensed(k.behaviour), {n: squareform(m, checks=False) for n, m in k.models.items()}


@pytest.fixture(scope="module")
def rand():
    rng = np.random.default_rng(7)
    shared = rng.random(66)  # 12 items
    return shared + 0.8 * rng.random((6, 66)), shared + 1.2 * rng.random((5, 66))


@pytest.fixture(params=["random", "k92"])
def groups(request, rand, k92):
    if request.param == "random":
        return rand
    hit, behaviour, _ = k92
    return hit, behaviour


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@pytest.mark.parametrize("method", list(METHODS))
def test_fixed_effects_is_rsatoolbox_compare_of_group_means(groups, method):
    a, b = groups
    theirs = rsa_compare(RDMs(a.mean(0)[None]), RDMs(b.mean(0)[None]), method=METHODS[method])[0, 0]
    assert I.fixed_effects(a, b, method=method) == pytest.approx(theirs, abs=1e-10)


@pytest.mark.parametrize("method", ["spearman", "pearson", "rho_a", "corr_cov"])
def test_random_effects_correlations_are_rsatoolbox_compare(groups, method):
    a, b = groups
    ours = I.random_effects(a, b, method=method, n_perm=10).correlations
    np.testing.assert_allclose(ours, rsa_compare(RDMs(a), RDMs(b), method=METHODS[method]), atol=1e-10)


@pytest.mark.parametrize("method", POOLED_LIKE_BOOT_NOISE_CEILING)
def test_noise_ceiling_equals_boot_noise_ceiling(groups, method):
    a, _ = groups
    lower, upper = _quiet(boot_noise_ceiling, RDMs(a), method=METHODS[method])
    nc = I.noise_ceiling(a, method=method)
    np.testing.assert_allclose([nc.lower, nc.upper], [lower, upper], atol=1e-10)


@pytest.mark.parametrize("method", ["corr_cov", "cosine_cov"])
def test_whitened_noise_ceiling_equals_the_whitened_pooling(groups, method):
    a = groups[0][:5]  # rsatoolbox's whitened pooling solves a 4186 x 4186 system per RDM on the real data

    def pooled(x):
        return _quiet(whitened_pool_rdm, RDMs(x), method=METHODS[method]).get_vectors()[0]

    n = len(a)
    upper = np.mean([correlate(a[i], pooled(a), method=method) for i in range(n)])
    lower = np.mean([correlate(a[i], pooled(np.delete(a, i, 0)), method=method) for i in range(n)])
    nc = I.noise_ceiling(a, method=method)
    # rsatoolbox whitens with a conjugate-gradient solve (relative tolerance 1e-5): agreement to ~1e-9, not 1e-15
    np.testing.assert_allclose([nc.lower, nc.upper], [lower, upper], atol=1e-8)
    # boot_noise_ceiling pools these without whitening: its upper bound is lower (it is not the best mean)
    assert nc.upper >= _quiet(boot_noise_ceiling, RDMs(a), method=METHODS[method])[1] - 1e-12


def test_fdr_equals_scipy(k92):
    hit, _, models = k92
    rng = np.random.default_rng(0)
    mixed = np.concatenate([rng.uniform(0, 1, 200), rng.uniform(0, 0.01, 50)])
    # real p-values: every model against each human IT participant, one-sample t-tests over participants
    real = np.array([I.random_effects(hit, m[None], n_perm=10).p for m in models.values()])
    for p in (mixed, real):
        for q in (0.01, 0.05, 0.2):
            np.testing.assert_array_equal(I.fdr(p, q=q), false_discovery_control(p, method="bh") <= q)


@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("data", ["random", "k92"])
def test_cv_nnls_equals_scipy_nnls_fold_by_fold(k92, rand, data, fit_intercept):
    if data == "k92":
        hit, behaviour, _ = k92
        x, target = behaviour, hit.mean(0)
    else:
        x, target = rand[0], rand[1].mean(0)
    fit = I.cv_nnls(x, target, n_folds=8, seed=3, fit_intercept=fit_intercept)
    n = squareform(target).shape[0]
    iu, ju = np.triu_indices(n, k=1)
    for k, held in enumerate(I.stimulus_folds(n, n_folds=8, seed=3)):
        out = np.isin(np.arange(n), held)
        test = out[iu] | out[ju]
        design = x[:, ~test].T
        if fit_intercept:  # a free constant = two non-negative columns, +1 and -1
            design = np.column_stack([design, np.ones(design.shape[0]), -np.ones(design.shape[0])])
        coef, _ = nnls(design, target[~test])
        w = coef[: x.shape[0]]
        b = coef[-2] - coef[-1] if fit_intercept else 0.0
        np.testing.assert_allclose(fit.weights[k], w, atol=1e-7)
        pred = x[:, test].T @ w + b
        assert fit.fold_scores[k] == pytest.approx(np.corrcoef(pred, target[test])[0, 1], abs=1e-9)


def test_cv_nnls_intercept_on_the_real_data(k92):
    hit, behaviour, _ = k92
    plain = I.cv_nnls(behaviour, hit.mean(0), n_folds=10, seed=0)
    free = I.cv_nnls(behaviour, hit.mean(0), n_folds=10, seed=0, fit_intercept=True)
    assert plain.score == pytest.approx(0.450, abs=0.002) and free.score == pytest.approx(0.515, abs=0.002)


@pytest.mark.parametrize("method", ["spearman", "pearson"])
def test_subject_bootstrap_equals_eval_bootstrap_rdm_with_the_same_indices(k92, method):
    hit, _, models = k92
    few = {name: models[name] for name in ("animacy", "EVA", "V1")}
    ours = I.compare_models(few, hit, method=method, n_boot=10, resample="subjects", progress=False)
    n_boot, n_sub = 40, hit.shape[0]
    np.random.seed(11)  # noqa: NPY002 (rsatoolbox draws from numpy's global generator)
    indices = [np.random.randint(0, n_sub, n_sub) for _ in range(n_boot)]  # noqa: NPY002 (its draws, replayed)
    np.random.seed(11)  # noqa: NPY002
    theirs = _quiet(
        eval_bootstrap_rdm,
        [ModelFixed(name, RDMs(m[None])) for name, m in few.items()],
        RDMs(hit),
        method=METHODS[method],
        N=n_boot,
        boot_noise_ceil=False,
    )
    replay = np.array([ours.per_subject[:, idx].mean(axis=1) for idx in indices])
    np.testing.assert_allclose(replay, theirs.evaluations, atol=1e-10)
    np.testing.assert_allclose(replay.std(0, ddof=1), theirs.evaluations.std(0, ddof=1), atol=1e-10)
