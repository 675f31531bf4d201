"""The student edition: the chapter notebooks without the exercise solutions, built by script.

The book's notebooks are the instructor edition: every exercise is followed by its solution, a code cell
tagged ``solution`` (and ``hide-cell``, shown behind a "Show solution" toggle on the website). The student
edition is the same notebooks with

- every cell tagged ``solution`` removed,
- every markdown paragraph that speaks of the solutions ("Each exercise is followed by its solution ...",
  "The solutions are hidden under each exercise (click to show) ...") removed,
- a short note cell before the first exercise saying that this is the student edition,
- outputs and execution counts cleared,

and nothing else changed (the other cells keep their ids, tags and sources).

Used three ways:

- as a Sphinx extension (``_config.yml``: ``sphinx: local_extensions: student_edition: book/_ext``): after an
  HTML build it writes ``_static/downloads/shared-spaces-student-edition.zip`` and
  ``shared-spaces-instructor-edition.zip`` into the site, linked from the syllabus and "How to use";
- from the command line: ``python book/_ext/student_edition.py OUT_DIR`` writes ``OUT_DIR/notebooks/*.ipynb``
  (the student edition) and both zips (``make student-edition``);
- from the tests (``tests/book/test_student_edition.py``).
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import zipfile
from pathlib import Path

STUDENT_ZIP = "shared-spaces-student-edition.zip"
INSTRUCTOR_ZIP = "shared-spaces-instructor-edition.zip"
SOLUTION_TAG = "solution"
NOTE_ID = "student-edition-note"
NOTE = (
    "**Student edition.** This copy of the chapter has no solutions: try each exercise with the variables of the\n"
    "chapter (run the chapter from the top first). Your instructor has the instructor edition, with a solution\n"
    "after every exercise."
)
#: A markdown paragraph that speaks of the solutions (not "resolution"), or of the toggle that shows them.
_ABOUT_SOLUTIONS = re.compile(r"\bsolutions?\b|click to show", re.IGNORECASE)
_EXERCISE = re.compile(r"^\s*\*\*Exercise\b")
_ZIP_DATE = (2026, 1, 1, 0, 0, 0)  # fixed timestamps: the same notebooks give the same zip bytes


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def is_solution(cell: dict) -> bool:
    """Whether ``cell`` is an exercise solution (tagged ``solution``)."""
    return SOLUTION_TAG in (cell.get("metadata") or {}).get("tags", [])


def _without_solution_paragraphs(text: str) -> str:
    paragraphs = re.split(r"\n\s*\n", text)
    return "\n\n".join(p for p in paragraphs if not _ABOUT_SOLUTIONS.search(p))


def student_notebook(nb: dict) -> dict:
    """The student edition of one notebook (a new dict; ``nb`` is left unchanged).

    Parameters
    ----------
    nb : dict
        A notebook in nbformat 4 JSON.

    Returns
    -------
    dict
        The notebook without solution cells and solution wording, with a note before the first exercise
        and no outputs.
    """
    out = copy.deepcopy(nb)
    cells = []
    for cell in out["cells"]:
        if is_solution(cell):
            continue
        if cell["cell_type"] == "markdown" and _ABOUT_SOLUTIONS.search(_source(cell)):
            text = _without_solution_paragraphs(_source(cell))
            if not text.strip():
                continue
            cell["source"] = text.splitlines(keepends=True)
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cells.append(cell)
    first = next((i for i, c in enumerate(cells) if c["cell_type"] == "markdown" and _EXERCISE.match(_source(c))), None)
    if first is not None:
        note = {"cell_type": "markdown", "id": NOTE_ID, "metadata": {}, "source": NOTE.splitlines(keepends=True)}
        cells.insert(first, note)
    out["cells"] = cells
    out.setdefault("metadata", {})["shared_spaces_edition"] = "student"
    return out


def chapter_notebooks(notebooks_dir) -> list[Path]:
    """The chapter notebooks (``NN_name.ipynb``) of ``notebooks_dir``, in order."""
    return sorted(Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb"))


def _dumps(nb: dict) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def write_student_edition(notebooks_dir, out_dir) -> list[Path]:
    """Write the student edition of every chapter notebook into ``out_dir``.

    Parameters
    ----------
    notebooks_dir : str or pathlib.Path
        The book's ``notebooks/`` folder (the instructor edition).
    out_dir : str or pathlib.Path
        Where the student notebooks go (created).

    Returns
    -------
    list of pathlib.Path
        The notebooks written.
    """
    sources = chapter_notebooks(notebooks_dir)
    if not sources:
        raise FileNotFoundError(f"no chapter notebooks (NN_name.ipynb) in {str(notebooks_dir)!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for src in sources:
        nb = json.loads(src.read_text(encoding="utf-8"))
        target = out_dir / src.name
        target.write_text(_dumps(student_notebook(nb)), encoding="utf-8")
        written.append(target)
    return written


_README = """Shared Spaces: {edition} edition
{rule}

The chapter notebooks of the book "Shared Spaces"{what}.
Put them in the notebooks/ folder of a checkout of the book's repository (they import the repalign
library and read the stimuli in data/), or open them in Colab or Binder from the website and upload them.
"""


def _write_zip(path: Path, edition: str, notebooks: dict[str, str]) -> Path:
    what = (
        ", without the exercise solutions (student edition; built by book/_ext/student_edition.py)"
        if edition == "student"
        else ", with the solution after every exercise (instructor edition, as on the website)"
    )
    folder = f"shared-spaces-{edition}-edition"
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        readme = _README.format(edition=edition, rule="=" * (len(edition) + 23), what=what)
        zf.writestr(zipfile.ZipInfo(f"{folder}/README.txt", _ZIP_DATE), readme)
        for name, text in notebooks.items():
            zf.writestr(zipfile.ZipInfo(f"{folder}/notebooks/{name}", _ZIP_DATE), text)
    return path


def build_downloads(notebooks_dir, out_dir) -> dict[str, Path]:
    """Write the student and instructor editions as zips into ``out_dir``.

    Parameters
    ----------
    notebooks_dir : str or pathlib.Path
        The book's ``notebooks/`` folder.
    out_dir : str or pathlib.Path
        Where the zips go (created), e.g. the site's ``_static/downloads``.

    Returns
    -------
    dict
        ``{"student": path, "instructor": path}``.
    """
    sources = chapter_notebooks(notebooks_dir)
    if not sources:
        raise FileNotFoundError(f"no chapter notebooks (NN_name.ipynb) in {str(notebooks_dir)!r}")
    student, instructor = {}, {}
    for src in sources:
        nb = json.loads(src.read_text(encoding="utf-8"))
        student[src.name] = _dumps(student_notebook(nb))
        clean = copy.deepcopy(nb)  # the website executes the notebooks; the download is the source, no outputs
        for cell in clean["cells"]:
            if cell["cell_type"] == "code":
                cell["outputs"], cell["execution_count"] = [], None
        instructor[src.name] = _dumps(clean)
    out_dir = Path(out_dir)
    return {
        "student": _write_zip(out_dir / STUDENT_ZIP, "student", student),
        "instructor": _write_zip(out_dir / INSTRUCTOR_ZIP, "instructor", instructor),
    }


# ------------------------------------------------------------------------------------------------ Sphinx
def _on_build_finished(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    build_downloads(Path(app.srcdir) / "notebooks", Path(app.outdir) / "_static" / "downloads")


def setup(app):
    app.connect("build-finished", _on_build_finished)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="where to write notebooks/ (student edition) and the two zips")
    parser.add_argument("--notebooks", type=Path, default=Path(__file__).resolve().parents[2] / "notebooks")
    args = parser.parse_args(argv)
    written = write_student_edition(args.notebooks, args.out_dir / "notebooks")
    zips = build_downloads(args.notebooks, args.out_dir)
    print(
        f"student edition: {len(written)} notebooks in {args.out_dir / 'notebooks'}; zips: {', '.join(map(str, zips.values()))}"
    )


if __name__ == "__main__":
    main()
