"""Every figure and table of chapters 2-4 says whether its data are simulated or real (issue 19).

The rule, kept simple and explicit: a figure title must contain (case-insensitive)

- ``"simulated"`` or ``"synthetic"`` — the figure shows simulated data (or a synthetic test file), or
- the word ``"real"`` — the figure shows real data only (the 92-object set, a real Meadows export, ...), or
- ``"no data"`` — a schematic that shows no data at all.

A title that says none of these fails: the reader cannot tell a simulated result from a finding. Two checks:
a fast one on the titles written in the notebooks' code (``title=...``, ``set_title(...)``, ``suptitle(...)``;
matplotlib figures can only be checked this way), and a slow one on the titles of the plotly figures in the
executed chapters (which also catches titles built from variables).

Tables follow the same rule. A table is a pandas DataFrame or Series that a code cell displays: its last
expression, or an argument of a top-level ``print(...)``. Its label is its caption, written in the code: the index
name (``.rename_axis("simulated participant")``, or a list of names), a Series' ``pd.Series(..., name="real: ...")``
or a Styler's ``.set_caption(...)``, found in the displayed expression or, for a table displayed by name, in the
cell's assignment of that name. An index name shows both in the HTML page and in plain text. A table that mixes
simulated and real data says both (e.g. "model of the real scenes vs simulated participants"). One fast check,
on the notebooks' code (no execution).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = [
    "notebooks/02_multiple_arrangements",
    "notebooks/03_cross_modal",
    "notebooks/04_searchlight",
]
LABEL = re.compile(r"simulated|synthetic|\breal\b|no data", re.IGNORECASE)
SOURCE_TITLE = re.compile(r"""\b(?:title|set_title|suptitle)\s*[=(]\s*f?(["'])(.*?)\1""", re.DOTALL)


def labelled(title: str) -> bool:
    """Whether ``title`` says simulated, synthetic, real or no data (see the module docstring)."""
    return bool(LABEL.search(title))


def source_titles(chapter: str) -> list[tuple[int, str]]:
    """``(cell index, title)`` of every literal figure title in the chapter's code cells."""
    nb = json.loads((ROOT / f"{chapter}.ipynb").read_text())
    return [
        (i, m.group(2))
        for i, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code"
        for m in SOURCE_TITLE.finditer("".join(cell["source"]))
    ]


def code_cells(chapter: str) -> list[tuple[int, str]]:
    """``(cell index, source)`` of the chapter's code cells, IPython magics and shell lines left out."""
    nb = json.loads((ROOT / f"{chapter}.ipynb").read_text())
    python = [
        (i, [line for line in "".join(cell["source"]).splitlines() if not line.lstrip().startswith(("%", "!"))])
        for i, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code"
    ]
    return [(i, "\n".join(lines)) for i, lines in python]


def _pandas_call(node: ast.AST) -> bool:
    """Whether ``node`` calls ``pd.<something>`` (``pd.DataFrame``, ``pd.Series``, ``pd.concat``, ``pd.DataFrame.from_dict``)."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    base = node.func.value
    while isinstance(base, ast.Attribute):  # pd.DataFrame.from_dict(...)
        base = base.value
    return isinstance(base, ast.Name) and base.id == "pd"


def _root(node: ast.AST) -> ast.AST:
    """What a chain such as ``pd.DataFrame(...).T.round(3)`` or ``table.loc[...].round(3)`` starts from."""
    while not _pandas_call(node):
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        else:
            break
    return node


def _is_table(node: ast.AST, frames: set[str]) -> bool:
    """Whether ``node`` starts from a ``pd.`` call or from a name bound to one (``frames``)."""
    root = _root(node)
    return _pandas_call(root) or (isinstance(root, ast.Name) and root.id in frames)


def _strings(node: ast.AST) -> list[str]:
    """The literal text of a string, of an f-string (its literal parts) or of a list or tuple of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return ["".join(v.value for v in node.values if isinstance(v, ast.Constant))]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [" ".join(s for elt in node.elts for s in _strings(elt))]
    return []


def captions(node: ast.AST) -> list[str]:
    """The captions given in ``node``: ``rename_axis(...)`` and ``set_caption(...)`` arguments, ``pd.Series(name=...)``."""
    found = []
    for call in ast.walk(node):
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
            if call.func.attr in ("rename_axis", "set_caption"):
                found += [s for arg in call.args for s in _strings(arg)]
            if _pandas_call(call) and call.func.attr == "Series":
                found += [s for kw in call.keywords if kw.arg == "name" for s in _strings(kw.value)]
    return found


def _is_print(stmt: ast.stmt) -> bool:
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    return isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "print"


def table_displays(cells: list[tuple[int, str]]) -> list[tuple[int, str, list[str]]]:
    """``(cell index, displayed code, its captions)`` of every pandas table that ``cells`` display, in order.

    Names bound to pandas objects are followed from cell to cell (top-level assignments), as a reader would.
    """
    frames: set[str] = set()
    found = []
    for i, source in cells:
        body = ast.parse(source).body
        assigned = {}
        for stmt in body:
            if isinstance(stmt, ast.Assign):  # x = ... binds x; x["col"] = ... and x.attr = ... leave x as it is
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        (frames.add if _is_table(stmt.value, frames) else frames.discard)(target.id)
                        assigned[target.id] = stmt.value
                    elif isinstance(target, (ast.Tuple, ast.List)):  # a, b = ...: not tables
                        frames.difference_update(e.id for e in target.elts if isinstance(e, ast.Name))
        shown = [arg for stmt in body if _is_print(stmt) for arg in stmt.value.args]  # what print(...) shows
        if body and isinstance(body[-1], ast.Expr) and not _is_print(body[-1]):
            shown.append(body[-1].value)  # the cell's last expression
        for node in shown:
            if _is_table(node, frames):
                root = _root(node)
                given = captions(node)
                if isinstance(root, ast.Name) and root.id in assigned:  # displayed by name: its caption may be there
                    given += captions(assigned[root.id])
                found.append((i, ast.unparse(node), given))
    return found


def plotly_titles(path: Path) -> list[tuple[int, str]]:
    """``(cell index, layout title)`` of every plotly figure in an executed notebook's outputs."""
    decoder = json.JSONDecoder()
    found = []
    for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            layouts = [v.get("layout", {}) for k, v in data.items() if "plotly" in k and isinstance(v, dict)]
            html = data.get("text/html", "")
            for m in re.finditer(r"Plotly\.newPlot\(\s*", html):
                pos = m.end()
                args = []
                for _ in range(3):  # element id, data, layout
                    value, pos = decoder.raw_decode(html, pos)
                    args.append(value)
                    pos = re.compile(r"\s*,\s*").match(html, pos).end()
                layouts.append(args[2])
            for layout in layouts:
                title = layout.get("title", "")
                found.append((i, title.get("text", "") if isinstance(title, dict) else str(title)))
    return found


def test_the_rule():
    assert labelled("Simulated: noise hurts individuals") and labelled("Models vs human IT (REAL, 4 subjects)")
    assert labelled("demo export (synthetic)") and labelled("A searchlight sphere (no data)")
    assert not labelled("Noise hurts individuals far more than group means")
    assert not labelled("Recovery of the planted geometry") and not labelled("Really high agreement")
    assert plotly_titles  # used by the slow test
    # tables: what counts as a displayed table, and where its label is read
    cells = [
        'import pandas as pd\nt = pd.DataFrame({"a": [1.0]})',
        "t.round(3)",
        't.rename_axis("simulated participant").round(3)',
        'print("n:", t.rename_axis(["real people", "task"]), f"{len(t)} rows")',
        's = pd.Series({"a": 1.0}, name="real: 16 people")\nx = 1\ns.round(3)',
        'print(t.rename_axis("no data: sphere geometry"))\nassert len(t) == 1',
        'px.line(t, title="Simulated: a figure, not a table")\nd = {"a": 1}\nd',
        't["b"] = 2.0\nt = pd.DataFrame.from_dict({"x": {"b": 1}}, orient="index")\nt.round(1)',
        "t = list(t)\nt",  # rebound to something else: no longer a table
    ]
    assert [(i, c) for i, _, c in table_displays(list(enumerate(cells)))] == [
        (1, []),
        (2, ["simulated participant"]),
        (3, ["real people task"]),
        (4, ["real: 16 people"]),
        (5, ["no data: sphere geometry"]),
        (7, []),
    ]
    assert labelled("model of the real scenes vs simulated participants") and not labelled("k people")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_figure_titles_in_the_code_say_simulated_or_real(chapter):
    titles = source_titles(chapter)
    assert titles, f"{chapter}: no figure titles found"
    bad = [(i, t) for i, t in titles if not labelled(t)]
    assert not bad, f"{chapter}: figure titles that say neither simulated nor real (cell, title): {bad}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_tables_in_the_code_say_simulated_or_real(chapter):
    tables = table_displays(code_cells(chapter))
    assert tables, f"{chapter}: no displayed tables found"
    bad = [(i, shown) for i, shown, given in tables if not any(labelled(c) for c in given)]
    assert not bad, (
        f"{chapter}: tables whose caption (rename_axis, Series name=, set_caption) says neither simulated nor real "
        f"(cell, displayed code): {bad}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_executed_plotly_titles_say_simulated_or_real(chapter, notebook_executions):
    run = notebook_executions[chapter]
    assert run.error is None, f"{chapter} failed to execute"
    titles = plotly_titles(run.output)
    assert titles, f"{chapter}: no plotly figure found in the executed notebook"
    bad = [(i, t) for i, t in titles if not labelled(t)]
    assert not bad, f"{chapter}: executed figures whose titles say neither simulated nor real: {bad}"
