"""Claims of chapter 2 (notebooks/02_multiple_arrangements.ipynb), checked on its recorded numbers."""

import numpy as np


def claims(r: dict) -> None:
    # Recovery of the planted MPNet geometry rises with the trial budget.
    avg = r["recovery_by_trials"]["average"]
    assert avg[-1] > avg[0] + 0.02 and all(b >= a - 0.01 for a, b in zip(avg, avg[1:]))
    assert 0.55 < r["recovery_first"] < r["recovery_last"] < 0.95
    # "iterative" (a 20-D configuration fitted to all trials) recovers at least as well as "average" on
    # average. Measured: +0.004 to +0.012 per simulated participant (0 for the single all-items trial,
    # where both estimators return that trial's distances), so no tolerance is needed.
    assert r["iterative_minus_average"] >= 0
    # Where the metric constraint is wrong (correlation distances of random 30-D patterns, which behave like squared
    # distances), "iterative" does slightly worse than "average" (FAST: -0.005, worse for 2 of 2 participants).
    assert r["nonmetric_iterative_minus_average"] < 0 < r["iterative_minus_average"]
    assert r["nonmetric_iterative_minus_average"] > -0.03
    assert r["nonmetric_iterative_losses"].endswith(f"of {r['n_seeds']}") and r["n_seeds"] >= 2
    # Lift-the-weakest recovers at least as well as random subsets of the same sizes.
    assert r["recovery_lift"] >= r["recovery_random"] - 0.005
    # Paired by seed and subset sizes: the mean difference and its bootstrap interval over the simulated participants
    # (FAST: +0.020, [+0.013, +0.027] over 3 pairs); the page says whether it excludes 0.
    diff, lo, hi = r["lift_minus_random"], r["lift_minus_random_lo"], r["lift_minus_random_hi"]
    assert abs(diff - (r["recovery_lift"] - r["recovery_random"])) < 1e-12 and lo <= diff <= hi
    assert r["lift_minus_random_reading"] == ("excludes 0" if lo > 0 or hi < 0 else "includes 0")
    assert r["lift_minus_random_reading"] == "excludes 0" and lo > 0
    # "average" reproduces rsatoolbox's evidence rescaling on the same partial RDMs.
    assert r["rsatoolbox_agreement"] > 0.9999
    # The simulated persons (each doing both tasks, paired design) share the MPNet component and their own
    # idiosyncrasies across tasks: the two task means are related but far from identical (FAST: 0.517; it was
    # 0.525 with two independent groups).
    assert 0.3 < r["visual_vs_linguistic"] < 0.9
    assert r["example_session_rho"] > 0.4
    # The recorded session's end screen: its mind is the MPNet geometry, so MPNet matches it best (circular
    # by construction, and said so in the text).
    models = r["example_session_models"]
    assert max(models, key=models.get) == "MPNet captions"
    # --- Real data (issue 16) ---
    # A real Meadows export (3 stimuli, 2 full trials per task): both estimators rebuild Meadows' own RDM of
    # both tasks up to scale. Measured: r = 1.0, largest gap between unit vectors 6e-16.
    assert r["meadows_real_size"] == {"ma1": [3, 2], "ma2": [3, 2]}
    assert all(v > 0.999999 for v in r["meadows_real_r"].values()) and len(r["meadows_real_r"]) == 4
    assert r["meadows_real_max_gap"] < 1e-9
    ev = r["meadows_real_evidence"]
    assert 0 < ev[0] < ev[1]
    # The synthetic 6-stimulus demo export: evidence grows trial by trial; "average" matches its stored RDM.
    assert r["demo_pairs_per_trial"] == [15, 3, 6]
    demo = r["demo_mean_evidence"]
    assert all(b > a for a, b in zip(demo, demo[1:]))
    assert r["demo_r_meadows"] > 0.9999
    # The 16 real people of Mur et al. (2013). Measured: pairwise 0.344 (0.044 to 0.618, 120 pairs);
    # split halves 0.640 (Spearman-Brown to 16: 0.780), 41 people for 0.9.
    assert r["k92_pairwise_pairs"] == 120
    assert 0.30 < r["k92_pairwise_mean"] < 0.39 and r["k92_pairwise_min"] < 0.15 and r["k92_pairwise_max"] > 0.5
    assert (
        0.60 < r["k92_split_half"] < 0.68 and r["k92_split_half_low"] < r["k92_split_half"] < r["k92_split_half_high"]
    )
    assert 0.75 < r["k92_split_half_full"] < 0.81 and r["k92_split_half_full"] > r["k92_split_half"]
    assert 30 <= r["k92_people_for_90"] <= 55
    # The central lesson on real people: group means agree strongly with human IT (0.392, deterministic),
    # individuals weakly (0.158 each person vs each fMRI session; 0.289 each person vs the mean human IT).
    assert abs(r["k92_group_vs_hit"] - 0.392) < 0.001
    assert 0.13 < r["k92_individual_vs_hit"] < 0.19
    assert r["k92_individual_vs_hit_low"] > 0.1 and r["k92_individual_vs_hit_high"] < r["k92_group_vs_hit"] - 0.15
    assert r["k92_individual_vs_hit"] < r["k92_individual_vs_hit_mean"] < r["k92_group_vs_hit"]
    # Group-size curve: rises from one person (0.26) and flattens near the full-group value by about 8 people.
    curve = dict(zip(r["k92_size_curve_hit"]["sizes"], r["k92_size_curve_hit"]["mean"]))
    assert curve[1] < curve[4] - 0.05 and abs(curve[8] - curve[16]) < 0.03
    assert abs(curve[16] - r["k92_group_vs_hit"]) < 1e-12
    assert 0.42 < r["k92_group_vs_hit_disattenuated"] < 0.47
    # Spearman-Brown checked directly: reliability of a k-person mean measured with two disjoint groups of k people
    # (FAST: 0.344, 0.450, 0.558, 0.640 for k = 1, 2, 4, 8) against Spearman-Brown from one person (0.344, 0.512,
    # 0.677, 0.807): it rises, but more slowly than the formula says.
    meas = {int(k): v for k, v in r["k92_reliability_measured"].items()}
    sb = {int(k): v for k, v in r["k92_reliability_sb_one"].items()}
    assert sorted(meas) == [1, 2, 4, 8] and all(meas[a] < meas[b] for a, b in zip([1, 2, 4], [2, 4, 8]))
    assert abs(meas[1] - r["k92_pairwise_mean"]) < 1e-12 and abs(sb[1] - meas[1]) < 1e-12
    assert abs(meas[8] - r["k92_split_half"]) < 1e-12
    assert all(meas[k] < sb[k] - 0.04 for k in (2, 4, 8)) and sb[8] - meas[8] > 0.12
    assert all(r[f"k92_rel_measured_{k}"] == meas[k] and r[f"k92_rel_sb_{k}"] == sb[k] for k in meas)
    # The static grid under the mixing explorer (one simulated participant, 4 mixtures x 3 noise levels):
    # agreement with the shared MPNet space rises with its weight and falls with noise.
    grid = np.asarray(r["mixing_grid_shared"]).reshape(4, 3)
    assert np.all(np.diff(grid, axis=0) > 0) and np.all(np.diff(grid, axis=1) < 0)
