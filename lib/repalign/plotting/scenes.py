"""Scenes, embeddings and arrangements as interactive figures."""

from __future__ import annotations

import numpy as np

from repalign.core.validation import check_matrix
from repalign.plotting.style import (
    OKABE_ITO,
    _check_labels,
    _wrap,
    thumbnail_uri,
    use_book_template,
)

__all__ = ["arena_figure", "arrangement_replay", "labelled_scatter", "mds_scatter", "retrieval_picker", "scene_grid"]


def _thumbnail(source: str, x, y, size, *, layer: str) -> dict:
    """A Plotly layout image of ``source`` centred on data coordinates ``(x, y)``, ``size`` wide and high."""
    return dict(
        source=source,
        x=x,
        y=y,
        xref="x",
        yref="y",
        sizex=size,
        sizey=size,
        xanchor="center",
        yanchor="middle",
        layer=layer,
    )


def mds_scatter(
    coords, hover=None, images=None, color=None, title: str | None = None, thumb_size: float = 0.07, height: int = 620
):
    """2-D map of stimuli (e.g. from :func:`repalign.rdm.mds`), with optional image thumbnails.

    Parameters
    ----------
    coords : array-like, shape (n, 2)
    hover : list of str, optional
        Hover text per stimulus (captions, categories ...).
    images : sequence of PIL images, optional
        Drawn as thumbnails at the points (embedded as small JPEGs).
    color : list of str, optional
        A category per stimulus, used for marker colours and the legend.
    thumb_size : float
        Thumbnail size as a fraction of the axis range.
    """
    import plotly.graph_objects as go

    use_book_template()
    xy = check_matrix(coords, "coords", ndim=2, min_rows=2)
    if xy.shape[1] != 2:
        raise ValueError(f"coords must have 2 columns; got {xy.shape[1]}")
    n = xy.shape[0]
    for arg, name in ((hover, "hover"), (images, "images"), (color, "color")):
        if arg is not None and len(arg) != n:
            raise ValueError(f"{name} has {len(arg)} entries for {n} points")
    text = [_wrap(h) for h in hover] if hover is not None else [f"#{i}" for i in range(n)]
    fig = go.Figure()
    groups = (
        {None: np.arange(n)}
        if color is None
        else {g: np.flatnonzero(np.asarray(color, dtype=object) == g) for g in dict.fromkeys(color)}
    )
    for g, idx in groups.items():
        fig.add_trace(
            go.Scatter(
                x=xy[idx, 0],
                y=xy[idx, 1],
                mode="markers",
                name=str(g) if g is not None else "stimuli",
                text=[text[i] for i in idx],
                hovertemplate="%{text}<extra></extra>",
                marker=dict(size=9 if images is None else 7, opacity=0.9, line=dict(width=1, color="white")),
                showlegend=g is not None,
            )
        )
    span = float(np.ptp(xy, axis=0).max()) or 1.0
    if images is not None:
        size = thumb_size * span
        fig.update_layout(
            images=[_thumbnail(thumbnail_uri(images[i], 64), xy[i, 0], xy[i, 1], size, layer="below") for i in range(n)]
        )
    pad = 0.08 * span
    fig.update_xaxes(range=[xy[:, 0].min() - pad, xy[:, 0].max() + pad], title="MDS dimension 1", zeroline=False)
    fig.update_yaxes(
        range=[xy[:, 1].min() - pad, xy[:, 1].max() + pad], title="MDS dimension 2", zeroline=False, scaleanchor="x"
    )
    fig.update_layout(title=title, height=height)
    return fig


def scene_grid(stimuli, indices, ncols: int = 4, caption_chars: int = 70, height_per_row: int = 260):
    """A grid of scenes with their first caption as subplot titles (images embedded as JPEG)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    use_book_template()
    indices = [int(i) for i in indices]
    if not indices:
        raise ValueError("indices is empty")
    nrows = -(-len(indices) // ncols)
    titles = []
    for i in indices:
        cap = stimuli.captions[i][0]
        cap = cap if len(cap) <= caption_chars else cap[: caption_chars - 1] + "…"
        titles.append(_wrap(f"#{i}: {cap}", 34))
    fig = make_subplots(
        rows=nrows, cols=ncols, subplot_titles=titles, vertical_spacing=0.12 / nrows + 0.06, horizontal_spacing=0.02
    )
    images = stimuli.images
    for k, i in enumerate(indices):
        fig.add_trace(
            go.Image(source=thumbnail_uri(images[i], 200), hoverinfo="skip"), row=k // ncols + 1, col=k % ncols + 1
        )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_annotations(font_size=11)
    fig.update_layout(height=height_per_row * nrows + 40, margin=dict(l=10, r=10, t=70, b=10))
    return fig


def labelled_scatter(
    x, y, labels, sizes=None, title: str | None = None, xlabel: str = "", ylabel: str = "", height: int = 420
):
    """Scatter of points with a hover label each (e.g. categories); ``sizes`` scales the markers."""
    import plotly.graph_objects as go

    use_book_template()
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1 or len(labels) != x.size:
        raise ValueError(f"x, y and labels must have one entry per point; got {x.shape}, {y.shape}, {len(labels)}")
    marker = dict(size=10, opacity=0.85, line=dict(width=1, color="white"))
    if sizes is not None:
        s = np.asarray(sizes, dtype=float)
        marker["size"] = 6 + 18 * np.sqrt(s / s.max())
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=y,
            mode="markers",
            text=[str(t) for t in labels],
            marker=marker,
            hovertemplate="<b>%{text}</b><br>"
            + (xlabel or "x")
            + " %{x:.3f}<br>"
            + (ylabel or "y")
            + " %{y:.3f}<extra></extra>",
        )
    )
    return fig.update_layout(title=title, xaxis_title=xlabel, yaxis_title=ylabel, height=height)


def retrieval_picker(
    queries,
    retrieved,
    hits,
    images=None,
    title: str | None = None,
    query_label: str = "query",
    item_label: str = "retrieved",
    height: int = 420,
):
    """A dropdown that shows, for the chosen query, its ranked retrieved items (and its image).

    Works in the static book: every query's table (and thumbnail) is in the figure and the
    dropdown (plotly ``updatemenus``) only toggles which one is visible; no kernel is needed.

    Parameters
    ----------
    queries : list of str
        Dropdown labels, one per query (keep it to a few dozen: every table is embedded).
    retrieved : list of list of str
        Ranked retrieved items per query.
    hits : list of list of bool
        Marks the query's true partner(s) among ``retrieved`` (highlighted).
    images : sequence of PIL images, optional
        One image per query, shown left of the table.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    use_book_template()
    n = len(queries)
    if n == 0 or len(retrieved) != n or len(hits) != n or (images is not None and len(images) != n):
        raise ValueError("queries, retrieved, hits (and images) must be non-empty and of equal length")
    with_img = images is not None
    fig = (
        make_subplots(
            rows=1,
            cols=2,
            column_widths=[0.3, 0.7],
            horizontal_spacing=0.02,
            specs=[[{"type": "xy"}, {"type": "table"}]],
        )
        if with_img
        else go.Figure()
    )
    for i in range(n):
        fill = [["#fde4b8" if h else "white" for h in hits[i]]] * 2
        table = go.Table(
            header=dict(values=["rank", item_label], align="left", fill_color="#e8eef6"),
            cells=dict(
                values=[[f"{r + 1}{' ✓' if h else ''}" for r, h in enumerate(hits[i])], [str(t) for t in retrieved[i]]],
                align="left",
                fill_color=fill,
                height=24,
            ),
            columnwidth=[0.12, 0.88],
            visible=i == 0,
        )
        if with_img:
            fig.add_trace(
                go.Image(source=thumbnail_uri(images[i], 220), hoverinfo="skip", visible=i == 0), row=1, col=1
            )
            fig.add_trace(table, row=1, col=2)
        else:
            fig.add_trace(table)
    per = 2 if with_img else 1
    buttons = [
        dict(label=str(q)[:60], method="update", args=[{"visible": [j // per == i for j in range(per * n)]}])
        for i, q in enumerate(queries)
    ]
    fig.update_layout(
        title=title,
        height=height,
        margin=dict(l=10, r=10, t=90, b=10),
        updatemenus=[
            dict(
                buttons=buttons,
                direction="down",
                x=0.0,
                xanchor="left",
                y=1.13,
                yanchor="top",
                showactive=True,
                active=0,
            )
        ],
        annotations=[
            dict(text=f"pick a {query_label}:", x=0, xref="paper", y=1.2, yref="paper", showarrow=False, xanchor="left")
        ],
    )
    if with_img:
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    return fig


# ----------------------------------------------------------------- Multiple Arrangements (chapter 2)
#: The most items that :func:`arena_figure` labels with their index (more overlap at the book's sizes).
_ARENA_NUMBERED = 30


def arena_figure(positions, labels=None, title: str | None = None, size: int = 460):
    """One MA trial in its circular arena (radius 1): items as points, hover shows ``labels``.

    Up to 30 items also carry their index as a label; more would overlap, so they
    are identified by hovering only.
    """
    import plotly.graph_objects as go

    pos = check_matrix(positions, "positions", ndim=2)
    labels = [str(i) for i in range(pos.shape[0])] if labels is None else _check_labels(labels, pos.shape[0])
    numbered = len(labels) <= _ARENA_NUMBERED
    fig = go.Figure(
        go.Scatter(
            x=pos[:, 0],
            y=pos[:, 1],
            mode="markers+text" if numbered else "markers",
            text=[str(i) for i in range(len(labels))] if numbered else None,
            textposition="top center",
            hovertext=labels,
            hoverinfo="text",
            marker=dict(size=11, color=OKABE_ITO[0]),
        )
    )
    fig.add_shape(type="circle", x0=-1, y0=-1, x1=1, y1=1, line=dict(color="#888"))
    fig.update_xaxes(range=[-1.1, 1.1], visible=False)
    fig.update_yaxes(range=[-1.1, 1.1], visible=False, scaleanchor="x")
    fig.update_layout(title=title, width=size, height=size, showlegend=False)
    return fig


def arrangement_replay(trials, labels, title: str | None = None, size: int = 520, images=None, thumb: float = 0.2):
    """A recorded MA session as one figure with a slider over trials (works on a static page).

    ``trials`` holds ``(item_indices, positions)`` pairs whose indices point into ``labels`` (and into
    ``images`` when given: each item is then drawn as its thumbnail, ``thumb`` arena units wide).
    Each slider step restyles the points and relayouts the thumbnails (plotly's ``update``).
    """
    import plotly.graph_objects as go

    uri = {}
    if images is not None:
        used = sorted({int(i) for idx, _ in trials for i in np.asarray(idx)})
        uri = {i: thumbnail_uri(images[i], 64) for i in used}
    states = []
    for idx, pos in trials:
        idx, pos = np.asarray(idx), np.asarray(pos, dtype=float)
        points = dict(
            x=[pos[:, 0].tolist()],
            y=[pos[:, 1].tolist()],
            text=[[str(i) for i in idx]],
            hovertext=[[labels[i] for i in idx]],
        )
        thumbs = [_thumbnail(uri[int(i)], x, y, thumb, layer="above") for i, (x, y) in zip(idx, pos)] if uri else []
        states.append((points, dict(images=thumbs)))
    first = {k: v[0] for k, v in states[0][0].items()}
    fig = go.Figure(
        go.Scatter(
            **first,
            mode="markers" if uri else "markers+text",
            textposition="top center",
            hoverinfo="text",
            marker=dict(size=28 if uri else 10, color=OKABE_ITO[0], opacity=0.25 if uri else 1),
        )
    )
    fig.add_shape(type="circle", x0=-1, y0=-1, x1=1, y1=1, line=dict(color="#888"))
    steps = [dict(method="update", label=str(t + 1), args=list(state)) for t, state in enumerate(states)]
    fig.update_layout(
        title=title,
        width=size,
        height=size + 60,
        showlegend=False,
        images=states[0][1]["images"],
        sliders=[dict(steps=steps, currentvalue=dict(prefix="trial "), pad=dict(t=30))],
    )
    fig.update_xaxes(range=[-1.15, 1.15], visible=False)
    fig.update_yaxes(range=[-1.15, 1.15], visible=False, scaleanchor="x")
    return fig
