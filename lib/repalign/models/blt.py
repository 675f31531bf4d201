"""Recurrent convolutional networks with bottom-up, lateral and top-down connections (BLT).

A PyTorch implementation of the BLT networks of Spoerer et al. (2017, 2020), as used by the Multiple
Arrangements study and Doerig et al. (2025) to compare a network trained to predict the **sentence
embedding** of an image's captions with one trained on its **COCO category labels**.

- :class:`BLTNet` — the network, unrolled over timesteps; returns the readout of every timestep and,
  on request, every layer's activation at every timestep.
- :class:`SceneDataset` — images with their captions and categories, read from a COCO-format folder
  (:meth:`SceneDataset.from_coco`) or from the book's shipped scenes (:meth:`SceneDataset.from_stimuli`).
- :func:`train` — AdamW, cosine or one-cycle schedule, augmentation, seeds, atomic checkpoints and resume;
  CUDA when available, CPU otherwise.
- :func:`train_head` / :func:`head_features` — a small head on frozen (e.g. EfficientNet) features, for
  a cheap comparison of the two objectives on one fixed backbone.
- :func:`load_pretrained_blt` / :func:`blt_features` — the small BLT weights shipped in
  ``data/models/blt/`` (sha256-checked) and their cached activations for a list of images.

Train the shipped weights again with ``python -m repalign.models.blt train --objective embedding --out DIR``
(see ``data/models/blt/README.md`` for the exact command).
"""

from __future__ import annotations

import argparse
import io
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .. import paths
from .._progress import progress_bar
from .._validation import check_choice, check_images, check_int, check_matrix, check_strings
from ..cache import CACHE_VERSION, cached_array, content_key
from .vision import resize_center_crop

__all__ = [
    "COCO_CATEGORIES",
    "OBJECTIVES",
    "BLTNet",
    "SceneDataset",
    "preprocess_images",
    "objective_loss",
    "train",
    "evaluate",
    "train_head",
    "head_features",
    "blt_activations",
    "load_pretrained_blt",
    "blt_features",
    "pretrained_metrics",
    "baseline_loss",
    "book_split",
    "BLT_SPLIT",
]

#: The 80 COCO object categories, in COCO's id order (the targets of the ``"category"`` readout).
COCO_CATEGORIES = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
    "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
    "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
    "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
    "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
    "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
    "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone",
    "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors", "teddy bear",
    "hair drier", "toothbrush",
)

#: Readouts / training objectives: predict the captions' mean MPNet embedding (loss 1 - cosine), or the
#: multi-hot COCO categories (binary cross-entropy).
OBJECTIVES = ("embedding", "category")

#: The book's split (as in the MA study: train without the evaluation scenes, evaluate on special100).
BLT_SPLIT = {
    "train": "nsd_shared1000 minus nsd_special100 (900 scenes) + coco_mini scenes with categories",
    "test": "nsd_special100 (100 scenes, held out)",
}

_MEAN, _STD = 0.5, 0.25  # pixel scaling: (x / 255 - 0.5) / 0.25
_PAD = 1.125  # images are stored at 1.125 x input_size; training crops randomly, evaluation centrally


def _torch():
    import torch

    return torch


# --------------------------------------------------------------------------------------------- network

def _make_blt_class():
    torch = _torch()
    nn = torch.nn
    F = torch.nn.functional

    class _BLTNet(nn.Module):
        """See :class:`BLTNet` (this is the nn.Module behind it)."""

        def __init__(self, n_layers, channels, timesteps, input_size, readout, out_features, seed):
            super().__init__()
            self.config = dict(n_layers=n_layers, channels=list(channels), timesteps=timesteps,
                               input_size=input_size, readout=readout, out_features=out_features, seed=seed)
            self.n_layers, self.timesteps, self.input_size = n_layers, timesteps, input_size
            self.readout_kind = readout
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                c_in = [3] + list(channels[:-1])
                self.bottom_up = nn.ModuleList(
                    nn.Conv2d(c_in[i], channels[i], 3, padding=1, stride=2 if i == 0 else 1, bias=False)
                    for i in range(n_layers))
                self.lateral = nn.ModuleList(
                    nn.Conv2d(channels[i], channels[i], 3, padding=1, bias=False) for i in range(n_layers))
                self.top_down = nn.ModuleList(
                    nn.Conv2d(channels[i + 1], channels[i], 3, padding=1, bias=False) for i in range(n_layers - 1))
                self.norms = nn.ModuleList(
                    nn.ModuleList(nn.GroupNorm(next(g for g in (8, 4, 2, 1) if c % g == 0), c) for _ in range(timesteps))
                    for c in channels)
                self.readout = nn.Linear(channels[-1], out_features)

        def forward(self, x, return_activations: bool = False):
            if x.ndim != 4 or x.shape[1] != 3:
                raise ValueError(f"x must have shape (batch, 3, {self.input_size}, {self.input_size}); "
                                 f"got {tuple(x.shape)}")
            if x.shape[2] != self.input_size or x.shape[3] != self.input_size:
                raise ValueError(f"x must be {self.input_size}x{self.input_size} pixels (the net's input_size); "
                                 f"got {x.shape[2]}x{x.shape[3]}")
            prev = [None] * self.n_layers
            outputs, acts = [], [[] for _ in range(self.n_layers)]
            for t in range(self.timesteps):
                cur, h = [], x
                for i in range(self.n_layers):
                    z = self.bottom_up[i](h if i == 0 else F.max_pool2d(h, 2))
                    if prev[i] is not None:
                        z = z + self.lateral[i](prev[i])
                    if i + 1 < self.n_layers and prev[i + 1] is not None:
                        up = F.interpolate(prev[i + 1], size=z.shape[-2:], mode="nearest")
                        z = z + self.top_down[i](up)
                    h = F.relu(self.norms[i][t](z))
                    cur.append(h)
                    if return_activations:
                        acts[i].append(h)
                prev = cur
                outputs.append(self.readout(h.mean(dim=(2, 3))))
            out = torch.stack(outputs)  # (timesteps, batch, out_features)
            return (out, acts) if return_activations else out

    return _BLTNet


@lru_cache(maxsize=1)
def _blt_class():
    return _make_blt_class()


def BLTNet(n_layers: int = 4, channels=(16, 32, 64, 128), timesteps: int = 4, input_size: int = 64,
           readout: str = "embedding", out_features: int | None = None, seed: int = 0):
    """A recurrent convolutional network with bottom-up (B), lateral (L) and top-down (T) connections.

    At timestep ``t`` layer ``i`` sums a bottom-up convolution of layer ``i - 1`` at ``t`` (max-pooled by 2;
    the first layer convolves the image with stride 2), a lateral convolution of its own state at ``t - 1``
    and a top-down convolution of layer ``i + 1`` at ``t - 1`` (upsampled), then applies GroupNorm (one per
    timestep) and ReLU (Spoerer et al. 2017, 2020). At every timestep a linear readout of the last layer's
    global-average-pooled state gives the prediction.

    Parameters
    ----------
    n_layers : int
        Depth (the MA study used 10; the book's shipped nets use 4).
    channels : sequence of int
        Channels of each layer (length ``n_layers``).
    timesteps : int
        Unrolled timesteps (>= 1; with 1 the net is purely feed-forward).
    input_size : int
        Side of the square input in pixels (a multiple of ``2 ** n_layers``).
    readout : {"embedding", "category"}
        What the readout predicts: a sentence embedding (``out_features`` defaults to 768, MPNet) or the
        80 COCO categories (logits; ``out_features`` defaults to 80).
    out_features : int, optional
        Size of the readout.
    seed : int
        Seed of the weight initialisation (the global torch random state is left untouched).

    Returns
    -------
    torch.nn.Module
        ``net(x)`` with ``x`` of shape ``(batch, 3, input_size, input_size)`` returns the readouts
        ``(timesteps, batch, out_features)``; ``net(x, return_activations=True)`` also returns
        ``acts[layer][timestep]`` of shape ``(batch, channels[layer], h, w)``. ``net.config`` holds the
        arguments.
    """
    n_layers = check_int(n_layers, "n_layers", minimum=1)
    timesteps = check_int(timesteps, "timesteps", minimum=1)
    input_size = check_int(input_size, "input_size", minimum=8)
    seed = check_int(seed, "seed", minimum=0)
    check_choice(readout, "readout", OBJECTIVES)
    if isinstance(channels, (str, bytes)) or not isinstance(channels, Sequence):
        raise TypeError("channels must be a sequence of integers")
    channels = [check_int(c, "channels", minimum=1) for c in channels]
    if len(channels) != n_layers:
        raise ValueError(f"channels must have n_layers={n_layers} entries; got {len(channels)}")
    if input_size % (2 ** n_layers):
        raise ValueError(f"input_size must be a multiple of 2**n_layers = {2 ** n_layers}; got {input_size}")
    if out_features is None:
        out_features = 768 if readout == "embedding" else len(COCO_CATEGORIES)
    out_features = check_int(out_features, "out_features", minimum=1)
    return _blt_class()(n_layers, channels, timesteps, input_size, readout, out_features, seed)


# --------------------------------------------------------------------------------------------- data

def preprocess_images(images, size: int) -> np.ndarray:
    """Resize (shorter side ``size``, bicubic), centre-crop to ``size`` x ``size``; returns uint8 ``(n, 3, size, size)``.

    Raises ``ValueError`` for an image that is not RGB-convertible 3-channel data once converted.
    """
    from PIL import Image

    size = check_int(size, "size", minimum=8)
    out = np.empty((len(images), 3, size, size), dtype=np.uint8)
    for k, img in enumerate(images):
        if not isinstance(img, Image.Image):
            raise TypeError(f"images[{k}] is {type(img).__name__}, not a PIL image")
        if img.mode not in ("RGB", "L", "RGBA", "P", "CMYK", "YCbCr"):
            raise ValueError(f"images[{k}] has mode {img.mode!r}; expected an RGB (or convertible) image")
        out[k] = np.asarray(resize_center_crop(img, size, size)).transpose(2, 0, 1)
    return out


def _stored_size(input_size: int) -> int:
    return int(round(input_size * _PAD))


def _to_input(pixels, input_size: int, offsets=None, flips=None):
    """uint8 ``(n, 3, S, S)`` stored crops -> float tensor ``(n, 3, input_size, input_size)``."""
    torch = _torch()
    x = torch.as_tensor(pixels)
    s = x.shape[-1]
    if offsets is None:
        o = (s - input_size) // 2
        x = x[:, :, o:o + input_size, o:o + input_size]
    else:
        x = torch.stack([x[k, :, oy:oy + input_size, ox:ox + input_size] for k, (oy, ox) in enumerate(offsets)])
    if flips is not None:
        x = torch.where(torch.as_tensor(flips)[:, None, None, None], x.flip(-1), x)
    return (x.float() / 255.0 - _MEAN) / _STD


@dataclass
class SceneDataset:
    """Images with their human captions and COCO categories.

    Build one with :meth:`from_stimuli` (the book's shipped scenes) or :meth:`from_coco` (a COCO-format
    folder). Images are decoded lazily; :meth:`pixels` caches the resized crops.

    Attributes
    ----------
    images : sequence of PIL.Image.Image
    captions : list of list of str
        At least one caption per image.
    categories : list of list of str
        COCO category names per image (may be empty).
    ids : numpy.ndarray
        An id per image (COCO ids).
    """

    images: Sequence
    captions: list
    categories: list
    ids: np.ndarray

    def __post_init__(self):
        n = len(self.images)
        if n == 0:
            raise ValueError("images is empty: a dataset needs at least one image")
        if len(self.captions) != n or len(self.categories) != n or len(self.ids) != n:
            raise ValueError(f"images, captions, categories and ids must have the same length; got "
                             f"{n}, {len(self.captions)}, {len(self.categories)}, {len(self.ids)}")
        for i, caps in enumerate(self.captions):
            if isinstance(caps, str) or not caps:
                raise ValueError(f"captions[{i}] (image id {self.ids[i]}) has no captions; every image needs at least one")
            check_strings(caps, f"captions[{i}]")
        unknown = sorted({c for cats in self.categories for c in cats} - set(COCO_CATEGORIES))
        if unknown:
            raise ValueError(f"categories holds names that are not COCO categories: {unknown[:5]}")
        self._pixels = {}

    def __len__(self) -> int:
        return len(self.images)

    @classmethod
    def from_stimuli(cls, *stimulus_sets, require_categories: bool = False) -> "SceneDataset":
        """A dataset from one or more :class:`~repalign.stimuli.StimulusSet` (concatenated in order).

        ``require_categories=True`` drops scenes whose category list is empty (unknown, e.g. COCO-MINI val).
        """
        if not stimulus_sets:
            raise ValueError("stimulus_sets is empty: pass at least one StimulusSet")
        where, caps, cats, ids = [], [], [], []  # where[i] = (lazy image sequence, index in it)
        for s in stimulus_sets:
            keep = [i for i in range(len(s)) if s.categories[i] or not require_categories]
            where += [(s.images, i) for i in keep]
            caps += [list(s.captions[i]) for i in keep]
            cats += [list(s.categories[i]) for i in keep]
            ids += [int(s.ids[i]) for i in keep]
        images = _LazyImages(len(where), lambda i: where[i][0][where[i][1]])
        return cls(images, caps, cats, np.array(ids, dtype=np.int64))

    @classmethod
    def from_coco(cls, folder, split: str | None = None, image_dir: str | None = None,
                  require_categories: bool = False) -> "SceneDataset":
        """Read a COCO-format folder: ``annotations/captions_<split>.json``, ``annotations/instances_<split>.json``
        (or the same files at the top level) and the images named by their ``file_name``.

        Parameters
        ----------
        folder : str or Path
            The COCO root (e.g. holding ``annotations/`` and ``train2017/``).
        split : str, optional
            E.g. ``"train2017"``; ``None`` takes the single ``captions_*.json`` found.
        image_dir : str, optional
            Folder of the images relative to ``folder`` (default: ``split`` if that folder exists, else
            ``images``, else ``folder`` itself).
        require_categories : bool
            Drop images without instance annotations.
        """
        root = Path(folder)
        if not root.is_dir():
            raise ValueError(f"folder {root} is not a directory")
        found = sorted(root.glob("captions_*.json")) + sorted(root.glob("annotations/captions_*.json"))
        if split is not None:
            found = [p for p in found if p.name == f"captions_{split}.json"]
        if len(found) != 1:
            raise ValueError(f"folder must hold exactly one captions_{split or '*'}.json (at the top or in "
                             f"annotations/); found {[p.name for p in found]}")
        cap_path = found[0]
        split = cap_path.stem[len("captions_"):]
        inst_path = cap_path.with_name(f"instances_{split}.json")
        caps_json = json.loads(cap_path.read_text())
        captions: dict[int, list[str]] = {}
        for a in caps_json.get("annotations", []):
            captions.setdefault(int(a["image_id"]), []).append(str(a["caption"]).strip())
        categories: dict[int, set] = {}
        if inst_path.exists():
            inst = json.loads(inst_path.read_text())
            names = {int(c["id"]): c["name"] for c in inst.get("categories", [])}
            for a in inst.get("annotations", []):
                categories.setdefault(int(a["image_id"]), set()).add(names[int(a["category_id"])])
        elif require_categories:
            raise ValueError(f"require_categories=True but {inst_path.name} is missing")
        if image_dir is None:
            image_dir = next((d for d in (split, "images") if (root / d).is_dir()), ".")
        img_root = root / image_dir
        entries = sorted(caps_json.get("images", []), key=lambda e: int(e["id"]))
        if require_categories:
            entries = [e for e in entries if categories.get(int(e["id"]))]
        if not entries:
            raise ValueError(f"{cap_path} lists no images (after filtering)")
        files, caps, cats, ids = [], [], [], []
        for e in entries:
            iid = int(e["id"])
            files.append(img_root / e["file_name"])
            caps.append(captions.get(iid, []))
            cats.append(sorted(categories.get(iid, set()), key=COCO_CATEGORIES.index))
            ids.append(iid)
        missing = [f for f in files if not f.exists()]
        if missing:
            raise FileNotFoundError(f"{len(missing)} image file(s) missing, e.g. {missing[0]}")
        return cls(_LazyImages(len(files), lambda i: _open_rgb(files[i])), caps, cats, np.array(ids, dtype=np.int64))

    def pixels(self, size: int, progress: bool = False) -> np.ndarray:
        """uint8 ``(n, 3, size, size)`` resized centre crops of the images (computed once per size)."""
        if size not in self._pixels:
            imgs = [self.images[i] for i in progress_bar(range(len(self)), enabled=progress,
                                                        desc="decoding images", unit="img")]
            self._pixels[size] = preprocess_images(imgs, size)
        return self._pixels[size]

    def embedding_targets(self, model: str = "mpnet", n_captions: int = 5, progress: bool = False) -> np.ndarray:
        """Unit-length mean sentence embedding of each image's first ``n_captions`` captions ``(n, dim)``."""
        from .text import encode_text

        n_captions = check_int(n_captions, "n_captions", minimum=1)
        flat, owner = [], []
        for i, caps in enumerate(self.captions):
            flat += caps[:n_captions]
            owner += [i] * len(caps[:n_captions])
        emb = encode_text(flat, model=model, progress=progress)
        owner = np.asarray(owner)
        mean = np.stack([emb[owner == i].mean(0) for i in range(len(self))])
        return (mean / np.linalg.norm(mean, axis=1, keepdims=True)).astype(np.float32)

    def category_targets(self) -> np.ndarray:
        """Multi-hot ``(n, 80)`` float32 matrix over :data:`COCO_CATEGORIES`."""
        out = np.zeros((len(self), len(COCO_CATEGORIES)), dtype=np.float32)
        index = {c: k for k, c in enumerate(COCO_CATEGORIES)}
        for i, cats in enumerate(self.categories):
            for c in cats:
                out[i, index[c]] = 1.0
        return out

    def targets(self, objective: str, **kwargs) -> np.ndarray:
        """:meth:`embedding_targets` or :meth:`category_targets`, by ``objective``."""
        check_choice(objective, "objective", OBJECTIVES)
        return self.embedding_targets(**kwargs) if objective == "embedding" else self.category_targets()


class _LazyImages(Sequence):
    """``n`` images decoded on access by ``load(i)``."""

    def __init__(self, n: int, load):
        self._n, self._load = n, load

    def __len__(self):
        return self._n

    def __getitem__(self, i):
        if not -self._n <= i < self._n:
            raise IndexError(i)
        return self._load(i % self._n)


def _open_rgb(path):
    from PIL import Image

    with Image.open(path) as img:
        return img.convert("RGB")


# --------------------------------------------------------------------------------------------- training

def objective_loss(outputs, targets, objective: str):
    """Mean training loss of readouts ``(..., batch, d)`` against ``targets`` ``(batch, d)``.

    ``"embedding"``: ``1 - cosine(output, target)``; ``"category"``: binary cross-entropy with logits over
    the multi-hot categories. With a leading timestep axis the loss is averaged over timesteps.
    """
    torch = _torch()
    check_choice(objective, "objective", OBJECTIVES)
    if outputs.shape[-1] != targets.shape[-1]:
        raise ValueError(f"targets have dimension {targets.shape[-1]} but the readout predicts {outputs.shape[-1]}")
    t = targets.expand_as(outputs)
    if objective == "embedding":
        return (1 - torch.nn.functional.cosine_similarity(outputs, t, dim=-1)).mean()
    return torch.nn.functional.binary_cross_entropy_with_logits(outputs, t)


def _device(device):
    torch = _torch()
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def _augment_params(n: int, stored: int, input_size: int, seed: int, epoch: int):
    rng = np.random.default_rng([seed, epoch])
    order = rng.permutation(n)
    offsets = rng.integers(0, stored - input_size + 1, size=(n, 2))
    flips = rng.random(n) < 0.5
    return order, offsets, flips


def _checkpoint_bytes(state: dict) -> bytes:
    buf = io.BytesIO()
    _torch().save(state, buf)
    return buf.getvalue()


def train(model, dataset: SceneDataset, objective: str | None = None, targets=None, epochs: int = 10,
          batch_size: int = 32, lr: float = 3e-3, weight_decay: float = 0.05, schedule: str = "onecycle",
          augment: bool = True, seed: int = 0, val_dataset: SceneDataset | None = None, val_targets=None,
          checkpoint=None, resume: bool = True, device=None, max_steps: int | None = None,
          progress: bool = True) -> dict:
    """Train a :func:`BLTNet` (or any module mapping images to readouts) on a :class:`SceneDataset`.

    Parameters
    ----------
    model : torch.nn.Module
        Usually a :func:`BLTNet`; its ``config["input_size"]`` fixes the image size.
    dataset : SceneDataset
    objective : {"embedding", "category"}, optional
        Defaults to the model's readout.
    targets : array-like (n, d), optional
        Precomputed targets (default: ``dataset.targets(objective)``; MPNet for ``"embedding"``).
    epochs, batch_size : int
    lr, weight_decay : float
        AdamW's peak learning rate and decoupled weight decay.
    schedule : {"onecycle", "cosine", "constant"}
        Learning-rate schedule over all steps.
    augment : bool
        Random crops (the images are stored 12.5 % larger than the input) and horizontal flips.
    seed : int
        Fixes the shuffling and augmentation of every epoch (drawn from ``(seed, epoch)``, so a resumed
        run sees exactly the batches the uninterrupted one would).
    val_dataset, val_targets : optional
        Held-out data evaluated (centre crops, no augmentation) after every epoch.
    checkpoint : str or Path, optional
        File written atomically (temporary file + rename) after every epoch with the model, optimiser,
        schedule and history.
    resume : bool
        Continue from ``checkpoint`` if it exists.
    device : str, optional
        Default: CUDA when available, else CPU.
    max_steps : int, optional
        Stop after this many optimiser steps in total (quick tests).
    progress : bool

    Returns
    -------
    dict
        History: ``epoch``, ``train_loss`` (mean over the epoch), ``val_loss``, ``lr``, ``seconds``,
        ``step_loss`` (every step) and ``steps``.
    """
    torch = _torch()
    if not isinstance(dataset, SceneDataset):
        raise TypeError(f"dataset must be a SceneDataset; got {type(dataset).__name__}")
    objective = check_choice(objective or getattr(model, "readout_kind", None) or "", "objective", OBJECTIVES)
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    check_choice(schedule, "schedule", ("onecycle", "cosine", "constant"))
    if max_steps is not None:
        max_steps = check_int(max_steps, "max_steps", minimum=1)
    input_size = model.config["input_size"]
    y = check_matrix(dataset.targets(objective) if targets is None else targets, "targets").astype(np.float32)
    if y.shape[0] != len(dataset):
        raise ValueError(f"targets has {y.shape[0]} rows but dataset has {len(dataset)} images")
    out_features = model.readout.out_features
    if y.shape[1] != out_features:
        raise ValueError(f"targets have dimension {y.shape[1]} but the model's readout has out_features={out_features}")
    if val_dataset is not None:
        yv = check_matrix(val_dataset.targets(objective) if val_targets is None else val_targets,
                          "val_targets").astype(np.float32)
        if yv.shape != (len(val_dataset), out_features):
            raise ValueError(f"val_targets must have shape ({len(val_dataset)}, {out_features}); got {yv.shape}")
    dev = _device(device)
    stored = _stored_size(input_size)
    pix = dataset.pixels(stored, progress=progress)
    n = len(dataset)
    steps_per_epoch = int(np.ceil(n / batch_size))
    total = epochs * steps_per_epoch
    model.to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    if schedule == "onecycle":
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=total, pct_start=0.15)
    elif schedule == "cosine":
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total)
    else:
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda _: 1.0)
    history = {"epoch": [], "train_loss": [], "val_loss": [], "lr": [], "seconds": [], "step_loss": [], "steps": 0}
    start_epoch = 0
    ckpt = Path(checkpoint) if checkpoint is not None else None
    if ckpt is not None and resume and ckpt.exists():
        state = torch.load(ckpt, map_location=dev, weights_only=True)
        if state["config"] != getattr(model, "config", None) or state["objective"] != objective:
            raise ValueError(f"checkpoint {ckpt} was written for another model or objective")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        history, start_epoch = state["history"], state["epoch"]
    y_t = torch.as_tensor(y)
    for epoch in range(start_epoch, epochs):
        if max_steps is not None and history["steps"] >= max_steps:
            break
        t0 = time.perf_counter()
        model.train()
        order, offsets, flips = _augment_params(n, stored, input_size, seed, epoch)
        losses = []
        batches = range(0, n, batch_size)
        for b in progress_bar(batches, enabled=progress, desc=f"epoch {epoch + 1}/{epochs}", unit="batch",
                              leave=False):
            if max_steps is not None and history["steps"] >= max_steps:
                break
            idx = order[b:b + batch_size]
            x = _to_input(pix[idx], input_size, offsets[idx] if augment else None, flips[idx] if augment else None)
            loss = objective_loss(model(x.to(dev)), y_t[idx].to(dev), objective)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            losses.append(float(loss.detach()))
            history["step_loss"].append(losses[-1])
            history["steps"] += 1
        history["epoch"].append(epoch + 1)
        history["train_loss"].append(float(np.mean(losses)) if losses else float("nan"))
        history["lr"].append(float(opt.param_groups[0]["lr"]))
        history["val_loss"].append(evaluate(model, val_dataset, yv, objective, device=dev)
                                   if val_dataset is not None else None)
        history["seconds"].append(time.perf_counter() - t0)
        if ckpt is not None:
            state = {"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                     "history": history, "epoch": epoch + 1, "config": getattr(model, "config", None),
                     "objective": objective, "seed": seed}
            paths.atomic_write_bytes(ckpt, _checkpoint_bytes(state))
    model.eval()
    return history


def evaluate(model, dataset: SceneDataset, targets, objective: str, batch_size: int = 64, device=None) -> float:
    """Mean loss of ``model`` on ``dataset`` (centre crops, no gradient)."""
    torch = _torch()
    dev = _device(device)
    input_size = model.config["input_size"]
    pix = dataset.pixels(_stored_size(input_size))
    y = torch.as_tensor(np.asarray(targets, dtype=np.float32))
    was_training = model.training
    model.eval()
    total = 0.0
    with torch.no_grad():
        for b in range(0, len(dataset), batch_size):
            x = _to_input(pix[b:b + batch_size], input_size).to(dev)
            yb = y[b:b + batch_size].to(dev)
            total += float(objective_loss(model(x), yb, objective)) * len(yb)
    model.train(was_training)
    return total / len(dataset)


def blt_activations(model, images, layers=None, timesteps=None, batch_size: int = 32) -> dict:
    """Flattened activations of a BLT net for a list of PIL images (centre crops).

    Returns ``{(layer, timestep): (n, d) float32}`` for the requested ``layers``/``timesteps`` (default all),
    plus ``("readout", t)`` for every requested timestep.
    """
    torch = _torch()
    cfg = model.config
    layers = list(range(cfg["n_layers"])) if layers is None else [_norm_index(l, cfg["n_layers"], "layer")
                                                                  for l in layers]
    timesteps = list(range(cfg["timesteps"])) if timesteps is None else [
        _norm_index(t, cfg["timesteps"], "timestep") for t in timesteps]
    if len(images) == 0:
        raise ValueError("images is empty")
    pix = preprocess_images(list(images), _stored_size(cfg["input_size"]))
    model.eval()
    dev = next(model.parameters()).device
    out = {}
    with torch.no_grad():
        for b in range(0, len(pix), batch_size):
            readout, acts = model(_to_input(pix[b:b + batch_size], cfg["input_size"]).to(dev), return_activations=True)
            for t in timesteps:
                out.setdefault(("readout", t), []).append(readout[t].cpu().numpy())
                for l in layers:
                    out.setdefault((l, t), []).append(acts[l][t].flatten(1).cpu().numpy())
    return {k: np.concatenate(v).astype(np.float32) for k, v in out.items()}


def _norm_index(value, n: int, name: str) -> int:
    value = check_int(value, name, minimum=-n, maximum=n - 1)
    return value % n


# --------------------------------------------------------------------------------------------- heads

def _make_head(in_features: int, hidden: int, out_features: int, seed: int):
    torch = _torch()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return torch.nn.Sequential(torch.nn.Linear(in_features, hidden), torch.nn.ReLU(),
                                   torch.nn.Linear(hidden, out_features))


def train_head(features, targets, objective: str, hidden: int = 256, epochs: int = 200, lr: float = 1e-3,
               weight_decay: float = 0.05, batch_size: int = 128, seed: int = 0, progress: bool = False):
    """Train a two-layer head (``Linear - ReLU - Linear``) on frozen features for one objective.

    Parameters
    ----------
    features : array-like (n, f)
        Frozen backbone features (e.g. ``image_features(images)``, EfficientNet-Lite0's 1280-d head).
    targets : array-like (n, d)
        Unit MPNet caption embeddings (``"embedding"``) or multi-hot categories (``"category"``).
    objective : {"embedding", "category"}
    hidden, epochs, batch_size : int
    lr, weight_decay : float
    seed : int
    progress : bool

    Returns
    -------
    (torch.nn.Module, list of float)
        The trained head and its mean loss per epoch.
    """
    torch = _torch()
    check_choice(objective, "objective", OBJECTIVES)
    x = check_matrix(features, "features").astype(np.float32)
    y = check_matrix(targets, "targets").astype(np.float32)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"features and targets have different numbers of rows ({x.shape[0]} vs {y.shape[0]})")
    hidden = check_int(hidden, "hidden", minimum=1)
    epochs = check_int(epochs, "epochs", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    mu, sd = x.mean(0), x.std(0) + 1e-6
    head = _make_head(x.shape[1], hidden, y.shape[1], seed)
    head.register_buffer("mu", torch.as_tensor(mu))
    head.register_buffer("sd", torch.as_tensor(sd))
    opt = torch.optim.AdamW(head.parameters(), lr=lr, weight_decay=weight_decay)
    xt, yt = (torch.as_tensor(x) - head.mu) / head.sd, torch.as_tensor(y)
    rng = np.random.default_rng(seed)
    curve = []
    for _ in progress_bar(range(epochs), enabled=progress, desc=f"{objective} head", unit="epoch"):
        order, losses = rng.permutation(len(x)), []
        for b in range(0, len(x), batch_size):
            idx = torch.as_tensor(order[b:b + batch_size])
            loss = objective_loss(head(xt[idx]), yt[idx], objective)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
        curve.append(float(np.mean(losses)))
    head.eval()
    return head, curve


def head_features(head, features, layer: str = "hidden") -> np.ndarray:
    """Activations of a :func:`train_head` head: ``"hidden"`` (after ReLU) or ``"output"`` (the prediction)."""
    torch = _torch()
    check_choice(layer, "layer", ("hidden", "output"))
    x = check_matrix(features, "features").astype(np.float32)
    if x.shape[1] != head[0].in_features:
        raise ValueError(f"features have {x.shape[1]} columns; the head expects {head[0].in_features}")
    with torch.no_grad():
        h = (torch.as_tensor(x) - head.mu) / head.sd
        h = head[1](head[0](h))
        return (h if layer == "hidden" else head[2](h)).numpy().astype(np.float32)


# --------------------------------------------------------------------------------------------- shipped weights

_WEIGHTS_DIR = "models/blt"


def _weights_files(objective: str) -> tuple[str, str]:
    return f"{_WEIGHTS_DIR}/blt_{objective}.npz", f"{_WEIGHTS_DIR}/blt_{objective}.json"


def pretrained_metrics(objective: str) -> dict:
    """The config, training history and metrics JSON shipped with the ``objective`` weights (sha256-checked)."""
    from ..stimuli import _read_verified

    check_choice(objective, "objective", OBJECTIVES)
    root = paths.data_dir()
    _, meta = _weights_files(objective)
    if not (root / meta).exists():
        raise FileNotFoundError(f"shipped BLT weights missing: {root / meta}; train them with "
                                f"`python -m repalign.models.blt train --objective {objective} --out {root / _WEIGHTS_DIR}`")
    return json.loads(_read_verified(root, meta).decode("utf-8"))


@lru_cache(maxsize=4)
def _load_pretrained(objective: str):
    torch = _torch()
    from ..stimuli import _read_verified

    meta = pretrained_metrics(objective)
    root = paths.data_dir()
    weights, _ = _weights_files(objective)
    if not (root / weights).exists():
        raise FileNotFoundError(f"shipped BLT weights missing: {root / weights}")
    with np.load(io.BytesIO(_read_verified(root, weights)), allow_pickle=False) as z:
        state = {k: torch.as_tensor(z[k].astype(np.float32)) for k in z.files}
    cfg = dict(meta["config"])
    net = BLTNet(cfg["n_layers"], cfg["channels"], cfg["timesteps"], cfg["input_size"], cfg["readout"],
                 cfg["out_features"], cfg["seed"])
    net.load_state_dict(state)
    net.eval()
    return net


def load_pretrained_blt(objective: str, seed: int = 0):
    """The small BLT net shipped in ``data/models/blt/`` trained on ``objective`` (sha256-checked).

    Parameters
    ----------
    objective : {"embedding", "category", "untrained"}
        ``"untrained"`` gives a freshly initialised net with the shipped embedding net's architecture
        (the floor of every comparison).
    seed : int
        Initialisation seed of the ``"untrained"`` net; the trained nets exist for seed 0 only.

    Returns
    -------
    torch.nn.Module
        In eval mode; ``net.config`` holds its architecture. Do not modify it (trained nets are shared).
    """
    check_choice(objective, "objective", OBJECTIVES + ("untrained",))
    seed = check_int(seed, "seed", minimum=0)
    if objective == "untrained":
        cfg = dict(pretrained_metrics("embedding")["config"])
        net = BLTNet(cfg["n_layers"], cfg["channels"], cfg["timesteps"], cfg["input_size"], cfg["readout"],
                     cfg["out_features"], seed)
        return net.eval()
    if seed != 0:
        raise ValueError(f"seed must be 0 for objective={objective!r} (only seed 0 weights are shipped); got {seed}")
    return _load_pretrained(objective)


def blt_features(images, objective: str = "embedding", layer=-1, timestep: int = -1, seed: int = 0) -> np.ndarray:
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
    seed : int
        Initialisation seed of the ``"untrained"`` net; the trained nets exist for seed 0 only.

    Returns
    -------
    numpy.ndarray, shape (n_images, d), float32
        The layer's activation map at that timestep, flattened (channels x height x width).
    """
    from .vision import _image_digest

    check_choice(objective, "objective", OBJECTIVES + ("untrained",))
    seed = check_int(seed, "seed", minimum=0)
    if objective != "untrained" and seed != 0:
        raise ValueError(f"seed must be 0 for objective={objective!r} (only seed 0 weights are shipped); got {seed}")
    images = check_images(images, "images")
    meta = pretrained_metrics("embedding" if objective == "untrained" else objective)
    cfg = meta["config"]
    if layer != "readout":
        layer = _norm_index(layer, cfg["n_layers"], "layer")
    timestep = _norm_index(timestep, cfg["timesteps"], "timestep")
    digests = b"".join(_image_digest(img) for img in images)
    key = content_key(images=digests, model=f"blt_{objective}", weights=meta.get("weights_sha256", ""),
                      layer=layer, timestep=timestep, seed=seed, version=CACHE_VERSION)

    def compute():
        net = load_pretrained_blt(objective, seed=seed)
        acts = blt_activations(net, images, layers=[] if layer == "readout" else [layer], timesteps=[timestep])
        return acts[(layer, timestep)]

    return cached_array(key, compute, namespace="blt")


# --------------------------------------------------------------------------------------------- script

#: Configuration of the shipped nets (``python -m repalign.models.blt train`` defaults).
DEFAULT_CONFIG = dict(n_layers=4, channels=[16, 32, 64, 128], timesteps=4, input_size=48, epochs=12,
                      batch_size=32, lr=3e-3, weight_decay=0.05, schedule="onecycle", seed=0)


def book_split() -> tuple[SceneDataset, SceneDataset]:
    """The book's training and held-out sets (:data:`BLT_SPLIT`); both keep only scenes with categories."""
    from ..stimuli import load_stimuli

    shared, special, mini = (load_stimuli(n) for n in ("nsd_shared1000", "nsd_special100", "coco_mini"))
    held = set(special.ids.tolist())
    train_idx = [i for i, cid in enumerate(shared.ids) if int(cid) not in held]
    train_set = SceneDataset.from_stimuli(shared.subset(train_idx), mini, require_categories=True)
    return train_set, SceneDataset.from_stimuli(special, require_categories=True)


def baseline_loss(train_targets, test_targets, objective: str) -> float:
    """Test loss of the best input-free predictor: the (normalised) mean training embedding for
    ``"embedding"``, the training base rate of every category for ``"category"``. A net that has learned
    anything from the images must beat it."""
    torch = _torch()
    check_choice(objective, "objective", OBJECTIVES)
    a = check_matrix(train_targets, "train_targets")
    b = check_matrix(test_targets, "test_targets")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"train_targets and test_targets differ in dimension ({a.shape[1]} vs {b.shape[1]})")
    if objective == "embedding":
        pred = np.broadcast_to(a.mean(0), b.shape)
    else:
        p = np.clip(a.mean(0), 1e-4, 1 - 1e-4)
        pred = np.broadcast_to(np.log(p / (1 - p)), b.shape)
    return float(objective_loss(torch.as_tensor(np.array(pred)), torch.as_tensor(b), objective))


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def train_shipped(objective: str, out, config: dict | None = None, progress: bool = True) -> dict:
    """Train a BLT net on the book's split and write ``blt_<objective>.npz`` (float16 weights) and
    ``blt_<objective>.json`` (config, history, metrics) into ``out``; a checkpoint beside them allows resume."""
    torch = _torch()
    check_choice(objective, "objective", OBJECTIVES)
    cfg = {**DEFAULT_CONFIG, **(config or {})}
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    train_set, test_set = book_split()
    net = BLTNet(cfg["n_layers"], cfg["channels"], cfg["timesteps"], cfg["input_size"], objective, seed=cfg["seed"])
    t0 = time.perf_counter()
    history = train(net, train_set, objective, epochs=cfg["epochs"], batch_size=cfg["batch_size"], lr=cfg["lr"],
                    weight_decay=cfg["weight_decay"], schedule=cfg["schedule"], seed=cfg["seed"],
                    val_dataset=test_set, checkpoint=out / f".blt_{objective}.ckpt", progress=progress)
    state = {k: v.detach().cpu().numpy().astype(np.float16) for k, v in net.state_dict().items()}
    buf = io.BytesIO()
    np.savez_compressed(buf, **state)
    weights = out / f"blt_{objective}.npz"
    paths.atomic_write_bytes(weights, buf.getvalue())
    meta = {"objective": objective, "config": net.config, "train_config": cfg, "split": BLT_SPLIT,
            "n_train": len(train_set), "n_test": len(test_set), "history": history,
            "final_train_loss": history["train_loss"][-1], "final_test_loss": history["val_loss"][-1],
            "baseline_test_loss": baseline_loss(train_set.targets(objective), test_set.targets(objective), objective),
            "train_seconds": time.perf_counter() - t0, "device": str(_device(None)),
            "torch": torch.__version__, "weights_sha256": _sha256(weights)}
    paths.atomic_write_bytes(out / f"blt_{objective}.json", json.dumps(meta, indent=1).encode())
    return meta


def main(argv=None) -> None:
    """Command line: ``python -m repalign.models.blt train --objective embedding --out data/models/blt``."""
    parser = argparse.ArgumentParser(prog="python -m repalign.models.blt", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="train a BLT net on the book's split and write its weights + metrics")
    p.add_argument("--objective", choices=OBJECTIVES, required=True)
    p.add_argument("--out", required=True, help="output folder (e.g. data/models/blt)")
    for name, value in DEFAULT_CONFIG.items():
        if name == "channels":
            p.add_argument("--channels", type=int, nargs="+", default=value)
        elif name != "schedule":
            p.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    p.add_argument("--schedule", choices=("onecycle", "cosine", "constant"), default=DEFAULT_CONFIG["schedule"])
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = parser.parse_args(argv)
    if args.threads:
        _torch().set_num_threads(args.threads)
    cfg = {k: getattr(args, k) for k in DEFAULT_CONFIG}
    meta = train_shipped(args.objective, args.out, cfg)
    print(json.dumps({k: meta[k] for k in ("objective", "final_train_loss", "final_test_loss", "train_seconds",
                                           "weights_sha256")}, indent=1))


if __name__ == "__main__":
    main()
