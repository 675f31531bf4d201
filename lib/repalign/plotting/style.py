"""The book's plotly template, colours and labels."""

from __future__ import annotations

import base64
import io
import textwrap

__all__ = ["OKABE_ITO", "SEQUENTIAL", "TEMPLATE_NAME", "hover_labels", "thumbnail_uri", "use_book_template"]


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


def _check_labels(labels, n: int) -> list[str]:
    if labels is None:
        return [f"#{i}" for i in range(n)]
    labels = [str(x) for x in labels]
    if len(labels) != n:
        raise ValueError(f"labels has {len(labels)} entries for {n} stimuli")
    if len(set(labels)) != n:
        raise ValueError("labels must be unique (they name the heatmap's rows and columns)")
    return labels


def thumbnail_uri(img, size: int) -> str:
    """A PNG ``data:`` URI of ``img`` shrunk to fit ``size`` pixels (for figures and the arena)."""
    thumb = img.convert("RGB").copy()
    thumb.thumbnail((size, size))
    buf = io.BytesIO()
    thumb.save(buf, format="JPEG", quality=70)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()
