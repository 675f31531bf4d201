"""Training and evaluating BLT networks (embedding or category objective)."""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
import torch

from repalign.core.device import torch_device
from repalign.core.progress import progress_bar
from repalign.core.validation import check_choice, check_int, check_matrix
from repalign.io import paths
from repalign.models.blt.data import OBJECTIVES, SceneDataset, _stored_size, _to_input
from repalign.models.blt.network import _torch_seed

__all__ = ["baseline_loss", "evaluate", "objective_loss", "train"]


def objective_loss(outputs, targets, *, objective: str):
    """Mean training loss of readouts against their targets.

    ``"embedding"``: ``1 - cosine(output, target)``; ``"category"``: binary cross-entropy with logits over
    the multi-hot categories. With a leading timestep axis the loss is averaged over timesteps.

    Parameters
    ----------
    outputs : torch.Tensor, shape (..., batch, n_features)
        Readouts (e.g. a :class:`~repalign.models.blt.BLTNet`'s ``(timesteps, batch, n_features)``).
    targets : torch.Tensor, shape (batch, n_features)
        Unit embeddings or multi-hot categories.
    objective : {"embedding", "category"}

    Returns
    -------
    torch.Tensor
        The scalar loss (differentiable).
    """
    check_choice(objective, "objective", OBJECTIVES)
    if outputs.shape[-1] != targets.shape[-1]:
        raise ValueError(f"targets have dimension {targets.shape[-1]} but the readout predicts {outputs.shape[-1]}")
    t = targets.expand_as(outputs)
    if objective == "embedding":
        return (1 - torch.nn.functional.cosine_similarity(outputs, t, dim=-1)).mean()
    return torch.nn.functional.binary_cross_entropy_with_logits(outputs, t)


def _augment_params(n: int, stored: int, input_size: int, seed: int, epoch: int):
    rng = np.random.default_rng([seed, epoch])
    order = rng.permutation(n)
    offsets = rng.integers(0, stored - input_size + 1, size=(n, 2))
    flips = rng.random(n) < 0.5
    return order, offsets, flips


def _checkpoint_bytes(state: dict) -> bytes:
    buf = io.BytesIO()
    torch.save(state, buf)
    return buf.getvalue()


def train(
    model,
    dataset: SceneDataset,
    *,
    objective: str | None = None,
    targets=None,
    epochs: int = 10,
    batch_size: int = 32,
    lr: float = 3e-3,
    weight_decay: float = 0.05,
    schedule: str = "onecycle",
    augment: bool = True,
    seed=0,
    val_dataset: SceneDataset | None = None,
    val_targets=None,
    checkpoint=None,
    resume: bool = True,
    device=None,
    max_steps: int | None = None,
    progress: bool = True,
) -> dict:
    """Train a :class:`BLTNet` (or any module mapping images to readouts) on a :class:`SceneDataset`.

    Parameters
    ----------
    model : torch.nn.Module
        Usually a :class:`BLTNet`; its ``config["input_size"]`` fixes the image size.
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
    seed : int or numpy.random.Generator
        Fixes the shuffling and augmentation of every epoch (drawn from ``(seed, epoch)``, so a resumed
        run sees exactly the batches the uninterrupted one would). A Generator is consumed for one int
        seed, ``seed.integers(0, 2**63 - 1)`` (stored in the checkpoint); resuming then needs a Generator
        in the same state.
    val_dataset, val_targets : optional
        Held-out data evaluated (centre crops, no augmentation) after every epoch.
    checkpoint : str or Path, optional
        File written atomically (temporary file + rename) after every epoch with the model, optimiser,
        schedule and history.
    resume : bool
        Continue from ``checkpoint`` if it exists.
    device : str or torch.device, optional
        Default: CUDA when available, else CPU (:func:`repalign.core.torch_device`).
    max_steps : int, optional
        Stop after this many optimiser steps in total (quick tests).
    progress : bool

    Returns
    -------
    dict
        History: ``epoch``, ``train_loss`` (mean over the epoch), ``val_loss``, ``lr``, ``seconds``,
        ``step_loss`` (every step) and ``steps``.
    """
    if not isinstance(dataset, SceneDataset):
        raise TypeError(f"dataset must be a SceneDataset; got {type(dataset).__name__}")
    objective = check_choice(objective or getattr(model, "readout_kind", None) or "", "objective", OBJECTIVES)
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    seed = _torch_seed(seed)
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
        yv = check_matrix(val_dataset.targets(objective) if val_targets is None else val_targets, "val_targets").astype(
            np.float32
        )
        if yv.shape != (len(val_dataset), out_features):
            raise ValueError(f"val_targets must have shape ({len(val_dataset)}, {out_features}); got {yv.shape}")
    dev = torch_device(device)
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
        for b in progress_bar(batches, enabled=progress, desc=f"epoch {epoch + 1}/{epochs}", unit="batch", leave=False):
            if max_steps is not None and history["steps"] >= max_steps:
                break
            idx = order[b : b + batch_size]
            x = _to_input(pix[idx], input_size, offsets[idx] if augment else None, flips[idx] if augment else None)
            loss = objective_loss(model(x.to(dev)), y_t[idx].to(dev), objective=objective)
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
        history["val_loss"].append(
            evaluate(model, val_dataset, yv, objective=objective, device=dev) if val_dataset is not None else None
        )
        history["seconds"].append(time.perf_counter() - t0)
        if ckpt is not None:
            state = {
                "model": model.state_dict(),
                "optimizer": opt.state_dict(),
                "scheduler": sched.state_dict(),
                "history": history,
                "epoch": epoch + 1,
                "config": getattr(model, "config", None),
                "objective": objective,
                "seed": seed,
            }
            paths.atomic_write_bytes(ckpt, _checkpoint_bytes(state))
    model.eval()
    return history


def evaluate(model, dataset: SceneDataset, targets, *, objective: str, batch_size: int = 64, device=None) -> float:
    """Mean loss of ``model`` on ``dataset`` (centre crops, no gradient; the model's mode is restored).

    Parameters
    ----------
    model : BLTNet
        Any module with ``config["input_size"]`` mapping images to readouts.
    dataset : SceneDataset
    targets : array-like, shape (n_images, n_features)
    objective : {"embedding", "category"}
    batch_size : int
    device : str or torch.device, optional
        Default: CUDA when available, else CPU.

    Returns
    -------
    float
        The loss averaged over images.
    """
    check_choice(objective, "objective", OBJECTIVES)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    dev = torch_device(device)
    input_size = model.config["input_size"]
    pix = dataset.pixels(_stored_size(input_size))
    y = torch.as_tensor(np.asarray(targets, dtype=np.float32))
    was_training = model.training
    model.eval()
    total = 0.0
    with torch.no_grad():
        for b in range(0, len(dataset), batch_size):
            x = _to_input(pix[b : b + batch_size], input_size).to(dev)
            yb = y[b : b + batch_size].to(dev)
            total += float(objective_loss(model(x), yb, objective=objective)) * len(yb)
    model.train(was_training)
    return total / len(dataset)


def baseline_loss(train_targets, test_targets, *, objective: str) -> float:
    """Test loss of the best input-free predictor, the floor a net must beat to have learned from images.

    The predictor is the mean training embedding for ``"embedding"`` (the cosine loss ignores its norm) and
    the training base rate of every category for ``"category"``.

    Parameters
    ----------
    train_targets : array-like, shape (n_train, n_features)
    test_targets : array-like, shape (n_test, n_features)
    objective : {"embedding", "category"}

    Returns
    -------
    float
        The predictor's loss on ``test_targets``.
    """
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
    return float(objective_loss(torch.as_tensor(np.array(pred)), torch.as_tensor(b), objective=objective))
