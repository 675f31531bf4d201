"""Tests of ``repalign.models.words``."""

from __future__ import annotations

import numpy as np
import pytest

import repalign.models.words as words_mod
from repalign.models import WordPairSimilarity, glove_embed, word_pair_similarity


def test_glove_pairs_are_cosines_of_glove_vectors():
    w1, w2 = ["cat", "cat", "car", "Cat"], ["dog", "car", "automobile", "dog"]
    s = word_pair_similarity(w1, w2, model="glove")
    assert isinstance(s, WordPairSimilarity) and s.model == "glove"
    vecs = glove_embed(["cat", "dog", "car"]).vectors.astype(float)
    expected = vecs[0] @ vecs[1] / np.linalg.norm(vecs[0]) / np.linalg.norm(vecs[1])
    assert s.similarity[0] == pytest.approx(expected, abs=1e-6)
    assert s.similarity[3] == pytest.approx(s.similarity[0], abs=1e-12)  # GloVe is lower-case
    assert s.in_vocab.all() and s.n_in_vocab == 4
    assert s.similarity[0] > s.similarity[1]  # cat is closer to dog than to car
    assert np.all(np.abs(s.similarity) <= 1 + 1e-9)


def test_glove_out_of_vocabulary_pairs_are_nan_and_flagged():
    s = word_pair_similarity(["cat", "qzxjvvbnw"], ["dog", "cat"], model="glove")
    assert s.in_vocab.tolist() == [True, False]
    assert np.isfinite(s.similarity[0]) and np.isnan(s.similarity[1])
    assert "n_in_vocab=1" in repr(s)


def test_sentence_encoders_embed_each_distinct_word_once(monkeypatch):
    calls = []

    def fake_encode(texts, *, model, progress):
        calls.append((list(texts), model))
        rng = np.random.default_rng(len(texts))
        return rng.normal(size=(len(texts), 8)).astype(np.float32)

    monkeypatch.setattr(words_mod, "encode_text", fake_encode)
    s = word_pair_similarity(["b", "a", "b"], ["a", "c", "b"], model="minilm")
    assert calls == [(["a", "b", "c"], "minilm")]  # sorted distinct words, one call
    assert s.in_vocab.all() and s.similarity[2] == pytest.approx(1.0)
    assert np.isfinite(s.similarity).all() and abs(s.similarity[0]) < 1


@pytest.mark.parametrize(
    ("w1", "w2", "kw", "err"),
    [
        (["a", "b"], ["a"], {}, ValueError),
        ("cat", "dog", {}, TypeError),
        (["a"], ["b"], {"model": "bert"}, ValueError),
        ([], [], {}, ValueError),
    ],
)
def test_bad_input(w1, w2, kw, err):
    with pytest.raises(err):
        word_pair_similarity(w1, w2, **kw)


def test_model_is_keyword_only():
    with pytest.raises(TypeError):
        word_pair_similarity(["a"], ["b"], "glove")
