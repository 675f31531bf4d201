"""Every figure of chapters 2-4 says whether its data are simulated or real (issue 19).

The rule, kept simple and explicit: a figure title must contain (case-insensitive)

- ``"simulated"`` or ``"synthetic"`` — the figure shows simulated data (or a synthetic test file), or
- the word ``"real"`` — the figure shows real data only (the 92-object set, a real Meadows export, ...), or
- ``"no data"`` — a schematic that shows no data at all.

A title that says none of these fails: the reader cannot tell a simulated result from a finding. Two checks:
a fast one on the titles written in the notebooks' code (``title=...``, ``set_title(...)``, ``suptitle(...)``;
matplotlib figures can only be checked this way), and a slow one on the titles of the plotly figures in the
executed chapters (which also catches titles built from variables).
"""

from __future__ import annotations

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


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_figure_titles_in_the_code_say_simulated_or_real(chapter):
    titles = source_titles(chapter)
    assert titles, f"{chapter}: no figure titles found"
    bad = [(i, t) for i, t in titles if not labelled(t)]
    assert not bad, f"{chapter}: figure titles that say neither simulated nor real (cell, title): {bad}"


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_executed_plotly_titles_say_simulated_or_real(chapter, notebook_executions):
    run = notebook_executions[chapter]
    assert run.error is None, f"{chapter} failed to execute"
    titles = plotly_titles(run.output)
    assert titles, f"{chapter}: no plotly figure found in the executed notebook"
    bad = [(i, t) for i, t in titles if not labelled(t)]
    assert not bad, f"{chapter}: executed figures whose titles say neither simulated nor real: {bad}"
