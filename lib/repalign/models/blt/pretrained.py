"""The shipped BLT weights and their features."""

from __future__ import annotations

import io
import json
import time
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from repalign.core.device import torch_device
from repalign.core.validation import check_choice, check_images
from repalign.io import paths
from repalign.io.cache import CACHE_VERSION, cached_array, content_key
from repalign.models.blt.data import BLT_SPLIT, OBJECTIVES, book_split
from repalign.models.blt.network import (
    BLTNet,
    _norm_index,
    _torch_seed,
    blt_activations,
)
from repalign.models.blt.training import baseline_loss, train

__all__ = ["DEFAULT_CONFIG", "blt_features", "load_pretrained_blt", "pretrained_metrics", "train_shipped"]


_WEIGHTS_DIR = "models/blt"


def _weights_files(objective: str) -> tuple[str, str]:
    return f"{_WEIGHTS_DIR}/blt_{objective}.npz", f"{_WEIGHTS_DIR}/blt_{objective}.json"


def pretrained_metrics(objective: str) -> dict:
    """The config, training history and metrics shipped with the ``objective`` weights (sha256-checked).

    Parameters
    ----------
    objective : {"embedding", "category"}

    Returns
    -------
    dict
        The JSON written by :func:`train_shipped`: ``config`` (the :class:`BLTNet` arguments),
        ``train_config``, ``split``, ``history``, losses, ``weights_sha256``, ...

    Raises
    ------
    FileNotFoundError
        If the shipped files are missing (the message says how to train them).
    """
    from repalign.stimuli.sets import read_verified

    check_choice(objective, "objective", OBJECTIVES)
    root = paths.data_dir()
    _, meta = _weights_files(objective)
    if not (root / meta).exists():
        raise FileNotFoundError(
            f"shipped BLT weights missing: {root / meta}; train them with "
            f"`python -m repalign.models.blt train --objective {objective} --out {root / _WEIGHTS_DIR}`"
        )
    return json.loads(read_verified(root, meta).decode("utf-8"))


@lru_cache(maxsize=4)
def _load_pretrained(objective: str):
    from repalign.stimuli.sets import read_verified

    meta = pretrained_metrics(objective)
    root = paths.data_dir()
    weights, _ = _weights_files(objective)
    if not (root / weights).exists():
        raise FileNotFoundError(f"shipped BLT weights missing: {root / weights}")
    with np.load(io.BytesIO(read_verified(root, weights)), allow_pickle=False) as z:
        state = {k: torch.as_tensor(z[k].astype(np.float32)) for k in z.files}
    net = _build(meta["config"], seed=meta["config"]["seed"])
    net.load_state_dict(state)
    net.eval()
    return net


def _build(cfg: dict, *, seed: int) -> BLTNet:
    """A :class:`BLTNet` of the architecture ``cfg`` (a shipped ``config``), initialised with ``seed``."""
    architecture = ("n_layers", "channels", "timesteps", "input_size", "readout", "out_features")
    return BLTNet(**{key: cfg[key] for key in architecture}, seed=seed)


def _check_objective_seed(objective: str, seed) -> int:
    """The int seed of ``objective``'s net: any seed for ``"untrained"``, 0 only for the trained nets."""
    check_choice(objective, "objective", OBJECTIVES + ("untrained",))
    if objective == "untrained":
        return _torch_seed(seed)
    if isinstance(seed, np.random.Generator) or _torch_seed(seed) != 0:
        raise ValueError(f"seed must be 0 for objective={objective!r} (only seed 0 weights are shipped); got {seed}")
    return 0


def load_pretrained_blt(objective: str, *, seed=0) -> BLTNet:
    """The small BLT net shipped in ``data/models/blt/`` trained on ``objective`` (sha256-checked).

    Parameters
    ----------
    objective : {"embedding", "category", "untrained"}
        ``"untrained"`` gives a freshly initialised net with the shipped embedding net's architecture
        (the floor of every comparison).
    seed : int or numpy.random.Generator
        Initialisation seed of the ``"untrained"`` net (a Generator is consumed for one int seed, as in
        :class:`BLTNet`); the trained nets exist for seed 0 only.

    Returns
    -------
    BLTNet
        In eval mode; ``net.config`` holds its architecture. Do not modify it (trained nets are shared).
    """
    seed = _check_objective_seed(objective, seed)
    if objective == "untrained":
        return _build(pretrained_metrics("embedding")["config"], seed=seed).eval()
    return _load_pretrained(objective)


def blt_features(images, *, objective: str = "embedding", layer=-1, timestep: int = -1, seed=0) -> np.ndarray:
    """Activations of the shipped BLT nets for a list of PIL images, cached on disk.

    Parameters
    ----------
    images : sequence of PIL.Image.Image
        E.g. ``load_stimuli("nsd_special100").images``.
    objective : {"embedding", "category", "untrained"}
        The shipped net trained on caption embeddings or categories, or an untrained net of the same
        architecture initialised with ``seed``.
    layer : int or "readout"
        Layer index (negative counts from the top; ``-1`` is the last layer), or ``"readout"`` for the
        prediction (768-d embedding or 80 category logits).
    timestep : int
        Timestep index (negative counts from the end).
    seed : int or numpy.random.Generator
        Initialisation seed of the ``"untrained"`` net (a Generator is consumed for one int seed, as in
        :class:`BLTNet`, which also keys the cache); the trained nets exist for seed 0 only.

    Returns
    -------
    numpy.ndarray, shape (n_images, n_features), float32
        The layer's activation map at that timestep, flattened (channels x height x width).
    """
    from repalign.models.vision import image_digest

    seed = _check_objective_seed(objective, seed)
    images = check_images(images, "images")
    meta = pretrained_metrics("embedding" if objective == "untrained" else objective)
    cfg = meta["config"]
    if layer != "readout":
        layer = _norm_index(layer, cfg["n_layers"], "layer")
    timestep = _norm_index(timestep, cfg["timesteps"], "timestep")
    digests = b"".join(image_digest(img) for img in images)
    key = content_key(
        images=digests,
        model=f"blt_{objective}",
        weights=meta.get("weights_sha256", ""),
        layer=layer,
        timestep=timestep,
        seed=seed,
        version=CACHE_VERSION,
    )

    def compute():
        net = load_pretrained_blt(objective, seed=seed)
        acts = blt_activations(net, images, layers=[] if layer == "readout" else [layer], timesteps=[timestep])
        return acts[(layer, timestep)]

    return cached_array(key, compute, namespace="blt")


#: Configuration of the shipped nets (``python -m repalign.models.blt train`` defaults).
DEFAULT_CONFIG = dict(
    n_layers=4,
    channels=[16, 32, 64, 128],
    timesteps=4,
    input_size=48,
    epochs=12,
    batch_size=32,
    lr=3e-3,
    weight_decay=0.05,
    schedule="onecycle",
    seed=0,
)


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def train_shipped(objective: str, out, *, config: dict | None = None, progress: bool = True) -> dict:
    """Train a BLT net on the book's split and write its weights and metrics (``python -m repalign.models.blt``).

    Writes ``blt_<objective>.npz`` (float16 weights) and ``blt_<objective>.json`` (config, history, metrics)
    into ``out``; a checkpoint beside them allows resume.

    Parameters
    ----------
    objective : {"embedding", "category"}
    out : str or pathlib.Path
        Output folder (created if needed), e.g. ``data/models/blt``.
    config : dict, optional
        Overrides of :data:`DEFAULT_CONFIG`.
    progress : bool
        Progress bars.

    Returns
    -------
    dict
        The metrics written to ``blt_<objective>.json``.
    """
    check_choice(objective, "objective", OBJECTIVES)
    cfg = {**DEFAULT_CONFIG, **(config or {})}
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    train_set, test_set = book_split()
    net = BLTNet(
        n_layers=cfg["n_layers"],
        channels=cfg["channels"],
        timesteps=cfg["timesteps"],
        input_size=cfg["input_size"],
        readout=objective,
        seed=cfg["seed"],
    )
    t0 = time.perf_counter()
    history = train(
        net,
        train_set,
        objective=objective,
        epochs=cfg["epochs"],
        batch_size=cfg["batch_size"],
        lr=cfg["lr"],
        weight_decay=cfg["weight_decay"],
        schedule=cfg["schedule"],
        seed=cfg["seed"],
        val_dataset=test_set,
        checkpoint=out / f".blt_{objective}.ckpt",
        progress=progress,
    )
    state = {k: v.detach().cpu().numpy().astype(np.float16) for k, v in net.state_dict().items()}
    buf = io.BytesIO()
    np.savez_compressed(buf, **state)
    weights = out / f"blt_{objective}.npz"
    paths.atomic_write_bytes(weights, buf.getvalue())
    meta = {
        "objective": objective,
        "config": net.config,
        "train_config": cfg,
        "split": BLT_SPLIT,
        "n_train": len(train_set),
        "n_test": len(test_set),
        "history": history,
        "final_train_loss": history["train_loss"][-1],
        "final_test_loss": history["val_loss"][-1],
        "baseline_test_loss": baseline_loss(
            train_set.targets(objective), test_set.targets(objective), objective=objective
        ),
        "train_seconds": time.perf_counter() - t0,
        "device": str(torch_device()),
        "torch": torch.__version__,
        "weights_sha256": _sha256(weights),
    }
    paths.atomic_write_bytes(out / f"blt_{objective}.json", json.dumps(meta, indent=1).encode())
    return meta
