"""Layer × timestep profiles of recurrent networks: one heat map per (reference, network)."""

from __future__ import annotations

import numpy as np

from repalign.plotting.style import SEQUENTIAL, use_book_template

__all__ = ["layer_time_profiles"]


def layer_time_profiles(
    profiles, *, nets, title: str | None = None, height: int | None = None, zlabel: str = "Spearman ρ"
):
    """A grid of layer × timestep heat maps: one row per reference, one column per network.

    Each panel is titled ``"<net> vs <reference>"`` from the same keys that select its data, so a
    panel's label cannot disagree with what it shows.

    Parameters
    ----------
    profiles : dict
        ``{reference name: array of shape (n_nets, n_layers, n_timesteps)}``, e.g. the RDM correlation of
        every (layer, timestep) activation with that reference. Rows appear top to bottom in dict order.
    nets : sequence of str
        The network of each index of the first axis (columns, left to right).
    title : str, optional
        Figure title.
    height : int, optional
        Figure height in pixels (default: 260 per row).
    zlabel : str
        Colour-bar label.

    Returns
    -------
    plotly.graph_objects.Figure
        ``fig.data[r * n_nets + k]`` is the heat map of reference ``r`` and network ``k``.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    if not isinstance(profiles, dict) or not profiles:
        raise TypeError("profiles must be a non-empty dict {reference: array (n_nets, n_layers, n_timesteps)}")
    nets = [str(n) for n in nets]
    arrays = {}
    for ref, p in profiles.items():
        a = np.asarray(p, dtype=float)
        if a.ndim != 3 or a.shape[0] != len(nets):
            raise ValueError(
                f"profiles[{ref!r}] must have shape (len(nets)={len(nets)}, n_layers, n_timesteps); got {a.shape}"
            )
        arrays[ref] = a
    shapes = {a.shape for a in arrays.values()}
    if len(shapes) != 1:
        raise ValueError(f"profiles must all have the same shape; got {sorted(shapes)}")
    _, n_layers, n_steps = shapes.pop()
    lo = min(float(a.min()) for a in arrays.values())
    hi = max(float(a.max()) for a in arrays.values())
    use_book_template()
    refs = list(arrays)
    fig = make_subplots(
        rows=len(refs),
        cols=len(nets),
        subplot_titles=[f"{n} vs {r}" for r in refs for n in nets],
        horizontal_spacing=0.05,
        vertical_spacing=0.12 if len(refs) < 4 else 0.06,
    )
    x = [f"t{t + 1}" for t in range(n_steps)]
    y = [f"L{layer + 1}" for layer in range(n_layers)]
    for i, r in enumerate(refs):
        for k, n in enumerate(nets):
            z = arrays[r][k]
            fig.add_trace(
                go.Heatmap(
                    z=z,
                    x=x,
                    y=y,
                    zmin=lo,
                    zmax=hi,
                    colorscale=SEQUENTIAL,
                    showscale=i == 0 and k == 0,
                    colorbar=dict(title=zlabel),
                    text=np.round(z, 2),
                    texttemplate="%{text:.2f}",
                    name=f"{n} vs {r}",
                    hovertemplate=f"{n} vs {r}<br>%{{y}}, %{{x}}: %{{z:.3f}}<extra></extra>",
                ),
                row=i + 1,
                col=k + 1,
            )
    fig.update_layout(title=title, height=height or 260 * len(refs) + 80)
    return fig
