"""Conformance of ``repalign.rdm`` with rsatoolbox 0.3.2: RDM comparisons and RDM computation (incl. crossnobis).

Conventions that differ on purpose (documented in ``repalign.rdm.compute`` / ``repalign.rdm.crossnobis``):
rsatoolbox's ``"euclidean"`` RDM is the squared distance divided by the number of channels, ours is the plain
Euclidean distance (``ours ** 2 / p`` is compared); crossnobis is divided by ``p`` in both.
"""

from __future__ import annotations

import numpy as np
import pytest
import rsatoolbox
from rsatoolbox.data.noise import prec_from_residuals
from rsatoolbox.rdm import RDMs
from rsatoolbox.rdm import compare as rsa_compare
from scipy.spatial.distance import squareform

from repalign import rdm as R
from repalign.datasets import load_kriegeskorte92
from synthetic import RSATOOLBOX_METHODS

METHODS = RSATOOLBOX_METHODS
TOL = 1e-10


def _max_diff(x, y, method):
    ref = rsa_compare(RDMs(x), RDMs(y), method=METHODS[method])
    ours = np.array([[R.compare_rdms(a, b, method=method) for b in y] for a in x])
    return float(np.max(np.abs(ours - ref)))


@pytest.fixture(scope="module")
def k92():
    data = load_kriegeskorte92()
    return R.condensed_stack(data.behaviour[:4]), R.condensed_stack(data.hit[:4])


@pytest.mark.parametrize("method", METHODS)
def test_compare_random_rdms(method):
    rng = np.random.default_rng(7)
    x = rng.random((3, 66))
    y = 0.5 * x[::-1] + rng.random((3, 66))
    y[0] = np.round(3 * y[0])  # a tie-heavy RDM
    assert _max_diff(x, y, method) < TOL


@pytest.mark.parametrize("method", METHODS)
def test_compare_real_92_object_rdms(method, k92):
    behaviour, hit = k92
    assert behaviour.shape == (4, 92 * 91 // 2)
    assert _max_diff(behaviour, hit, method) < TOL


def _dataset(seed=0, n_cond=6, n_runs=4, p=25):
    rng = np.random.default_rng(seed)
    truth = rng.standard_normal((n_cond, p))
    data = np.concatenate([truth + rng.standard_normal((n_cond, p)) for _ in range(n_runs)])
    cond = np.tile(np.arange(n_cond), n_runs)
    runs = np.repeat(np.arange(n_runs), n_cond)
    order = rng.permutation(len(cond))  # rows in any order
    return data[order], cond[order], runs[order]


def test_calc_rdm_euclidean_and_correlation():
    data, _, _ = _dataset()
    ds = rsatoolbox.data.Dataset(data)
    p = data.shape[1]
    ref_e = rsatoolbox.rdm.calc_rdm(ds, method="euclidean").dissimilarities[0]
    ours_e = R.to_condensed(R.compute_rdm(data, metric="euclidean")) ** 2 / p  # rsatoolbox: squared, / p
    assert np.max(np.abs(ours_e - ref_e)) < TOL
    ref_c = rsatoolbox.rdm.calc_rdm(ds, method="correlation").dissimilarities[0]
    assert np.max(np.abs(R.to_condensed(R.compute_rdm(data)) - ref_c)) < TOL


@pytest.mark.parametrize("shrinkage", ["diag", "eye"])
def test_crossnobis_and_noise_precision(shrinkage):
    data, cond, runs = _dataset(seed=1)
    rng = np.random.default_rng(2)
    residuals = rng.standard_normal((60, 25)) @ (np.eye(25) + 0.3 * rng.standard_normal((25, 25)))
    prec = R.noise_precision(residuals, shrinkage=shrinkage)
    ref_prec = prec_from_residuals(residuals, method="shrinkage_" + shrinkage)
    assert np.max(np.abs(prec - ref_prec)) < TOL * np.abs(ref_prec).max()
    ds = rsatoolbox.data.Dataset(data, obs_descriptors={"conds": cond, "runs": runs})
    for noise in (None, prec):
        ref = rsatoolbox.rdm.calc_rdm(
            ds, method="crossnobis", descriptor="conds", cv_descriptor="runs", noise=noise
        ).dissimilarities[0]
        ours = squareform(R.crossnobis_rdm(data, conditions=cond, runs=runs, noise=noise), checks=False)
        assert np.max(np.abs(ours - ref)) < TOL
