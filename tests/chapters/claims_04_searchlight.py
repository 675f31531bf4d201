"""Claims of chapter 04 (04_searchlight): the numbers its text states, with tolerances."""

from __future__ import annotations


def claims(r: dict) -> None:
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
