"""The standard model-comparison figure: bars with intervals, subjects' points, the noise ceiling, FDR letters."""

from __future__ import annotations

import string

import numpy as np

from repalign.plotting.style import OKABE_ITO, use_book_template

__all__ = ["compact_letters", "model_comparison_figure"]

_METHOD_LABELS = {"spearman": "Spearman ρ", "pearson": "Pearson r", "kendall_tau_a": "Kendall τ-a"}


def compact_letters(significant, order=None) -> list[str]:
    """A compact letter display: models that share a letter do not differ significantly.

    The insert-and-absorb algorithm of Piepho (2004): start with one group holding every model; for
    each significant pair, split every group that holds both into a copy without the one and a copy
    without the other; drop groups contained in another. Letters are given in ``order`` (the first
    model gets ``"a"``).

    Parameters
    ----------
    significant : array-like of bool, shape (n_models, n_models)
        Symmetric matrix of the pairs that differ (e.g. ``ModelComparison.pairwise_significant``).
    order : sequence of int, optional
        The order in which models receive letters (default: as given).

    Returns
    -------
    list of str
        The letters of each model, in the models' original order.
    """
    sig = np.asarray(significant, dtype=bool)
    if sig.ndim != 2 or sig.shape[0] != sig.shape[1]:
        raise ValueError(f"significant must be a square matrix; got shape {sig.shape}")
    n = sig.shape[0]
    order = list(range(n)) if order is None else [int(i) for i in order]
    if sorted(order) != list(range(n)):
        raise ValueError(f"order must be a permutation of range({n})")
    groups = [frozenset(range(n))]
    for i, j in zip(*np.nonzero(np.triu(sig | sig.T, 1))):
        split = []
        for g in groups:
            split.extend([g - {j}, g - {i}] if i in g and j in g else [g])
        split = list(dict.fromkeys(split))
        groups = [g for g in split if not any(g < h for h in split)]
    rank = {m: r for r, m in enumerate(order)}
    groups.sort(key=lambda g: sorted(rank[m] for m in g))
    symbols = list(string.ascii_lowercase) + [f"[{k}]" for k in range(26, len(groups))]
    letters = [""] * n
    for k, g in enumerate(groups):
        for m in g:
            letters[m] += symbols[k]
    return letters


#: Bar colours of :func:`model_comparison_figure`: significantly below the lower ceiling (light) or not (dark).
_BAR_COLOURS = {True: OKABE_ITO[4], False: OKABE_ITO[0]}


def model_comparison_figure(result, *, title: str | None = None, sort: bool = True, height: int = 500):
    """The standard figure of a :class:`~repalign.inference.ModelComparison`.

    Bars: each model's estimate with its bootstrap interval. Dots: the per-subject values (spread
    evenly across the bar, not at random). Grey band: the noise ceiling (lower to upper bound); a bar
    drawn in the light colour is significantly below the lower bound, one in the dark colour is not.
    Letters above the bars: a compact letter display of the pairwise tests after FDR (models that
    share a letter do not differ).

    Parameters
    ----------
    result : repalign.inference.ModelComparison
        The output of :func:`repalign.inference.compare_models`.
    title : str, optional
        Figure title (default: the resampling, level and FDR level).
    sort : bool
        Order the models from the highest estimate to the lowest (else as given).
    height : int
        Figure height in pixels.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces ``"noise ceiling"``, ``"models"``, ``"subjects"`` and ``"letters"``, in that order, then two
        legend entries for the bar colours (no data).
    """
    import plotly.graph_objects as go

    use_book_template()
    names = list(result.names)
    n = len(names)
    order = np.argsort(-result.estimates, kind="stable") if sort else np.arange(n)
    pos = np.empty(n)
    pos[order] = np.arange(n)
    est = np.asarray(result.estimates, dtype=float)
    low, high = np.asarray(result.ci.low, dtype=float), np.asarray(result.ci.high, dtype=float)
    per_subject = np.asarray(result.per_subject, dtype=float)
    n_sub = per_subject.shape[1]
    nc = result.noise_ceiling
    level = result.ci.level
    label = _METHOD_LABELS.get(result.method, result.method)

    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[-0.5, n - 0.5, n - 0.5, -0.5, -0.5],
            y=[nc.lower, nc.lower, nc.upper, nc.upper, nc.lower],
            fill="toself",
            mode="lines",
            line=dict(width=0),
            fillcolor="rgba(120, 120, 120, 0.25)",
            name="noise ceiling",
            hovertemplate=f"noise ceiling [{nc.lower:.3f}, {nc.upper:.3f}]<extra></extra>",
        )
    )
    colours = [_BAR_COLOURS[bool(below)] for below in result.below_ceiling]
    hover = [
        f"<b>{names[i]}</b><br>{label} = {est[i]:.3f}<br>{level:.0%} CI [{low[i]:.3f}, {high[i]:.3f}]"
        f"<br>below the lower ceiling: {'yes' if result.below_ceiling[i] else 'no'} (p = {result.ceiling_p[i]:.3g})"
        for i in range(n)
    ]
    fig.add_trace(
        go.Bar(
            x=pos,
            y=est,
            marker_color=colours,
            error_y=dict(type="data", symmetric=False, array=high - est, arrayminus=est - low, color="#222"),
            name="models",
            showlegend=False,  # the two colours get their own legend entries (the last two traces)
            hovertext=hover,
            hoverinfo="text",
        )
    )
    offsets = np.linspace(-0.25, 0.25, n_sub) if n_sub > 1 else np.zeros(1)
    fig.add_trace(
        go.Scatter(
            x=(pos[:, None] + offsets[None, :]).ravel(),
            y=per_subject.ravel(),
            mode="markers",
            marker=dict(size=6, color="rgba(0, 0, 0, 0)", line=dict(color="#222", width=1)),
            name="subjects",
            hovertext=[f"{names[i]}, subject {s + 1}: {per_subject[i, s]:.3f}" for i in range(n) for s in range(n_sub)],
            hoverinfo="text",
        )
    )
    letters = compact_letters(result.pairwise_significant, order=order)
    top = np.maximum(high, per_subject.max(axis=1))
    span = max(float(np.nanmax(np.r_[top, nc.upper]) - min(0.0, float(np.nanmin(per_subject)))), 1e-9)
    fig.add_trace(
        go.Scatter(
            x=pos,
            y=top + 0.06 * span,
            mode="text",
            text=letters,
            textfont=dict(size=13, color="#222"),
            name="letters",
            showlegend=False,
            hoverinfo="skip",
        )
    )
    for below, colour in _BAR_COLOURS.items():  # what the bar colours mean
        fig.add_trace(
            go.Bar(
                x=[None],
                y=[None],
                marker_color=colour,
                name="significantly below the lower ceiling (FDR)" if below else "not significantly below it",
                hoverinfo="skip",
            )
        )
    fig.update_layout(
        # the title at the top, the legend (two rows at most) between it and the plot
        title=dict(
            text=title
            or (
                f"Models against the data: {level:.0%} CIs ({result.resample} bootstrap); "
                f"a shared letter = no difference (FDR q={result.q:g})"
            ),
            y=0.98,
            yanchor="top",
        ),
        margin=dict(t=120),
        xaxis=dict(
            tickmode="array", tickvals=list(range(n)), ticktext=[names[i] for i in order], range=[-0.6, n - 0.4]
        ),
        yaxis_title=f"{label} with the data (mean over subjects)",
        height=height,
        bargap=0.35,
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0.0),
    )
    return fig
