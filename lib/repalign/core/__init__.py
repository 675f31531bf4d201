"""Shared building blocks: validation at the door, progress bars, one confidence-interval type."""

from .device import torch_device
from .intervals import INTERVAL_KINDS, Interval, check_level, percentile_interval, t_interval
from .progress import progress_bar
from .validation import check_choice, check_finite, check_images, check_int, check_matrix, check_seed, check_strings

__all__ = [
    "Interval",
    "INTERVAL_KINDS",
    "check_level",
    "percentile_interval",
    "t_interval",
    "progress_bar",
    "torch_device",
    "check_choice",
    "check_finite",
    "check_images",
    "check_int",
    "check_matrix",
    "check_seed",
    "check_strings",
]
