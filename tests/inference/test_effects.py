"""Tests of ``repalign.inference.effects``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as st
from scipy.spatial.distance import pdist, squareform

from repalign import inference
from repalign.rdm import compare_rdms

N_ITEMS = 30


def test_fixed_effects_is_correlation_of_means(groups):
    a, b = groups
    assert inference.fixed_effects(a, b) == pytest.approx(compare_rdms(a.mean(0), b.mean(0)))
    square = np.stack([squareform(x) for x in a])
    assert inference.fixed_effects(square, b) == pytest.approx(inference.fixed_effects(a, b))


def test_random_effects_all_pairs(groups):
    a, b = groups
    r = inference.random_effects(a, b, pairing="all", n_perm=500, seed=0)
    assert r.correlations.shape == (10, 12)
    assert r.correlations[3, 4] == pytest.approx(st.spearmanr(a[3], b[4]).statistic)
    np.testing.assert_allclose(r.per_participant, r.correlations.mean(1))
    t = st.ttest_1samp(r.per_participant, 0)
    assert r.t == pytest.approx(t.statistic) and r.p == pytest.approx(t.pvalue)
    assert r.ci.low < r.mean < r.ci.high and r.ci.level == 0.95
    assert r.p_signflip < 0.02  # every subject positive: only the all-plus flip (1 in 1024) reaches the mean
    # averaging removes idiosyncratic noise: fixed effects exceed the typical individual correlation
    assert inference.fixed_effects(a, b) > r.mean + 0.1


def test_random_effects_matched_and_errors(groups):
    a, b = groups
    r = inference.random_effects(a, b[:10], pairing="matched", n_perm=100)
    assert r.correlations.shape == (10,)
    assert r.correlations[2] == pytest.approx(st.spearmanr(a[2], b[2]).statistic)
    with pytest.raises(ValueError, match="matched"):
        inference.random_effects(a, b, pairing="matched")
    with pytest.raises(ValueError, match="pairing"):
        inference.random_effects(a, b, pairing="some")
    with pytest.raises(ValueError, match=r"different numbers of items \(30 vs 31\)"):
        inference.random_effects(a, np.stack([pdist(np.random.default_rng(0).standard_normal((N_ITEMS + 1, 3)))] * 3))
    with pytest.raises(ValueError, match=r"rdms_b\[0\]"):
        inference.random_effects(a, b[:, :-1])


def test_random_effects_signflip_is_null_for_unrelated_groups():
    rng = np.random.default_rng(5)
    a = np.stack([pdist(rng.standard_normal((20, 5))) for _ in range(15)])
    b = np.stack([pdist(rng.standard_normal((20, 5))) for _ in range(15)])
    r = inference.random_effects(a, b, n_perm=2000, seed=1)
    assert r.p_signflip > 0.01 and abs(r.mean) < 0.1


def test_group_size_curve_rises(groups):
    a, b = groups
    curve = inference.group_size_curve(a, b, sizes=[1, 3, 10], n_rep=30, seed=0).as_dict()
    assert curve[1][0] < curve[3][0] < curve[10][0]
    assert curve[10][1] < curve[1][1]  # bigger groups: less variable group means
    assert curve == inference.group_size_curve(a, b, sizes=[1, 3, 10], n_rep=30, seed=0).as_dict()
    with pytest.raises(ValueError, match="sizes"):
        inference.group_size_curve(a, b, sizes=[11])


# ----------------------------------------------------------------------------- session-1 control
def test_session1_control_is_a_between_group_comparison():
    from scipy.spatial.distance import pdist

    from repalign.inference import fixed_effects, random_effects, session1_control

    rng = np.random.default_rng(0)
    x = rng.normal(size=(15, 4))
    truth = pdist(x)
    s1 = np.stack([truth + 0.5 * rng.normal(size=truth.size) for _ in range(10)])
    first = np.array(["visual", "linguistic"] * 5)
    out = session1_control(s1, first, n_boot=100, seed=1)
    a, b = s1[first == "visual"], s1[first == "linguistic"]
    assert out.groups == ("visual", "linguistic") and out.n == (5, 5)
    assert out.fixed.estimate == pytest.approx(fixed_effects(a, b))
    assert out.fixed.ci.low < out.fixed.estimate < out.fixed.ci.high
    assert out.random.mean == pytest.approx(random_effects(a, b, seed=1).mean)
    assert out.fixed.estimate > out.random.mean > 0
    with pytest.raises(ValueError, match="first must hold one modality per participant"):
        session1_control(s1, first[:-1])
    with pytest.raises(ValueError, match="exactly two modalities"):
        session1_control(s1, np.array(["v", "l", "x"] * 3 + ["v"]))
    with pytest.raises(ValueError, match="at least 2 participants in each group"):
        session1_control(s1, np.array(["v"] * 9 + ["l"]))


def _square_pair(n=5, seed=0):
    rng = np.random.default_rng(seed)
    return squareform(pdist(rng.standard_normal((n, 3)))), squareform(pdist(rng.standard_normal((n, 3))))


def test_single_square_rdm_is_refused_not_read_as_condensed_rows():
    # 10 x 10: 10 is a triangular number, so the rows could pass as 10 condensed RDMs of 5 items
    a, b = _square_pair(10, seed=3)
    with pytest.raises(ValueError, match=r"^rdms_a is a single 10x10 RDM where a stack is needed"):
        inference.fixed_effects(a, b)
    # a group of one is passed as a stack of one, and then it is compare_rdms
    assert inference.fixed_effects(a[None], b[None]) == pytest.approx(compare_rdms(a, b), abs=1e-12)
    assert inference.fixed_effects(a[None], b[None]) != pytest.approx(
        compare_rdms(a.mean(0), b.mean(0)), abs=1e-3
    )  # what the rows-as-stack reading gave
    c, d = _square_pair(6, seed=4)  # 6 x 6 = rows of 4 items
    for call in (
        lambda: inference.random_effects(np.stack([c, d]), c),
        lambda: inference.group_size_curve(c, d, sizes=[1]),
        lambda: inference.session1_control(c, ["v", "v", "l", "l", "v", "l"]),
    ):
        with pytest.raises(ValueError, match=r"is a single 6x6 RDM where a stack is needed"):
            call()


def test_condensed_stack_that_is_square_is_still_a_stack():
    # 3 participants x 3 pairs (3 items): square, but not a zero-diagonal RDM, so a stack
    a = np.array([[1.0, 2, 3], [2, 1, 3], [1, 3, 2]])
    b = np.array([[2.0, 1, 3], [1, 2, 3], [3, 2, 1]])
    assert inference.fixed_effects(a, b) == pytest.approx(compare_rdms(a.mean(0), b.mean(0)))


def test_constant_participant_is_refused_not_nan(groups):
    a, b = groups
    bad = a.copy()
    bad[2] = 0.7
    with pytest.raises(ValueError, match=r"^rdms_a\[2\] is constant; its correlation with anything is undefined$"):
        inference.random_effects(bad, b)
    with pytest.raises(ValueError, match=r"^rdms_b\[2\] is constant"):
        inference.random_effects(b, bad, pairing="all")


def test_random_effects_p_is_two_sided_and_signflip_one_sided(groups):
    a, b = groups
    rng = np.random.default_rng(2)
    # a weak effect, so that the p-values are not at their floor
    weak = np.stack([pdist(rng.standard_normal((N_ITEMS, 15))) for _ in range(10)])
    r = inference.random_effects(weak, b, n_perm=20000, seed=0)
    greater = st.ttest_1samp(r.per_participant, 0, alternative="greater").pvalue
    assert r.p == pytest.approx(st.ttest_1samp(r.per_participant, 0).pvalue)
    assert r.p == pytest.approx(2 * min(greater, 1 - greater))
    if r.mean > 0:
        assert r.p_signflip == pytest.approx(greater, abs=0.05)
    else:
        assert r.p_signflip == pytest.approx(greater, abs=0.05) and r.p_signflip > 0.5
    assert "p(two-sided)=" in repr(r) and "p_signflip(one-sided)=" in repr(r)
    doc = inference.RandomEffectsResult.__doc__
    assert "**Two-sided**" in doc and "**One-sided**" in doc


@pytest.mark.parametrize("method", ["rho_a", "cosine", "corr_cov", "cosine_cov"])
def test_group_functions_accept_every_compare_method(groups, method):
    a, b = groups
    assert inference.fixed_effects(a, b, method=method) == pytest.approx(
        compare_rdms(a.mean(0), b.mean(0), method=method), abs=1e-12
    )
    r = inference.random_effects(a, b, method=method, n_perm=100)
    assert r.correlations[1, 2] == pytest.approx(compare_rdms(a[1], b[2], method=method), abs=1e-12)
    curve = inference.group_size_curve(a, b[: len(a)], sizes=[len(a)], n_rep=2, method=method)  # every draw: all
    assert curve.mean[0] == pytest.approx(inference.fixed_effects(a, b[: len(a)], method=method), abs=1e-12)
    assert curve.sd[0] == pytest.approx(0, abs=1e-12)
