"""Fixed/random effects, noise ceilings, group-size curves (repalign.stats) and CV-NNLS (repalign.reweight)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as st
from scipy.spatial.distance import pdist, squareform

from repalign import inference
from repalign.rdm import compare_rdms

N_ITEMS = 30


def _group(n_subjects, shared, noise, seed):
    """Condensed RDMs of subjects = shared patterns + individual noise."""
    rng = np.random.default_rng(seed)
    return np.stack([pdist(shared + noise * rng.standard_normal(shared.shape), "correlation")
                     for _ in range(n_subjects)])


@pytest.fixture(scope="module")
def groups():
    rng = np.random.default_rng(0)
    shared = rng.standard_normal((N_ITEMS, 15))
    return _group(10, shared, 1.5, 1), _group(12, shared, 1.5, 2)


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


def test_noise_ceiling_brute_force(groups):
    a, _ = groups
    ceiling = inference.noise_ceiling(a, method="pearson")
    lower, upper = ceiling.lower, ceiling.upper
    assert ceiling.method == "pearson"
    up = np.mean([np.corrcoef(x, a.mean(0))[0, 1] for x in a])
    lo = np.mean([np.corrcoef(a[i], np.delete(a, i, 0).mean(0))[0, 1] for i in range(len(a))])
    assert upper == pytest.approx(up) and lower == pytest.approx(lo)
    ranks = st.rankdata(a, axis=1)
    lo_s = np.mean([st.spearmanr(a[i], np.delete(ranks, i, 0).mean(0)).statistic for i in range(len(a))])
    assert inference.noise_ceiling(a).lower == pytest.approx(lo_s)
    assert lower < upper
    identical = np.stack([a[0]] * 4)
    c = inference.noise_ceiling(identical)
    assert (c.lower, c.upper) == pytest.approx((1.0, 1.0))
    with pytest.raises(ValueError, match="at least 2"):
        inference.noise_ceiling(a[:1])


def test_group_size_curve_rises(groups):
    a, b = groups
    curve = inference.group_size_curve(a, b, sizes=[1, 3, 10], n_rep=30, seed=0).as_dict()
    assert curve[1][0] < curve[3][0] < curve[10][0]
    assert curve[10][1] < curve[1][1]  # bigger groups: less variable group means
    assert curve == inference.group_size_curve(a, b, sizes=[1, 3, 10], n_rep=30, seed=0).as_dict()
    with pytest.raises(ValueError, match="sizes"):
        inference.group_size_curve(a, b, sizes=[11])


# --------------------------------------------------------------------------------------------
# CV-NNLS
# --------------------------------------------------------------------------------------------


def test_cv_nnls_recovers_planted_weights():
    rng = np.random.default_rng(3)
    x = np.stack([pdist(rng.standard_normal((40, 6))) for _ in range(6)])
    target = 2.0 * x[1] + 0.5 * x[4] + 0.01 * rng.standard_normal(x.shape[1])
    fit = inference.cv_nnls(x, target, n_folds=5, seed=0)
    assert fit.weights.shape == (5, 6)
    assert np.all(fit.weights >= 0)
    np.testing.assert_allclose(fit.weights.mean(0), [0, 2.0, 0, 0, 0.5, 0], atol=0.05)
    assert fit.score > 0.99
    assert fit.score > fit.average_score
    assert fit.predicted.shape == (40, 40)
    assert np.corrcoef(squareform(fit.predicted), target)[0, 1] > 0.99


def test_cv_nnls_folds_hold_out_stimuli():
    folds = inference.stimulus_folds(23, n_folds=4, seed=1)
    assert sorted(np.concatenate(folds).tolist()) == list(range(23))
    assert [len(f) for f in folds] == [6, 6, 6, 5]
    # weights from training pairs only: changing a held-out pair's target cannot change that fold's weights
    rng = np.random.default_rng(4)
    x = np.stack([pdist(rng.standard_normal((12, 4))) for _ in range(3)])
    y = x[0] + x[2] + 0.1 * rng.standard_normal(x.shape[1])
    f1 = inference.cv_nnls(x, y, n_folds=3, seed=7)
    held = inference.stimulus_folds(12, n_folds=3, seed=7)[0]
    sq = squareform(y)
    sq[held[0], :] += 5.0
    sq[:, held[0]] += 5.0
    np.fill_diagonal(sq, 0)
    f2 = inference.cv_nnls(x, sq, n_folds=3, seed=7)
    np.testing.assert_allclose(f1.weights[0], f2.weights[0])
    assert not np.allclose(f1.weights[1], f2.weights[1])


def test_cv_nnls_random_target_scores_near_zero(groups):
    a, _ = groups
    rng = np.random.default_rng(9)
    scores = [inference.cv_nnls(a, pdist(rng.standard_normal((N_ITEMS, 10))), seed=k).score for k in range(12)]
    assert abs(np.mean(scores)) < 0.05
    assert max(np.abs(scores)) < 0.25


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(n_folds=1), ValueError, "n_folds"),
    (dict(n_folds=31), ValueError, "n_folds"),
    (dict(n_folds=2.5), TypeError, "n_folds"),
])
def test_cv_nnls_bad_folds(groups, kwargs, exc, match):
    a, b = groups
    with pytest.raises(exc, match=match):
        inference.cv_nnls(a, b[0], **kwargs)


def test_cv_nnls_bad_inputs(groups):
    a, b = groups
    with pytest.raises(ValueError, match="different numbers of items"):
        inference.cv_nnls(a, pdist(np.random.default_rng(0).standard_normal((N_ITEMS + 1, 3))))
    with pytest.raises(ValueError, match="constant"):
        inference.cv_nnls(a, np.ones(a.shape[1]))
    bad = a.copy()
    bad[0, 3] = np.nan
    with pytest.raises(ValueError, match="participant_rdms"):
        inference.cv_nnls(bad, b[0])
    with pytest.raises(ValueError, match="stack of RDMs"):
        inference.cv_nnls(a[0], b[0])


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


def test_two_session_simulation_counterbalances_and_carries_over():
    from repalign.book import simulate_two_sessions
    from repalign.inference import random_effects

    rng = np.random.default_rng(3)
    shared, vis, lin = (rng.normal(size=(14, d)) for d in (5, 4, 3))
    runs = {c: simulate_two_sessions(shared, vis, lin, n_participants=6, n_trials=3, carryover=c, seed=0,
                                       progress=False) for c in (0.0, 0.8)}
    out = runs[0.8]
    assert out.session1.shape == out.session2.shape == (6, 14, 14)
    assert out.first.tolist() == ["visual", "linguistic"] * 3
    within = {c: random_effects(r.session1, r.session2, pairing="matched", n_perm=10).mean for c, r in runs.items()}
    assert within[0.8] > within[0.0]          # memory of session 1 inflates within-person agreement
    with pytest.raises(ValueError, match="carryover"):
        simulate_two_sessions(shared, vis, lin, n_participants=4, n_trials=2, carryover=1.5, progress=False)
