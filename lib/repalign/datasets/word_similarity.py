"""Human word-similarity and relatedness norms: SimLex-999, MEN and WordSim-353."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from repalign.core.validation import check_choice
from repalign.io import paths
from repalign.stimuli.sets import read_verified

__all__ = ["WORD_SIMILARITY_SETS", "WordSimilarity", "load_word_similarity"]


#: Names accepted by :func:`load_word_similarity`, with their file (relative to the data folder) and score range.
WORD_SIMILARITY_SETS = {
    "simlex999": ("word_similarity/EN-SIMLEX-999.txt", (0.0, 10.0)),
    "men": ("word_similarity/EN-MEN-TR-3k.txt", (0.0, 50.0)),
    "ws353": ("word_similarity/EN-WS-353-ALL.txt", (0.0, 10.0)),
    "ws353_sim": ("word_similarity/EN-WS-353-SIM.txt", (0.0, 10.0)),
    "ws353_rel": ("word_similarity/EN-WS-353-REL.txt", (0.0, 10.0)),
}


@dataclass(frozen=True)
class WordSimilarity:
    """Word pairs and the mean human score of each pair.

    Attributes
    ----------
    name : str
        The norm (``"simlex999"``, ``"men"``, ``"ws353"``, ``"ws353_sim"``, ``"ws353_rel"``).
    word1 : numpy.ndarray of str, shape (n_pairs,)
        The first word of each pair, as written in the source (WordSim-353 keeps capitals: ``"Jerusalem"``).
    word2 : numpy.ndarray of str, shape (n_pairs,)
        The second word of each pair.
    score : numpy.ndarray of float, shape (n_pairs,)
        The human score of each pair: similarity for SimLex-999 (0–10), relatedness for MEN (0–50),
        relatedness and similarity for WordSim-353 (0–10).
    scale : tuple of float
        The range of the rating scale.
    """

    name: str
    word1: np.ndarray = field(repr=False)
    word2: np.ndarray = field(repr=False)
    score: np.ndarray = field(repr=False)
    scale: tuple = (0.0, 10.0)

    def __len__(self) -> int:
        return len(self.score)

    @property
    def words(self) -> list[str]:
        """Every word of the pairs, sorted."""
        return sorted(set(self.word1.tolist()) | set(self.word2.tolist()))


def load_word_similarity(name: str) -> WordSimilarity:
    """Load a human word-similarity norm shipped in ``data/word_similarity/``.

    The file's sha256 is checked against ``data/SHA256SUMS``. The pairs keep the file's order.

    Parameters
    ----------
    name : {"simlex999", "men", "ws353", "ws353_sim", "ws353_rel"}
        ``"simlex999"``: 999 pairs rated for genuine similarity (Hill et al. 2015). ``"men"``: 3,000 pairs of
        frequent image tags rated for relatedness (Bruni et al. 2014). ``"ws353"``: the 353 WordSim pairs
        (Finkelstein et al. 2002), and their similarity (203) and relatedness (252) subsets (Agirre et al. 2009).

    Returns
    -------
    WordSimilarity

    Raises
    ------
    ValueError
        If ``name`` is unknown or a line of the file is malformed.
    repalign.stimuli.ChecksumError
        If the file was altered.
    """
    check_choice(name, "name", WORD_SIMILARITY_SETS)
    relpath, scale = WORD_SIMILARITY_SETS[name]
    text = read_verified(paths.data_dir(), relpath).decode("utf-8")
    word1, word2, score = [], [], []
    for k, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.strip().split("\t")
        if len(parts) != 3:
            raise ValueError(f"{relpath} line {k}: expected word1<TAB>word2<TAB>score; got {line.strip()!r}")
        word1.append(parts[0].strip())
        word2.append(parts[1].strip())
        try:
            score.append(float(parts[2]))
        except ValueError:
            raise ValueError(f"{relpath} line {k}: score {parts[2]!r} is not a number") from None
    return WordSimilarity(
        name=name,
        word1=np.array(word1, dtype=str),
        word2=np.array(word2, dtype=str),
        score=np.array(score, dtype=np.float64),
        scale=scale,
    )
