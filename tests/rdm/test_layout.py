"""Tests of ``repalign.rdm.layout``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import pdist
from scipy.stats import spearmanr

from repalign import rdm as R


class TestMds:
    def setup_method(self):
        rng = np.random.default_rng(4)
        self.coords = rng.normal(size=(16, 2)) * [3.0, 1.0]
        self.rdm = R.compute_rdm(self.coords, metric="euclidean")

    def test_shape_deterministic_and_faithful(self):
        a = R.mds(self.rdm, seed=1)
        b = R.mds(R.to_condensed(self.rdm), seed=1)
        assert a.shape == (16, 2)
        np.testing.assert_array_equal(a, b)
        rho = spearmanr(pdist(a), R.to_condensed(self.rdm)).statistic
        assert rho > 0.95  # a planted 2-D configuration is recovered
        # metric MDS of Euclidean 2-D distances reproduces them closely
        np.testing.assert_allclose(pdist(a), R.to_condensed(self.rdm), rtol=0.05, atol=0.05)

    def test_seed_changes_only_rigid_motion(self):
        a, b = R.mds(self.rdm, seed=1), R.mds(self.rdm, seed=2)
        assert spearmanr(pdist(a), pdist(b)).statistic > 0.99

    def test_generator_seed_and_components(self):
        c = R.mds(self.rdm, n_components=3, seed=np.random.default_rng(0))
        assert c.shape == (16, 3)

    def test_bad_arguments(self):
        with pytest.raises(ValueError, match=r"^n_components must be >= 1"):
            R.mds(self.rdm, n_components=0)
        with pytest.raises(TypeError, match=r"^seed must be an int"):
            R.mds(self.rdm, seed=None)
        with pytest.raises(ValueError, match=r"^rdm is not symmetric"):
            R.mds(self.rdm + np.triu(np.ones((16, 16)), 1))


def test_cluster_order_groups_planted_clusters():
    from repalign.rdm import cluster_order

    rng = np.random.default_rng(1)
    centres = rng.normal(size=(3, 20)) * 5
    labels = np.repeat([0, 1, 2], 8)
    perm = rng.permutation(labels.size)
    x = centres[labels[perm]] + rng.normal(size=(labels.size, 20))
    order = cluster_order(R.compute_rdm(x, metric="euclidean"))
    assert sorted(order) == list(range(labels.size))
    ordered = labels[perm][order]
    assert np.count_nonzero(np.diff(ordered)) == 2  # each cluster is one contiguous run
    with pytest.raises(ValueError, match="linkage"):
        cluster_order(R.compute_rdm(x), linkage="ward")
