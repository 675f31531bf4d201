"""Claims of chapter 01 (01_rdms): the numbers its text states, with tolerances."""

from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr


def claims(r: dict) -> None:
    # The ImageNet CNN's head agrees with the MPNet caption geometry: rho ~ 0.25 on special100.
    assert 0.15 < r["rho_late_mpnet"] < 0.35
    lo, hi = r["boot_ci_late_mpnet"]
    assert 0.08 < lo < r["rho_late_mpnet"] < hi < 0.45, "stimulus-bootstrap CI must exclude 0 and bracket rho"
    assert r["perm_p_late_mpnet"] < 0.01
    # Agreement rises with depth: the early block is far weaker than the head ...
    assert r["rho_late_mpnet"] - r["rho_early_mpnet"] > 0.1
    assert r["rho_early_mpnet"] < 0.15
    # ... and roughly monotonically across the stages.
    order = ["stage2", "stage3", "stage4", "stage5", "stage6", "stage7", "head"]
    prof = r["layer_rho_mpnet"]
    assert spearmanr(np.arange(len(order)), [prof[k] for k in order]).statistic > 0.8
    # Two sentence encoders agree strongly with each other.
    assert r["rho_mpnet_minilm"] > 0.75
    # Human caption split-half reliability is high and well above the image-caption agreement.
    assert 0.65 < r["split_half_captions"] < 0.85
    assert r["split_half_captions"] > r["rho_late_mpnet"] + 0.3
    # The result generalises to NSD shared1000 scenes (first caption only).
    assert 0.15 < r["rho_shared"] < 0.35
    assert r["ci_shared"][0] > 0.1
    # COCO label sets (a model from human annotations): the CNN's later stages match them better
    # than its early block and better than the caption model does.
    lab = r["labels_vs"]
    assert lab["image stage 6"] > lab["image early"] + 0.15
    assert lab["image head"] > lab["captions MPNet"] + 0.1
    assert 0.3 < lab["image stage 6"] < 0.5
    # Kendall tau-a is on a smaller scale than Spearman for the same pair, same sign.
    assert 0 < r["tau_late_mpnet"] < r["rho_late_mpnet"]
