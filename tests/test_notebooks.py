"""Execute every chapter (FAST mode) and check the claims each chapter makes in its text.

Each chapter records its key numbers with ``repalign.book.record``; CLAIMS below holds, per
chapter, the checks on those numbers (with tolerances): functions in this file, or a function
``claims(r)`` in ``tests/claims_<chapter>.py`` (e.g. ``claims_05_rcnn.py``). A chapter without claims fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import numpy as np
import pytest
from scipy.stats import spearmanr

from notebook_runner import toc_notebooks


def claims_01_rdms(r: dict) -> None:
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


def claims_04_searchlight(r: dict) -> None:
    # Planted-truth recovery (not circular): each planting RDM's map peaks near its region.
    assert all(r["peak_recovery"].values()), r["peak_recovery"]
    # Group maps of the (simulated) behavioural RDMs: FDR-surviving voxels lie near planted regions.
    for name, row in r["group_summary"].items():
        assert row["FDR voxels"] >= 50, name
        assert row["share near planted regions"] > 0.9, name
        assert row["share near high-level ventral"] > 0.35, name
    # The visual- and linguistic-judgement maps overlap (by construction of the simulation).
    assert r["dice_visual_linguistic"] > 0.3
    # Sign-flip permutation FWE is stricter than FDR. With 4 subjects (FAST) only 16 sign patterns
    # exist, so p_FWE stays near 1/16 and nothing survives; with 8 (full) a few hundred voxels do,
    # all near the planted regions.
    for name, row in r["fwe_table"].items():
        assert row["FWE voxels"] < row["FDR voxels"], name
        assert row["FWE voxels near planted regions"] == row["FWE voxels"], name
        if r["n_subjects"] == 4:
            assert row["FWE voxels"] == 0 and 0.03 < row["smallest FWE p"] < 0.12, name
        else:
            assert row["FWE voxels"] > 100 and row["smallest FWE p"] < 0.01, name


def claims_06_procrustes_retrieval(r: dict) -> None:
    lms = ("glove", "minilm", "mpnet")
    assert r["toy_p1"] > 0.95
    assert abs(r["toy_shuffled_p10"] - 0.10) < 0.05
    assert r["n_concepts"] == 985 and r["n_glove_oov"] == 15
    assert 195 < r["concept_pool"] < 199
    chance10 = r["concept_chance_p10"]
    assert abs(chance10 - 10 / r["concept_pool"]) < 1e-9
    for lm in lms:
        assert min(r[f"concept_p10_folds_{lm}"]) > 10 * chance10, lm
        assert r[f"concept_p10_lo_{lm}"] > 10 * chance10, lm
        assert r[f"concept_p1_{lm}"] > 30 * r["concept_chance_p1"], lm
        for b in ("shuffled", "random"):
            assert abs(r[f"concept_{b}_p10_{lm}"] - chance10) < 0.03, (lm, b)
        assert r[f"concept_p1_{lm}_csls"] >= r[f"concept_p1_{lm}"] - 0.01, lm
        assert r[f"concept_p10_{lm}_csls"] >= r[f"concept_p10_{lm}"] - 0.01, lm
    assert 0.42 < r["concept_p1_mpnet"] < 0.62
    assert 0.78 < r["concept_p10_mpnet"] < 0.92
    assert 0.55 < r["concept_p10_glove"] < 0.72
    # LM ordering GloVe < MiniLM < MPNet by P@1, P@10, CKA and mutual k-NN
    for key in ("concept_p1_{}", "concept_p10_{}", "cka_{}", "mknn_{}"):
        assert r[key.format("glove")] < r[key.format("minilm")] < r[key.format("mpnet")], key
    assert r["concept_p10_minilm"] - r["concept_p10_glove"] > 0.05
    assert r["concept_p10_mpnet"] - r["concept_p10_minilm"] > 0.03
    for lm in lms:  # frequent names are retrieved better than rare ones (the opposite of Li et al.)
        assert r[f"freq_rare_minus_frequent_{lm}"] < -0.08, lm
    assert r["n_rare_dogs"] > 0.15 * r["n_rare"]
    # Scenes (FAST: 200 scenes, pool 40)
    assert r["n_scenes"] == 200 and r["scene_pool"] == 40
    assert abs(r["scene_chance_p10"] - 0.25) < 1e-9
    for d in ("i2c", "c2i"):
        for lm in ("minilm", "mpnet"):
            assert r[f"scene_p1_{d}_{lm}"] > 0.4, (d, lm)
            assert r[f"scene_p10_ci_{d}_{lm}"][0] > 0.85, (d, lm)
            assert abs(r[f"scene_shuffled_p10_{d}_{lm}"] - 0.25) < 0.1, (d, lm)
            assert abs(r[f"scene_random_p10_{d}_{lm}"] - 0.25) < 0.1, (d, lm)
            assert r[f"scene_p1_{d}_{lm}_csls"] >= r[f"scene_p1_{d}_{lm}"] - 0.02, (d, lm)
        assert abs(r[f"scene_p1_{d}_mpnet"] - r[f"scene_p1_{d}_minilm"]) < 0.1, d
    for lm in ("minilm", "mpnet"):
        assert r[f"scene_p1_i2c_{lm}"] > r[f"scene_p1_c2i_{lm}"], lm
    assert r["scene_mknn_mpnet"] > 0.25 and r["scene_cka_mpnet"] > 0.4
    assert abs(r["rho_dispersion"]) < 0.4 and r["p_dispersion"] > 0.05
    assert r["n_categories"] >= 10


CLAIMS = {
    "notebooks/01_rdms": claims_01_rdms,
    "notebooks/04_searchlight": claims_04_searchlight,
    "notebooks/06_procrustes_retrieval": claims_06_procrustes_retrieval,
}


def _chapter_claim_modules() -> dict:
    """Claims kept beside this file as ``tests/claims_<chapter>.py`` (one function ``claims(r)`` each)."""
    import importlib

    found = {}
    for path in sorted(Path(__file__).parent.glob("claims_*.py")):
        module = importlib.import_module(path.stem)
        found[f"notebooks/{path.stem[len('claims_'):]}"] = module.claims
    return found


CLAIMS.update(_chapter_claim_modules())

NOTEBOOKS = toc_notebooks()


def test_every_chapter_has_claims():
    missing = [n for n in NOTEBOOKS if n not in CLAIMS]
    assert not missing, f"chapters without claims in tests/test_notebooks.py: {missing}"
    assert NOTEBOOKS, "_toc.yml lists no notebook"


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_chapter_executes_and_claims_hold(name, notebook_executions):
    run = notebook_executions[name]
    assert run.error is None, f"{name} failed after {run.attempts} attempt(s):\n{run.error}"
    assert run.records, f"{name} recorded no numbers (repalign.book.record)"
    CLAIMS[name](run.records)
    nb = nbformat.read(run.output, as_version=4)
    # papermill injected FAST=True after the parameters cell
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "FAST = True" in injected[0].source
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors


@pytest.mark.slow
def test_chapters_record_identical_numbers_when_rerun(notebook_executions, tmp_path, repalign_cache):
    """Determinism: re-running chapter 1 (features now cached) gives the same recorded numbers."""
    from notebook_runner import execute

    first = notebook_executions["notebooks/01_rdms"]
    again = execute("notebooks/01_rdms", tmp_path, repalign_cache)
    assert again.error is None, again.error
    assert json.dumps(again.records, sort_keys=True) == json.dumps(first.records, sort_keys=True)
