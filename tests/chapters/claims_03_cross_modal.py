"""Claims of chapter 3 (notebooks/03_cross_modal.ipynb), checked on its recorded numbers."""

import numpy as np


def claims(r: dict) -> None:
    # Fixed effects (group means) exceed random effects (individuals), both with intervals above 0.
    assert r["fixed_effects"] > r["random_mean"] + 0.1
    assert r["fixed_ci"][0] > r["random_ci"][1] - 0.1 and r["random_ci"][0] > 0
    assert r["fixed_ci"][0] < r["fixed_effects"] < r["fixed_ci"][1]
    # The participant bootstrap is centred on the estimate (no attenuation from repeated participants).
    assert r["fixed_ci_participants"][0] < r["fixed_effects"] < r["fixed_ci_participants"][1]
    # The group correlation rises with the number of participants averaged.
    curve = [r["group_curve"][k] for k in sorted(r["group_curve"], key=int)]
    assert curve[-1] > curve[0] + 0.1
    assert all(b > a - 0.02 for a, b in zip(curve, curve[1:]))
    # Judgement noise drives individuals towards 0 faster than group means.
    sweep = {float(k): v for k, v in r["noise_sweep"].items()}
    assert sweep[4][1] < 0.1 and sweep[2][0] > 2 * sweep[2][1]
    # Noise ceilings are proper intervals.
    for lower, upper in r["ceilings"].values():
        assert 0.4 < lower < upper < 0.98
    # Session-1 control: the visual-first and linguistic-first groups converge using session 1 only, with
    # intervals above 0; the same person's two sessions agree more (memory and idiosyncrasy).
    assert r["session1_fixed"] > 0.3 and r["session1_fixed_ci"][0] > 0.2
    assert r["session1_fixed_ci"][0] < r["session1_fixed"] < r["session1_fixed_ci"][1]
    assert r["session1_random_ci"][0] > 0 and r["session1_fixed"] > r["session1_random"]
    assert r["within_person"] > r["session1_random"] + 0.05
    # CV-NNLS: never worse than the plain mean on the model targets, and ~0 on random targets.
    for key, (score, average) in r["nnls"].items():
        assert score >= average - 0.01, key
        assert score > 0.25, key
    null = np.asarray(r["random_target_scores"])
    assert abs(null.mean()) < 0.03 and np.all(np.abs(null) < 0.1)
    assert min(s for s, _ in r["nnls"].values()) > null.max() + 0.15
