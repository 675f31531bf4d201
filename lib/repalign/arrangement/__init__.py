"""The Multiple Arrangements task: trials, evidence, inverse MDS, lift-the-weakest, sessions, simulation, Meadows."""

from .design import DESIGNS, lift_the_weakest, random_subset
from .inverse import ESTIMATORS, inverse_mds
from .meadows import MeadowsMA, load_meadows
from .meadows_downloads import (
    MeadowsAnnotations,
    MeadowsRDMs,
    load_meadows_annotations,
    load_meadows_rdms,
)
from .session import ArrangementSession
from .simulation import (
    RecoveryResult,
    arrange_subset,
    simulate_participant,
    simulate_recovery,
)
from .trials import (
    check_trials,
    evidence_matrix,
    evidence_utility,
    partial_rdms,
    trial_distances,
)

__all__ = [
    "check_trials",
    "evidence_matrix",
    "evidence_utility",
    "partial_rdms",
    "trial_distances",
    "ESTIMATORS",
    "inverse_mds",
    "DESIGNS",
    "lift_the_weakest",
    "random_subset",
    "RecoveryResult",
    "arrange_subset",
    "simulate_participant",
    "simulate_recovery",
    "ArrangementSession",
    "MeadowsMA",
    "load_meadows",
    "MeadowsAnnotations",
    "MeadowsRDMs",
    "load_meadows_annotations",
    "load_meadows_rdms",
]
