"""RDM heatmaps and pair scatters."""

from __future__ import annotations

import numpy as np

from repalign.core.validation import check_matrix
from repalign.plotting.style import (
    OKABE_ITO,
    SEQUENTIAL,
    _check_labels,
    use_book_template,
)
from repalign.rdm.compute import to_square

__all__ = ["pair_scatter", "rdm_heatmap", "rdm_heatmaps", "score_heatmap"]


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
        z=z,
        x=labels,
        y=labels,
        coloraxis=coloraxis,
        customdata=d,
        hovertemplate="<b>%{y}</b><br>vs <b>%{x}</b><br>dissimilarity %{customdata:.3f}"
        + (f"<br>{what} %{{z:.0f}}" if rank else "")
        + "<extra></extra>",
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
        title=title,
        height=height,
        width=height + 80,
        coloraxis=dict(colorscale=SEQUENTIAL, colorbar=dict(title="rank %" if rank else "dissimilarity")),
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


def rdm_heatmaps(
    rdms: dict,
    labels=None,
    title: str | None = None,
    rank: bool = True,
    order=None,
    ncols: int = 2,
    panel_size: int = 300,
):
    """Several RDMs in a grid (``ncols`` per row), coloured by rank percentile by default.

    ``order`` (a permutation, e.g. :func:`repalign.rdm.cluster_order` of one RDM) is applied to all
    panels, so the same block of stimuli sits at the same place in each.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    use_book_template()
    if not isinstance(rdms, dict) or not rdms:
        raise TypeError("rdms must be a non-empty dict mapping titles to RDMs")
    mats = {k: to_square(v, name=f"rdms[{k!r}]") for k, v in rdms.items()}
    sizes = {m.shape[0] for m in mats.values()}
    if len(sizes) != 1:
        raise ValueError(f"rdms hold different numbers of stimuli: {sorted(sizes)}")
    n = sizes.pop()
    labels = _check_labels(labels, n)
    ncols = min(ncols, len(mats))
    nrows = -(-len(mats) // ncols)
    fig = make_subplots(
        rows=nrows, cols=ncols, subplot_titles=list(mats), horizontal_spacing=0.04, vertical_spacing=0.08
    )
    for k, d in enumerate(mats.values()):
        d, lab = _reorder(d, labels, order)
        row, col = k // ncols + 1, k % ncols + 1
        fig.add_trace(_heatmap_trace(d, lab, rank), row=row, col=col)
        fig.update_xaxes(showticklabels=False, row=row, col=col)
        fig.update_yaxes(
            showticklabels=False, autorange="reversed", row=row, col=col, scaleanchor=f"x{k + 1 if k else ''}"
        )
    fig.update_layout(
        title=title,
        height=panel_size * nrows + 150,
        # the colour bar lies under the panels, so that two panels fit the book's text column (~690 px)
        width=panel_size * ncols + 60,
        coloraxis=dict(
            colorscale=SEQUENTIAL,
            colorbar=dict(
                title=dict(text="rank %" if rank else "dissimilarity", side="top"),
                orientation="h",
                x=0.5,
                xanchor="center",
                y=-0.04,
                yanchor="top",
                len=0.6,
                thickness=12,
            ),
        ),
    )
    return go.Figure(fig)


def pair_scatter(
    a,
    b,
    labels=None,
    xlabel: str = "RDM a",
    ylabel: str = "RDM b",
    title: str | None = None,
    max_chars: int = 40,
    height: int = 480,
):
    """Scatter of the pairwise dissimilarities of two RDMs; hovering a point names its two stimuli."""
    import plotly.graph_objects as go

    use_book_template()
    x, y = to_square(a, name="a"), to_square(b, name="b")
    if x.shape != y.shape:
        raise ValueError(f"a and b describe different numbers of stimuli ({x.shape[0]} vs {y.shape[0]})")
    labels = _check_labels(labels, x.shape[0])
    short = [lab if len(lab) <= max_chars else lab[: max_chars - 1] + "…" for lab in labels]
    iu, ju = np.triu_indices(x.shape[0], k=1)
    text = [f"{short[i]}<br>vs {short[j]}" for i, j in zip(iu, ju)]
    fig = go.Figure(
        go.Scattergl(
            x=x[iu, ju],
            y=y[iu, ju],
            mode="markers",
            text=text,
            marker=dict(size=4, opacity=0.45, color=OKABE_ITO[0]),
            hovertemplate="%{text}<br>x %{x:.3f}, y %{y:.3f}<extra></extra>",
        )
    )
    fig.update_layout(title=title, xaxis_title=xlabel, yaxis_title=ylabel, height=height)
    return fig


def score_heatmap(
    scores,
    rows,
    cols,
    ci=None,
    mark=None,
    title: str | None = None,
    xlabel: str = "",
    ylabel: str = "",
    zlabel: str = "score",
    height: int = 460,
):
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
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=cols,
            y=rows,
            text=text,
            coloraxis="coloraxis",
            hovertemplate=f"{ylabel or 'row'} %{{y}} × {xlabel or 'column'} %{{x}}<br>{zlabel} %{{z:.3f}}%{{text}}<extra></extra>",
        )
    )
    if mark is not None:
        r, c = rows.index(str(mark[0])), cols.index(str(mark[1]))
        fig.add_shape(type="rect", x0=c - 0.5, x1=c + 0.5, y0=r - 0.5, y1=r + 0.5, line=dict(color="#D55E00", width=3))
    fig.update_layout(
        title=title,
        height=height,
        coloraxis=dict(colorbar=dict(title=zlabel)),
        xaxis=dict(title=xlabel, type="category"),
        yaxis=dict(title=ylabel, type="category"),
    )
    return fig
