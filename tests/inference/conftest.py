"""Fixtures shared by the inference tests: groups of subject RDMs and planted / independent RDM pairs."""

from __future__ import annotations

import numpy as np
import pytest

import synthetic

N_ITEMS = 30


@pytest.fixture(scope="module")
def groups():
    rng = np.random.default_rng(0)
    shared = rng.standard_normal((N_ITEMS, 15))
    return synthetic.group(10, shared, 1.5, 1), synthetic.group(12, shared, 1.5, 2)


@pytest.fixture(scope="module")
def planted():
    return synthetic.planted_pair()


@pytest.fixture(scope="module")
def independent():
    return synthetic.independent_pair()
