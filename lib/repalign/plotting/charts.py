"""Charts: histograms, layer profiles, precision curves, bars, bands, diagrams."""

from __future__ import annotations

import textwrap

import numpy as np

from repalign.plotting.style import OKABE_ITO, use_book_template

__all__ = [
    "blt_diagram",
    "bootstrap_histogram",
    "curves_with_bands",
    "grouped_bars",
    "layer_profile",
    "precision_curves",
]


def bootstrap_histogram(result, title: str | None = None, xlabel: str = "correlation"):
    """Histogram of a :class:`~repalign.inference.BootstrapResult` with its estimate and interval."""
    import plotly.graph_objects as go

    use_book_template()
    fig = go.Figure(
        go.Histogram(
            x=result.distribution,
            nbinsx=40,
            name="bootstrap samples",
            marker_color=OKABE_ITO[4],
            hovertemplate="%{x}: %{y}<extra></extra>",
        )
    )
    fig.add_vline(
        x=result.estimate,
        line_color=OKABE_ITO[5],
        line_width=3,
        annotation_text=f"estimate {result.estimate:.3f}",
        annotation_position="top",
    )
    for v in result.ci:
        fig.add_vline(x=v, line_dash="dash", line_color=OKABE_ITO[7])
    fig.update_layout(
        title=title or f"{result.ci.level:.0%} CI [{result.ci.low:.3f}, {result.ci.high:.3f}]",
        xaxis_title=xlabel,
        yaxis_title="bootstrap samples",
        height=360,
        showlegend=False,
    )
    return fig


# Arrow head and tail both placed in data coordinates.
_DATA_COORDINATES = dict(xref="x", yref="y", axref="x", ayref="y")


def _line_trace(x, y, name: str, bounds, hovertemplate: str, *, thickness=None, **style):
    """A lines+markers trace of ``y`` against ``x``, with error bars from ``bounds`` (one ``(low, high)`` per point)."""
    import plotly.graph_objects as go

    err = None
    if bounds is not None:
        lo, hi = (np.array(v, dtype=float) for v in zip(*bounds))
        centre = np.asarray(y, dtype=float)
        err = dict(type="data", symmetric=False, array=hi - centre, arrayminus=centre - lo)
        if thickness is not None:
            err["thickness"] = thickness
    return go.Scatter(x=x, y=y, mode="lines+markers", name=name, error_y=err, hovertemplate=hovertemplate, **style)


def layer_profile(values: dict, title: str | None = None, ylabel: str = "Spearman ρ", errors: dict | None = None):
    """Line plot of a score per layer; ``values`` maps a series name to ``{layer: score}``."""
    import plotly.graph_objects as go

    use_book_template()
    fig = go.Figure()
    for name, series in values.items():
        layers, scores = list(series), list(series.values())
        bounds = [errors[name][k] for k in layers] if errors and name in errors else None
        fig.add_trace(_line_trace(layers, scores, name, bounds, "%{x}: %{y:.3f}<extra>" + name + "</extra>"))
    fig.update_layout(title=title, yaxis_title=ylabel, xaxis_title="layer", height=380)
    return fig


def precision_curves(
    curves: dict,
    errors: dict | None = None,
    chance: dict | None = None,
    title: str | None = None,
    dashed=(),
    height: int = 420,
):
    """P@k against k (log axis) for several series; ``curves`` maps a name to ``{k: P@k}``.

    ``errors`` maps a name to ``{k: (low, high)}`` (drawn as error bars); ``chance`` is one
    ``{k: p}`` drawn as a dotted black line; series named in ``dashed`` (e.g. baselines) are dashed.
    """
    import plotly.graph_objects as go

    use_book_template()
    fig = go.Figure()
    for name, series in curves.items():
        ks = [int(k) for k in series]
        p = np.array([series[k] for k in series], dtype=float)
        bounds = [errors[name][k] for k in series] if errors and name in errors else None
        fig.add_trace(
            _line_trace(
                ks,
                p,
                name,
                bounds,
                "P@%{x} = %{y:.3f}<extra>" + name + "</extra>",
                thickness=1.2,
                line=dict(dash="dash" if name in dashed else "solid"),
            )
        )
    if chance:
        fig.add_trace(
            go.Scatter(
                x=[int(k) for k in chance],
                y=list(chance.values()),
                mode="lines",
                name="chance",
                line=dict(color="black", dash="dot"),
                hovertemplate="chance P@%{x} = %{y:.3f}<extra></extra>",
            )
        )
    fig.update_xaxes(type="log", title="k (candidates returned)")
    fig.update_yaxes(title="P@k (true partner among the top k)", range=[0, 1.02])
    fig.update_layout(title=title, height=height)
    return fig


def grouped_bars(
    values: dict,
    errors: dict | None = None,
    title: str | None = None,
    xlabel: str = "",
    ylabel: str = "",
    height: int = 400,
):
    """Grouped bar chart; ``values`` maps a series name to ``{group: value}``.

    ``errors`` (optional) maps a series name to ``{group: (low, high)}``.
    """
    import plotly.graph_objects as go

    use_book_template()
    fig = go.Figure()
    for name, series in values.items():
        groups, v = [str(g) for g in series], np.array(list(series.values()), dtype=float)
        err = None
        if errors and name in errors:
            lo, hi = (np.array(x, dtype=float) for x in zip(*(errors[name][g] for g in series)))
            err = dict(type="data", symmetric=False, array=hi - v, arrayminus=v - lo)
        fig.add_trace(
            go.Bar(x=groups, y=v, name=name, error_y=err, hovertemplate="%{x}: %{y:.3f}<extra>" + name + "</extra>")
        )
    # a few groups: long names wrap onto level lines under their bars (plotly would tilt them, and tilted
    # names run off the figure's edge); many groups: plotly's tilted one-line names
    cats = list(dict.fromkeys(str(g) for series in values.values() for g in series))
    if len(cats) <= 6:
        width = max(8, min(18, 60 // len(cats)))  # characters per line: fewer when more groups share the width
        text = ["<br>".join(textwrap.wrap(c, width, break_long_words=False)) or c for c in cats]
        fig.update_xaxes(tickmode="array", tickvals=cats, ticktext=text, tickangle=0)
    fig.update_layout(title=title, barmode="group", xaxis_title=xlabel, yaxis_title=ylabel, height=height)
    return fig


def curves_with_bands(curves: dict, xlabel: str, ylabel: str, title: str | None = None, height: int = 380):
    """Lines with ±1 SD bands; ``curves`` maps a name to ``{x: (mean, sd)}`` (or ``{x: value}``).

    The legend lies under the plot, one name per row; ``height`` is that of the figure without it (each
    curve adds 24 px).
    """
    import plotly.graph_objects as go

    use_book_template()
    fig = go.Figure()
    for k, (name, series) in enumerate(curves.items()):
        xs = list(series)
        vals = [series[x] if isinstance(series[x], (tuple, list)) else (series[x], 0.0) for x in xs]
        mean = np.array([v[0] for v in vals])
        sd = np.array([v[1] for v in vals])
        colour = OKABE_ITO[k % len(OKABE_ITO)]
        if np.any(sd > 0):
            fig.add_trace(
                go.Scatter(
                    x=xs + xs[::-1],
                    y=list(mean + sd) + list((mean - sd)[::-1]),
                    fill="toself",
                    line=dict(width=0),
                    fillcolor=colour,
                    opacity=0.2,
                    hoverinfo="skip",
                    showlegend=False,
                )
            )
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=mean,
                mode="lines+markers",
                name=name,
                line=dict(color=colour),
                hovertemplate="%{x}: %{y:.3f}<extra>" + name + "</extra>",
            )
        )
    # the legend under the plot (one entry per row), so that long names do not squeeze the plot area
    fig.update_layout(
        title=title,
        xaxis_title=xlabel,
        yaxis_title=ylabel,
        height=height + 24 * len(curves),
        legend=dict(orientation="v", yanchor="top", y=-0.2, xanchor="left", x=0.0),
    )
    return fig


def blt_diagram(n_layers: int = 4, timesteps: int = 3, channels=None, title: str | None = None, height: int = 420):
    """The BLT network unrolled in time: one node per (layer, timestep), arrows for the bottom-up (B),
    lateral (L) and top-down (T) convolutions and the readout (Spoerer et al. 2017)."""
    import plotly.graph_objects as go

    use_book_template()
    colours = {"bottom-up": OKABE_ITO[0], "lateral": OKABE_ITO[1], "top-down": OKABE_ITO[2], "readout": OKABE_ITO[5]}
    fig = go.Figure()

    def arrow(x0, y0, x1, y1, kind):
        fig.add_annotation(
            x=x1,
            y=y1,
            ax=x0,
            ay=y0,
            **_DATA_COORDINATES,
            showarrow=True,
            arrowhead=2,
            arrowsize=1.2,
            arrowwidth=2,
            arrowcolor=colours[kind],
            opacity=0.9,
        )

    for t in range(timesteps):
        arrow(t, -0.75, t, -0.12, "bottom-up")
        for i in range(n_layers):
            if i + 1 < n_layers:
                arrow(t, i + 0.12, t, i + 0.88, "bottom-up")
            if t + 1 < timesteps:
                arrow(t + 0.1, i, t + 0.9, i, "lateral")
                if i + 1 < n_layers:
                    arrow(t + 0.1, i + 0.9, t + 0.9, i + 0.1, "top-down")
        arrow(t, n_layers - 1 + 0.12, t, n_layers - 0.3, "readout")
    xs = [t for t in range(timesteps) for _ in range(n_layers)]
    ys = [i for _ in range(timesteps) for i in range(n_layers)]
    text = [f"layer {i + 1}" + (f"<br>{channels[i]} ch" if channels is not None else "") for i in ys]
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="markers+text",
            text=[f"L{i + 1}" for i in ys],
            showlegend=False,
            marker=dict(size=34, color="white", line=dict(width=2, color="#444")),
            hovertext=[f"{s}, timestep {t + 1}" for s, t in zip(text, xs)],
            hoverinfo="text",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=list(range(timesteps)),
            y=[-0.85] * timesteps,
            mode="text",
            showlegend=False,
            text=["image"] * timesteps,
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=list(range(timesteps)),
            y=[n_layers - 0.2] * timesteps,
            mode="text",
            showlegend=False,
            text=["readout"] * timesteps,
            hoverinfo="skip",
        )
    )
    for kind, colour in colours.items():  # legend entries for the arrow kinds
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=dict(color=colour, width=3), name=kind))
    fig.update_xaxes(
        tickvals=list(range(timesteps)),
        ticktext=[f"t = {t + 1}" for t in range(timesteps)],
        range=[-0.5, timesteps - 0.5],
        showgrid=False,
        zeroline=False,
    )
    fig.update_yaxes(visible=False, range=[-1.1, n_layers + 0.1])
    fig.update_layout(title=title, height=height, legend=dict(orientation="h", y=-0.08))
    return fig
