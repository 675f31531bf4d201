"""Sphinx extension: text alternatives for the figures of executed chapters.

Loaded from ``_config.yml`` (``sphinx: local_extensions: figure_a11y: book/_ext``). Checked by
``tests/sitecheck.py`` (every plotly figure, ``<img>`` and ``<iframe>`` of a page must have a text
alternative or a caption).

Where the text comes from, in order:

1. The cell's own metadata, the keys MyST-NB already defines for image outputs::

       "metadata": {"mystnb": {"image": {"alt": "Planted regions: ..."}}}

   MyST-NB itself applies ``image.alt`` to PNG/JPEG outputs (matplotlib, nilearn) and
   ``"figure": {"caption": "..."}`` wraps any output in a figure with a caption. This extension
   also applies ``image.alt`` to the HTML outputs MyST-NB leaves alone (plotly figures, iframes).
2. For a plotly figure without such metadata: its title (``layout.title.text``), read from the
   ``Plotly.newPlot(id, data, layout, ...)`` call of the ``sphinx_gallery`` renderer's HTML, with
   tags such as ``<br>`` turned into spaces; without a title, its subplot titles (annotations),
   e.g. the captions of ``plotting.scene_grid``. A figure with neither stays unlabelled, and the
   site test reports it: give it a title or the cell metadata above.

A plotly figure's ``<div class="plotly-graph-div">`` gets ``role="img"`` and ``aria-label``; an
``<iframe>`` (nilearn's ``view_img`` viewer) gets ``title``. Figures inside widgets (saved widget
state) are labelled from their titles too. Nothing else of the output changes.
"""

from __future__ import annotations

import html
import json
import re

from docutils import nodes

_PLOTLY_DIV = re.compile(r'<div(?P<attrs>[^>]*\bclass="plotly-graph-div"[^>]*)>')
_NEWPLOT = re.compile(r"Plotly\.newPlot\(\s*")
_IFRAME = re.compile(r"<iframe(?P<attrs>[^>]*)>", re.I)
_TAGS = re.compile(r"<[^>]+>")


def _plain(text: str) -> str:
    """Plotly title markup (``<br>``, ``<b>``, entities) as one line of plain text."""
    return " ".join(html.unescape(_TAGS.sub(" ", text)).split())


def plotly_title(raw_html: str) -> str | None:
    """``layout.title.text`` of the first ``Plotly.newPlot(id, data, layout)`` call, as plain text."""
    m = _NEWPLOT.search(raw_html)
    if m is None:
        return None
    decoder, pos = json.JSONDecoder(), m.end()
    try:
        values = []
        for _ in range(3):  # the div id, the traces, the layout
            value, pos = decoder.raw_decode(raw_html, pos)
            values.append(value)
            pos = re.compile(r"\s*,\s*").match(raw_html, pos).end()
    except (ValueError, AttributeError):
        return None
    layout = values[2] if isinstance(values[2], dict) else {}
    title = layout.get("title")
    text = title.get("text") if isinstance(title, dict) else title
    if isinstance(text, str) and text.strip():
        return _plain(text)
    # no title (e.g. a grid of subplots): the subplot titles, which plotly stores as annotations
    notes = [_plain(a["text"]) for a in layout.get("annotations", []) if isinstance(a, dict) and a.get("text")]
    return "Figure panels: " + "; ".join(notes) if notes else None


def _cell_alt(node: nodes.Node) -> str | None:
    """``mystnb.image.alt`` of the notebook cell that contains ``node``, if any."""
    parent = node.parent
    while parent is not None:
        if isinstance(parent, nodes.container) and parent.get("nb_element") == "cell_code":
            meta = parent.get("cell_metadata") or {}
            alt = ((meta.get("mystnb") or {}).get("image") or {}).get("alt")
            return _plain(str(alt)) if alt else None
        parent = parent.parent
    return None


def _with_attribute(tag_attrs: str, name: str, value: str) -> str:
    if re.search(rf"\b{name}=", tag_attrs):
        return tag_attrs
    return f'{tag_attrs} {name}="{html.escape(value, quote=True)}"'


def label_html(raw_html: str, alt: str | None) -> str:
    """``raw_html`` with ``role``/``aria-label`` on plotly divs and ``title`` on iframes."""
    if "plotly-graph-div" in raw_html:
        label = alt or plotly_title(raw_html)
        if label:
            raw_html = _PLOTLY_DIV.sub(
                lambda m: (
                    "<div" + _with_attribute(_with_attribute(m["attrs"], "role", "img"), "aria-label", label) + ">"
                ),
                raw_html,
            )
    if alt and "<iframe" in raw_html.lower():
        raw_html = _IFRAME.sub(lambda m: "<iframe" + _with_attribute(m["attrs"], "title", alt) + ">", raw_html)
    return raw_html


def label_figures(app, doctree, docname) -> None:
    for node in list(doctree.findall(nodes.raw)):
        if "html" not in node.get("format", "").split():
            continue
        text = node.astext()
        if "plotly-graph-div" not in text and "<iframe" not in text.lower():
            continue
        new = label_html(text, _cell_alt(node))
        if new != text:
            node.children = []
            node += nodes.Text(new)


def _label_json(value):
    """Recursively label the plotly HTML strings of a JSON value (saved widget state)."""
    if isinstance(value, str):
        return label_html(value, None) if "plotly-graph-div" in value else value
    if isinstance(value, list):
        return [_label_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _label_json(v) for k, v in value.items()}
    return value


def label_widget_figures(app, pagename, templatename, context, doctree) -> None:
    """Plotly figures shown inside widgets (an ``Output`` widget) live in the page's saved widget
    state, a JSON script the doctree pass cannot reach: label them there (title or subplot titles)."""
    scripts = context.get("script_files")
    if not scripts:
        return
    for i, js in enumerate(scripts):
        attributes = getattr(js, "attributes", {}) or {}
        body = attributes.get("body", "")
        if attributes.get("type") != "application/vnd.jupyter.widget-state+json" or "plotly-graph-div" not in body:
            continue
        # "</" must stay escaped inside a <script> element, as MyST-NB writes it
        labelled = json.dumps(_label_json(json.loads(body))).replace("</", "<\\/")
        rest = {k: v for k, v in attributes.items() if k != "body"}
        scripts[i] = type(js)(None, priority=getattr(js, "priority", 500), body=labelled, **rest)


def setup(app):
    # After site_fixes' own doctree-resolved handler (default priority 500): both only edit raw HTML.
    app.connect("doctree-resolved", label_figures, priority=600)
    # After site_fixes' html-page-context handler (priority 900), which rebuilds the widget state.
    app.connect("html-page-context", label_widget_figures, priority=950)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
