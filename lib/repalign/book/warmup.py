"""One pass over the book's scenes and captions that fills the feature cache before the chapters run.

Several chapters embed the same images and captions (the 1,000 NSD shared scenes and their captions
in chapters 1 and 4-8, at different layers, in different blocks and lists). Image features and
sentence embeddings are cached row by row (:func:`repalign.io.rows.cached_rows`), so whichever
subset, block or layer a chapter asks for, the rows computed here are read back: run once before the
chapters, this turns the chapters' EfficientNet, MPNet and MiniLM time into cache reads.

It also fixes the lists the rows are computed in. An image goes through EfficientNet alone, so its
row does not depend on that; a sentence is batched only with sentences of its token count (no
padding), which keeps its bits in any batch except MPNet's tiniest passes (~1e-7). Computing every
caption here, in one fixed list, makes the stored rows the same whichever chapter asks first.
"""

from __future__ import annotations

import time
from functools import lru_cache

from repalign.core.progress import progress_bar
from repalign.core.validation import check_int

__all__ = ["warm_feature_cache"]

#: The stimulus sets whose images and captions the chapters embed.
_SETS = ("nsd_shared1000", "nsd_special100", "coco_mini")

#: Captions per scene that the chapters embed (the first five).
_N_CAPTIONS = 5

#: Transformer layers read by the layer sweeps (chapter 7) and the joint space (chapter 8).
_TEXT_LAYERS = {"mpnet": 13, "minilm": 7}


def _captions() -> tuple[list[str], list[str]]:
    """The captions to embed (in a fixed order, duplicates dropped), and those whose layers are read."""
    every, layered = _caption_lists()
    return list(every), list(layered)


@lru_cache(maxsize=1)
def _caption_lists() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """:func:`_captions`, computed once per process (both jobs need them; with ``workers=1`` one process runs both)."""
    from repalign.stimuli import load_stimuli

    every, layered = [], []
    for name in _SETS:
        stimuli = load_stimuli(name)
        every += [c for caps in stimuli.captions for c in caps[:_N_CAPTIONS]]
        if name == "nsd_shared1000":
            layered += stimuli.first_captions()
        if name == "nsd_special100":
            layered += [c for caps in stimuli.captions for c in caps[:_N_CAPTIONS]]
            every += list(stimuli.meta["gpt4_caption"])
    return tuple(dict.fromkeys(every)), tuple(dict.fromkeys(layered))


def _mpnet_embeddings() -> dict[str, float]:
    """Job 1: MPNet sentence embeddings of every caption (the longest job)."""
    from repalign.models import encode_text

    t0 = time.perf_counter()
    encode_text(_captions()[0], model="mpnet", progress=False)
    return {"captions mpnet": time.perf_counter() - t0}


def _the_rest() -> dict[str, float]:
    """Job 2: every EfficientNet layer of the images, MiniLM embeddings, and the layers both models show."""
    from repalign.models import EFFICIENTNET_LAYERS, encode_text, image_features
    from repalign.stimuli import load_stimuli

    seconds = {}
    for name in _SETS:
        t0 = time.perf_counter()
        image_features(load_stimuli(name).images, layer=list(EFFICIENTNET_LAYERS), progress=False)
        seconds[f"images {name}"] = time.perf_counter() - t0
    every, layered = _captions()
    t0 = time.perf_counter()
    encode_text(every, model="minilm", progress=False)
    seconds["captions minilm"] = time.perf_counter() - t0
    for model, n_layers in _TEXT_LAYERS.items():
        t0 = time.perf_counter()
        encode_text(layered, model=model, layer=list(range(n_layers)), progress=False)
        seconds[f"caption layers {model}"] = time.perf_counter() - t0
    return seconds


_JOBS = (_mpnet_embeddings, _the_rest)


def warm_feature_cache(*, workers: int = 1, progress: bool = True) -> dict[str, float]:
    """Compute and cache the image features and sentence embeddings the book's chapters use.

    Every EfficientNet-Lite0 layer of the NSD shared1000 scenes (NSD special100 is part of them) and
    the COCO-MINI photos; MPNet and MiniLM embeddings of their first five captions (and special100's
    GPT-4 captions); every transformer layer of both models for the shared scenes' first captions and
    special100's captions. Two jobs (MPNet's embeddings; everything else) that write to different cache
    folders, so they can run side by side.

    Parameters
    ----------
    workers : int, default 1
        Processes running the two jobs (1: one after the other, in this process; 2: side by side).
        Each computes on one thread.
    progress : bool
        Show a progress bar over the jobs.

    Returns
    -------
    dict of str to float
        Seconds spent per part (near zero when its rows were cached already).
    """
    workers = check_int(workers, "workers", minimum=1)
    seconds: dict[str, float] = {}
    if workers == 1:
        for job in progress_bar(list(_JOBS), enabled=progress, desc="feature cache", unit="job"):
            seconds |= job()
        return seconds
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(min(workers, len(_JOBS)), mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(job) for job in _JOBS]
        for future in progress_bar(futures, enabled=progress, desc="feature cache", unit="job"):
            seconds |= future.result()
    return seconds
