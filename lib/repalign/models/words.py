"""Word-pair similarity from a model: cosine similarity of two words' embeddings (GloVe, MiniLM, MPNet)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from repalign.core.validation import check_choice, check_strings
from repalign.models.glove import glove_embed
from repalign.models.text import encode_text

__all__ = ["WORD_MODELS", "WordPairSimilarity", "word_pair_similarity"]

#: Models that :func:`word_pair_similarity` can score pairs with.
WORD_MODELS = ("glove", "minilm", "mpnet")


@dataclass(frozen=True)
class WordPairSimilarity:
    """Result of :func:`word_pair_similarity`.

    Attributes
    ----------
    similarity : numpy.ndarray, shape (n_pairs,)
        Cosine similarity of the two words of each pair; NaN where a word is out of vocabulary.
    in_vocab : numpy.ndarray of bool, shape (n_pairs,)
        Whether the model knows both words of the pair. GloVe knows a word when it has a vector for every
        token of it; MiniLM and MPNet read any word through subword tokens, so their pairs are all in vocabulary.
    model : str
        The model that scored the pairs.
    """

    similarity: np.ndarray
    in_vocab: np.ndarray
    model: str

    @property
    def n_in_vocab(self) -> int:
        """Number of pairs with both words in the model's vocabulary."""
        return int(self.in_vocab.sum())

    def __repr__(self) -> str:
        return f"WordPairSimilarity(model={self.model!r}, n_pairs={self.in_vocab.size}, n_in_vocab={self.n_in_vocab})"


def word_pair_similarity(word1, word2, *, model: str = "glove", progress: bool = False) -> WordPairSimilarity:
    """Score word pairs by the cosine similarity of the two words' embeddings in a model.

    Each distinct word is embedded once, on its own (no context): a GloVe 6B 50-d vector
    (:func:`repalign.models.glove_embed`; lower-cased, a word of several tokens gets their mean) or a
    MiniLM / MPNet sentence embedding of the word alone (:func:`repalign.models.encode_text`, cached).
    The scores can be correlated with human similarity ratings of the same pairs (SimLex-999, MEN,
    WordSim-353; see :func:`repalign.datasets.load_word_similarity`).

    Parameters
    ----------
    word1, word2 : sequence of str
        The two words of each pair (same length).
    model : {"glove", "minilm", "mpnet"}
        The embedding model.
    progress : bool
        Show a progress bar while a sentence encoder embeds the words (on a cache miss).

    Returns
    -------
    WordPairSimilarity
        ``similarity`` (NaN for out-of-vocabulary pairs) and ``in_vocab`` per pair.

    Examples
    --------
    >>> s = word_pair_similarity(["cat", "cat"], ["dog", "car"], model="glove")  # doctest: +SKIP
    >>> s.similarity[0] > s.similarity[1]  # doctest: +SKIP
    True
    """
    word1, word2 = check_strings(word1, "word1"), check_strings(word2, "word2")
    if len(word1) != len(word2):
        raise ValueError(f"word1 and word2 differ in length ({len(word1)} vs {len(word2)})")
    check_choice(model, "model", WORD_MODELS)
    vocab = sorted(set(word1) | set(word2))
    row = {w: i for i, w in enumerate(vocab)}
    if model == "glove":
        emb = glove_embed(vocab)
        vectors, known = emb.vectors.astype(np.float64), emb.coverage == 1
    else:
        vectors = encode_text(vocab, model=model, progress=progress).astype(np.float64)
        known = np.ones(len(vocab), dtype=bool)
    i, j = np.array([row[w] for w in word1]), np.array([row[w] for w in word2])
    in_vocab = known[i] & known[j]
    norms = np.linalg.norm(vectors, axis=1)
    norms[norms == 0] = np.nan  # unknown words (zero vectors) give NaN, never a division warning
    unit = vectors / norms[:, None]
    similarity = np.einsum("ij,ij->i", unit[i], unit[j])
    similarity[~in_vocab] = np.nan
    return WordPairSimilarity(similarity, in_vocab, model)
