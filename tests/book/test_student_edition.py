"""The student edition (book/_ext/student_edition.py): the chapters without the exercise solutions."""

from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))

import student_edition as se  # noqa: E402

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _src(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    written = se.write_student_edition(REPO_ROOT / "notebooks", out)
    return {p.name: p for p in written}


def test_every_chapter_is_in_the_edition(edition):
    assert len(NOTEBOOKS) == 8
    assert sorted(edition) == [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_same_cells_minus_solutions(edition, path):
    teacher = json.loads(path.read_text(encoding="utf-8"))
    student_text = edition[path.name].read_text(encoding="utf-8")
    student = json.loads(student_text)
    nbformat.validate(nbformat.reads(student_text, as_version=4))  # valid nbformat 4

    solutions = [c for c in teacher["cells"] if se.is_solution(c)]
    assert len(solutions) >= 3, "every chapter ends with exercises and their solutions"
    by_id = {c["id"]: c for c in student["cells"]}
    assert se.NOTE_ID in by_id
    kept = [c for c in teacher["cells"] if not se.is_solution(c)]
    # every non-solution cell is still there, in order; code cells unchanged, markdown unchanged except
    # paragraphs about the solutions
    assert [c["id"] for c in student["cells"] if c["id"] != se.NOTE_ID] == [c["id"] for c in kept if c["id"] in by_id]
    for c in kept:
        if c["cell_type"] == "code":
            assert _src(by_id[c["id"]]) == _src(c)
            assert by_id[c["id"]]["metadata"] == c["metadata"]
        elif c["id"] not in by_id:  # a markdown cell can only vanish if it spoke only of the solutions
            assert re.search(r"\bsolutions?\b", _src(c), re.I)
    assert len(kept) - (len(student["cells"]) - 1) <= 1  # at most one markdown cell spoke only of the solutions


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_solution_left_and_exercises_present(edition, path):
    teacher = json.loads(path.read_text(encoding="utf-8"))
    student = json.loads(edition[path.name].read_text(encoding="utf-8"))
    text = "\n".join(_src(c) for c in student["cells"])
    assert not any(se.is_solution(c) for c in student["cells"])
    assert "# Solution" not in text and "Show solution" not in text and "click to show" not in text
    for sol in (c for c in teacher["cells"] if se.is_solution(c)):
        body = [line for line in _src(sol).splitlines() if len(line.strip()) > 25 and not line.startswith("#")]
        leaked = [line for line in body if line in text.splitlines()]
        # a solution line may repeat a line of the chapter itself; it must not come from the solution
        chapter = "\n".join(_src(c) for c in teacher["cells"] if not se.is_solution(c)).splitlines()
        assert not [line for line in leaked if line not in chapter]
    exercises = [c for c in student["cells"] if c["cell_type"] == "markdown" and _src(c).startswith("**Exercise")]
    teacher_ex = [c for c in teacher["cells"] if c["cell_type"] == "markdown" and _src(c).startswith("**Exercise")]
    assert len(exercises) == len(teacher_ex) == sum(se.is_solution(c) for c in teacher["cells"])
    assert [_src(c) for c in exercises] == [_src(c) for c in teacher_ex]
    assert all(not c.get("outputs") for c in student["cells"] if c["cell_type"] == "code")
    # the student note sits right before the first exercise
    ids = [c["id"] for c in student["cells"]]
    assert student["cells"][ids.index(se.NOTE_ID) + 1]["id"] == exercises[0]["id"]


def test_student_edition_of_a_small_notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "## 9.9 Exercises\n\nThe solutions are hidden under each exercise (click to show)."
        ),
        nbformat.v4.new_markdown_cell("**Exercise 9.1** Compute the resolution of x."),
        nbformat.v4.new_code_cell("answer = 42", metadata={"tags": ["solution", "hide-cell"]}),
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["hide-cell"]}),
    ]
    out = se.student_notebook(json.loads(nbformat.writes(nb)))
    sources = [_src(c) for c in out["cells"]]
    assert sources == ["## 9.9 Exercises", se.NOTE, "**Exercise 9.1** Compute the resolution of x.", "x = 1"]
    assert len(nb.cells) == 4  # the input is not modified


def test_zips_hold_both_editions(tmp_path):
    zips = se.build_downloads(REPO_ROOT / "notebooks", tmp_path)
    with zipfile.ZipFile(zips["student"]) as zs, zipfile.ZipFile(zips["instructor"]) as zi:
        s_names = sorted(n for n in zs.namelist() if n.endswith(".ipynb"))
        i_names = sorted(n for n in zi.namelist() if n.endswith(".ipynb"))
        assert len(s_names) == len(i_names) == 8
        for s_name, i_name in zip(s_names, i_names, strict=True):
            student = json.loads(zs.read(s_name))
            teacher = json.loads(zi.read(i_name))
            assert sum(se.is_solution(c) for c in student["cells"]) == 0
            assert sum(se.is_solution(c) for c in teacher["cells"]) >= 3
    again = se.build_downloads(REPO_ROOT / "notebooks", tmp_path / "again")
    assert again["student"].read_bytes() == zips["student"].read_bytes()  # deterministic


def test_empty_folder_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="no chapter notebooks"):
        se.write_student_edition(tmp_path, tmp_path / "out")
