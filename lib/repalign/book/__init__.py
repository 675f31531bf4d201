"""The book's own helpers: recording a chapter's numbers and the cached simulated cohorts."""

from .cohorts import (
    MODALITIES,
    TwoSessions,
    mixed_space,
    normalise_space,
    simulate_group,
    simulate_two_sessions,
    simulated_ma_rdms,
    simulated_two_sessions,
    special100_spaces,
)
from .explorers import mixing_agreement, mixing_explorer
from .records import read_records, record

__all__ = [
    "read_records",
    "record",
    "MODALITIES",
    "TwoSessions",
    "mixed_space",
    "normalise_space",
    "simulate_group",
    "simulate_two_sessions",
    "simulated_ma_rdms",
    "simulated_two_sessions",
    "special100_spaces",
    "mixing_agreement",
    "mixing_explorer",
]
