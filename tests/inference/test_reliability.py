"""Tests of ``repalign.inference.reliability``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as st
from scipy.spatial.distance import pdist, squareform

from repalign import inference
from repalign.rdm import compare_rdms

N_ITEMS = 25


@pytest.fixture(scope="module")
def group():
    """Condensed RDMs of 12 subjects: shared patterns plus individual noise."""
    rng = np.random.default_rng(0)
    shared = rng.standard_normal((N_ITEMS, 10))
    return np.stack([pdist(shared + 1.2 * rng.standard_normal(shared.shape), "correlation") for _ in range(12)])


def test_spearman_brown():
    assert inference.spearman_brown(0.5, 2) == pytest.approx(2 / 3)
    assert inference.spearman_brown(0.7, 1) == pytest.approx(0.7)
    np.testing.assert_allclose(inference.spearman_brown(0.5, [1, 3]), [0.5, 0.75])
    with pytest.raises(ValueError, match="factor"):
        inference.spearman_brown(0.5, 0)


def test_agreement_matrix(group):
    a = inference.agreement_matrix(group)
    assert a.shape == (12, 12)
    np.testing.assert_allclose(np.diag(a), 1)
    np.testing.assert_allclose(a, a.T)
    assert a[2, 7] == pytest.approx(st.spearmanr(group[2], group[7]).statistic)
    square = np.stack([squareform(x) for x in group])
    np.testing.assert_allclose(inference.agreement_matrix(square, method="pearson")[0, 1], np.corrcoef(group[:2])[0, 1])


def test_split_half_reliability(group):
    r = inference.split_half_reliability(group, n_splits=40, seed=3)
    assert r.splits.shape == (40,) and r.n_participants == 12
    assert r.half == pytest.approx(r.splits.mean())
    assert r.full == pytest.approx(2 * r.half / (1 + r.half))  # 12 = 2 halves of 6
    assert r.ci.low <= r.half <= r.ci.high
    # one split by hand, with the same draws
    perm = np.random.default_rng(3).permutation(12)
    assert r.splits[0] == pytest.approx(compare_rdms(group[perm[:6]].mean(0), group[perm[6:]].mean(0)))
    # reproducible and seed-driven
    assert np.array_equal(r.splits, inference.split_half_reliability(group, n_splits=40, seed=3).splits)
    assert r.predicted(6) == pytest.approx(r.half) and r.predicted(12) == pytest.approx(r.full)


def test_participants_needed(group):
    r = inference.split_half_reliability(group, n_splits=20, seed=0)
    n = r.participants_needed(0.9)
    assert r.predicted(n) >= 0.9 - 1e-9 and (n == 1 or r.predicted(n - 1) < 0.9)
    with pytest.raises(ValueError, match="target"):
        r.participants_needed(1.0)


def test_split_half_odd_group_and_errors(group):
    r = inference.split_half_reliability(group[:7], n_splits=5, seed=0)  # halves of 3, one left out
    assert r.full == pytest.approx(inference.spearman_brown(r.half, 7 / 3))
    with pytest.raises(ValueError, match="at least 4"):
        inference.split_half_reliability(group[:3])
    with pytest.raises(ValueError, match="method"):
        inference.split_half_reliability(group, method="tau_b")


def test_reference_size_curve(group):
    ref = group.mean(0)
    c = inference.reference_size_curve(group, squareform(ref), sizes=[1, 4, 12], n_rep=15, seed=1)
    assert list(c.sizes) == [1, 4, 12]
    # the full group is always the same draw: its correlation with its own mean, no spread
    assert c.mean[-1] == pytest.approx(compare_rdms(group.mean(0), ref)) and c.sd[-1] == pytest.approx(0, abs=1e-12)
    assert c.mean[0] < c.mean[1] < c.mean[2]  # averaging more participants approaches the mean
    with pytest.raises(ValueError, match="sizes"):
        inference.reference_size_curve(group, ref, sizes=[13])
    with pytest.raises(ValueError):
        inference.reference_size_curve(group, ref[:-1], sizes=[2])


def test_reliability_refuses_a_single_rdm_and_a_constant_participant(group):
    single = squareform(pdist(np.random.default_rng(0).standard_normal((10, 3))))  # 10 x 10: rows of 5 items
    with pytest.raises(ValueError, match=r"^rdms is a single 10x10 RDM where a stack is needed"):
        inference.agreement_matrix(single)
    with pytest.raises(ValueError, match=r"^rdms is a single 10x10 RDM"):
        inference.split_half_reliability(single)
    bad = np.array(group, dtype=float).copy()
    bad[1] = 2.0
    with pytest.raises(ValueError, match=r"^rdms\[1\] is constant"):
        inference.agreement_matrix(bad)
