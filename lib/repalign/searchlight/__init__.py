"""Searchlight RSA: inputs, spheres, the fast engine, maps, group statistics, simulated fMRI, regions."""

from .engine import SEARCHLIGHT_METHODS, SEARCHLIGHT_METRICS, searchlight_scores
from .group import (
    GroupPermutation,
    GroupTTest,
    PermutationBatch,
    group_permutation_test,
    group_ttest,
    permutation_batches,
)
from .nsd import load_nsd_betas
from .regions import (
    Peak,
    box_mask,
    dice,
    dilate,
    fill_nan,
    inside_fraction,
    peak_voxel,
    region_union,
)
from .rsa import group_searchlight, searchlight_rsa
from .simulate import DEFAULT_REGIONS, SimulatedSubject, simulate_fmri
from .spheres import searchlight_neighbors, sphere_offsets

__all__ = [
    "searchlight_neighbors",
    "sphere_offsets",
    "SEARCHLIGHT_METHODS",
    "SEARCHLIGHT_METRICS",
    "searchlight_scores",
    "group_searchlight",
    "searchlight_rsa",
    "GroupPermutation",
    "GroupTTest",
    "PermutationBatch",
    "group_permutation_test",
    "group_ttest",
    "permutation_batches",
    "DEFAULT_REGIONS",
    "SimulatedSubject",
    "simulate_fmri",
    "load_nsd_betas",
    "Peak",
    "box_mask",
    "dice",
    "dilate",
    "fill_nan",
    "inside_fraction",
    "peak_voxel",
    "region_union",
]
