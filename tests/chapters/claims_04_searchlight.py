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
    # Real ROI-level data (92 objects; Kriegeskorte et al. 2008, Mur et al. 2013): not simulated, so the
    # same in FAST and full runs. SOURCE.md measured 0.439, 0.392 and 0.394.
    assert abs(r["real_hit_mit"] - 0.439) < 0.005
    assert abs(r["real_judgements_hit"] - 0.392) < 0.005
    assert abs(r["real_judgements_mit"] - 0.394) < 0.005
    for key in ("hit_mit", "judgements_hit", "judgements_mit", "hit_sessions"):
        assert 0 < r[f"real_{key}_lo"] < r[f"real_{key}"] < r[f"real_{key}_hi"] < 0.7, key
    # man matches monkey about as well as the human data's two session halves match each other
    assert abs(r["real_hit_mit"] - r["real_hit_sessions"]) < 0.05
    # judgements relate to IT, but less than the two ITs to each other
    assert r["real_judgements_hit"] < r["real_hit_mit"] and r["real_judgements_mit"] < r["real_hit_mit"]
    # single subjects: weak session-to-session agreement; each subject's own IT matches mIT less than the group mean
    assert 0.05 < r["real_hit_session_min"] < r["real_hit_session_max"] < 0.45
    assert all(row["own IT vs monkey IT"] < r["real_hit_mit"] for row in r["real_per_subject"].values())
    assert len(r["real_per_subject"]) == 4
    # all three group RDMs reflect animacy; judgements follow face/body/natural/man-made more than either IT
    assert all(v > 0.4 for v in r["real_categorical"]["animacy"].values())
    assert r["real_judgements_fbmn"] > max(r["real_hit_fbmn"], r["real_mit_fbmn"]) + 0.05
