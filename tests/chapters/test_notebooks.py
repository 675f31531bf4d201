"""Execute every chapter (FAST mode) and check the claims each chapter makes in its text.

Each chapter records its key numbers with ``repalign.book.record``; its claims (the checks on those
numbers, with tolerances) live in one place: a function ``claims(r)`` in ``claims_<chapter>.py`` beside
this file (e.g. ``claims_05_rcnn.py``). A chapter without claims fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from notebook_runner import toc_notebooks


def _chapter_claim_modules() -> dict:
    """Claims kept beside this file as ``tests/chapters/claims_<chapter>.py`` (one function ``claims(r)`` each)."""
    import importlib

    found = {}
    for path in sorted(Path(__file__).parent.glob("claims_*.py")):
        module = importlib.import_module(path.stem)
        found[f"notebooks/{path.stem[len('claims_') :]}"] = module.claims
    return found


CLAIMS = _chapter_claim_modules()

NOTEBOOKS = toc_notebooks()


def test_every_chapter_has_claims():
    missing = [n for n in NOTEBOOKS if n not in CLAIMS]
    assert not missing, f"chapters without claims in tests/chapters/claims_<chapter>.py: {missing}"
    assert NOTEBOOKS, "_toc.yml lists no notebook"


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_chapter_executes_and_claims_hold(name, notebook_executions):
    run = notebook_executions[name]
    assert run.error is None, f"{name} failed after {run.attempts} attempt(s):\n{run.error}"
    assert run.records, f"{name} recorded no numbers (repalign.book.record)"
    CLAIMS[name](run.records)
    nb = nbformat.read(run.output, as_version=4)
    # papermill injected FAST=True after the parameters cell
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "FAST = True" in injected[0].source
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors


@pytest.mark.slow
def test_chapters_record_identical_numbers_when_rerun(notebook_executions, tmp_path, repalign_cache):
    """Determinism: re-running chapter 1 (features now cached) gives the same recorded numbers."""
    from notebook_runner import execute

    first = notebook_executions["notebooks/01_rdms"]
    again = execute("notebooks/01_rdms", tmp_path, repalign_cache)
    assert again.error is None, again.error
    assert json.dumps(again.records, sort_keys=True) == json.dumps(first.records, sort_keys=True)
