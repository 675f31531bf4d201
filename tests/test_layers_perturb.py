"""Layer sweeps, forced choice, exemplar averaging (alignment) and stimulus perturbations (perturb)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from repalign import alignment as A
from repalign.rdm import compare_rdms, compute_rdm
from repalign.stimuli import perturb as P


def _planted_layers(n=120, seed=0):
    """Vision layers whose shared signal grows with depth; text layers likewise; the deepest pair shares most."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 8))  # the shared latent
    vis = {f"v{i}": np.hstack([w * z @ rng.normal(size=(8, 20)), rng.normal(size=(n, 20))])
           for i, w in enumerate((0.0, 0.15, 3.0))}
    txt = {f"t{i}": np.hstack([w * z @ rng.normal(size=(8, 16)), rng.normal(size=(n, 16))])
           for i, w in enumerate((0.0, 3.0))}
    return vis, txt


# --------------------------------------------------------------------------------------------
# scores match the module's single-pair functions and their oracles
class TestScores:
    def test_rsa_is_spearman_of_correlation_rdms(self):
        rng = np.random.default_rng(1)
        X, Y = rng.normal(size=(30, 6)), rng.normal(size=(30, 9))
        Y[:, :3] += X[:, :3]
        expected = compare_rdms(compute_rdm(X), compute_rdm(Y), method="spearman")
        assert A.alignment_score(X, Y, measure="rsa") == pytest.approx(expected, abs=1e-12)

    def test_cka_and_mutual_knn_match_module_functions(self):
        rng = np.random.default_rng(2)
        X = rng.normal(size=(60, 12))
        Y = X @ rng.normal(size=(12, 7)) + rng.normal(size=(60, 7))
        assert A.alignment_score(X, Y, measure="cka") == pytest.approx(A.linear_cka(X, Y), abs=1e-12)
        assert A.alignment_score(X, Y, measure="mutual_knn", k=5) == pytest.approx(A.mutual_knn(X, Y, k=5), abs=1e-12)

    def test_bootstrap_copies_never_neighbours_and_ci_brackets(self):
        rng = np.random.default_rng(3)
        X = rng.normal(size=(80, 10))
        Y = X + 0.5 * rng.normal(size=(80, 10))
        for measure in A.MEASURES:
            b = A.bootstrap_alignment(X, Y, measure=measure, n_boot=60, seed=0, k=5)
            assert b.ci.low < b.estimate < b.ci.high, measure
        # mutual k-NN of unrelated spaces stays near chance under resampling (copies excluded)
        Z = rng.normal(size=(80, 10))
        b = A.bootstrap_alignment(X, Z, measure="mutual_knn", n_boot=40, seed=0, k=5)
        assert b.distribution.mean() < 0.15

    def test_same_seed_gives_paired_resamples(self):
        rng = np.random.default_rng(4)
        X, Y = rng.normal(size=(40, 5)), rng.normal(size=(40, 5))
        a = A.bootstrap_alignment(X, Y, measure="cka", n_boot=20, seed=7)
        b = A.bootstrap_alignment(X, X + Y, measure="cka", n_boot=20, seed=7)
        again = A.bootstrap_alignment(X, Y, measure="cka", n_boot=20, seed=7)
        np.testing.assert_array_equal(a.distribution, again.distribution)
        assert not np.allclose(a.distribution, b.distribution)

    @pytest.mark.parametrize("measure", ["rsa", "cka"])
    def test_bootstrap_ci_coverage(self, measure, n=60, min_covered=17):
        """95% intervals from samples of 60 items cover the population value in most of 20 repetitions.

        (Without leaving an item's copy out of the resampled Gram matrix, CKA's interval sits too
        high and covered about 15/20.)
        """
        rng = np.random.default_rng(5)
        pop_x = rng.normal(size=(4000, 4))
        pop_y = pop_x + 1.0 * rng.normal(size=(4000, 4))
        truth = A.alignment_score(pop_x[:1000], pop_y[:1000], measure=measure)  # the population value, closely
        covered = 0
        for rep in range(20):
            pick = rng.choice(4000, n, replace=False)
            b = A.bootstrap_alignment(pop_x[pick], pop_y[pick], measure=measure, n_boot=100, seed=rep)
            covered += b.ci.low <= truth <= b.ci.high
        assert covered >= min_covered


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
                assert r.scores[i, j] == pytest.approx(A.alignment_score(vis[v], txt[t], measure=measure, k=5), abs=1e-10)
        assert r.best == ("v2", "t1") and r.in_sample_best == ("v2", "t1")
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
# forced choice
def _paired_scenes(n=200, seed=0, noise=0.3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 30))
    Y = X @ A.random_orthogonal(30, 20, seed=seed + 1) + noise * rng.normal(size=(n, 20))
    return X, Y


class TestForcedChoice:
    def test_planted_pairs_near_perfect_shuffled_at_chance(self):
        X, Y = _paired_scenes(400)
        train, (Xt, Yt) = (X[:300], Y[:300]), (X[300:], Y[300:])
        cats = [["a"]] * 100
        trials = A.category_distractors(cats, difficulty="hard", per_target=None)
        assert trials.shape == (100 * 99, 2)
        for d in A.DIRECTIONS:
            r = A.forced_choice(Xt, Yt, trials, train, direction=d, n_boot=200)
            assert r.accuracy > 0.99 and r.chance == 0.5
            assert r.ci.low > 0.98 and r.p_value < 1e-10
        rng = np.random.default_rng(9)
        shuffled = A.forced_choice(Xt, Yt, trials, (X[:300], Y[:300][rng.permutation(300)]), n_boot=200)
        assert abs(shuffled.accuracy - 0.5) < 0.06
        assert shuffled.ci.low < 0.5 < shuffled.ci.high + 0.02

    def test_chance_with_more_distractors(self):
        X, Y = _paired_scenes(400, noise=0.0)
        rng = np.random.default_rng(1)
        trials = np.array([[t, *rng.choice(np.delete(np.arange(100), t), 3, replace=False)] for t in range(100)])
        train_shuffled = (X[:300], rng.permutation(Y[:300]))
        r = A.forced_choice(X[300:], Y[300:], trials, train_shuffled, n_boot=100)
        assert r.chance == 0.25 and r.n_trials == 100 and r.n_targets == 100
        assert r.ci_binomial.low <= r.accuracy <= r.ci_binomial.high
        assert 0.1 < r.accuracy < 0.45

    def test_brute_force_decisions_and_many_to_many(self):
        X, Y = _paired_scenes(150, noise=1.0)
        rng = np.random.default_rng(2)
        Yt = np.stack([Y[100:] + 0.5 * rng.normal(size=(50, 20)) for _ in range(3)], axis=1)  # 3 captions per scene
        trials = np.array([[t, (t + 1) % 50] for t in range(50)])
        r = A.forced_choice(X[100:], Yt, trials, (X[:100], Y[:100]), direction="c2i", n_boot=50)
        assert r.correct.shape == (50, 3) and r.per_exemplar.shape == (3,)
        # brute force for exemplar 1, direction c2i
        Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
        Yn = Y / np.linalg.norm(Y, axis=1, keepdims=True)
        R = A.procrustes(Xn[:100], Yn[:100])
        m = (Xn[100:] - Xn[:100].mean(0)) @ R
        c = Yt[:, 1] / np.linalg.norm(Yt[:, 1], axis=1, keepdims=True) - Yn[:100].mean(0)
        cos = lambda a, b: a @ b / np.linalg.norm(a) / np.linalg.norm(b)  # noqa: E731
        expected = [cos(c[t], m[t]) > cos(c[t], m[d]) for t, d in trials]
        np.testing.assert_array_equal(r.correct[:, 1], expected)

    def test_category_distractors(self):
        cats = [["dog", "person"], ["dog"], ["car"], ["car", "person"], ["cat"], []]
        hard = A.category_distractors(cats, difficulty="hard", per_target=None)
        easy = A.category_distractors(cats, difficulty="easy", per_target=None)
        for t, d in hard:
            assert set(cats[t]) & set(cats[d])
        for t, d in easy:
            assert not set(cats[t]) & set(cats[d]) and cats[d]
        assert 5 not in hard and 5 not in easy  # a scene without categories takes no part
        one = A.category_distractors(cats, difficulty="easy", per_target=1, seed=0)
        np.testing.assert_array_equal(one, A.category_distractors(cats, difficulty="easy", per_target=1, seed=0))
        assert np.unique(one[:, 0]).size == one.shape[0]
        with pytest.raises(ValueError, match="^no scene has enough hard distractors"):
            A.category_distractors([["a"], ["b"]], difficulty="hard")
        with pytest.raises(ValueError, match="^per_target=None"):
            A.category_distractors(cats, n_distractors=2, per_target=None)

    def test_bad_input(self):
        X, Y = _paired_scenes(60)
        train = (X[:40], Y[:40])
        ok = np.array([[0, 1], [1, 2]])
        with pytest.raises(ValueError, match="^candidates must index"):
            A.forced_choice(X[40:], Y[40:], np.array([[0, 25]]), train)
        with pytest.raises(ValueError, match="^candidates rows must hold distinct"):
            A.forced_choice(X[40:], Y[40:], np.array([[3, 3]]), train)
        with pytest.raises(ValueError, match="^candidates must be a 2-D integer array"):
            A.forced_choice(X[40:], Y[40:], np.array([0, 1]), train)
        with pytest.raises(TypeError, match="^train must be a tuple"):
            A.forced_choice(X[40:], Y[40:], ok, X[:40])
        with pytest.raises(ValueError, match="^train widths"):
            A.forced_choice(X[40:], Y[40:], ok, (X[:40, :5], Y[:40]))
        with pytest.raises(ValueError, match="^direction must be one of"):
            A.forced_choice(X[40:], Y[40:], ok, train, direction="both")
        with pytest.raises(ValueError, match="^image_emb and caption_emb must describe the same scenes"):
            A.forced_choice(X[40:], Y[41:], ok, train)


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


# --------------------------------------------------------------------------------------------
# perturbations
def _image(seed=0, size=(48, 40)):
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


class TestImagePerturbations:
    @pytest.mark.parametrize("kind", P.IMAGE_PERTURBATIONS)
    def test_deterministic_same_size_and_changes_image(self, kind):
        img = _image()
        a, b = P.perturb_image(img, kind, seed=3), P.perturb_image(img, kind, seed=3)
        assert a.size == img.size and a.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        assert not np.array_equal(np.asarray(a), np.asarray(img))

    def test_seed_matters_for_random_kinds_only(self):
        img = _image()
        for kind in ("colour_jitter", "crop", "augment", "shuffle_tiles"):
            assert not np.array_equal(np.asarray(P.perturb_image(img, kind, seed=1)), np.asarray(P.perturb_image(img, kind, seed=2)))
        for kind in ("greyscale", "blur", "hflip"):
            np.testing.assert_array_equal(np.asarray(P.perturb_image(img, kind, seed=1)), np.asarray(P.perturb_image(img, kind, seed=2)))

    def test_kinds_do_what_they_say(self):
        img = _image(size=(40, 40))
        arr = np.asarray(img)
        np.testing.assert_array_equal(np.asarray(P.perturb_image(img, "hflip")), arr[:, ::-1])
        grey = np.asarray(P.perturb_image(img, "greyscale"))
        assert np.all(grey[..., 0] == grey[..., 1]) and np.all(grey[..., 1] == grey[..., 2])
        tiles = np.asarray(P.perturb_image(img, "shuffle_tiles", seed=0))
        # a tile shuffle keeps the multiset of pixels
        np.testing.assert_array_equal(np.sort(tiles.reshape(-1, 3), axis=0), np.sort(arr.reshape(-1, 3), axis=0))
        blurred = np.asarray(P.perturb_image(img, "blur")).astype(float)
        assert blurred.std() < arr.astype(float).std() / 2

    def test_perturb_images_per_image_streams(self):
        imgs = [_image(s) for s in range(3)]
        out = P.perturb_images(imgs, "crop", seed=5)
        alone = P.perturb_images(imgs[1:], "crop", seed=5)
        ref = P.perturb_image(imgs[1], "crop", seed=np.random.default_rng([5, 1]))
        np.testing.assert_array_equal(np.asarray(out[1]), np.asarray(ref))
        assert not np.array_equal(np.asarray(alone[0]), np.asarray(out[1]))  # stream follows the index

    def test_bad_input(self):
        with pytest.raises(ValueError, match="^kind must be one of"):
            P.perturb_image(_image(), "rotate")
        with pytest.raises(TypeError, match="^img must be a PIL image"):
            P.perturb_image(np.zeros((4, 4, 3)), "blur")
        with pytest.raises(TypeError, match=r"^images\[1\] must be a PIL image"):
            P.perturb_images([_image(), "x"], "blur")
        with pytest.raises(ValueError, match="^images is empty"):
            P.perturb_images([], "blur")


class TestTextPerturbations:
    CAPS = ["A man riding a wave on a surfboard.", "Two giraffes standing near a tree.",
            "A plate with a hot dog and fries.", "A cat sleeping on a laptop keyboard."]

    def test_scramble_keeps_words_changes_order_deterministically(self):
        out = P.scramble_words(self.CAPS, seed=1)
        assert out == P.scramble_words(self.CAPS, seed=1) != P.scramble_words(self.CAPS, seed=2)
        for a, b in zip(self.CAPS, out):
            assert sorted(a.split()) == sorted(b.split()) and a != b
        assert P.scramble_words(["one", "same same"]) == ["one", "same same"]

    def test_main_noun(self):
        assert P.main_noun(self.CAPS[0]) == ("man", "person")
        assert P.main_noun(self.CAPS[2]) == ("hot dog", "hot dog")  # longer terms win over "dog"
        assert P.main_noun("A HOT DOG on a bun") == ("HOT DOG", "hot dog")
        assert P.main_noun("An empty street at night") is None

    def test_swap_main_noun_changes_category(self):
        out = P.swap_main_noun(self.CAPS, seed=0)
        assert out == P.swap_main_noun(self.CAPS, seed=0)
        for a, b in zip(self.CAPS, out):
            assert P.main_noun(a)[1] != P.main_noun(b)[1]
            assert a.split()[-1] == b.split()[-1] or P.main_noun(a)[0] in a.split()[-1]
        with pytest.raises(ValueError, match=r"^texts\[1\] has no COCO object noun"):
            P.swap_main_noun(["A dog.", "A street."])
        with pytest.raises(ValueError, match="^texts all name the same COCO category"):
            P.swap_main_noun(["A dog.", "Two dogs."])

    def test_paraphrase_is_another_caption_of_the_same_scene(self):
        caps = [["a", "b", "c"], ["d", "e"]]
        out = P.paraphrase(caps, reference=0, seed=0)
        assert out[0] in ("b", "c") and out[1] == "e"
        assert out == P.paraphrase(caps, reference=0, seed=0)
        with pytest.raises(ValueError, match=r"^captions\[1\] needs at least 2 captions"):
            P.paraphrase([["a", "b"], ["c"]])
        with pytest.raises(TypeError, match="^texts must be a sequence of strings, not a single string"):
            P.scramble_words("a b c")


# --------------------------------------------------------------------------------------------
# several text layers in one pass; the heatmap figure
class TestTextLayersAndHeatmap:
    def test_list_of_layers_equals_single_layer_calls_and_shares_cache(self, tmp_path, monkeypatch):
        from repalign.models import encode_text

        monkeypatch.setenv("REPALIGN_CACHE", str(tmp_path))
        texts = ["A dog on a sofa.", "Two people ride bicycles down a long, busy street."]
        many = encode_text(texts, model="minilm", layer=[0, 3, 6], progress=False)
        assert set(many) == {0, 3, 6}
        n_files = len(list((tmp_path / "features").glob("*.npz")))
        assert n_files == 3  # one entry per layer, the same keys as single-layer calls
        for k in (0, 3, 6):
            single = encode_text(texts, model="minilm", layer=k, progress=False)   # read from the cache
            np.testing.assert_array_equal(single, many[k])
            np.testing.assert_allclose(encode_text(texts, model="minilm", layer=k, cache=False, progress=False),
                                       many[k], atol=1e-5)
        assert len(list((tmp_path / "features").glob("*.npz"))) == n_files
        with pytest.raises(ValueError, match="^layer contains duplicates"):
            encode_text(texts, model="minilm", layer=[1, 1])
        with pytest.raises(ValueError, match="^layer is an empty list"):
            encode_text(texts, model="minilm", layer=[])
        with pytest.raises(ValueError, match=r"^layer must be in \[0, 6\] for this model; got 9$"):
            encode_text(texts, model="minilm", layer=[2, 9], cache=False)

    def test_score_heatmap_hover_and_mark(self):
        from repalign import plotting

        z = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
        fig = plotting.score_heatmap(z, ["a", "b", "c"], ["L0", "L1"], ci=(z - 0.05, z + 0.05), mark=("b", "L1"),
                                     xlabel="text layer", ylabel="vision layer", zlabel="RSA")
        assert fig.data[0].text[1][1] == "<br>95% CI [0.350, 0.450]"
        assert "vision layer %{y} × text layer %{x}" in fig.data[0].hovertemplate
        shape = fig.layout.shapes[0]
        assert (shape.x0, shape.x1, shape.y0, shape.y1) == (0.5, 1.5, 0.5, 1.5)
        with pytest.raises(ValueError, match="^scores has shape"):
            plotting.score_heatmap(z, ["a", "b"], ["L0", "L1"])
        with pytest.raises(ValueError, match="^ci arrays must have the shape of scores"):
            plotting.score_heatmap(z, ["a", "b", "c"], ["L0", "L1"], ci=(z[:2], z[:2]))
