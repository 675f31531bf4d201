"""Static checks on the committed chapters: no outputs, Colab cell, parameters cell, thin code,
exercises with hidden self-checking solutions, colour-blind-safe colour maps."""

from __future__ import annotations

import ast
import re

import nbformat
import pytest
from notebook_runner import ROOT, toc_notebooks

NOTEBOOKS = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "notebooks").glob("*.ipynb"))


def test_every_notebook_is_in_the_toc():
    listed = {f"{n}.ipynb" for n in toc_notebooks()}
    assert set(NOTEBOOKS) == listed, f"notebooks not in _toc.yml or missing: {set(NOTEBOOKS) ^ listed}"


@pytest.mark.parametrize("path", NOTEBOOKS)
def test_committed_without_outputs(path):
    nb = nbformat.read(ROOT / path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs, f"{path} cell {i} has outputs: clear them before committing"
            assert cell.execution_count is None, f"{path} cell {i} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS)
def test_colab_cell_then_parameters_cell(path):
    nb = nbformat.read(ROOT / path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "google.colab" in code[0].source, f"{path}: the first code cell must be the guarded Colab install"
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1, f"{path}: exactly one cell must carry the 'parameters' tag"
    assert "FAST = False" in params[0].source, f"{path}: the parameters cell must default to FAST = False"
    assert code.index(params[0]) == 1, f"{path}: the parameters cell must be the second code cell"
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS)
def test_notebooks_define_no_functions(path):
    """Logic lives in lib/repalign: a notebook defines no function, class or named lambda."""
    nb = nbformat.read(ROOT / path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        src = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(src)):
            # Notebooks hold narrative and short calls: no function or class, not even a named lambda.
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                raise AssertionError(f"{path} cell {i} defines {node.name}: move it into lib/repalign")
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
                raise AssertionError(f"{path} cell {i} names a lambda (line {node.lineno}): move it into lib/repalign")


# ---------------------------------------------------------------------------------------------
# Exercises: every chapter ends with "## N.x Exercises" and 2-4 graded exercises, each followed by
# exactly one hidden, executed, self-checking solution cell.
# ---------------------------------------------------------------------------------------------

TOC_NOTEBOOKS = [f"{name}.ipynb" for name in toc_notebooks()]
EXERCISES_HEADING = re.compile(r"^## (\d+)\.(\d+) Exercises\s*$", re.M)
EXERCISE = re.compile(r"^\*\*Exercise (\d+)\.(\d+)\*\* \((★{1,3})\) — \S.*")
SOLUTION_TAGS = {"solution", "hide-cell"}


def _chapter_number(nb, path) -> int:
    m = re.match(r"# (\d+)\. ", nb.cells[0].source)
    assert m, f"{path}: the first cell must be the title '# N. Title'"
    return int(m.group(1))


def _exercise_section(path):
    """(chapter number, cells after the exercises heading) of a chapter, checked for its place."""
    nb = nbformat.read(ROOT / path, as_version=4)
    n = _chapter_number(nb, path)
    heads = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and EXERCISES_HEADING.search(c.source)]
    assert len(heads) == 1, f"{path}: needs exactly one '## {n}.x Exercises' section (found {len(heads)})"
    start = heads[0]
    assert int(EXERCISES_HEADING.search(nb.cells[start].source).group(1)) == n, (
        f"{path}: the exercises heading must carry the chapter number {n}"
    )
    later = [
        i
        for i, c in enumerate(nb.cells[start + 1 :], start + 1)
        if c.cell_type == "markdown" and re.search(r"^#{1,2} ", c.source, re.M)
    ]
    assert not later, f"{path}: the exercises must be the last section (heading in cell {later[0]} follows them)"
    outside = [i for i, c in enumerate(nb.cells[:start]) if SOLUTION_TAGS & set(c.metadata.get("tags", []))]
    assert not outside, f"{path}: cells {outside} are tagged as solutions but lie before the exercises section"
    return n, nb.cells[start + 1 :]


@pytest.mark.parametrize("path", TOC_NOTEBOOKS)
def test_chapter_ends_with_graded_exercises_and_hidden_solutions(path):
    n, cells = _exercise_section(path)
    # optional introductory markdown cells, then strictly (exercise markdown, solution code) pairs
    first = next((i for i, c in enumerate(cells) if c.cell_type == "markdown" and EXERCISE.match(c.source)), None)
    assert first is not None, f"{path}: no '**Exercise {n}.1** (★) — Title.' cell after the heading"
    assert all(c.cell_type == "markdown" for c in cells[:first]), f"{path}: code before the first exercise"
    pairs = cells[first:]
    assert len(pairs) % 2 == 0, f"{path}: each exercise needs exactly one solution cell after it"
    stars = []
    for k, (ex, sol) in enumerate(zip(pairs[::2], pairs[1::2]), 1):
        m = EXERCISE.match(ex.source) if ex.cell_type == "markdown" else None
        assert m, f"{path}: exercise {n}.{k} must be a markdown cell starting '**Exercise {n}.{k}** (★★) — Title.'"
        assert (int(m.group(1)), int(m.group(2))) == (n, k), (
            f"{path}: expected Exercise {n}.{k}, found {m.group(1)}.{m.group(2)}"
        )
        stars.append(len(m.group(3)))
        assert sol.cell_type == "code", f"{path}: Exercise {n}.{k} must be followed by one code cell (its solution)"
        tags = set(sol.metadata.get("tags", []))
        assert SOLUTION_TAGS <= tags, (
            f"{path}: solution {n}.{k} must be tagged {sorted(SOLUTION_TAGS)} (has {sorted(tags)})"
        )
        lines = sol.source.strip().splitlines()
        assert lines and lines[0].strip() == f"# Solution {n}.{k}", (
            f"{path}: solution {n}.{k} must start '# Solution {n}.{k}'"
        )
        tree = ast.parse("\n".join(line for line in lines if not line.lstrip().startswith(("%", "!"))))
        assert any(isinstance(node, ast.Assert) for node in ast.walk(tree)), (
            f"{path}: solution {n}.{k} must check its answer with an assert"
        )
    assert 2 <= len(stars) <= 4, f"{path}: {len(stars)} exercises; a chapter has 2-4"
    assert stars == sorted(stars) and len(set(stars)) >= 2, (
        f"{path}: exercises must be graded, easiest first, with at least two levels (stars: {stars})"
    )


# ---------------------------------------------------------------------------------------------
# Colour-blind-safe colours: the book's plotly template and the colour maps the chapters name.
# ---------------------------------------------------------------------------------------------

#: Okabe & Ito (2008), "Color Universal Design": distinguishable under the common colour-vision deficiencies.
OKABE_ITO = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"}
#: Perceptually uniform maps designed to stay readable with deuteranopia/protanopia/tritanopia and in grey
#: (matplotlib's viridis family, cividis; Nuñez et al. 2018), plus plain greys, and for signed values (maps of
#: correlations around 0) the diverging blue-red and purple-orange schemes that ColorBrewer rates colour-blind
#: safe (Harrower & Brewer 2003). Reversed ("_r") variants too.
CVD_SAFE_SCALES = {"cividis", "viridis", "magma", "inferno", "plasma", "gray", "grey", "greys", "rdbu", "puor"}
_SCALE_ARG = re.compile(r"\b(?:cmap|colorscale|color_continuous_scale|colormap)\s*=\s*[\"']([A-Za-z_]+)[\"']")


def test_book_template_uses_colour_blind_safe_colours():
    """The book's choice: Okabe-Ito for categories, cividis for continuous values (RDMs, maps)."""
    import plotly.io as pio

    from repalign import plotting

    assert set(plotting.OKABE_ITO) <= OKABE_ITO and len(plotting.OKABE_ITO) >= 7
    assert plotting.SEQUENTIAL.lower() in CVD_SAFE_SCALES
    template = pio.templates[plotting.use_book_template()]
    assert {c.upper() for c in template.layout.colorway} <= OKABE_ITO


@pytest.mark.parametrize("path", NOTEBOOKS)
def test_notebooks_name_only_colour_blind_safe_maps(path):
    """Colour maps named in a chapter (nilearn's cmap=, plotly's colorscale=...) are from the safe list."""
    nb = nbformat.read(ROOT / path, as_version=4)
    named = {m.group(1) for c in nb.cells if c.cell_type == "code" for m in _SCALE_ARG.finditer(c.source)}
    unsafe = sorted(s for s in named if s.lower().removesuffix("_r") not in CVD_SAFE_SCALES)
    assert not unsafe, (
        f"{path} uses colour maps that are not colour-blind safe: {unsafe} (use cividis/viridis or OKABE_ITO)"
    )


# ---------------------------------------------------------------------------------------------
# References, citation file, licence
# ---------------------------------------------------------------------------------------------

#: The four source papers: BibTeX key -> arXiv id (Li et al. TACL 2024 is arXiv 2302.06555).
SOURCE_PAPERS = {
    "ma2025converge": "2507.21871",
    "li2024share": "2302.06555",
    "he2025seeing": "2509.20751",
    "saha2026barycentric": "2602.09225",
}


def _bib_keys() -> list[str]:
    return re.findall(r"^@\w+\{([^,\s]+),", (ROOT / "book" / "references.bib").read_text(encoding="utf-8"), re.M)


def test_every_reference_is_cited_in_the_text():
    """Every entry of references.bib (the four source papers included) is cited by a page or chapter,
    not only listed by the bibliography's ``:all:``."""
    keys = _bib_keys()
    assert set(SOURCE_PAPERS) <= set(keys), (
        f"source papers missing from references.bib: {set(SOURCE_PAPERS) - set(keys)}"
    )
    assert len(keys) == len(set(keys)), "duplicate keys in references.bib"
    texts = [p.read_text(encoding="utf-8") for p in (ROOT / "book").glob("*.md") if p.name != "bibliography.md"]
    texts += ["\n".join(c.source for c in nbformat.read(ROOT / path, as_version=4).cells) for path in NOTEBOOKS]
    cited = {
        key
        for text in texts
        for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", text)
        for key in re.split(r"\s*,\s*", group.strip())
    }
    # chapters in plain Markdown (book/_ext/plain_markdown.py) cite as links to the bibliography
    cited |= {key for text in texts for key in re.findall(r"bibliography\.md#([^)\s\"]+)", text)}
    uncited = sorted(set(keys) - cited)
    assert not uncited, f"references.bib entries cited nowhere in book/ or notebooks/: {uncited}"


def test_citation_file_and_licence():
    import yaml

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["title"] and cff["authors"] and cff["license"] == "MIT"
    listed = " ".join(str(r.get("identifiers", "")) + str(r.get("url", "")) for r in cff["references"])
    assert all(arxiv in listed for arxiv in SOURCE_PAPERS.values()), "CITATION.cff must list the four source papers"
    for ref in cff["references"]:
        assert {"type", "title", "authors"} <= set(ref), f"CITATION.cff reference lacks type/title/authors: {ref}"
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "The Shared Spaces authors" in licence
    assert "data/README.md" in licence, "LICENSE must say that data/ has its own terms (data/README.md)"
