"""Tests of ``repalign.rdm.compute``."""

from __future__ import annotations

import numpy as np
import pytest
from rsatoolbox.data import Dataset
from rsatoolbox.rdm import calc_rdm
from scipy.spatial.distance import pdist, squareform

import synthetic
from repalign import rdm as R


class TestComputeRdm:
    @pytest.mark.parametrize("metric", ["correlation", "euclidean", "cosine"])
    def test_matches_scipy(self, metric):
        x = synthetic.patterns(15, 40, seed=3)
        d = R.compute_rdm(x, metric=metric)
        np.testing.assert_allclose(d, squareform(pdist(x, metric=metric)), rtol=1e-10, atol=1e-12)
        assert d.shape == (15, 15)
        np.testing.assert_array_equal(np.diag(d), 0.0)
        np.testing.assert_array_equal(d, d.T)

    def test_default_metric_is_correlation(self):
        x = synthetic.patterns()
        np.testing.assert_array_equal(R.compute_rdm(x), R.compute_rdm(x, metric="correlation"))

    def test_correlation_invariant_to_row_affine_maps(self):
        x = synthetic.patterns(8, 20, seed=1)
        y = x * np.arange(1, 9)[:, None] + 5.0  # scale and shift each row
        np.testing.assert_allclose(R.compute_rdm(x), R.compute_rdm(y), atol=1e-12)

    def test_hand_computed_values(self):
        x = np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 0.0]])
        d = R.compute_rdm(x, metric="euclidean")
        np.testing.assert_allclose(squareform(d), [5.0, 1.0, np.sqrt(20.0)])
        x = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0], [2.0, 4.0, 6.0]])
        d = R.compute_rdm(x, metric="correlation")
        np.testing.assert_allclose(squareform(d), [2.0, 0.0, 2.0], atol=1e-12)

    def test_correlation_matches_rsatoolbox(self):
        x = synthetic.patterns(10, 25, seed=5)
        ref = calc_rdm(Dataset(x), method="correlation").get_matrices()[0]
        np.testing.assert_allclose(R.compute_rdm(x, metric="correlation"), ref, rtol=1e-10, atol=1e-12)

    def test_euclidean_matches_rsatoolbox_squared_normalised(self):
        x = synthetic.patterns(10, 25, seed=6)
        ref = calc_rdm(Dataset(x), method="euclidean").get_matrices()[0]  # squared / n_features
        np.testing.assert_allclose(R.compute_rdm(x, metric="euclidean") ** 2 / x.shape[1], ref, rtol=1e-9, atol=1e-12)


class TestComputeRdmErrors:
    @pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
    def test_non_finite(self, bad):
        x = synthetic.patterns(5, 4)
        x[2, 1] = bad
        with pytest.raises(ValueError, match=r"^patterns contains 1 NaN or infinite"):
            R.compute_rdm(x)

    def test_one_dimensional(self):
        with pytest.raises(ValueError, match=r"^patterns must be 2-D"):
            R.compute_rdm(np.arange(5.0), metric="euclidean")

    def test_one_row(self):
        with pytest.raises(ValueError, match=r"^patterns must have at least 2 rows"):
            R.compute_rdm(np.ones((1, 5)), metric="euclidean")

    def test_one_feature_with_correlation(self):
        with pytest.raises(ValueError, match=r"^patterns needs at least 2 features"):
            R.compute_rdm(np.arange(5.0)[:, None], metric="correlation")
        # fine for euclidean: |a - b|
        np.testing.assert_allclose(R.compute_rdm(np.arange(3.0)[:, None], metric="euclidean")[0], [0, 1, 2])

    @pytest.mark.parametrize("value", [0.0, 1.0, 2.5])
    def test_constant_rows_with_correlation(self, value):
        x = synthetic.patterns(5, 7)
        x[1] = value
        x[3] = value
        with pytest.raises(ValueError, match=r"^patterns has 2 constant row\(s\); metric='correlation'"):
            R.compute_rdm(x, metric="correlation")

    @pytest.mark.parametrize("value", [0.1, 0.3, 1e-3])
    def test_constant_rows_not_exactly_centred(self, value):
        # BUG: the constant-row check is `norm == 0` after centring; for values such as 0.1 the
        # centred row is ~1e-17 (rounding), so the row slips through and silently gets
        # correlation distance 1.0 to every other row instead of the documented ValueError.
        x = synthetic.patterns(5, 7)
        x[1] = value
        with pytest.raises(ValueError, match=r"constant row"):
            R.compute_rdm(x, metric="correlation")

    def test_zero_rows_with_cosine(self):
        x = synthetic.patterns(4, 3)
        x[0] = 0
        with pytest.raises(ValueError, match=r"^patterns has 1 all-zero row\(s\); metric='cosine'"):
            R.compute_rdm(x, metric="cosine")
        x[0] = 2.0  # constant but non-zero is fine for cosine
        assert np.all(np.isfinite(R.compute_rdm(x, metric="cosine")))

    def test_unknown_metric(self):
        with pytest.raises(ValueError, match=r"^metric must be one of"):
            R.compute_rdm(synthetic.patterns(), metric="manhattan")

    def test_string_patterns(self):
        with pytest.raises(TypeError, match=r"^patterns must hold numbers"):
            R.compute_rdm("not an array")

    def test_ragged_patterns(self):
        with pytest.raises(TypeError, match=r"^patterns must"):
            R.compute_rdm([[1.0, 2.0], [3.0]])


class TestForms:
    def test_round_trip(self):
        d = R.compute_rdm(synthetic.patterns(9, 5), metric="euclidean")
        v = R.to_condensed(d)
        assert v.shape == (36,)
        np.testing.assert_array_equal(v, squareform(d, checks=False))
        np.testing.assert_array_equal(R.to_square(v), d)
        np.testing.assert_array_equal(R.to_condensed(v), v)  # condensed passes through
        np.testing.assert_array_equal(R.to_square(d), d)

    def test_condensed_order_is_scipys(self):
        d = np.array([[0, 1, 2, 3], [1, 0, 4, 5], [2, 4, 0, 6], [3, 5, 6, 0]], float)
        np.testing.assert_array_equal(R.to_condensed(d), [1, 2, 3, 4, 5, 6])

    @pytest.mark.parametrize("n", [2, 3, 10, 100])
    def test_n_items_from_condensed(self, n):
        assert R.n_items_from_condensed(n * (n - 1) // 2) == n

    @pytest.mark.parametrize("length", [2, 4, 7, 44])
    def test_invalid_condensed_length(self, length):
        with pytest.raises(ValueError, match=rf"^rdm has length {length}, which is not n\*\(n-1\)/2"):
            R.to_square(np.ones(length))
        with pytest.raises(ValueError, match=rf"^b has length {length}"):
            R.to_condensed(np.ones(length), name="b")

    def test_empty_condensed(self):
        with pytest.raises(ValueError, match=r"^rdm must have at least 1 rows; got 0$"):
            R.to_square(np.ones(0))

    def test_non_square(self):
        with pytest.raises(ValueError, match=r"^rdm must be square; got shape \(3, 4\)$"):
            R.to_condensed(np.zeros((3, 4)))

    def test_too_small_square(self):
        with pytest.raises(ValueError, match=r"^rdm must hold at least 2 items"):
            R.to_square(np.zeros((1, 1)))

    def test_asymmetric(self):
        d = R.compute_rdm(synthetic.patterns(5, 4), metric="euclidean")
        d[0, 3] += 0.01
        with pytest.raises(ValueError, match=r"^rdm is not symmetric \(max \|A - A.T\| = 0.01\)$"):
            R.to_condensed(d)

    def test_tiny_asymmetry_tolerated(self):
        d = R.compute_rdm(synthetic.patterns(5, 4), metric="euclidean")
        d[0, 3] += 1e-12
        np.testing.assert_allclose(R.to_condensed(d), squareform(d, checks=False))

    def test_nonzero_diagonal(self):
        d = R.compute_rdm(synthetic.patterns(5, 4), metric="euclidean")
        d[2, 2] = 0.5
        with pytest.raises(ValueError, match=r"^a has a non-zero diagonal"):
            R.to_square(d, name="a")

    def test_three_d_and_strings(self):
        with pytest.raises(ValueError, match=r"^rdm must be 2-D; got shape \(2, 3, 3\)$"):
            R.to_condensed(np.zeros((2, 3, 3)))
        with pytest.raises(TypeError, match=r"^rdm must hold numbers"):
            R.to_square("abc")


class TestPrecisionAndComplex:
    def test_complex_patterns_refused(self):
        x = np.random.default_rng(0).random((5, 4)) + 1j
        with pytest.raises(TypeError, match=r"^patterns must hold real numbers"):
            R.compute_rdm(x)
        with pytest.raises(TypeError, match=r"^rdm must hold real numbers"):
            R.to_condensed(np.zeros((3, 3), complex))

    def test_float32_rounding_asymmetry_tolerated(self):
        a = R.compute_rdm(np.random.default_rng(1).random((6, 5))).astype(np.float32)
        a[0, 1] += np.float32(1e-7)  # float32 rounding-level asymmetry (refused before: tolerance was 1e-8)
        np.testing.assert_array_equal(R.to_condensed(a), R.to_condensed(a.T.copy().T))
        assert R.condensed_stack(a[None]).shape == (1, 15)
        assert R.square_stack(a[None]).shape == (1, 6, 6)
        a[0, 1] += np.float32(1e-4)  # a real asymmetry is still refused
        with pytest.raises(ValueError, match="not symmetric"):
            R.to_condensed(a)
        b = a.astype(np.float64)
        b[0, 1] = b[1, 0] + 1e-7  # float64: the tolerance stays 1e-8
        with pytest.raises(ValueError, match="not symmetric"):
            R.to_condensed(b)
