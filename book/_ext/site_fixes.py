"""Sphinx extension that keeps the browser console of the built book clean.

Loaded from ``_config.yml`` (``sphinx: local_extensions: site_fixes: book/_ext``). Each fix below is
for an error that Chromium shows on a stock Jupyter Book 1.x site (Sphinx 7.4, MyST-NB 1.4) and that
``tests/test_site.py`` checks for.

1. ``Identifier 'THEBE_JS_URL' has already been declared`` (every page).
   Extensions that register an inline script (``app.add_js_file(None, body=...)``) after the HTML
   builder exists get it written twice: ``Sphinx.add_js_file`` stores it on the builder with
   ``filename=None``, and before writing the builder copies the registry again with
   ``filename=''``. ``_JavaScript`` compares file names, so ``None != ''`` defeats Sphinx's
   de-duplication. sphinx-thebe's body is ``const THEBE_JS_URL = ...``; a second ``const`` is a
   SyntaxError. Fix: drop script entries identical to one already listed (same source, attributes
   and body); order and everything else are untouched.

2. 404s for the widget icon fonts (pages with ipywidgets; ipywidgets issue #3658).
   The jupyter-widgets HTML manager derives its asset path from require.js' ``module.uri``, which for
   its bundled modules is page-relative (``<page dir>/@jupyter-widgets/html-manager/dist/...``).
   Fix: on those pages, tell require.js where ``@jupyter-widgets/html-manager/dist`` really lives
   (the CDN folder of the ``embed-amd.js`` configured in ``nb_ipywidgets_js``), so the fonts are
   fetched from the same pinned package.

3. ``Cannot read properties of undefined (reading 'Queue')`` (widgets with a description on a page
   with math). The HTML manager 1.0.x typesets widget labels with the MathJax 2 API
   (``MathJax.Hub.Queue``) whenever ``window.MathJax`` exists, but Sphinx loads MathJax 3. Fix: on
   widget pages, a few lines of JS give MathJax 3 a ``Hub.Queue`` that forwards to
   ``MathJax.typesetPromise`` (so ``$x$`` in a widget label is still typeset).

4. ``Cannot set property Package of #<Object> which has only a getter`` (pages with 2+ plotly figures).
   Plotly's ``sphinx_gallery`` renderer puts a ``<script src=".../mathjax/.../tex-svg.min.js">`` and
   a ``plotly-X.min.js`` script into *every* figure. Loading MathJax again on a page where it is
   already loaded (by an earlier figure or by Sphinx for the page's own math) throws. Fix: remove
   plotly's MathJax loader from figure outputs (the page's MathJax, loaded by Sphinx when the page
   has math, is used instead: write figure labels in plain text/Unicode rather than LaTeX), and keep
   only the first ``plotly-X.min.js`` tag of a page (later figures use the ``Plotly`` it defines).
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from docutils import nodes

_PLOTLY_MATHJAX = re.compile(
    r'<script[^>]*\bsrc="https://cdnjs\.cloudflare\.com/ajax/libs/mathjax/[^"]*"[^>]*>\s*</script>'
)
_PLOTLY_JS = re.compile(r'<script[^>]*\bsrc="(https://cdn\.plot\.ly/plotly-[^"]+\.min\.js)"[^>]*>\s*</script>')
_HTML_MANAGER = re.compile(r"^(?P<base>.+/@jupyter-widgets/html-manager@[^/]+)/dist/embed-amd\.js$")


# Fix 3: MathJax 3 has no ``MathJax.Hub``; hand widget labels to ``MathJax.typesetPromise`` instead.
# Installed at DOMContentLoaded, i.e. after Sphinx's deferred MathJax script ran and before the
# widgets render (the HTML manager renders them on the window's "load" event).
_MATHJAX2_QUEUE_SHIM = """
document.addEventListener("DOMContentLoaded", function () {
  var mj = window.MathJax;
  if (mj && !mj.Hub) {
    mj.Hub = {Queue: function (job) {
      var el = job && job[2];
      if (el && window.MathJax.typesetPromise) { window.MathJax.typesetPromise([el]).catch(function () {}); }
    }};
  }
});"""


def _script_key(js: Any) -> tuple:
    filename = getattr(js, "filename", js) or ""
    attributes = getattr(js, "attributes", {}) or {}
    return (os.fspath(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))


def _strip_plotly_mathjax(value):
    """Recursively remove plotly's MathJax loader from every string of a JSON value."""
    if isinstance(value, str):
        return _PLOTLY_MATHJAX.sub("", value) if "ajax/libs/mathjax" in value else value
    if isinstance(value, list):
        return [_strip_plotly_mathjax(v) for v in value]
    if isinstance(value, dict):
        return {k: _strip_plotly_mathjax(v) for k, v in value.items()}
    return value


def _clean_widget_state(js):
    """Fix 4 for widgets: a plotly figure shown in an ``Output`` widget carries plotly's MathJax
    loader inside the page's saved widget state (JSON), where the doctree pass cannot reach it."""
    attributes = getattr(js, "attributes", {}) or {}
    body = attributes.get("body", "")
    if attributes.get("type") != "application/vnd.jupyter.widget-state+json" or "ajax/libs/mathjax" not in body:
        return js
    # "</" must stay escaped inside a <script> element, as MyST-NB writes it
    cleaned = json.dumps(_strip_plotly_mathjax(json.loads(body))).replace("</", "<\\/")
    rest = {k: v for k, v in attributes.items() if k != "body"}
    return type(js)(None, priority=getattr(js, "priority", 500), body=cleaned, **rest)


def fix_page_scripts(app, pagename, templatename, context, doctree) -> None:
    """Fixes 1-3: de-duplicate the page's scripts; point require.js at the widget assets."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    unique = []
    for js in scripts:
        key = _script_key(js)
        if key not in seen:
            seen.add(key)
            unique.append(js)

    unique = [_clean_widget_state(js) for js in unique]
    names = [_script_key(js)[0] for js in unique]
    manager = next((m for name in names if (m := _HTML_MANAGER.match(name))), None)
    requirejs = next((i for i, name in enumerate(names) if name.endswith(("/require.js", "/require.min.js"))), None)
    if manager is not None and requirejs is not None:
        body = (
            'require.config({paths: {"@jupyter-widgets/html-manager/dist": "' + manager["base"] + '/dist"}});'
        ) + _MATHJAX2_QUEUE_SHIM
        config = type(unique[requirejs])(None, priority=unique[requirejs].priority, body=body)
        unique.insert(requirejs + 1, config)

    # The list is the builder's per-page list (Sphinx resets it before every page).
    scripts[:] = unique


def fix_plotly_outputs(app, doctree, docname) -> None:
    """Fix 4: drop plotly's MathJax loader and repeated plotly.js loads from figure outputs."""
    plotly_seen = False
    for node in doctree.findall(nodes.raw):
        if "html" not in node.get("format", "").split():
            continue
        html = node.astext()
        if "cdn.plot.ly" not in html and "ajax/libs/mathjax" not in html:
            continue
        new = _PLOTLY_MATHJAX.sub("", html)
        if plotly_seen:
            new = _PLOTLY_JS.sub("", new)
        plotly_seen = plotly_seen or bool(_PLOTLY_JS.search(html))
        if new != html:
            node.children = []
            node += nodes.Text(new)


def setup(app):
    # After every other html-page-context handler (MyST-NB adds per-page scripts in its own).
    app.connect("html-page-context", fix_page_scripts, priority=900)
    app.connect("doctree-resolved", fix_plotly_outputs)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
