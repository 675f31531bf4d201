"""Chapters that read cleanly in Colab and plain Jupyter, and still render richly on the website.

The chapters' markdown cells are written in a *plain* form that any CommonMark renderer (Colab,
JupyterLab, Notebook, GitHub) shows well. When the website is built, this Sphinx extension turns the
plain form back into the MyST markup the book's theme renders (glossary tooltips, bibliography
entries, admonitions, glued numbers), so the built pages are the same as from MyST sources.

The mapping is two-way and lossless (``to_myst(to_plain(md)) == md`` and back, checked by
``tests/book/test_plain_markdown.py`` on every chapter):

==========================================  ======================================================
MyST (website)                              plain Markdown (notebook)
==========================================  ======================================================
``{term}`RDM```                             ``[RDM](../book/glossary.md#term-RDM)``
``{term}`RDMs <RDM>```                      ``[RDMs](../book/glossary.md#term-RDM)``
``{cite}`a,b``` (also ``{cite:p}``)         ``([Lin et al., 2014](../book/bibliography.md#a); [...](...#b))``
``{cite:t}`a```                             ``[Kriegeskorte et al. (2008)](../book/bibliography.md#a)``
``{glue:text}`name:.2f```                   ``⟨name:.2f⟩`` (a visible placeholder naming the number)
``{doc}`../book/cluster```                  ``[Running ... on a cluster](../book/cluster.md "doc")``
a fenced ``{important}`` ... block          ``> **Important**`` blockquote callout
==========================================  ======================================================

Citation link texts come from ``book/references.bib`` (author–year, as the site's
``bibtex_reference_style: author_year`` writes them); ``{cite:p}`` and other non-default roles carry
the role as the link title. ``{admonition}`` blocks and directive options are kept in an HTML comment
on the callout's first line, which notebook renderers do not show.

The numbers the prose quotes: in Jupyter/Colab ``repalign.book.record`` shows each cell's recorded
numbers in one compact output (``Numbers for the text: ⟨rho⟩ = 0.41 · ...``) right below the code that
computed them, matching the ``⟨rho:.2f⟩`` placeholders. The website does not show that output: this
extension drops it from notebooks executed elsewhere (papermill) and sets ``REPALIGN_SHOW_RECORDS=0``
for the kernels of the build's own execution; the site glues the numbers into the prose as before.

Use:

- ``python book/_ext/plain_markdown.py --to-plain notebooks/*.ipynb`` converts chapters in place
  (``--to-myst`` converts back; ``--check`` only reports cells that would change). JSON formatting is
  kept (indent=1, ensure_ascii=False, trailing newline); only markdown cells are touched.
- As a Sphinx extension (``_config.yml``: ``sphinx: local_extensions: plain_markdown: book/_ext``) it
  converts every ``.ipynb`` document's markdown cells to MyST on ``source-read``; MyST sources pass
  through unchanged (``to_myst`` of MyST is the identity).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

BOOK_DIR = Path(__file__).resolve().parents[1]

#: Titles Sphinx gives the admonition directives (the callout's bold first line).
ADMONITION_TITLES = {
    "attention": "Attention",
    "caution": "Caution",
    "danger": "Danger",
    "error": "Error",
    "hint": "Hint",
    "important": "Important",
    "note": "Note",
    "seealso": "See also",
    "tip": "Tip",
    "warning": "Warning",
}
_TITLE_TO_NAME = {title: name for name, title in ADMONITION_TITLES.items()}

# Sphinx's id rules (sphinx.util.nodes._make_id) for ASCII terms: "P@k" -> "P-k".
_NON_ID = re.compile(r"[^a-zA-Z0-9._]+")
_NON_ID_ENDS = re.compile(r"^[-0-9._]+|-+$")


def sphinx_id(text: str) -> str:
    """The HTML id Sphinx gives ``text`` (without prefix), e.g. ``"Rank correlation"`` -> ``"Rank-correlation"``."""
    return _NON_ID_ENDS.sub("", _NON_ID.sub("-", " ".join(text.split())))


# ---------------------------------------------------------------------------------------------
# What the conversion needs to know about the book: glossary terms, bibliography, page titles
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BookInfo:
    """Glossary terms (anchor -> term) and citation labels (key -> (authors, year))."""

    terms: dict = field(default_factory=dict)
    cites: dict = field(default_factory=dict)
    book_dir: Path = BOOK_DIR


def _glossary_terms(path: Path) -> dict:
    terms, inside = {}, False
    for line in path.read_text(encoding="utf-8").splitlines():
        if re.match(r"^(```+|:::+)\{glossary\}", line):
            inside = True
            continue
        if inside and re.match(r"^(```+|:::+)\s*$", line):
            inside = False
            continue
        if inside and line and not line[0].isspace() and not line.startswith(":"):
            terms.setdefault(f"term-{sphinx_id(line.strip())}", line.strip())
    return terms


def _last_names(person) -> str:
    # pybtex's rich text decodes LaTeX accents and drops protecting braces: Sch{\"o}nemann -> Schönemann
    return " ".join(str(part) for part in [*person.rich_prelast_names, *person.rich_last_names])


def _bib_labels(path: Path) -> dict:
    from pybtex.database import parse_file

    labels = {}
    for key, entry in parse_file(str(path), bib_format="bibtex").entries.items():
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        lasts = [_last_names(p) for p in people]
        if len(lasts) >= 3:
            authors = f"{lasts[0]} et al."
        elif len(lasts) == 2:
            authors = f"{lasts[0]} and {lasts[1]}"
        elif lasts:
            authors = lasts[0]
        else:
            authors = key
        labels[key] = (authors, entry.fields.get("year", "n.d."))
    return labels


@lru_cache(maxsize=4)
def book_info(book_dir: Path = BOOK_DIR) -> BookInfo:
    """Read the glossary and the bibliography of the book in ``book_dir``."""
    book_dir = Path(book_dir)
    return BookInfo(
        terms=_glossary_terms(book_dir / "glossary.md"),
        cites=_bib_labels(book_dir / "references.bib"),
        book_dir=book_dir,
    )


@lru_cache(maxsize=64)
def _page_title(path: Path) -> str | None:
    if path.suffix == ".ipynb" and path.exists():
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    elif path.exists():
        text = path.read_text(encoding="utf-8")
    else:
        return None
    m = re.search(r"^# (.+)$", text, re.M)
    return m.group(1).strip() if m else None


def _doc_file(target: str, notebook_dir: Path) -> Path:
    base = (notebook_dir / target).resolve()
    for suffix in (".md", ".ipynb"):
        if base.with_suffix(suffix).exists():
            return base.with_suffix(suffix)
    return base.with_suffix(".md")


# ---------------------------------------------------------------------------------------------
# MyST -> plain
# ---------------------------------------------------------------------------------------------

_TERM = re.compile(r"\{term\}`([^`<>]+?)(?:\s*<([^`<>]+)>)?`")
_CITE = re.compile(r"\{cite(?::(\w+))?\}`([^`]+)`")
_GLUE = re.compile(r"\{glue:text\}`([A-Za-z_]\w*)((?::[^`]*)?)`")
_DOC = re.compile(r"\{doc\}`([^`<>]+?)(?:\s*<([^`<>]+)>)?`")
_FENCE_OPEN = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w-]+)\}[ \t]*(?P<arg>.*)$")


def _t_label(info: BookInfo, key: str) -> str:
    authors, year = info.cites.get(key, (key, "n.d."))
    return f"{authors} ({year})"


def _p_label(info: BookInfo, key: str) -> str:
    authors, year = info.cites.get(key, (key, "n.d."))
    return f"{authors}, {year}"


def _default_fence(body: list[str]) -> str:
    longest = max((len(m.group(1)) for line in body if (m := re.match(r"^\s*(`{3,})", line))), default=2)
    return "`" * max(3, longest + 1)


def _directives_to_plain(text: str) -> str:
    lines, out, i = text.split("\n"), [], 0
    while i < len(lines):
        m = _FENCE_OPEN.match(lines[i])
        if not m or m.group("name") not in {*ADMONITION_TITLES, "admonition"}:
            out.append(lines[i])
            i += 1
            continue
        fence, name, arg = m.group("fence"), m.group("name"), m.group("arg").rstrip()
        close = re.compile(rf"^{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        if j == len(lines):  # unclosed: leave it alone
            out.append(lines[i])
            i += 1
            continue
        body = lines[i + 1 : j]
        options = []
        while body and re.match(r"^:[\w-]+:", body[0]):
            options.append(body.pop(0))
        if body and body[0] == "" and options:  # MyST allows a blank line after the options
            options.append("")
            body.pop(0)
        meta = []
        if name == "admonition":
            title = arg
            meta.append("admonition")
        else:
            title = ADMONITION_TITLES[name]
            if arg:
                meta.append(f"argument {arg}")
        if fence != _default_fence(body):
            meta.append(f"fence {fence}")
        meta += [f"option {opt}" if opt else "blank" for opt in options]
        # Text right after the closing fence would continue the blockquote ("lazy continuation"):
        # the plain form separates it with a blank line and remembers that MyST had none.
        tight = j + 1 < len(lines) and lines[j + 1] != ""
        if tight:
            meta.append("tight")
        header = f"> **{title}**" + (f" <!-- {'; '.join(meta)} -->" if meta else "")
        out.append(header)
        out.append(">")
        out += [f"> {line}" if line else ">" for line in body]
        if tight:
            out.append("")
        i = j + 1
    return "\n".join(out)


def to_plain(
    text: str, *, book: str = "../book", info: BookInfo | None = None, notebook_dir: Path | None = None
) -> str:
    """Convert one markdown cell from MyST to the plain form (see the module docstring).

    ``book`` is the ``book/`` folder relative to the notebook (link targets start with it), ``info``
    the glossary and bibliography (read from ``book/`` by default), ``notebook_dir`` the notebook's
    folder, to find the titles of ``{doc}`` targets (default: ``notebooks/``).
    """
    info = info or book_info()
    notebook_dir = notebook_dir or BOOK_DIR.parent / "notebooks"
    text = _directives_to_plain(text)

    def term(m):
        shown, target = m.group(1), m.group(2) or m.group(1)
        anchor = f"term-{sphinx_id(target)}"
        if info.terms.get(anchor) != target:
            raise ValueError(f"{{term}}`{m.group(0)}`: {target!r} is not written as a glossary term (book/glossary.md)")
        return f"[{shown}]({book}/glossary.md#{anchor})"

    def cite(m):
        role, keys = m.group(1), m.group(2).split(",")
        title = f' "cite:{role}"' if role not in (None, "t") else ""
        if role == "t":
            return "; ".join(f"[{_t_label(info, k)}]({book}/bibliography.md#{k})" for k in keys)
        return "(" + "; ".join(f"[{_p_label(info, k)}]({book}/bibliography.md#{k}{title})" for k in keys) + ")"

    def doc(m):
        shown, target = m.group(1), m.group(2) or m.group(1)
        path = _doc_file(target, notebook_dir)
        title = _page_title(path) if m.group(2) is None else shown
        if title is None or any(c in title for c in "[]"):
            raise ValueError(f"{m.group(0)}: no page title found for {target!r}")
        rel = target + path.suffix
        return f'[{title}]({rel} "doc")'

    text = _TERM.sub(term, text)
    text = _CITE.sub(cite, text)
    text = _GLUE.sub(lambda m: f"⟨{m.group(1)}{m.group(2)}⟩", text)
    return _DOC.sub(doc, text)


# ---------------------------------------------------------------------------------------------
# plain -> MyST
# ---------------------------------------------------------------------------------------------

_CALLOUT = re.compile(r"^> \*\*(?P<title>[^*]+)\*\*(?: <!-- (?P<meta>.*?) -->)?$")


def _callouts_to_myst(text: str) -> str:
    lines, out, i = text.split("\n"), [], 0
    while i < len(lines):
        m = _CALLOUT.match(lines[i])
        meta = [part for part in (m.group("meta") or "").split("; ") if part] if m else []
        is_admonition = "admonition" in meta
        if (
            not m
            or not (is_admonition or m.group("title") in _TITLE_TO_NAME)
            or i + 1 >= len(lines)
            or lines[i + 1] != ">"
        ):
            out.append(lines[i])
            i += 1
            continue
        j = i + 2
        body = []
        while j < len(lines) and (lines[j] == ">" or lines[j].startswith("> ")):
            body.append(lines[j][2:])
            j += 1
        name = "admonition" if is_admonition else _TITLE_TO_NAME[m.group("title")]
        arg = m.group("title") if is_admonition else ""
        fence = _default_fence(body)
        options = []
        for part in meta:
            if part.startswith("argument "):
                arg = part[len("argument ") :]
            elif part.startswith("fence "):
                fence = part[len("fence ") :]
            elif part.startswith("option "):
                options.append(part[len("option ") :])
            elif part == "blank":
                options.append("")
        out.append(f"{fence}{{{name}}}" + (f" {arg}" if arg else ""))
        out += options + body + [fence]
        i = j + 1 if "tight" in meta and j < len(lines) and lines[j] == "" else j
    return "\n".join(out)


_LINK = r"\[([^\[\]]*)\]\({where}([^)\s\"]*)(?: \"([^\"]*)\")?\)"


def to_myst(text: str, *, book: str = "../book", info: BookInfo | None = None, notebook_dir: Path | None = None) -> str:
    """Convert one markdown cell from the plain form back to MyST: the inverse of :func:`to_plain`
    (same arguments). MyST passes through unchanged.
    """
    info = info or book_info()
    notebook_dir = notebook_dir or BOOK_DIR.parent / "notebooks"
    text = _callouts_to_myst(text)
    b = re.escape(book)

    def term(m):
        shown, anchor, title = m.group(1), m.group(2), m.group(3)
        target = info.terms.get(anchor)
        if target is None or title is not None:
            return m.group(0)
        return f"{{term}}`{shown}`" if shown == target else f"{{term}}`{shown} <{target}>`"

    text = re.sub(_LINK.format(where=b + r"/glossary\.md#"), term, text)

    plink = _LINK.format(where=b + r"/bibliography\.md#").replace(r"\[([^\[\]]*)\]", r"\[([^\[\]()]*)\]")

    def group(m):
        links = list(re.finditer(plink, m.group(0)))
        titles = {link.group(3) for link in links}
        if len(titles) != 1:
            return m.group(0)
        (title,) = titles
        role = "{cite}" if title is None else "{" + title + "}"
        return role + "`" + ",".join(link.group(2) for link in links) + "`"

    text = re.sub(rf"\((?:{plink})(?:; (?:{plink}))*\)", group, text)

    tlink = _LINK.format(where=b + r"/bibliography\.md#")
    text = re.sub(
        rf"{tlink}(?:; {tlink})*",
        lambda m: "{cite:t}`" + ",".join(k.group(2) for k in re.finditer(tlink, m.group(0))) + "`",
        text,
    )
    text = re.sub(r"⟨([A-Za-z_]\w*)((?::[^⟨⟩`]*)?)⟩", r"{glue:text}`\1\2`", text)

    def doc(m):
        shown, target, title = m.group(1), m.group(2), m.group(3)
        if title != "doc":
            return m.group(0)
        stem = re.sub(r"\.(md|ipynb)$", "", target)
        page = _page_title(_doc_file(stem, notebook_dir))
        return f"{{doc}}`{stem}`" if shown == page else f"{{doc}}`{shown} <{stem}>`"

    return re.sub(_LINK.format(where=""), doc, text)


# ---------------------------------------------------------------------------------------------
# Notebooks and the CLI
# ---------------------------------------------------------------------------------------------


def _layout(notebook: Path) -> tuple[str, Path]:
    """``book`` prefix and folder for a notebook: its real place in this repository, or, for a copy
    elsewhere (an executed notebook in a temporary folder), the place of the chapters (``notebooks/``)."""
    folder = notebook.resolve().parent
    if BOOK_DIR.parent in folder.parents or folder == BOOK_DIR.parent:
        return Path(os.path.relpath(BOOK_DIR, folder)).as_posix(), folder
    return "../book", BOOK_DIR.parent / "notebooks"


def convert_notebook_dict(nb: dict, *, direction: str, book: str = "../book", notebook_dir: Path | None = None) -> dict:
    """Convert every markdown cell of a notebook (a JSON dict, edited in place) and return it.

    ``direction`` is ``"plain"`` or ``"myst"``. Converting to plain checks that the cell converts
    back exactly and raises ``ValueError`` naming the cell if it does not.
    """
    if direction not in ("plain", "myst"):
        raise ValueError(f"direction must be 'plain' or 'myst'; got {direction!r}")
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "markdown":
            continue
        source = cell["source"]
        text = "".join(source) if isinstance(source, list) else source
        if direction == "plain":
            new = to_plain(text, book=book, notebook_dir=notebook_dir)
            # (an already plain cell stays as it is: compare in MyST)
            if to_myst(new, book=book, notebook_dir=notebook_dir) != to_myst(
                text, book=book, notebook_dir=notebook_dir
            ):
                raise ValueError(f"cell {index} does not convert back exactly; edit its MyST markup")
        else:
            new = to_myst(text, book=book, notebook_dir=notebook_dir)
        if new != text and isinstance(source, list):
            # one string per line, as nbformat writes it (and a trailing "" if the cell had one)
            cell["source"] = new.splitlines(keepends=True) + ([""] if source and source[-1] == "" else [])
        elif new != text:
            cell["source"] = new
    return nb


def convert_file(path: Path, *, direction: str, write: bool = True) -> bool:
    """Convert a notebook file in place (JSON indent=1, ensure_ascii=False, trailing newline).

    Returns whether anything changed.
    """
    path = Path(path)
    raw = path.read_text(encoding="utf-8")
    nb = json.loads(raw)
    book, notebook_dir = _layout(path)
    convert_notebook_dict(nb, direction=direction, book=book, notebook_dir=notebook_dir)
    new = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    if write and new != raw:
        path.write_text(new, encoding="utf-8")
    return new != raw


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--to-plain", action="store_true", help="convert MyST markup to plain Markdown (in place)")
    mode.add_argument("--to-myst", action="store_true", help="convert plain Markdown back to MyST (in place)")
    parser.add_argument("--check", action="store_true", help="only report which files would change (exit 1 if any)")
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    direction = "plain" if args.to_plain else "myst"
    changed = [p for p in args.notebooks if convert_file(p, direction=direction, write=not args.check)]
    for p in changed:
        print(f"{'would convert' if args.check else 'converted'} {p}")
    return 1 if args.check and changed else 0


# ---------------------------------------------------------------------------------------------
# Sphinx extension
# ---------------------------------------------------------------------------------------------


#: Metadata of the notebook-only output in which ``repalign.book.record`` shows a cell's numbers
#: (``repalign.book.records._SHOWN_METADATA_KEY``); the website glues the numbers into the prose instead.
RECORDS_OUTPUT_KEY = "repalign_records"


def drop_records_outputs(nb: dict) -> dict:
    """Remove the outputs that show recorded numbers in Jupyter (edits ``nb`` in place and returns it)."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and cell.get("outputs"):
            cell["outputs"] = [o for o in cell["outputs"] if not o.get("metadata", {}).get(RECORDS_OUTPUT_KEY)]
    return nb


def _source_read(app, docname, source):
    path = Path(app.env.doc2path(docname))
    if path.suffix != ".ipynb":
        return
    nb = json.loads(source[0])
    book = Path(os.path.relpath(Path(app.srcdir) / "book", path.parent)).as_posix()
    convert_notebook_dict(nb, direction="myst", book=book, notebook_dir=path.parent)
    drop_records_outputs(nb)
    source[0] = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def setup(app):
    app.connect("source-read", _source_read)
    # Notebooks executed by this build (execute_notebooks: force) run in kernels that inherit this
    # environment: they glue their numbers for the page and do not show them a second time.
    os.environ["REPALIGN_SHOW_RECORDS"] = "0"
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    sys.exit(main())
