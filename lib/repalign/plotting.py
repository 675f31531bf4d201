"""Plotly figures for the book: one template, colour-blind-safe scales, stimulus-aware hovers."""

from __future__ import annotations

import base64
import io
import textwrap

import numpy as np

from ._validation import check_matrix
from .rdm import to_square

__all__ = [
    "TEMPLATE_NAME",
    "use_book_template",
    "hover_labels",
    "rdm_heatmap",
    "rdm_heatmaps",
    "mds_scatter",
    "bootstrap_histogram",
    "scene_grid",
    "layer_profile",
    "precision_curves",
    "grouped_bars",
    "labelled_scatter",
    "retrieval_picker",
]

TEMPLATE_NAME = "repalign"
#: Okabe & Ito's colour-blind-safe qualitative palette.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
#: Sequential scale for dissimilarities (perceptually uniform, colour-blind safe).
SEQUENTIAL = "Cividis"


def use_book_template() -> str:
    """Register the book's plotly template and make it the default; returns its name."""
    import plotly.graph_objects as go
    import plotly.io as pio

    if TEMPLATE_NAME not in pio.templates:
        t = go.layout.Template(pio.templates["plotly_white"])
        t.layout.font = dict(family="Inter, Helvetica, Arial, sans-serif", size=13, color="#222")
        t.layout.colorway = OKABE_ITO
        t.layout.title = dict(x=0.02, xanchor="left", font=dict(size=16))
        t.layout.margin = dict(l=60, r=30, t=60, b=50)
        t.layout.hoverlabel = dict(font=dict(size=12), align="left")
        t.layout.coloraxis = dict(colorscale=SEQUENTIAL)
        pio.templates[TEMPLATE_NAME] = t
    pio.templates.default = TEMPLATE_NAME
    return TEMPLATE_NAME


def _wrap(text: str, width: int = 48) -> str:
    return "<br>".join(textwrap.wrap(str(text), width)) or " "


def hover_labels(stimuli, n_chars: int = 60) -> list[str]:
    """Short unique hover labels for a :class:`~repalign.stimuli.StimulusSet`: index, COCO id, caption."""
    labels = []
    for i, (cid, caps) in enumerate(zip(stimuli.ids, stimuli.captions)):
        cap = caps[0] if len(caps[0]) <= n_chars else caps[0][: n_chars - 1] + "…"
        labels.append(f"#{i} (COCO {cid}): {cap}")
    return labels


def _rank_percent(d: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    iu = np.triu_indices(d.shape[0], k=1)
    r = np.zeros_like(d)
    r[iu] = 100 * (rankdata(d[iu]) - 1) / max(1, iu[0].size - 1)
    return r + r.T


def _heatmap_trace(d, labels, rank, coloraxis="coloraxis"):
    import plotly.graph_objects as go

    z = _rank_percent(d) if rank else d.copy()
    if not rank:  # the zero diagonal would stretch the scale: start it at the smallest pair
        np.fill_diagonal(z, d[np.triu_indices(d.shape[0], k=1)].min())
    what = "rank (percentile)" if rank else "dissimilarity"
    return go.Heatmap(
        z=z, x=labels, y=labels, coloraxis=coloraxis,
        customdata=d,
        hovertemplate="<b>%{y}</b><br>vs <b>%{x}</b><br>dissimilarity %{customdata:.3f}"
                      + (f"<br>{what} %{{z:.0f}}" if rank else "") + "<extra></extra>",
    )


def rdm_heatmap(rdm, labels=None, title: str | None = None, rank: bool = False, order=None, height: int = 560):
    """Interactive heatmap of one RDM; hovering a cell shows both stimuli and their dissimilarity.

    Parameters
    ----------
    rdm : array-like
        Square or condensed RDM.
    labels : list of str, optional
        One unique label per stimulus (e.g. :func:`hover_labels`); shown on hover.
    title : str, optional
    rank : bool
        Colour by rank percentile of the dissimilarity (comparable across RDMs of different
        scales, as in rsatoolbox's displays); the hover still shows the raw value.
    order : array-like of int, optional
        Display order of the stimuli (e.g. :func:`repalign.rdm.cluster_order`).
    """
    import plotly.graph_objects as go

    use_book_template()
    d = to_square(rdm)
    labels = _check_labels(labels, d.shape[0])
    d, labels = _reorder(d, labels, order)
    fig = go.Figure(_heatmap_trace(d, labels, rank))
    fig.update_layout(
        title=title, height=height, width=height + 80,
        coloraxis=dict(colorscale=SEQUENTIAL,
                       colorbar=dict(title="rank %" if rank else "dissimilarity")),
    )
    fig.update_xaxes(showticklabels=False, title="stimulus", constrain="domain")
    fig.update_yaxes(showticklabels=False, title="stimulus", autorange="reversed", scaleanchor="x")
    return fig


def _reorder(d: np.ndarray, labels: list, order):
    if order is None:
        return d, labels
    order = np.asarray(order)
    if order.shape != (d.shape[0],) or not np.array_equal(np.sort(order), np.arange(d.shape[0])):
        raise ValueError(f"order must be a permutation of range({d.shape[0]})")
    return d[np.ix_(order, order)], [labels[i] for i in order]


def rdm_heatmaps(rdms: dict, labels=None, title: str | None = None, rank: bool = True, order=None,
                 ncols: int = 2, panel_size: int = 300):
    """Several RDMs in a grid (``ncols`` per row), coloured by rank percentile by default.

    ``order`` (a permutation, e.g. :func:`repalign.rdm.cluster_order` of one RDM) is applied to all
    panels, so the same block of stimuli sits at the same place in each.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    use_book_template()
    if not isinstance(rdms, dict) or not rdms:
        raise TypeError("rdms must be a non-empty dict mapping titles to RDMs")
    mats = {k: to_square(v, f"rdms[{k!r}]") for k, v in rdms.items()}
    sizes = {m.shape[0] for m in mats.values()}
    if len(sizes) != 1:
        raise ValueError(f"rdms hold different numbers of stimuli: {sorted(sizes)}")
    n = sizes.pop()
    labels = _check_labels(labels, n)
    ncols = min(ncols, len(mats))
    nrows = -(-len(mats) // ncols)
    fig = make_subplots(rows=nrows, cols=ncols, subplot_titles=list(mats), horizontal_spacing=0.04,
                        vertical_spacing=0.08)
    for k, d in enumerate(mats.values()):
        d, lab = _reorder(d, labels, order)
        row, col = k // ncols + 1, k % ncols + 1
        fig.add_trace(_heatmap_trace(d, lab, rank), row=row, col=col)
        fig.update_xaxes(showticklabels=False, row=row, col=col)
        fig.update_yaxes(showticklabels=False, autorange="reversed", row=row, col=col,
                         scaleanchor=f"x{k + 1 if k else ''}")
    fig.update_layout(title=title, height=panel_size * nrows + 90, width=panel_size * ncols + 170,
                      coloraxis=dict(colorscale=SEQUENTIAL,
                                     colorbar=dict(title="rank %" if rank else "dissimilarity")))
    return go.Figure(fig)


def _check_labels(labels, n: int) -> list[str]:
    if labels is None:
        return [f"#{i}" for i in range(n)]
    labels = [str(x) for x in labels]
    if len(labels) != n:
        raise ValueError(f"labels has {len(labels)} entries for {n} stimuli")
    if len(set(labels)) != n:
        raise ValueError("labels must be unique (they name the heatmap's rows and columns)")
    return labels


def _thumbnail_uri(img, size: int) -> str:
    thumb = img.convert("RGB").copy()
    thumb.thumbnail((size, size))
    buf = io.BytesIO()
    thumb.save(buf, format="JPEG", quality=70)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()


def mds_scatter(coords, hover=None, images=None, color=None, title: str | None = None,
                thumb_size: float = 0.07, height: int = 620):
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
    groups = {None: np.arange(n)} if color is None else {
        g: np.flatnonzero(np.asarray(color, dtype=object) == g) for g in dict.fromkeys(color)}
    for g, idx in groups.items():
        fig.add_trace(go.Scatter(
            x=xy[idx, 0], y=xy[idx, 1], mode="markers", name=str(g) if g is not None else "stimuli",
            text=[text[i] for i in idx], hovertemplate="%{text}<extra></extra>",
            marker=dict(size=9 if images is None else 7, opacity=0.9, line=dict(width=1, color="white")),
            showlegend=g is not None,
        ))
    span = float(np.ptp(xy, axis=0).max()) or 1.0
    if images is not None:
        size = thumb_size * span
        fig.update_layout(images=[
            dict(source=_thumbnail_uri(images[i], 64), x=xy[i, 0], y=xy[i, 1], xref="x", yref="y",
                 sizex=size, sizey=size, xanchor="center", yanchor="middle", layer="below")
            for i in range(n)])
    pad = 0.08 * span
    fig.update_xaxes(range=[xy[:, 0].min() - pad, xy[:, 0].max() + pad], title="MDS dimension 1", zeroline=False)
    fig.update_yaxes(range=[xy[:, 1].min() - pad, xy[:, 1].max() + pad], title="MDS dimension 2",
                     zeroline=False, scaleanchor="x")
    fig.update_layout(title=title, height=height)
    return fig


def bootstrap_histogram(result, title: str | None = None, xlabel: str = "correlation"):
    """Histogram of a :class:`~repalign.stats.BootstrapResult` with its estimate and interval."""
    import plotly.graph_objects as go

    use_book_template()
    fig = go.Figure(go.Histogram(x=result.distribution, nbinsx=40, name="bootstrap samples",
                                 marker_color=OKABE_ITO[4], hovertemplate="%{x}: %{y}<extra></extra>"))
    fig.add_vline(x=result.estimate, line_color=OKABE_ITO[5], line_width=3,
                  annotation_text=f"estimate {result.estimate:.3f}", annotation_position="top")
    for v in (result.ci_low, result.ci_high):
        fig.add_vline(x=v, line_dash="dash", line_color=OKABE_ITO[7])
    fig.update_layout(title=title or f"{result.confidence:.0%} CI [{result.ci_low:.3f}, {result.ci_high:.3f}]",
                      xaxis_title=xlabel, yaxis_title="bootstrap samples", height=360, showlegend=False)
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
    fig = make_subplots(rows=nrows, cols=ncols, subplot_titles=titles, vertical_spacing=0.12 / nrows + 0.06,
                        horizontal_spacing=0.02)
    images = stimuli.images
    for k, i in enumerate(indices):
        fig.add_trace(go.Image(source=_thumbnail_uri(images[i], 200), hoverinfo="skip"),
                      row=k // ncols + 1, col=k % ncols + 1)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_annotations(font_size=11)
    fig.update_layout(height=height_per_row * nrows + 40, margin=dict(l=10, r=10, t=70, b=10))
    return fig


def layer_profile(values: dict, title: str | None = None, ylabel: str = "Spearman ρ",
                  errors: dict | None = None):
    """Line plot of a score per layer; ``values`` maps a series name to ``{layer: score}``."""
    import plotly.graph_objects as go

    use_book_template()
    fig = go.Figure()
    for name, series in values.items():
        layers, scores = list(series), list(series.values())
        err = None
        if errors and name in errors:
            lo, hi = zip(*(errors[name][k] for k in layers))
            err = dict(type="data", symmetric=False, array=np.array(hi) - scores, arrayminus=np.array(scores) - lo)
        fig.add_trace(go.Scatter(x=layers, y=scores, mode="lines+markers", name=name, error_y=err,
                                 hovertemplate="%{x}: %{y:.3f}<extra>" + name + "</extra>"))
    fig.update_layout(title=title, yaxis_title=ylabel, xaxis_title="layer", height=380)
    return fig


def precision_curves(curves: dict, errors: dict | None = None, chance: dict | None = None,
                     title: str | None = None, dashed=(), height: int = 420):
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
        err = None
        if errors and name in errors:
            lo, hi = (np.array(v, dtype=float) for v in zip(*(errors[name][k] for k in series)))
            err = dict(type="data", symmetric=False, array=hi - p, arrayminus=p - lo, thickness=1.2)
        fig.add_trace(go.Scatter(x=ks, y=p, mode="lines+markers", name=name, error_y=err,
                                 line=dict(dash="dash" if name in dashed else "solid"),
                                 hovertemplate="P@%{x} = %{y:.3f}<extra>" + name + "</extra>"))
    if chance:
        fig.add_trace(go.Scatter(x=[int(k) for k in chance], y=list(chance.values()), mode="lines", name="chance",
                                 line=dict(color="black", dash="dot"),
                                 hovertemplate="chance P@%{x} = %{y:.3f}<extra></extra>"))
    fig.update_xaxes(type="log", title="k (candidates returned)")
    fig.update_yaxes(title="P@k (true partner among the top k)", range=[0, 1.02])
    fig.update_layout(title=title, height=height)
    return fig


def grouped_bars(values: dict, errors: dict | None = None, title: str | None = None,
                 xlabel: str = "", ylabel: str = "", height: int = 400):
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
        fig.add_trace(go.Bar(x=groups, y=v, name=name, error_y=err,
                             hovertemplate="%{x}: %{y:.3f}<extra>" + name + "</extra>"))
    fig.update_layout(title=title, barmode="group", xaxis_title=xlabel, yaxis_title=ylabel, height=height)
    return fig


def labelled_scatter(x, y, labels, sizes=None, title: str | None = None, xlabel: str = "", ylabel: str = "",
                     height: int = 420):
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
    fig = go.Figure(go.Scatter(x=x, y=y, mode="markers", text=[str(t) for t in labels], marker=marker,
                               hovertemplate="<b>%{text}</b><br>" + (xlabel or "x") + " %{x:.3f}<br>"
                                             + (ylabel or "y") + " %{y:.3f}<extra></extra>"))
    fig.update_layout(title=title, xaxis_title=xlabel, yaxis_title=ylabel, height=height)
    return fig


def retrieval_picker(queries, retrieved, hits, images=None, title: str | None = None,
                     query_label: str = "query", item_label: str = "retrieved", height: int = 420):
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
    fig = (make_subplots(rows=1, cols=2, column_widths=[0.3, 0.7], horizontal_spacing=0.02,
                         specs=[[{"type": "xy"}, {"type": "table"}]]) if with_img else go.Figure())
    for i in range(n):
        fill = [["#fde4b8" if h else "white" for h in hits[i]]] * 2
        table = go.Table(
            header=dict(values=["rank", item_label], align="left", fill_color="#e8eef6"),
            cells=dict(values=[[f"{r + 1}{' ✓' if h else ''}" for r, h in enumerate(hits[i])],
                               [str(t) for t in retrieved[i]]], align="left", fill_color=fill, height=24),
            columnwidth=[0.12, 0.88], visible=i == 0)
        if with_img:
            fig.add_trace(go.Image(source=_thumbnail_uri(images[i], 220), hoverinfo="skip", visible=i == 0), row=1, col=1)
            fig.add_trace(table, row=1, col=2)
        else:
            fig.add_trace(table)
    per = 2 if with_img else 1
    buttons = [dict(label=str(q)[:60], method="update",
                    args=[{"visible": [j // per == i for j in range(per * n)]}])
               for i, q in enumerate(queries)]
    fig.update_layout(
        title=title, height=height, margin=dict(l=10, r=10, t=90, b=10),
        updatemenus=[dict(buttons=buttons, direction="down", x=0.0, xanchor="left", y=1.13, yanchor="top",
                          showactive=True, active=0)],
        annotations=[dict(text=f"pick a {query_label}:", x=0, xref="paper", y=1.2, yref="paper",
                          showarrow=False, xanchor="left")])
    if with_img:
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    return fig


# ----------------------------------------------------------------- Multiple Arrangements (chapter 2)
def arena_figure(positions, labels=None, title: str | None = None, size: int = 460):
    """One MA trial in its circular arena (radius 1): items as labelled points, hover shows ``labels``."""
    import plotly.graph_objects as go

    pos = check_matrix(positions, "positions", ndim=2)
    labels = [str(i) for i in range(pos.shape[0])] if labels is None else _check_labels(labels, pos.shape[0])
    fig = go.Figure(go.Scatter(x=pos[:, 0], y=pos[:, 1], mode="markers+text", text=[str(i) for i in range(len(labels))],
                               textposition="top center", hovertext=labels, hoverinfo="text",
                               marker=dict(size=11, color=OKABE_ITO[0])))
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
        uri = {i: _thumbnail_uri(images[i], 64) for i in used}
    states = []
    for idx, pos in trials:
        idx, pos = np.asarray(idx), np.asarray(pos, dtype=float)
        points = dict(x=[pos[:, 0].tolist()], y=[pos[:, 1].tolist()], text=[[str(i) for i in idx]],
                      hovertext=[[labels[i] for i in idx]])
        thumbs = [dict(source=uri[int(i)], x=x, y=y, xref="x", yref="y", sizex=thumb, sizey=thumb,
                       xanchor="center", yanchor="middle", layer="above") for i, (x, y) in zip(idx, pos)] if uri else []
        states.append((points, dict(images=thumbs)))
    first = {k: v[0] for k, v in states[0][0].items()}
    fig = go.Figure(go.Scatter(**first, mode="markers" if uri else "markers+text", textposition="top center",
                               hoverinfo="text", marker=dict(size=28 if uri else 10, color=OKABE_ITO[0],
                                                             opacity=0.25 if uri else 1)))
    fig.add_shape(type="circle", x0=-1, y0=-1, x1=1, y1=1, line=dict(color="#888"))
    steps = [dict(method="update", label=str(t + 1), args=list(state)) for t, state in enumerate(states)]
    fig.update_layout(title=title, width=size, height=size + 60, showlegend=False, images=states[0][1]["images"],
                      sliders=[dict(steps=steps, currentvalue=dict(prefix="trial "), pad=dict(t=30))])
    fig.update_xaxes(range=[-1.15, 1.15], visible=False)
    fig.update_yaxes(range=[-1.15, 1.15], visible=False, scaleanchor="x")
    return fig


def pair_scatter(a, b, labels=None, xlabel: str = "RDM a", ylabel: str = "RDM b", title: str | None = None,
                 max_chars: int = 40, height: int = 480):
    """Scatter of the pairwise dissimilarities of two RDMs; hovering a point names its two stimuli."""
    import plotly.graph_objects as go

    use_book_template()
    x, y = to_square(a, "a"), to_square(b, "b")
    if x.shape != y.shape:
        raise ValueError(f"a and b describe different numbers of stimuli ({x.shape[0]} vs {y.shape[0]})")
    labels = _check_labels(labels, x.shape[0])
    short = [lab if len(lab) <= max_chars else lab[: max_chars - 1] + "…" for lab in labels]
    iu, ju = np.triu_indices(x.shape[0], k=1)
    text = [f"{short[i]}<br>vs {short[j]}" for i, j in zip(iu, ju)]
    fig = go.Figure(go.Scattergl(
        x=x[iu, ju], y=y[iu, ju], mode="markers", text=text,
        marker=dict(size=4, opacity=0.45, color=OKABE_ITO[0]),
        hovertemplate="%{text}<br>x %{x:.3f}, y %{y:.3f}<extra></extra>"))
    fig.update_layout(title=title, xaxis_title=xlabel, yaxis_title=ylabel, height=height)
    return fig


def curves_with_bands(curves: dict, xlabel: str, ylabel: str, title: str | None = None, height: int = 380):
    """Lines with ±1 SD bands; ``curves`` maps a name to ``{x: (mean, sd)}`` (or ``{x: value}``)."""
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
            fig.add_trace(go.Scatter(x=xs + xs[::-1], y=list(mean + sd) + list((mean - sd)[::-1]), fill="toself",
                                     line=dict(width=0), fillcolor=colour, opacity=0.2, hoverinfo="skip",
                                     showlegend=False))
        fig.add_trace(go.Scatter(x=xs, y=mean, mode="lines+markers", name=name, line=dict(color=colour),
                                 hovertemplate="%{x}: %{y:.3f}<extra>" + name + "</extra>"))
    fig.update_layout(title=title, xaxis_title=xlabel, yaxis_title=ylabel, height=height)
    return fig


def blt_diagram(n_layers: int = 4, timesteps: int = 3, channels=None, title: str | None = None, height: int = 420):
    """The BLT network unrolled in time: one node per (layer, timestep), arrows for the bottom-up (B),
    lateral (L) and top-down (T) convolutions and the readout (Spoerer et al. 2017)."""
    import plotly.graph_objects as go

    use_book_template()
    colours = {"bottom-up": OKABE_ITO[0], "lateral": OKABE_ITO[1], "top-down": OKABE_ITO[2], "readout": OKABE_ITO[5]}
    fig = go.Figure()

    def arrow(x0, y0, x1, y1, kind):
        fig.add_annotation(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y", showarrow=True,
                           arrowhead=2, arrowsize=1.2, arrowwidth=2, arrowcolor=colours[kind], opacity=0.9)

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
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers+text", text=[f"L{i + 1}" for i in ys], showlegend=False,
                             marker=dict(size=34, color="white", line=dict(width=2, color="#444")),
                             hovertext=[f"{s}, timestep {t + 1}" for s, t in zip(text, xs)], hoverinfo="text"))
    fig.add_trace(go.Scatter(x=list(range(timesteps)), y=[-0.85] * timesteps, mode="text", showlegend=False,
                             text=["image"] * timesteps, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=list(range(timesteps)), y=[n_layers - 0.2] * timesteps, mode="text", showlegend=False,
                             text=["readout"] * timesteps, hoverinfo="skip"))
    for kind, colour in colours.items():  # legend entries for the arrow kinds
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=dict(color=colour, width=3), name=kind))
    fig.update_xaxes(tickvals=list(range(timesteps)), ticktext=[f"t = {t + 1}" for t in range(timesteps)],
                     range=[-0.5, timesteps - 0.5], showgrid=False, zeroline=False)
    fig.update_yaxes(visible=False, range=[-1.1, n_layers + 0.1])
    fig.update_layout(title=title, height=height, legend=dict(orientation="h", y=-0.08))
    return fig


def score_heatmap(scores, rows, cols, ci=None, mark=None, title: str | None = None, xlabel: str = "",
                  ylabel: str = "", zlabel: str = "score", height: int = 460):
    """Heatmap of a score for every (row, column) pair, e.g. vision layer x text layer.

    ``ci`` is an optional ``(low, high)`` pair of arrays shown on hover with the score; ``mark``
    names one ``(row, column)`` cell to outline (e.g. the pair chosen on held-out items).
    """
    import plotly.graph_objects as go

    use_book_template()
    z = check_matrix(scores, "scores")
    rows, cols = [str(r) for r in rows], [str(c) for c in cols]
    if z.shape != (len(rows), len(cols)):
        raise ValueError(f"scores has shape {z.shape}; rows and cols give {(len(rows), len(cols))}")
    text = np.full(z.shape, "", dtype=object)
    if ci is not None:
        lo, hi = (check_matrix(a, "ci") for a in ci)
        if lo.shape != z.shape or hi.shape != z.shape:
            raise ValueError(f"ci arrays must have the shape of scores {z.shape}")
        text = np.vectorize(lambda a, b: f"<br>95% CI [{a:.3f}, {b:.3f}]")(lo, hi)
    fig = go.Figure(go.Heatmap(
        z=z, x=cols, y=rows, text=text, coloraxis="coloraxis",
        hovertemplate=f"{ylabel or 'row'} %{{y}} × {xlabel or 'column'} %{{x}}<br>{zlabel} %{{z:.3f}}%{{text}}<extra></extra>"))
    if mark is not None:
        r, c = rows.index(str(mark[0])), cols.index(str(mark[1]))
        fig.add_shape(type="rect", x0=c - 0.5, x1=c + 0.5, y0=r - 0.5, y1=r + 0.5, line=dict(color="#D55E00", width=3))
    fig.update_layout(title=title, height=height, coloraxis=dict(colorbar=dict(title=zlabel)),
                      xaxis=dict(title=xlabel, type="category"), yaxis=dict(title=ylabel, type="category"))
    return fig


__all__ += ["score_heatmap"]
