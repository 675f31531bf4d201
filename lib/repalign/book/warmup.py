"""One pass over the book's stimuli that fills the feature cache before the chapters run.

Several chapters embed the same scenes and captions (the 1,000 NSD shared scenes in chapters 1 and
5-8, their captions in 1, 6 and 8 ...). The feature cache stores rows one by one
(:func:`repalign.io.rows.cached_rows`), so whichever list a chapter asks for, rows computed here are
read back. Running this once, with every core, before the chapters run side by side (one core each)
turns most of the chapters' model time into cache reads. Nothing here changes a number: a cached row
is bit-for-bit the row a chapter would compute (rows do not depend on batch or thread count).
"""

from __future__ import annotations

import time

from repalign.core.progress import progress_bar

__all__ = ["warm_feature_cache"]

#: Transformer layers of the sentence encoders (0 = token embeddings): every layer, as chapter 7 sweeps them.
_TEXT_LAYERS = {"mpnet": list(range(13)), "minilm": list(range(7))}


def warm_feature_cache(*, progress: bool = True) -> dict[str, float]:
    """Compute and cache the model features the book's chapters use.

    Every EfficientNet-Lite0 layer of the three stimulus sets' images (NSD shared1000, NSD
    special100, COCO-MINI); MPNet and MiniLM sentence embeddings of all their captions (and of the
    special100 GPT-4 captions); every transformer layer of the shared1000 scenes' first captions; the
    words of the word-similarity sets as the sentence encoders see them.

    Parameters
    ----------
    progress : bool
        Show a progress bar over the steps.

    Returns
    -------
    dict of str to float
        Seconds spent per step (near zero for a step whose rows were cached already).
    """
    from repalign.datasets import WORD_SIMILARITY_SETS, load_word_similarity
    from repalign.models import EFFICIENTNET_LAYERS, encode_text, image_features, word_pair_similarity
    from repalign.stimuli import load_stimuli

    sets = {name: load_stimuli(name) for name in ("nsd_shared1000", "nsd_special100", "coco_mini")}
    captions = [c for s in sets.values() for cs in s.captions for c in cs]
    captions += list(sets["nsd_special100"].meta["gpt4_caption"])
    first = sets["nsd_shared1000"].first_captions()
    words = {name: load_word_similarity(name) for name in WORD_SIMILARITY_SETS}
    steps = {
        **{
            f"images {name}": lambda s=s: image_features(s.images, layer=list(EFFICIENTNET_LAYERS), progress=False)
            for name, s in sets.items()
        },
        **{f"captions {lm}": lambda lm=lm: encode_text(captions, model=lm, progress=False) for lm in _TEXT_LAYERS},
        **{
            f"caption layers {lm}": lambda lm=lm: encode_text(first, model=lm, layer=_TEXT_LAYERS[lm], progress=False)
            for lm in _TEXT_LAYERS
        },
        **{
            f"words {lm}": lambda lm=lm: [word_pair_similarity(w.word1, w.word2, model=lm) for w in words.values()]
            for lm in _TEXT_LAYERS
        },
    }
    seconds = {}
    for name in progress_bar(list(steps), enabled=progress, desc="feature cache", unit="step"):
        t0 = time.perf_counter()
        steps[name]()
        seconds[name] = time.perf_counter() - t0
    return seconds
