"""Chapters in plain Markdown for Colab/Jupyter, MyST on the website (book/_ext/plain_markdown.py)."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from markdown_it import MarkdownIt

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))

import plain_markdown as pm  # noqa: E402

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
NB_DIR = REPO_ROOT / "notebooks"

#: MyST-only markup that a CommonMark renderer (Colab, JupyterLab, GitHub) shows as raw text.
MYST_ONLY = re.compile(r"\{(?:term|cite(?::\w+)?|glue(?::\w+)?|doc|ref|numref|eq)\}`|^\s*(?:```+|:::+)\{", re.M)


def _markdown_cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]


def _visible_text(markdown: str) -> str:
    """What a reader of the rendered cell sees: CommonMark HTML without tags and comments."""
    rendered = MarkdownIt("commonmark").render(markdown)
    rendered = re.sub(r"<!--.*?-->", "", rendered, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


# ---------------------------------------------------------------------------------------------
# Every chapter: lossless both ways, and plain reads cleanly
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_round_trip_on_every_markdown_cell(path):
    n_myst_markup = 0
    for text in _markdown_cells(path):
        myst = pm.to_myst(text, notebook_dir=NB_DIR)
        plain = pm.to_plain(myst, notebook_dir=NB_DIR)
        assert pm.to_myst(plain, notebook_dir=NB_DIR) == myst
        assert pm.to_plain(pm.to_myst(plain, notebook_dir=NB_DIR), notebook_dir=NB_DIR) == plain
        assert text in (myst, plain)  # the committed cell is in one of the two forms
        assert pm.to_myst(myst, notebook_dir=NB_DIR) == myst  # MyST passes through unchanged
        n_myst_markup += len(MYST_ONLY.findall(myst))
    assert n_myst_markup > 0, "every chapter cites, links a term or glues a number"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_plain_form_has_no_myst_markup_and_reads_cleanly(path):
    info = pm.book_info()
    for text in _markdown_cells(path):
        plain = pm.to_plain(pm.to_myst(text, notebook_dir=NB_DIR), notebook_dir=NB_DIR)
        assert not MYST_ONLY.search(plain), MYST_ONLY.search(plain).group(0)
        seen = _visible_text(plain)
        for raw in ("{term}", "{cite", "{glue", "```{", ":::{", "{doc}", "{important}", "{note}"):
            assert raw not in seen, f"{path.name}: a reader sees raw {raw!r}"
        # every glossary and bibliography link points at an entry that exists
        for anchor in re.findall(r"\.\./book/glossary\.md#([\w-]+)\)", plain):
            assert anchor in info.terms, anchor
        for key in re.findall(r"\.\./book/bibliography\.md#([^)\s\"]+)", plain):
            assert key in info.cites, key


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_chapters_are_plain(path):
    """What a Colab or Jupyter reader sees: plain Markdown, no MyST-only markup (the site restores MyST)."""
    for text in _markdown_cells(path):
        assert not MYST_ONLY.search(text), f"{path.name}: MyST-only markup {MYST_ONLY.search(text).group(0)!r}"
        assert "{term}" not in _visible_text(text)


# ---------------------------------------------------------------------------------------------
# The mapping, piece by piece
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("myst", "plain"),
    [
        ("an {term}`RDM`.", "an [RDM](../book/glossary.md#term-RDM)."),
        ("two {term}`RDMs <RDM>`", "two [RDMs](../book/glossary.md#term-RDM)"),
        ("the {term}`P@k`", "the [P@k](../book/glossary.md#term-P-k)"),
        (
            "RSA {cite}`kriegeskorte2008rsa`",
            "RSA ([Kriegeskorte et al., 2008](../book/bibliography.md#kriegeskorte2008rsa))",
        ),
        (
            "{cite}`lin2014coco,chen2015cococaptions`",
            "([Lin et al., 2014](../book/bibliography.md#lin2014coco); "
            "[Chen et al., 2015](../book/bibliography.md#chen2015cococaptions))",
        ),
        ("{cite:p}`nili2014toolbox`", '([Nili et al., 2014](../book/bibliography.md#nili2014toolbox "cite:p"))'),
        (
            "{cite:t}`kriegeskorte2012ima` say",
            "[Kriegeskorte and Mur (2012)](../book/bibliography.md#kriegeskorte2012ima) say",
        ),
        ("$\\rho$ = {glue:text}`rho:.2f` of {glue:text}`n`", "$\\rho$ = ⟨rho:.2f⟩ of ⟨n⟩"),
        ("top-1 {glue:text}`top1:.0%`", "top-1 ⟨top1:.0%⟩"),
        ("see {doc}`../book/cluster`", 'see [Running the book\'s analyses on a cluster](../book/cluster.md "doc")'),
        ("see {doc}`this page <../book/cluster>`", 'see [this page](../book/cluster.md "doc")'),
        (
            "```{important}\n**Real:** all.\n\nMore.\n```\n\nafter",
            "> **Important**\n>\n> **Real:** all.\n>\n> More.\n\nafter",
        ),
        ("```{caution}\nBad.\n```\nafter", "> **Caution** <!-- tight -->\n>\n> Bad.\n\nafter"),
        (
            "```{admonition} Short path\n:class: tip\nRead 7.1.\n```",
            "> **Short path** <!-- admonition; option :class: tip -->\n>\n> Read 7.1.",
        ),
        ("````{note}\nCode:\n\n```python\nx = 1\n```\n````", "> **Note**\n>\n> Code:\n>\n> ```python\n> x = 1\n> ```"),
        (":::{warning}\nCircular.\n:::", "> **Warning** <!-- fence ::: -->\n>\n> Circular."),
    ],
)
def test_mapping(myst, plain):
    assert pm.to_plain(myst, notebook_dir=NB_DIR) == plain
    assert pm.to_myst(plain, notebook_dir=NB_DIR) == myst


def test_parenthesised_cite_t_is_not_taken_for_a_cite_group():
    myst = "({cite:t}`kriegeskorte2012ima`)"
    assert pm.to_myst(pm.to_plain(myst)) == myst


def test_ordinary_links_and_blockquotes_are_left_alone():
    text = (
        "[`compute_rdm`](../book/api/rdm.md#repalign.rdm.compute_rdm) and [the API](../book/api/arrangement.md)\n\n"
        "> **Bold** opening of a quote\n>\n> more"
    )
    assert pm.to_myst(text) == text
    assert pm.to_plain(text) == text


def test_unknown_or_miscased_term_is_refused():
    with pytest.raises(ValueError, match="glossary term"):
        pm.to_plain("{term}`rank correlation`")
    with pytest.raises(ValueError, match="glossary term"):
        pm.to_plain("{term}`No such term`")


def test_term_anchors_are_the_ids_sphinx_gives_them():
    from sphinx.util.nodes import _make_id

    terms = pm.book_info().terms
    assert len(terms) > 30
    for anchor, term in terms.items():
        assert anchor == f"term-{_make_id(term)}"


def test_citation_labels_read_like_the_site():
    cites = pm.book_info().cites
    assert cites["kriegeskorte2008rsa"] == ("Kriegeskorte et al.", "2008")
    assert cites["kriegeskorte2012ima"] == ("Kriegeskorte and Mur", "2012")
    assert cites["li2024share"][0] == "Li et al."
    assert all(not re.search(r"[{}\\]", authors) for authors, _ in cites.values())


# ---------------------------------------------------------------------------------------------
# Notebook files, the CLI and the Sphinx hook
# ---------------------------------------------------------------------------------------------


def _tiny_notebook(markdown: str) -> dict:
    return {
        "cells": [
            {"cell_type": "markdown", "id": "m1", "metadata": {}, "source": markdown.splitlines(keepends=True)},
            {
                "cell_type": "code",
                "execution_count": 1,
                "id": "c1",
                "metadata": {},
                "outputs": [
                    {
                        "output_type": "display_data",
                        "data": {"text/plain": "⟨rho⟩ = 0.5"},
                        "metadata": {"repalign_records": True},
                    },
                    {"output_type": "stream", "name": "stdout", "text": "kept ≈\n"},
                ],
                "source": ["x = {term} = 1"],
            },
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def test_cli_converts_in_place_keeping_the_json_format(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    path = folder / "01_x.ipynb"
    myst = "Text {term}`RDM` ≈ {glue:text}`rho:.2f`\n\n```{tip}\nShort.\n```"
    raw = json.dumps(_tiny_notebook(myst), indent=1, ensure_ascii=False) + "\n"
    path.write_text(raw, encoding="utf-8")
    script = REPO_ROOT / "book" / "_ext" / "plain_markdown.py"

    check = subprocess.run(
        [sys.executable, str(script), "--to-plain", "--check", str(path)], capture_output=True, text=True
    )
    assert check.returncode == 1 and path.read_text(encoding="utf-8") == raw

    subprocess.run([sys.executable, str(script), "--to-plain", str(path)], check=True, capture_output=True)
    written = path.read_text(encoding="utf-8")
    nb = json.loads(written)
    assert written == json.dumps(nb, indent=1, ensure_ascii=False) + "\n" and "≈" in written
    # the book folder is found relative to the notebook (here tmp/notebooks -> repo's book/)
    assert "".join(nb["cells"][0]["source"]).startswith("Text [RDM](")
    assert "⟨rho:.2f⟩" in "".join(nb["cells"][0]["source"])
    assert nb["cells"][1] == _tiny_notebook(myst)["cells"][1]  # code cells untouched

    subprocess.run([sys.executable, str(script), "--to-myst", str(path)], check=True, capture_output=True)
    assert path.read_text(encoding="utf-8") == raw


def test_sphinx_source_read_gives_myst_and_drops_the_notebook_only_numbers(tmp_path):
    (tmp_path / "notebooks").mkdir()
    doc = tmp_path / "notebooks" / "01_x.ipynb"
    myst = "Text {term}`RDM` ≈ {glue:text}`rho:.2f` {cite}`kriegeskorte2008rsa`\n\n```{tip}\nShort.\n```"
    plain = pm.to_plain(myst)
    app = SimpleNamespace(srcdir=str(tmp_path), env=SimpleNamespace(doc2path=lambda name: str(doc)))
    source = [json.dumps(_tiny_notebook(plain), indent=1, ensure_ascii=False)]
    pm._source_read(app, "notebooks/01_x", source)
    nb = json.loads(source[0])
    assert "".join(nb["cells"][0]["source"]) == myst
    assert [o["output_type"] for o in nb["cells"][1]["outputs"]] == ["stream"]

    md_source = ["{term}`RDM` in a page"]  # MyST pages (book/*.md) are not touched
    app.env.doc2path = lambda name: str(tmp_path / "page.md")
    pm._source_read(app, "page", md_source)
    assert md_source == ["{term}`RDM` in a page"]


def test_config_registers_the_extension():
    import yaml

    config = yaml.safe_load((REPO_ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["sphinx"]["local_extensions"]["plain_markdown"] == "book/_ext"


# ---------------------------------------------------------------------------------------------
# The numbers the prose quotes, visible in Jupyter next to the code (repalign.book.record)
# ---------------------------------------------------------------------------------------------


def _execute(sources: list[str], monkeypatch, show: str | None) -> dict:
    import nbformat
    from nbclient import NotebookClient

    if show is None:
        monkeypatch.delenv("REPALIGN_SHOW_RECORDS", raising=False)
    else:
        monkeypatch.setenv("REPALIGN_SHOW_RECORDS", show)
    monkeypatch.delenv("REPALIGN_RECORDS", raising=False)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    return json.loads(json.dumps(nb))


def test_record_shows_the_cells_numbers_in_jupyter_and_the_site_drops_them(monkeypatch):
    sources = [
        "from repalign.book import record\n"
        "record('rho', 0.412345)\nrecord('n_people', 16)\nrecord('rho', 0.5)\nrecord('profile', [0.1, 0.2, 0.3, 0.4, 0.5])",
        "record('auc', 0.75)\nprint('done')",
    ]
    nb = _execute(sources, monkeypatch, show=None)
    first, second = (
        [o for o in cell["outputs"] if pm.RECORDS_OUTPUT_KEY in o.get("metadata", {})] for cell in nb["cells"]
    )
    assert len(first) == 1  # one compact output per cell, updated by each record()
    assert first[0]["data"] == {
        "text/plain": "Numbers for the text: ⟨rho⟩ = 0.5 · ⟨n_people⟩ = 16 · ⟨profile⟩ = [0.1, 0.2, 0.3, 0.4, …] (5 values)"
    }
    assert first[0]["metadata"] == {pm.RECORDS_OUTPUT_KEY: True}
    assert [o["data"] for o in second] == [{"text/plain": "Numbers for the text: ⟨auc⟩ = 0.75"}]
    other = [[o for o in cell["outputs"] if pm.RECORDS_OUTPUT_KEY not in o.get("metadata", {})] for cell in nb["cells"]]

    pm.drop_records_outputs(nb)  # what the website build does on source-read
    assert [cell["outputs"] for cell in nb["cells"]] == other
    assert any(o.get("text") == "done\n" for o in other[1])

    off = _execute(sources, monkeypatch, show="0")  # the website build's own execution
    shown = [o for cell in off["cells"] for o in cell["outputs"] if pm.RECORDS_OUTPUT_KEY in o.get("metadata", {})]
    assert shown == [] and any(o.get("text") == "done\n" for o in off["cells"][1]["outputs"])


def test_setup_registers_the_hook_and_silences_the_build_kernels(monkeypatch):
    monkeypatch.delenv("REPALIGN_SHOW_RECORDS", raising=False)
    connected = []
    meta = pm.setup(SimpleNamespace(connect=lambda event, handler: connected.append((event, handler))))
    assert connected == [("source-read", pm._source_read)]
    assert meta["parallel_read_safe"] is True
    assert os.environ["REPALIGN_SHOW_RECORDS"] == "0"
