"""Small heads trained on frozen features."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from repalign.core.progress import progress_bar
from repalign.core.validation import check_choice, check_int, check_matrix
from repalign.models.blt.data import OBJECTIVES
from repalign.models.blt.network import _torch_seed
from repalign.models.blt.training import objective_loss

__all__ = ["HeadFit", "head_features", "train_head"]


@dataclass(frozen=True)
class HeadFit:
    """Result of :func:`train_head`: the trained head and its learning curve.

    Iterating yields ``head`` then ``curve``, so ``head, curve = train_head(...)`` works.

    Attributes
    ----------
    head : torch.nn.Sequential
        ``Linear - ReLU - Linear`` in eval mode, with the feature standardisation as buffers ``mu`` and
        ``sd``; read it with :func:`head_features`.
    curve : list of float
        The mean training loss of every epoch.
    """

    head: torch.nn.Sequential
    curve: list

    def __iter__(self):
        yield self.head
        yield self.curve


def _make_head(in_features: int, hidden: int, out_features: int, seed: int):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return torch.nn.Sequential(
            torch.nn.Linear(in_features, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, out_features)
        )


def train_head(
    features,
    targets,
    *,
    objective: str,
    hidden: int = 256,
    epochs: int = 200,
    lr: float = 1e-3,
    weight_decay: float = 0.05,
    batch_size: int = 128,
    seed=0,
    progress: bool = False,
) -> HeadFit:
    """Train a two-layer head (``Linear - ReLU - Linear``) on frozen features for one objective.

    Parameters
    ----------
    features : array-like (n, f)
        Frozen backbone features (e.g. ``image_features(images)``, EfficientNet-Lite0's 1280-d head).
    targets : array-like (n, d)
        Unit MPNet caption embeddings (``"embedding"``) or multi-hot categories (``"category"``).
    objective : {"embedding", "category"}
    hidden, epochs, batch_size : int
        Hidden units, passes over the data, rows per step.
    lr, weight_decay : float
        AdamW's learning rate and decoupled weight decay.
    seed : int or numpy.random.Generator
        Seeds the initialisation and the order of every epoch. A Generator is consumed for one int seed,
        ``seed.integers(0, 2**63 - 1)``.
    progress : bool
        Progress bar over epochs.

    Returns
    -------
    HeadFit
        The trained head and its mean loss per epoch (unpacks as ``head, curve``).
    """
    check_choice(objective, "objective", OBJECTIVES)
    x = check_matrix(features, "features").astype(np.float32)
    y = check_matrix(targets, "targets").astype(np.float32)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"features and targets have different numbers of rows ({x.shape[0]} vs {y.shape[0]})")
    hidden = check_int(hidden, "hidden", minimum=1)
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    seed = _torch_seed(seed)
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
            idx = torch.as_tensor(order[b : b + batch_size])
            loss = objective_loss(head(xt[idx]), yt[idx], objective=objective)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
        curve.append(float(np.mean(losses)))
    head.eval()
    return HeadFit(head, curve)


def head_features(head, features, *, layer: str = "hidden") -> np.ndarray:
    """Activations of a :func:`train_head` head for frozen features.

    Parameters
    ----------
    head : torch.nn.Sequential or HeadFit
        A head from :func:`train_head`.
    features : array-like, shape (n, n_features)
        Features of the backbone the head was trained on.
    layer : {"hidden", "output"}
        The hidden layer (after ReLU) or the prediction.

    Returns
    -------
    numpy.ndarray, shape (n, hidden) or (n, n_outputs), float32
    """
    if isinstance(head, HeadFit):
        head = head.head
    check_choice(layer, "layer", ("hidden", "output"))
    x = check_matrix(features, "features").astype(np.float32)
    if x.shape[1] != head[0].in_features:
        raise ValueError(f"features have {x.shape[1]} columns; the head expects {head[0].in_features}")
    with torch.no_grad():
        h = (torch.as_tensor(x) - head.mu) / head.sd
        h = head[1](head[0](h))
        return (h if layer == "hidden" else head[2](h)).numpy().astype(np.float32)
