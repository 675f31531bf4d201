"""The BLT recurrent CNN (bottom-up, lateral, top-down) and its activations."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from repalign.core.validation import check_choice, check_int
from repalign.models.blt.data import (
    COCO_CATEGORIES,
    OBJECTIVES,
    _stored_size,
    _to_input,
    preprocess_images,
)

__all__ = ["BLTNet", "blt_activations"]


def _torch_seed(seed, name: str = "seed") -> int:
    """The int seed behind ``seed``: an int >= 0 as it is, or one draw from a ``numpy.random.Generator``.

    A Generator is consumed: ``int(seed.integers(0, 2**63 - 1))`` becomes the seed (of ``torch.manual_seed``
    and of the numpy streams of the training loop), so the same Generator state gives the same result.
    """
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63 - 1))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{name} must be an int >= 0 or a numpy.random.Generator; got {type(seed).__name__}")
    return check_int(seed, name, minimum=0)


def _group_count(c: int) -> int:
    """Groups of the GroupNorm of a layer with ``c`` channels: the largest of 8, 4, 2, 1 dividing ``c``."""
    return next(g for g in (8, 4, 2, 1) if c % g == 0)


class BLTNet(nn.Module):
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
    seed : int or numpy.random.Generator
        Seed of the weight initialisation (the global torch random state is left untouched). An int >= 0
        seeds ``torch.manual_seed`` directly; a Generator is consumed for one int,
        ``seed.integers(0, 2**63 - 1)``, which is stored in ``config["seed"]``.

    Attributes
    ----------
    config : dict
        The arguments (with ``channels`` as a list, ``out_features`` filled in and ``seed`` as the int used):
        ``BLTNet(**net.config)`` builds the same initial network.
    bottom_up, lateral, top_down : torch.nn.ModuleList
        The convolutions of each layer (``top_down`` has ``n_layers - 1``).
    norms : torch.nn.ModuleList
        ``norms[layer][timestep]``: the GroupNorm of each layer and timestep.
    readout : torch.nn.Linear
        The readout from the last layer's pooled state.
    readout_kind : str
        The ``readout`` argument (``"embedding"`` or ``"category"``).

    Notes
    -----
    ``net(x)`` with ``x`` of shape ``(batch, 3, input_size, input_size)`` returns the readouts
    ``(timesteps, batch, out_features)``; ``net(x, return_activations=True)`` also returns
    ``acts[layer][timestep]`` of shape ``(batch, channels[layer], h, w)``.
    """

    def __init__(
        self,
        *,
        n_layers: int = 4,
        channels=(16, 32, 64, 128),
        timesteps: int = 4,
        input_size: int = 64,
        readout: str = "embedding",
        out_features: int | None = None,
        seed=0,
    ):
        n_layers = check_int(n_layers, "n_layers", minimum=1)
        timesteps = check_int(timesteps, "timesteps", minimum=1)
        input_size = check_int(input_size, "input_size", minimum=8)
        seed = _torch_seed(seed)
        check_choice(readout, "readout", OBJECTIVES)
        if isinstance(channels, (str, bytes)) or not isinstance(channels, Sequence):
            raise TypeError("channels must be a sequence of integers")
        channels = [check_int(c, "channels", minimum=1) for c in channels]
        if len(channels) != n_layers:
            raise ValueError(f"channels must have n_layers={n_layers} entries; got {len(channels)}")
        if input_size % (2**n_layers):
            raise ValueError(f"input_size must be a multiple of 2**n_layers = {2**n_layers}; got {input_size}")
        if out_features is None:
            out_features = 768 if readout == "embedding" else len(COCO_CATEGORIES)
        out_features = check_int(out_features, "out_features", minimum=1)

        super().__init__()
        self.config = dict(
            n_layers=n_layers,
            channels=list(channels),
            timesteps=timesteps,
            input_size=input_size,
            readout=readout,
            out_features=out_features,
            seed=seed,
        )
        self.n_layers, self.timesteps, self.input_size = n_layers, timesteps, input_size
        self.readout_kind = readout
        # The modules are created in this order under this seed: the shipped weights' initial state.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            c_in = [3] + list(channels[:-1])
            self.bottom_up = nn.ModuleList(
                nn.Conv2d(c_in[i], channels[i], 3, padding=1, stride=2 if i == 0 else 1, bias=False)
                for i in range(n_layers)
            )
            self.lateral = nn.ModuleList(
                nn.Conv2d(channels[i], channels[i], 3, padding=1, bias=False) for i in range(n_layers)
            )
            self.top_down = nn.ModuleList(
                nn.Conv2d(channels[i + 1], channels[i], 3, padding=1, bias=False) for i in range(n_layers - 1)
            )
            self.norms = nn.ModuleList(
                nn.ModuleList(nn.GroupNorm(_group_count(c), c) for _ in range(timesteps)) for c in channels
            )
            self.readout = nn.Linear(channels[-1], out_features)

    def forward(self, x, return_activations: bool = False):
        """Run the net for all timesteps.

        Parameters
        ----------
        x : torch.Tensor, shape (batch, 3, input_size, input_size)
            Scaled images (see :func:`blt_activations` for PIL images).
        return_activations : bool
            Also return every layer's state at every timestep.

        Returns
        -------
        torch.Tensor or (torch.Tensor, list of list of torch.Tensor)
            The readouts ``(timesteps, batch, out_features)``; with ``return_activations`` also
            ``acts[layer][timestep]`` of shape ``(batch, channels[layer], h, w)``.
        """
        if x.ndim != 4 or x.shape[1] != 3:
            raise ValueError(
                f"x must have shape (batch, 3, {self.input_size}, {self.input_size}); got {tuple(x.shape)}"
            )
        if x.shape[2] != self.input_size or x.shape[3] != self.input_size:
            raise ValueError(
                f"x must be {self.input_size}x{self.input_size} pixels (the net's input_size); "
                f"got {x.shape[2]}x{x.shape[3]}"
            )
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


def blt_activations(model, images, *, layers=None, timesteps=None, batch_size: int = 32) -> dict:
    """Flattened activations of a BLT net for a list of PIL images (centre crops).

    Parameters
    ----------
    model : BLTNet
        Any module with a BLT ``config`` whose forward accepts ``return_activations=True``.
    images : sequence of PIL.Image.Image
        Resized (shorter side ``1.125 * input_size``) and centre-cropped to ``input_size``.
    layers : sequence of int, optional
        Layer indices (negative counts from the top); default all.
    timesteps : sequence of int, optional
        Timestep indices (negative counts from the end); default all.
    batch_size : int
        Images per forward pass.

    Returns
    -------
    dict
        ``{(layer, timestep): (n_images, d) float32}`` for the requested layers and timesteps (indices
        normalised to be non-negative), plus ``("readout", timestep)`` for every requested timestep.
    """
    cfg = model.config
    layers = (
        list(range(cfg["n_layers"])) if layers is None else [_norm_index(i, cfg["n_layers"], "layer") for i in layers]
    )
    timesteps = (
        list(range(cfg["timesteps"]))
        if timesteps is None
        else [_norm_index(t, cfg["timesteps"], "timestep") for t in timesteps]
    )
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    if len(images) == 0:
        raise ValueError("images is empty")
    pix = preprocess_images(list(images), _stored_size(cfg["input_size"]))
    model.eval()
    dev = next(model.parameters()).device
    out = {}
    with torch.no_grad():
        for b in range(0, len(pix), batch_size):
            readout, acts = model(
                _to_input(pix[b : b + batch_size], cfg["input_size"]).to(dev), return_activations=True
            )
            for t in timesteps:
                out.setdefault(("readout", t), []).append(readout[t].cpu().numpy())
                for i in layers:
                    out.setdefault((i, t), []).append(acts[i][t].flatten(1).cpu().numpy())
    return {k: np.concatenate(v).astype(np.float32) for k, v in out.items()}


def _norm_index(value, n: int, name: str) -> int:
    value = check_int(value, name, minimum=-n, maximum=n - 1)
    return value % n
