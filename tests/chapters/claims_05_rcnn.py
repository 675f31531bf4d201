"""Claims of chapter 5 (notebooks/05_rcnn.ipynb), checked on its recorded numbers (FAST mode).

Measured (FAST, 2 busy cores): demo BCE 0.698 -> 0.284; shipped nets' held-out loss 0.6187 (embedding,
baseline 0.6348) and 0.1254 (category, baseline 0.1253); heads' paired differences on special100 with 95 %
bootstrap CIs: output vs MPNet +0.177 [+0.118, +0.240], output vs COCO categories -0.262 [-0.364, -0.164],
hidden vs MPNet +0.004 [-0.044, +0.053], hidden vs categories -0.070 [-0.133, -0.016]; every |rho| of the
small BLT nets <= 0.09.
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
    # The ImageNet CNN is far ahead of the small BLT nets.
    assert r["rho_effnet_cats"] > r["rho_blt_max"] + 0.1 and r["rho_effnet_mpnet"] > r["rho_blt_max"] + 0.1
