"""Tests of ``repalign.searchlight.partial``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import pdist
from scipy.stats import rankdata

from repalign import searchlight as sl


def _direct_partial(d, models, j):
    """Partial correlation of d with models[:, j] given the other columns, by regressing both on them."""
    others = np.column_stack([np.ones(len(d)), np.delete(models, j, axis=1)])
    rd = d - others @ np.linalg.lstsq(others, d, rcond=None)[0]
    rm = models[:, j] - others @ np.linalg.lstsq(others, models[:, j], rcond=None)[0]
    return np.corrcoef(rd, rm)[0, 1]


@pytest.mark.parametrize("method", ["spearman", "pearson"])
def test_partial_maps_equal_a_direct_per_sphere_partial_correlation(method):
    rng = np.random.default_rng(1)
    n = 12
    mask = np.zeros((6, 6, 5), dtype=bool)
    mask[1:5, 1:5, 1:4] = True
    data = rng.normal(size=(n,) + mask.shape)
    a = pdist(rng.normal(size=(n, 3)))
    models = [a, a + pdist(rng.normal(size=(n, 3))), pdist(rng.normal(size=(n, 2)))]
    part = sl.searchlight_partial_rsa(data, mask, models, radius=2, method=method, progress=False, dtype="float64")
    plain = sl.searchlight_rsa(data, mask, models, radius=2, method=method, progress=False, dtype="float64")
    rank = rankdata if method == "spearman" else np.asarray
    m = np.array([rank(x) for x in models]).T
    flat = data.reshape(n, -1)
    for ci, vox in enumerate(sl.searchlight_neighbors(mask, radius=2)):
        centre = tuple(np.argwhere(mask)[ci])
        d = rank(pdist(flat[:, vox], "correlation"))
        for j in range(3):
            assert part[(j, *centre)] == pytest.approx(_direct_partial(d, m, j), abs=1e-10)
    assert np.all(np.isnan(part[:, ~mask]))
    assert not np.allclose(part[:, mask], plain[:, mask])  # the models correlate: partialling changes the maps


def test_partial_separates_a_correlated_model_from_the_planted_one():
    # a region carries model A's geometry; model B is correlated with A but adds its own part
    rng = np.random.default_rng(3)
    n = 20
    emb = rng.normal(size=(n, 4))
    a = pdist(emb)
    b = pdist(np.hstack([emb, rng.normal(size=(n, 4))]))  # Spearman 0.71 with a
    mask = np.ones((5, 5, 5), dtype=bool)
    data = 0.3 * rng.normal(size=(n,) + mask.shape)
    data[:, 1:4, 1:4, 1:4] += (emb @ rng.normal(size=(4, 27))).reshape(n, 3, 3, 3)
    plain = sl.searchlight_rsa(data, mask, [a, b], radius=2, progress=False)
    part = sl.searchlight_partial_rsa(data, mask, [a, b], radius=2, progress=False)
    centre = (2, 2, 2)
    assert plain[(1, *centre)] > 0.3  # the plain map of B lights up A's region
    assert part[(0, *centre)] > 0.4 and abs(part[(1, *centre)]) < 0.15  # the partial map of B does not


def test_partial_from_correlations_two_models_formula_and_refusals():
    r = np.array([[0.5, np.nan], [0.4, 0.1]])
    c = np.array([[1.0, 0.6], [0.6, 1.0]])
    out = sl.partial_from_correlations(r, c)
    expect = (0.5 - 0.4 * 0.6) / np.sqrt((1 - 0.4**2) * (1 - 0.6**2))
    assert out[0, 0] == pytest.approx(expect, abs=1e-12)
    assert np.isnan(out[:, 1]).all()
    with pytest.raises(ValueError, match="model_corr is singular"):
        sl.partial_from_correlations(r, np.ones((2, 2)))
    with pytest.raises(ValueError, match="at least 2 models"):
        sl.partial_from_correlations(r[:1], c[:1, :1])
    mask = np.ones((3, 3, 3), dtype=bool)
    data = np.random.default_rng(0).normal(size=(6,) + mask.shape)
    rdm = pdist(np.random.default_rng(1).normal(size=(6, 2)))
    with pytest.raises(ValueError, match="model_rdms must hold at least 2"):
        sl.searchlight_partial_rsa(data, mask, rdm, radius=2, progress=False)
    with pytest.raises(ValueError, match="method must be one of"):
        sl.searchlight_partial_rsa(data, mask, [rdm, rdm**2], radius=2, method="cosine", progress=False)
    with pytest.raises(ValueError, match="model_rdms: model_corr is singular"):
        sl.searchlight_partial_rsa(data, mask, [rdm, 2 * rdm], radius=2, progress=False)
