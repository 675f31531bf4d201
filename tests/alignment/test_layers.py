"""Tests of ``repalign.alignment.layers``."""

from __future__ import annotations

import numpy as np
import pytest

from repalign import alignment as A


def _planted_layers(n=120, seed=0):
    """Vision layers whose shared signal grows with depth; text layers likewise; the deepest pair shares most."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 8))  # the shared latent
    vis = {
        f"v{i}": np.hstack([w * z @ rng.normal(size=(8, 20)), rng.normal(size=(n, 20))])
        for i, w in enumerate((0.0, 0.15, 3.0))
    }
    txt = {
        f"t{i}": np.hstack([w * z @ rng.normal(size=(8, 16)), rng.normal(size=(n, 16))])
        for i, w in enumerate((0.0, 3.0))
    }
    return vis, txt


# --------------------------------------------------------------------------------------------
# layer sweeps with held-out selection
class TestLayerAlignment:
    @pytest.mark.parametrize("measure", A.MEASURES)
    def test_grid_matches_pairwise_scores_and_finds_planted_pair(self, measure):
        vis, txt = _planted_layers()
        r = A.layer_alignment(vis, txt, measure=measure, n_boot=20, k=5, seed=0, progress=False)
        assert r.scores.shape == (3, 2)
        for i, v in enumerate(vis):
            for j, t in enumerate(txt):
                assert r.scores[i, j] == pytest.approx(
                    A.alignment_score(vis[v], txt[t], measure=measure, k=5), abs=1e-10
                )
        assert r.in_sample_best == ("v2", "t1")
        # SVCCA keeps 99 % of the variance, noise included: on 60 selection items v1 x t1 can win (its raw
        # chance level is high; see test_calibration); the planted text layer is still found
        assert r.best == ("v2", "t1") if measure != "svcca" else r.best[1] == "t1"
        if measure not in ("svcca", "procrustes_distance"):  # these two depend on the number of distinct items,
            # which a bootstrap resample lowers: their percentile intervals are shifted (documented)
            assert np.all(r.ci.low <= r.scores + 1e-12) and np.all(r.scores <= r.ci.high + 1e-12)
            assert r.heldout_ci.low < r.heldout_score < r.heldout_ci.high

    def test_selection_and_test_halves_are_disjoint_and_reported_on_test(self):
        vis, txt = _planted_layers(n=100)
        r = A.layer_alignment(vis, txt, n_boot=10, seed=3, progress=False)
        assert np.intersect1d(r.select_idx, r.test_idx).size == 0
        assert r.select_idx.size + r.test_idx.size == 100
        i, j = r.vision_names.index(r.best[0]), r.text_names.index(r.best[1])
        sub_v = {v: a[r.test_idx] for v, a in vis.items()}
        sub_t = {t: a[r.test_idx] for t, a in txt.items()}
        assert r.heldout_score == pytest.approx(A.alignment_score(sub_v[r.best[0]], sub_t[r.best[1]]), abs=1e-12)
        assert r.heldout_score == r.test_scores[i, j]
        assert r.selection_score == r.selection_scores[i, j] == r.selection_scores.max()
        # an explicit selection set is honoured
        r2 = A.layer_alignment(vis, txt, select_on=np.arange(50), n_boot=10, progress=False)
        np.testing.assert_array_equal(r2.test_idx, np.arange(50, 100))

    def test_heldout_removes_selection_bias_on_null_data(self):
        """With no true alignment the in-sample maximum is biased upward; the held-out score is not."""
        rng = np.random.default_rng(0)
        vis = {f"v{i}": rng.normal(size=(60, 5)) for i in range(6)}
        txt = {f"t{i}": rng.normal(size=(60, 5)) for i in range(6)}
        sel, held = [], []
        for seed in range(10):
            r = A.layer_alignment(vis, txt, n_boot=10, seed=seed, progress=False)
            sel.append(r.selection_score)
            held.append(r.heldout_score)
        assert np.mean(sel) > 0.04 and abs(np.mean(held)) < np.mean(sel) / 2

    def test_deterministic(self):
        vis, txt = _planted_layers(n=60)
        a = A.layer_alignment(vis, txt, n_boot=10, seed=1, progress=False)
        b = A.layer_alignment(vis, txt, n_boot=10, seed=1, progress=False)
        np.testing.assert_array_equal(a.ci.low, b.ci.low)
        np.testing.assert_array_equal(a.select_idx, b.select_idx)
        assert a.table().shape == (3, 2)

    def test_bad_input(self):
        vis, txt = _planted_layers(n=40)
        with pytest.raises(TypeError, match="^vision_layers must be a non-empty dict"):
            A.layer_alignment([vis["v0"]], txt)
        with pytest.raises(ValueError, match=r"^text_layers\['t1'\] has a different number of items"):
            A.layer_alignment(vis, {"t0": txt["t0"], "t1": txt["t1"][:30]})
        with pytest.raises(ValueError, match="^measure must be one of"):
            A.layer_alignment(vis, txt, measure="procrustes")
        with pytest.raises(ValueError, match="^select_on must be one of"):
            A.layer_alignment(vis, txt, select_on="first")
        with pytest.raises(ValueError, match="^select_on must hold distinct indices"):
            A.layer_alignment(vis, txt, select_on=np.array([0, 0, 1, 2, 3]))
        with pytest.raises(ValueError, match="^select_on leaves"):
            A.layer_alignment(vis, txt, select_on=np.arange(38))
        with pytest.raises(ValueError, match="^k must be <="):
            A.layer_alignment(vis, txt, measure="mutual_knn", k=15)
        with pytest.raises(ValueError, match="^vision_layers\\['v0'\\] contains"):
            A.layer_alignment({"v0": np.full((40, 3), np.nan)}, txt)


# --------------------------------------------------------------------------------------------
# exemplar averaging
class TestExemplarAverage:
    def test_averaging_noisy_exemplars_raises_alignment(self):
        rng = np.random.default_rng(0)
        X = rng.normal(size=(80, 10))
        caps = X[:, None, :] + 2.0 * rng.normal(size=(80, 5, 10))
        r = A.exemplar_average(X, caps, measure="rsa", n_draws=5, n_boot=50)
        assert r.side == "captions" and list(r.counts) == [1, 2, 3, 4, 5]
        assert np.all(np.diff(r.mean) > 0)
        assert r.gain > 0 and r.gain_ci.low > 0
        assert r.sd[-1] == pytest.approx(0.0, abs=1e-12)  # all five: only one subset
        assert r.mean[-1] == pytest.approx(A.alignment_score(X, caps.mean(1)), abs=1e-12)
        assert set(r.curve()) == {1, 2, 3, 4, 5}

    def test_identical_exemplars_change_nothing_and_images_side(self):
        rng = np.random.default_rng(1)
        Y = rng.normal(size=(50, 6))
        views = np.repeat(rng.normal(size=(50, 1, 8)), 4, axis=1)
        r = A.exemplar_average(views, Y, measure="cka", n_draws=3, n_boot=20)
        assert r.side == "images"
        np.testing.assert_allclose(r.mean, r.mean[0], atol=1e-12)
        assert r.gain == pytest.approx(0.0, abs=1e-12)

    def test_bad_input(self):
        X = np.zeros((10, 3)) + np.arange(3)
        with pytest.raises(ValueError, match="^exactly one of image_emb and caption_emb must be 3-D"):
            A.exemplar_average(X, X)
        with pytest.raises(ValueError, match="^caption_emb needs at least 2 exemplars"):
            A.exemplar_average(X, X[:, None, :])
