"""Statistical inference on RDMs: bootstrap, permutation, fixed/random effects, noise ceilings, FDR, CV-NNLS, model comparison."""

from .bootstrap import BootstrapResult, bootstrap_rdm_correlation
from .ceiling import NoiseCeiling, noise_ceiling
from .comparison import RESAMPLE_UNITS, ModelComparison, compare_models
from .correlation import bootstrap_correlation
from .effects import (
    GroupSizeCurve,
    RandomEffectsResult,
    Session1Control,
    fixed_effects,
    group_size_curve,
    random_effects,
    session1_control,
)
from .multiple import fdr
from .permutation import PermutationResult, permutation_test, sign_flips
from .reliability import (
    SplitHalfReliability,
    agreement_matrix,
    reference_size_curve,
    spearman_brown,
    split_half_reliability,
)
from .reweight import CVNNLSResult, cv_nnls, stimulus_folds

__all__ = [
    "BootstrapResult",
    "bootstrap_rdm_correlation",
    "bootstrap_correlation",
    "PermutationResult",
    "permutation_test",
    "sign_flips",
    "RESAMPLE_UNITS",
    "ModelComparison",
    "compare_models",
    "GroupSizeCurve",
    "RandomEffectsResult",
    "Session1Control",
    "fixed_effects",
    "group_size_curve",
    "random_effects",
    "session1_control",
    "SplitHalfReliability",
    "agreement_matrix",
    "reference_size_curve",
    "spearman_brown",
    "split_half_reliability",
    "NoiseCeiling",
    "noise_ceiling",
    "fdr",
    "CVNNLSResult",
    "cv_nnls",
    "stimulus_folds",
]
