"""Tests of ``repalign.book.explorers``."""

import numpy as np
import pytest

from repalign.book import mixed_space, mixing_agreement, mixing_explorer
from repalign.rdm import compare_rdms, compute_rdm


def _spaces(seed=0):
    rng = np.random.default_rng(seed)
    shared = rng.normal(size=(20, 6))
    return {"shared": shared, "visual": shared + rng.normal(size=(20, 6)), "linguistic": rng.normal(size=(20, 4))}


def test_agreement_is_spearman_of_the_participant_with_each_space():
    spaces = _spaces()
    got = mixing_agreement(spaces, mix=0.6, noise=0.3, seed=0)
    person = compute_rdm(
        mixed_space(spaces["shared"], spaces["visual"], weight=0.6, noise=0.3, seed=0), metric="euclidean"
    )
    assert got == {k: round(compare_rdms(person, compute_rdm(v)), 3) for k, v in spaces.items()}
    # all shared, no noise: the participant is the shared space (Euclidean vs correlation distance), unrelated to words
    pure = mixing_agreement(spaces, mix=1.0, noise=0.0)
    assert pure["shared"] > 0.6 and abs(pure["linguistic"]) < 0.2


def test_bad_spaces_named():
    with pytest.raises(ValueError, match="spaces must be a dict"):
        mixing_agreement({"shared": np.zeros((3, 2))}, mix=0.5, noise=0.1)


def test_explorer_is_a_live_widget():
    w = mixing_explorer(_spaces(), mix=0.4, noise=0.2)
    assert [c.description for c in w.children[:2]] == ["mix", "noise"]
    assert w.children[0].value == 0.4
