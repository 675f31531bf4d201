"""Tests of ``repalign.inference.ceiling``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as st

from repalign import inference

N_ITEMS = 30


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
