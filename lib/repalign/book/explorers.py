"""Small interactive explorers used by the chapters (ipywidgets sliders over library calls)."""

from __future__ import annotations

import numpy as np

from repalign.book.cohorts import mixed_space
from repalign.rdm.compare import compare_rdms
from repalign.rdm.compute import compute_rdm

__all__ = ["mixing_agreement", "mixing_explorer"]


def mixing_agreement(spaces: dict, *, mix: float, noise: float, seed=0) -> dict:
    """How a simulated visual participant's RDM agrees with each source space's RDM (chapter 2).

    The participant's space is :func:`~repalign.book.mixed_space` of ``spaces["shared"]`` and
    ``spaces["visual"]`` with weight ``mix`` and noise ``noise``; its Euclidean RDM is compared (Spearman)
    with the correlation-distance RDM of every space in ``spaces``.

    Parameters
    ----------
    spaces : dict of str to array-like
        Feature spaces of the same items; must hold ``"shared"`` and ``"visual"``.
    mix : float
        Weight of the shared space, in [0, 1].
    noise : float
        Share of idiosyncratic noise (>= 0).
    seed : int or numpy.random.Generator
        Draws the noise block.

    Returns
    -------
    dict of str to float
        Spearman correlation with each space's RDM, rounded to 3 decimals.
    """
    if not isinstance(spaces, dict) or not {"shared", "visual"} <= set(spaces):
        raise ValueError("spaces must be a dict holding at least 'shared' and 'visual'")
    person = compute_rdm(
        mixed_space(spaces["shared"], spaces["visual"], weight=mix, noise=noise, seed=seed), metric="euclidean"
    )
    return {k: round(compare_rdms(person, compute_rdm(np.asarray(v))), 3) for k, v in spaces.items()}


def mixing_explorer(spaces: dict, *, mix: float = 0.6, noise: float = 0.3, seed=0):
    """Sliders for ``mix`` and ``noise`` that show :func:`mixing_agreement` live (needs a kernel).

    Returns
    -------
    ipywidgets.Widget
        The interactive widget (``ipywidgets.interactive``).
    """
    from ipywidgets import FloatSlider, interactive

    return interactive(
        lambda mix, noise: mixing_agreement(spaces, mix=mix, noise=noise, seed=seed),
        mix=FloatSlider(value=mix, min=0, max=1, step=0.05),
        noise=FloatSlider(value=noise, min=0, max=2, step=0.1),
    )
