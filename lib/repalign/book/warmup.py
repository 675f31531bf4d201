"""One pass over the book's scenes that fills the image-feature cache before the chapters run.

Several chapters embed the same images (the 1,000 NSD shared scenes in chapters 1 and 5-8, at
different layers and in different blocks). Image features are cached image by image
(:func:`repalign.io.rows.cached_rows`) with every layer from one forward pass, so whichever subset,
block or layer a chapter asks for, the rows computed here are read back. Running this once before
the chapters run side by side turns the chapters' EfficientNet time into cache reads. It also fixes
which batch each image's row comes from (the whole set, in order, batches of 32): rows are computed
single-threaded, but can differ by ~1e-5 with their batch companions, so without this pass a
chapter's numbers would depend on which chapter asked for an image first.

Sentence embeddings are not warmed up: a sentence-transformers row depends (in the 7th digit) on
the other sentences padded into its batch, so they stay cached per call, as the chapters make them.
"""

from __future__ import annotations

import time

from repalign.core.progress import progress_bar

__all__ = ["warm_feature_cache"]

#: The stimulus sets whose images the chapters embed.
_SETS = ("nsd_shared1000", "nsd_special100", "coco_mini")


def warm_feature_cache(*, progress: bool = True) -> dict[str, float]:
    """Compute and cache every EfficientNet-Lite0 layer of the images the book's chapters use.

    The NSD shared1000 scenes (NSD special100 is part of them) and the COCO-MINI photos.

    Parameters
    ----------
    progress : bool
        Show a progress bar over the stimulus sets.

    Returns
    -------
    dict of str to float
        Seconds spent per stimulus set (near zero when its rows were cached already).
    """
    from repalign.models import EFFICIENTNET_LAYERS, image_features
    from repalign.stimuli import load_stimuli

    seconds = {}
    for name in progress_bar(list(_SETS), enabled=progress, desc="feature cache", unit="set"):
        t0 = time.perf_counter()
        image_features(load_stimuli(name).images, layer=list(EFFICIENTNET_LAYERS), progress=False)
        seconds[f"images {name}"] = time.perf_counter() - t0
    return seconds
