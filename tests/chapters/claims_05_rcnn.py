"""Claims of chapter 5 (notebooks/05_rcnn.ipynb), checked on its recorded numbers (FAST mode).

Measured (FAST, 2 busy cores): demo BCE 0.698 -> 0.284; shipped nets' held-out loss 0.6187 (embedding,
baseline 0.6348) and 0.1254 (category, baseline 0.1253); heads' paired differences on special100 with 95 %
bootstrap CIs: output vs MPNet +0.177 [+0.118, +0.240], output vs COCO categories -0.262 [-0.364, -0.164],
hidden vs MPNet +0.004 [-0.044, +0.053], hidden vs categories -0.070 [-0.133, -0.016]; every |rho| of the
small BLT nets <= 0.09 (0.061 before the HED reference was added; 0.090 with it: caption-trained BLT vs HED tags).
HED tags (real human tags, the target of neither objective): heads' hidden embedding - category -0.051
[-0.115, +0.002], outputs -0.023 [-0.103, +0.072]. Layer x timestep profiles: vs MPNet the embedding net's best cell
0.054 < untrained 0.062; vs COCO categories the embedding net reaches 0.093 (untrained max 0.037) and vs HED 0.115
(untrained max 0.054); the stand-out cell (layer 2, last timestep, categories) 0.093 [-0.010, +0.210], minus the
untrained net +0.056 [-0.085, +0.171].
"""


def _ci(r, key):
    return r[f"diff_{key}_lo"], r[f"diff_{key}_value"], r[f"diff_{key}_hi"]


def claims(r: dict) -> None:
    # The split of the MA study: 1,059 training scenes, 100 held-out special100 scenes, none shared.
    assert r["n_train"] == 1059 and r["n_test"] == 100 and r["n_overlap"] == 0
    # FAST-mode training of a tiny BLT reduces the loss.
    assert r["demo_loss_last"] < 0.6 * r["demo_loss_first"]
    # The shipped embedding net beats its input-free baseline on held-out scenes; the category net does not
    # (it learned the category base rates only).
    assert r["test_loss_embedding"] < r["baseline_loss_embedding"] - 0.01
    assert abs(r["test_loss_category"] - r["baseline_loss_category"]) < 0.002
    # Heads on frozen EfficientNet-Lite0 features beat their baselines clearly.
    assert r["head_test_loss_embedding"] < r["head_baseline_loss_embedding"] - 0.08
    assert r["head_test_loss_category"] < r["head_baseline_loss_category"] - 0.01
    # Readouts: each head is closer to its own target's geometry (CIs exclude zero).
    lo, d, hi = _ci(r, "heads_output_mpnet")
    assert lo > 0.03 and d > 0.1
    lo, d, hi = _ci(r, "heads_output_cats")
    assert hi < -0.03 and d < -0.1
    # Hidden layers: no difference on MPNet (CI includes zero); the category head is closer to the category sets.
    lo, d, hi = _ci(r, "heads_hidden_mpnet")
    assert lo < 0 < hi and abs(d) < 0.05
    lo, d, hi = _ci(r, "heads_hidden_cats")
    assert hi < 0.01 and d < -0.02
    # The small BLT nets sit at the untrained floor: all correlations small, contrasts include zero.
    assert r["rho_blt_max"] < 0.15
    for key in ("blt_mpnet", "blt_emb_untrained_mpnet", "blt_cat_untrained_cats"):
        lo, d, hi = _ci(r, key)
        assert lo < 0 < hi, key
    assert all(abs(v) < 0.15 for p in r["profile"].values() for net in p.values() for row in net for v in row)
    # The largest BLT correlation is the caption-trained net against the HED tags.
    assert abs(r["rho_blt_max"] - abs(r["rho"]["HED tags"]["BLT embedding"])) < 1e-12
    # On the reference that favours neither objective (HED tags), neither head is reliably closer (CIs include 0).
    for key in ("heads_hidden_hed", "heads_output_hed"):
        lo, d, hi = _ci(r, key)
        assert lo < 0 < hi and abs(d) < 0.08, key
    # 5.6 profiles: vs MPNet the trained nets do not rise above the untrained one; vs the category sets and the
    # HED tags the embedding net does (small correlations, max over 16 cells each) ...
    assert r["profile_max_mpnet_embedding"] <= r["profile_max_mpnet_untrained"]
    assert r["profile_max_mpnet_category"] < r["profile_max_mpnet_untrained"] + 0.03
    assert r["profile_max_cats_embedding"] > r["profile_max_cats_untrained"] + 0.04
    assert r["profile_max_cats_category"] <= r["profile_max_cats_untrained"]
    assert r["profile_max_hed_embedding"] > r["profile_max_hed_untrained"] + 0.04
    emb_cats = r["profile"]["COCO categories"]["embedding"]
    assert min(emb_cats[layer][t] for layer in (0, 1) for t in (1, 2, 3)) > r["profile_max_cats_untrained"] + 0.03
    # ... but the stand-out cell's difference from the untrained net has an interval that includes zero.
    assert r["cell_l2_emb_cats_lo"] < r["cell_l2_emb_cats"] < r["cell_l2_emb_cats_hi"]
    assert r["cell_l2_emb_minus_untrained_cats_lo"] < 0 < r["cell_l2_emb_minus_untrained_cats_hi"]
    # Multiplicity: 20 paired contrasts, per-contrast intervals (about one would exclude zero by chance).
    # Benjamini-Hochberg over their bootstrap-SE p-values keeps only the two circular readout contrasts (FAST:
    # 3 intervals exclude zero, 2 survive FDR; the category head's hidden-layer lead on the category sets,
    # p = 0.023 uncorrected, does not survive).
    assert r["n_contrasts"] == 20 == len(r["contrast_p"]) == len(r["contrast_fdr"])
    survivors = {k for k, v in r["contrast_fdr"].items() if v}
    assert survivors == {"heads_output_mpnet", "heads_output_cats"} and r["n_contrasts_fdr"] == 2
    assert r["n_contrasts_ci_excludes_zero"] >= r["n_contrasts_fdr"]
    assert r["p_heads_hidden_cats"] == r["contrast_p"]["heads_hidden_cats"] and 0.005 < r["p_heads_hidden_cats"] < 0.05
    assert max(r["contrast_p"][k] for k in survivors) < 1e-4
    # The ImageNet CNN is far ahead of the small BLT nets.
    assert r["rho_effnet_cats"] > r["rho_blt_max"] + 0.1 and r["rho_effnet_mpnet"] > r["rho_blt_max"] + 0.1
