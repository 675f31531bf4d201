"""Tests of ``repalign.rdm.interop``."""

from __future__ import annotations

import numpy as np
import pytest
from rsatoolbox.rdm import RDMs

import synthetic
from repalign import rdm as R


class TestRsatoolbox:
    def test_single_round_trip(self):
        d = R.compute_rdm(synthetic.patterns(7, 9), metric="cosine")
        r = R.to_rsatoolbox(d, descriptor="cosine", pattern_descriptors={"coco_id": list(range(7))})
        assert isinstance(r, RDMs)
        assert r.n_rdm == 1 and r.n_cond == 7
        assert r.dissimilarity_measure == "cosine"
        assert list(r.pattern_descriptors["coco_id"]) == list(range(7))
        np.testing.assert_allclose(r.dissimilarities[0], R.to_condensed(d), rtol=0, atol=0)
        back = R.from_rsatoolbox(r)
        assert back.shape == (7, 7)
        np.testing.assert_allclose(back, d, rtol=0, atol=1e-15)

    def test_condensed_input(self):
        v = R.to_condensed(R.compute_rdm(synthetic.patterns(6, 9)))
        r = R.to_rsatoolbox(v)
        assert r.n_rdm == 1
        np.testing.assert_allclose(R.from_rsatoolbox(r), R.to_square(v))

    def test_stack_round_trip(self):
        stack = np.stack([R.compute_rdm(synthetic.patterns(8, 10, seed=s)) for s in range(3)])
        r = R.to_rsatoolbox(stack)
        assert r.n_rdm == 3 and r.n_cond == 8
        back = R.from_rsatoolbox(r)
        assert back.shape == (3, 8, 8)
        np.testing.assert_allclose(back, stack, atol=1e-15)
        # a stack of condensed vectors
        r2 = R.to_rsatoolbox(np.stack([R.to_condensed(m) for m in stack]))
        np.testing.assert_allclose(R.from_rsatoolbox(r2), stack, atol=1e-15)

    def test_bad_stack_member_is_named(self):
        stack = np.stack([R.compute_rdm(synthetic.patterns(5, 6, seed=s)) for s in range(2)])
        stack[1, 0, 2] += 1
        with pytest.raises(ValueError, match=r"^rdms\[1\] is not symmetric"):
            R.to_rsatoolbox(stack)
        with pytest.raises(ValueError, match=r"^rdms must be 1-, 2- or 3-D"):
            R.to_rsatoolbox(np.zeros((2, 2, 3, 3)))

    def test_square_rdm_with_nonzero_diagonal_is_refused(self):
        # BUG: a 2-D square array whose diagonal is not ~0 is silently taken as a *stack of
        # condensed RDMs*. For n = 10 (10 = 5*4/2) a damaged 10x10 RDM becomes 10 RDMs over
        # 5 items instead of raising "non-zero diagonal".
        d = R.compute_rdm(synthetic.patterns(10, 6), metric="euclidean")
        d[np.diag_indices(10)] = 1e-3
        with pytest.raises(ValueError, match="diagonal"):
            R.to_rsatoolbox(d)

    def test_from_rsatoolbox_type_error(self):
        with pytest.raises(TypeError, match=r"^rdms must be an rsatoolbox.rdm.RDMs; got ndarray$"):
            R.from_rsatoolbox(np.zeros((3, 3)))
