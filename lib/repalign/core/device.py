"""Choosing the torch device: one picker for every model and engine that can run on a GPU."""

from __future__ import annotations

__all__ = ["torch_device"]


def torch_device(device=None):
    """The ``torch.device`` to run on: ``device`` checked, or CUDA when available, else the CPU.

    Parameters
    ----------
    device : str or torch.device, optional
        ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ... Default: ``"cuda"`` if a GPU is visible, else ``"cpu"``.

    Returns
    -------
    torch.device
    """
    import torch

    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except Exception as exc:
        raise ValueError(f"device is not a valid torch device ({exc})") from None
