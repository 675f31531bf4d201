"""Sphinx extension: exercise solutions behind a "Show solution" toggle.

Loaded from ``_config.yml`` (``sphinx: local_extensions: solutions: book/_ext``). Every chapter ends
with exercises whose solution cells carry the tags ``solution`` and ``hide-cell``
(``tests/test_notebook_hygiene.py`` checks this). MyST-NB renders a ``hide-cell`` cell as a
collapsed toggle labelled "Show code cell content"; for solution cells this extension relabels it
"Show solution" / "Hide solution", so readers can tell a solution from other hidden code. Nothing
else changes, and no per-cell metadata is needed.
"""

from __future__ import annotations

from docutils import nodes

SHOW, HIDE = "Show solution", "Hide solution"


def relabel_solutions(app, doctree, docname) -> None:
    for cell in doctree.findall(nodes.container):
        if cell.get("nb_element") != "cell_code":
            continue
        if "solution" not in (cell.get("cell_metadata") or {}).get("tags", []):
            continue
        # MyST-NB's HideInputCells post-transform has wrapped the cell in a node carrying the prompts
        for node in cell.findall(lambda n: isinstance(n, nodes.Element) and "prompt_show" in n.attributes):
            node["prompt_show"], node["prompt_hide"] = SHOW, HIDE


def setup(app):
    app.connect("doctree-resolved", relabel_solutions)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
