"""Tests of ``repalign.datasets.word_similarity``: SimLex-999, MEN, WordSim-353."""

from __future__ import annotations

import numpy as np
import pytest

from repalign.datasets import WORD_SIMILARITY_SETS, WordSimilarity, load_word_similarity
from repalign.stimuli import ChecksumError

SIZES = {"simlex999": 999, "men": 3000, "ws353": 353, "ws353_sim": 203, "ws353_rel": 252}


@pytest.mark.parametrize("name", list(SIZES))
def test_sizes_and_scales(name):
    w = load_word_similarity(name)
    assert isinstance(w, WordSimilarity)
    assert w.name == name
    assert len(w) == w.word1.size == w.word2.size == w.score.size == SIZES[name]
    assert w.score.dtype == np.float64 and np.all(np.isfinite(w.score))
    lo, hi = w.scale
    assert lo <= w.score.min() and w.score.max() <= hi
    assert all(a.strip() == a and a for a in w.word1.tolist() + w.word2.tolist())


def test_names_are_the_documented_ones():
    assert tuple(WORD_SIMILARITY_SETS) == tuple(SIZES)


def test_first_pairs_in_file_order():
    s = load_word_similarity("simlex999")
    assert (s.word1[0], s.word2[0], s.score[0]) == ("old", "new", 1.58)
    m = load_word_similarity("men")
    assert (m.word1[0], m.word2[0], m.score[0]) == ("sun", "sunlight", 50.0)
    assert m.scale == (0.0, 50.0)
    # the ALL file has Windows line ends: no "\r" may survive in a score or word
    w = load_word_similarity("ws353")
    assert (w.word1[0], w.word2[0], w.score[0]) == ("love", "sex", 6.77)
    assert "Jerusalem" in w.words


def test_ws353_subsets_are_inside_the_full_set():
    full = load_word_similarity("ws353")
    pairs = {(a, b): s for a, b, s in zip(full.word1, full.word2, full.score)}
    for name in ("ws353_sim", "ws353_rel"):
        sub = load_word_similarity(name)
        found = [(a, b) in pairs or (b, a) in pairs for a, b in zip(sub.word1, sub.word2)]
        assert np.mean(found) > 0.95


def test_unknown_name_lists_the_names():
    with pytest.raises(ValueError, match=r"^name must be one of") as ei:
        load_word_similarity("simlex")
    assert "\n" not in str(ei.value)
    assert all(n in str(ei.value) for n in SIZES)


def test_non_string_name():
    with pytest.raises(TypeError, match=r"^name must be a string"):
        load_word_similarity(999)


def test_altered_file(data_copy, flip_byte):
    flip_byte(data_copy / "word_similarity" / "EN-SIMLEX-999.txt", 10)
    with pytest.raises(ChecksumError, match="EN-SIMLEX-999.txt"):
        load_word_similarity("simlex999")
    assert len(load_word_similarity("men")) == 3000  # the other files still load
