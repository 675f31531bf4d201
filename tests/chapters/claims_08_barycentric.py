"""Claims of chapter 8 (barycentric alignment), checked on the FAST run's recorded numbers.

FAST: 200 NSD shared1000 scenes (181 of them outside special100 train the cross-modal scorer), 4 simulated
subjects, 300 bootstrap resamples. Values observed in that run are given in the comments.
"""

from __future__ import annotations


def claims(r: dict) -> None:
    # 8.1 planted check: the barycenter is the planted configuration (disparity 0.036) and the lowest-scoring
    # stimuli are the perturbed ones (16 of the 20 lowest; mean score 0.55 against 0.89).
    assert r["toy_disparity"] < 0.1
    assert r["toy_flagged"] >= 0.7
    assert r["toy_score_diverge"] < r["toy_score_rest"] - 0.2

    # 8.2 set level: models agree more within a modality than across (0.80 language, 0.70 vision, 0.58 between),
    # and vision and language still meet well above zero.
    assert r["set_within_language"] > r["set_between"] + 0.1
    assert r["set_within_vision"] > r["set_between"] + 0.05
    assert 0.4 < r["set_between"] < 0.75

    # 8.3 instance level: agreement varies widely across scenes (0.22 to 0.81), and many scenes' bootstrap
    # intervals over models lie entirely above (43) or below (36) the mean.
    assert r["agree_max"] - r["agree_min"] > 0.3
    assert r["agree_min"] < r["agree_mean"] < r["agree_max"]
    assert r["n_above"] >= 15 and r["n_below"] >= 15
    # Annotation counts predict little (FAST: caption agreement +0.17 [0.03, 0.31], categories -0.08, length -0.12;
    # full run, 1,000 scenes: +0.06, +0.02, -0.07, all |rho| < 0.1): the chapter says none is a strong predictor.
    for key in ("categories", "length", "caption_agreement"):
        assert r[f"rho_{key}_lo"] < r[f"rho_{key}"] < r[f"rho_{key}_hi"]
        assert abs(r[f"rho_{key}"]) < 0.3
    assert (
        abs(r["rho_max_abs"] - max(abs(r[f"rho_{k}"]) for k in ("categories", "length", "caption_agreement"))) < 1e-12
    )
    names = {
        "categories": "COCO categories",
        "length": "caption length (words)",
        "caption_agreement": "caption agreement",
    }
    nonzero = [n for k, n in names.items() if r[f"rho_{k}_lo"] > 0 or r[f"rho_{k}_hi"] < 0]
    if not nonzero:
        assert r["rho_nonzero_text"] == "every interval includes zero"
    else:
        assert all(n in r["rho_nonzero_text"] for n in nonzero) and "exclude" in r["rho_nonzero_text"]
    # What is in the scene matters more: bathrooms (toilet/sink) converge, scenes with a person score lower
    # (full run: 0.49 with a person, 0.54 without; bathrooms 0.68).
    assert r["agree_bathroom"] > r["agree_mean"] + 0.08
    assert r["agree_person"] < r["agree_no_person"]
    # ... but agreement tracks distinctiveness (distance from the centroid, mean over the 9 spaces; FAST rho 0.54,
    # R^2 0.29). After regressing it out, the bathroom advantage remains (+0.083 raw -> +0.068 [0.016, 0.118]) while
    # the person gap shrinks to an interval that includes zero (-0.025 raw -> -0.009 [-0.038, +0.017]). Full run
    # (1,000 scenes, as the text says): rho 0.53; bathrooms +0.161 -> +0.110 [0.087, 0.132]; person gap -0.050 ->
    # -0.031 [-0.046, -0.015], which still excludes zero there.
    assert r["rho_distinct"] > 0.3 and 0 < r["r2_distinct"] < 1
    assert abs(r["bathroom_raw"] - (r["agree_bathroom"] - r["agree_mean"])) < 1e-9
    assert abs(r["person_gap_raw"] - (r["agree_person"] - r["agree_no_person"])) < 1e-9
    assert r["bathroom_adj_lo"] > 0 and r["bathroom_adj_lo"] < r["bathroom_adj"] < r["bathroom_adj_hi"]
    # The text quotes the verdicts recorded in both modes (issue 19 review): FAST (200 scenes) the person gap's
    # interval includes zero; full run (1,000 scenes) it excludes zero, and the bathroom's excludes zero in both.
    if r["n_scenes"] >= 1000:
        assert r["person_gap_adj_hi"] < 0, "full run: a smaller person gap remains beyond distinctiveness"
    else:
        assert r["person_gap_adj_lo"] < 0 < r["person_gap_adj_hi"], (
            "FAST: the person gap is within what distinctiveness explains"
        )
    for key, lo, hi in (
        ("bathroom_adj", r["bathroom_adj_lo"], r["bathroom_adj_hi"]),
        ("person_gap_adj", r["person_gap_adj_lo"], r["person_gap_adj_hi"]),
    ):
        assert r[f"{key}_verdict"] == ("excludes zero" if lo > 0 or hi < 0 else "includes zero"), key
    assert r["bathroom_adj_verdict"] == "excludes zero"
    assert abs(r["person_gap_adj"]) < abs(r["person_gap_raw"])
    assert r["distinct_person"] < r["distinct_no_person"]

    # 8.4 simulated brains: per-scene agreement across subjects follows the distinctiveness of the scene in the
    # geometry planted in that region (rho 0.94 early, 0.54 high-level) and not in the other one (about 0).
    assert r["brain_rho_own_early"] > 0.7
    assert r["brain_rho_own_high_level"] > 0.35
    assert abs(r["brain_rho_other_early"]) < 0.2 and abs(r["brain_rho_other_high_level"]) < 0.2
    # In the joint space each region is closest to the model planted in it (planted by construction).
    assert r["brain_best_model"] == {"early visual": "EfficientNet stage2", "high-level ventral": "MPNet"}
    assert r["early_to_stage2"] > r["early_to_head"] + 0.15
    assert r["high_to_mpnet"] > r["high_to_stage2"] + 0.2

    # 8.5 the vision stages of the scorer are chosen on the training scenes only (the three closest to language in a
    # universal space fitted on them): stage6, stage7 and the head, the stages used before.
    assert r["late_stages"] == ["stage6", "stage7", "head"]
    cos = r["stage_to_language_train"]
    assert min(cos[k] for k in r["late_stages"]) > max(cos[k] for k in cos if k not in r["late_stages"])
    # Image-text scores on held-out scenes: true image-caption pairs score above mismatched ones (pooled AUC 0.938
    # with a bootstrap interval of the same pooled AUC over images [0.914, 0.955]; before, the interval shown was
    # that of the mean per-image AUC [0.919, 0.960]; that statistic is now reported separately, 0.939 [0.915, 0.958];
    # cosine +0.43), matching far above chance (1 %).
    assert r["true_minus_mismatched"] > 0.2
    assert r["auc_human_lo"] > 0.85 and r["auc_human_lo"] < r["auc_human"] < r["auc_human_hi"]
    assert r["auc_per_image_lo"] < r["auc_per_image"] < r["auc_per_image_hi"]
    assert r["top1_image_to_scene"] > 0.15 and r["top1_caption_to_image"] > 0.15
    assert 0.4 < r["auc_shuffled"] < 0.6, "shuffled training pairs must give chance"
    assert r["auc_human"] > r["auc_all_stages"] + 0.01, "early stages hurt the scorer"
    assert r["auc_one_pair"] > 0.85
    # The universal space against its best single pair (head + MPNet): paired bootstrap over held-out images.
    assert abs(r["auc_minus_one_pair"] - (r["auc_human"] - r["auc_one_pair"])) < 1e-9
    assert r["auc_minus_one_pair_lo"] <= r["auc_minus_one_pair"] <= r["auc_minus_one_pair_hi"]
    if r["n_scenes"] < 1000:  # FAST: +0.007, paired interval [-0.004, +0.016]: the advantage is within noise
        assert r["auc_minus_one_pair_lo"] < 0 < r["auc_minus_one_pair_hi"]
    assert r["auc_vs_pair_verdict"] == (
        "excludes zero" if r["auc_minus_one_pair_lo"] > 0 or r["auc_minus_one_pair_hi"] < 0 else "includes zero"
    )
    # GPT-4 captions fit their images better than human captions (+0.048, CI [0.032, 0.063]) and per-scene
    # scores of the two caption sources agree (rho 0.91).
    assert r["gpt4_minus_human_lo"] > 0
    assert r["auc_gpt4"] > 0.85
    assert r["rho_gpt4_human"] > 0.7
    assert r["words_gpt4"] > r["words_human"]
    # The small BLT nets of chapter 5 are weak scorers alone (0.64 caption-trained, 0.57 category-trained, 0.62
    # untrained) and do not improve the EfficientNet-based scorer. The caption-trained net is not ahead of an
    # untrained net of the same architecture (+0.019, paired interval over images [-0.031, +0.075]), so the chapter
    # draws no "direction of chapter 5" from the trained nets' gap (FAST +0.075 [+0.019, +0.141]).
    assert r["blt_auc_embedding"] > r["blt_auc_category"]
    assert r["blt_auc_embedding_minus_untrained_lo"] < 0 < r["blt_auc_embedding_minus_untrained_hi"]
    for d in ("embedding_minus_category", "embedding_minus_untrained"):
        assert r[f"blt_auc_{d}_lo"] < r[f"blt_auc_{d}"] < r[f"blt_auc_{d}_hi"]
    for obj in ("embedding", "category", "untrained"):
        assert 0.5 < r[f"blt_auc_{obj}"] < r["auc_human"] - 0.2
        assert r[f"blt_plus_late_{obj}"] < r["auc_human"] + 0.01
