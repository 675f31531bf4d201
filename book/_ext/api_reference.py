"""Sphinx extension: the Library pages (``book/api/*.md``), generated from the numpydoc docstrings.

Loaded from ``_config.yml`` (``sphinx: local_extensions: api_reference: book/_ext``), next to
``sphinx.ext.autodoc``, ``sphinx.ext.autosummary`` and ``sphinx.ext.napoleon``. A page says::

    ```{eval-rst}
    .. repalign-api:: repalign.rdm
    ```

and gets, for each module of the subpackage (in the order of the package's ``__all__``), a section
with the module's docstring, a summary table and every public member, documented under the name
readers import it by (``repalign.rdm.compute_rdm``, not ``repalign.rdm.compute.compute_rdm``) and
exactly once. A nested subpackage (``repalign.models.blt``) gets its own section with all of its
``__all__``. Nothing is generated on disk (no autosummary stubs): the page is built from the
package's ``__all__`` at build time, so it follows renames without edits.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re
import sys
from types import ModuleType

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.inspect import object_description

logger = logging.getLogger(__name__)
MAX_VALUE_CHARS = 120  # longer constant values are shown as "<type of n items>"


def _public_all(module: ModuleType) -> list[str]:
    return [n for n in getattr(module, "__all__", []) if not n.startswith("_")]


def _children(package: ModuleType) -> list[ModuleType]:
    """The public modules and subpackages directly inside ``package``."""
    if not hasattr(package, "__path__"):
        return []
    names = sorted(m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_"))
    return [importlib.import_module(f"{package.__name__}.{n}") for n in names]


def _sections(package: ModuleType) -> list[tuple[ModuleType, str, list[str]]]:
    """``(module, documented_prefix, names)`` per section, in the order of the package's ``__all__``.

    Names of a plain module are documented under the package (``repalign.rdm.compute_rdm``); a
    nested subpackage keeps its own prefix and documents all of its ``__all__``.
    """
    names = _public_all(package)
    children = _children(package)
    if not children:
        return [(package, package.__name__, names)]
    owner = {}
    for child in children:
        for name in _public_all(child):
            owner.setdefault(name, child)
    order: list[ModuleType] = []
    unowned = []
    for name in names:
        child = owner.get(name)
        if child is None:
            unowned.append(name)
        elif child not in order:
            order.append(child)
    sections = []
    for child in order:
        if hasattr(child, "__path__"):  # nested subpackage: documented under its own name
            sections.append((child, child.__name__, _public_all(child)))
        else:
            sections.append((child, package.__name__, [n for n in names if owner.get(n) is child]))
    if unowned:
        sections.append((package, package.__name__, unowned))
    return sections


def _attr_comment(module: ModuleType, name: str) -> list[str]:
    """The ``#:`` comment (or docstring after the assignment) of a module-level constant, looked up
    in the module, the modules it re-exports from, then any loaded repalign module holding the same object."""
    value = getattr(module, name, None)
    elsewhere = [
        m
        for m, mod in sorted(sys.modules.items())
        if m.startswith("repalign.") and mod is not None and getattr(mod, name, None) is value
    ]
    for mod_name in dict.fromkeys((module.__name__, *_defining_modules(module, name), *elsewhere)):
        try:
            docs = ModuleAnalyzer.for_module(mod_name).find_attr_docs()
        except Exception:  # no source: no comment
            continue
        if ("", name) in docs:
            return [line for line in docs[("", name)] if line is not None]
    return []


def _defining_modules(module: ModuleType, name: str) -> list[str]:
    return [c.__name__ for c in _children(module) if name in getattr(c, "__all__", [])]


def _value(obj) -> str:
    text = object_description(obj)
    if len(text) <= MAX_VALUE_CHARS:
        return text
    try:
        return f"<{type(obj).__name__} of {len(obj)} items>"
    except TypeError:
        return f"<{type(obj).__name__}>"


def _member_lines(module: ModuleType, prefix: str, name: str) -> list[str]:
    obj = getattr(importlib.import_module(prefix), name)
    full = f"{prefix}.{name}"
    if inspect.isclass(obj):
        lines = [f".. autoclass:: {full}", "   :members:"]
        # A result dataclass whose docstring has no Attributes section still lists its fields.
        if dataclasses.is_dataclass(obj) and not re.search(r"^Attributes\n-{3,}", inspect.getdoc(obj) or "", re.M):
            lines.append("   :undoc-members:")
        return lines + [""]
    if callable(obj):
        return [f".. autofunction:: {full}", ""]
    lines = [f".. py:data:: {name}", f"   :module: {prefix}", f"   :value: {_value(obj)}", ""]
    lines += [f"   {line}" if line else "" for line in _attr_comment(module, name)]
    return lines + [""]


class RepalignApi(SphinxDirective):
    """``.. repalign-api:: repalign.rdm``: one section per module, its docstring, table and members."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        try:
            return self._run()
        except Exception as exc:  # one warning (an error under -W), not a crash of the build
            logger.warning(
                "repalign-api %s: %s: %s", self.arguments[0], type(exc).__name__, exc, location=self.get_location()
            )
            return []

    def _run(self) -> list[nodes.Node]:
        package = importlib.import_module(self.arguments[0])
        source = f"<repalign-api {package.__name__}>"
        result: list[nodes.Node] = []
        head = nodes.container()  # the package's own docstring and its module target
        self.state.nested_parse(StringList([f".. automodule:: {package.__name__}", ""], source=source), 0, head)
        result += head.children
        for module, prefix, names in _sections(package):
            lines = []
            if module is not package:
                # The module is a target (``:mod:`repalign.rdm.compare```) unless the package
                # exports a function of the same name (repalign.alignment.procrustes), which is
                # documented under that name.
                leaf = module.__name__.rsplit(".", 1)[-1]
                indexed = getattr(package, leaf, module) is module
                lines += [f".. py:module:: {module.__name__}"] + ([] if indexed else ["   :no-index:"]) + [""]
                lines += [f".. py:currentmodule:: {prefix}", ""]  # short references in docstrings
                doc = inspect.getdoc(module)
                if doc:
                    lines += doc.splitlines() + [""]
            # Summary table of functions and classes (a constant's "docstring" is that of its type).
            table = [n for n in names if callable(getattr(importlib.import_module(prefix), n))]
            if table:
                lines += [".. autosummary::", "   :nosignatures:", ""]
                lines += [f"   {n}" for n in table] + [""]  # relative to the currentmodule above
            for name in names:
                lines += _member_lines(module, prefix, name)
            body = StringList(lines, source=source)
            if module is package:
                container = nodes.container()
                self.state.nested_parse(body, 0, container)
                result += container.children
                continue
            section = nodes.section(names=[nodes.fully_normalize_name(module.__name__)])
            title = module.__name__.removeprefix(package.__name__ + ".")
            section += nodes.title(title, "", nodes.literal(title, title))
            self.state.document.note_implicit_target(section, section)
            self.state.nested_parse(body, 0, section)
            result.append(section)
        return result


def skip_foreign_members(app, what, name, obj, skip, options):
    """Skip members a class inherits or gets from outside repalign (scikit-learn's ``set_*_request``)."""
    module = getattr(obj, "__module__", None)
    if what == "class" and callable(obj) and isinstance(module, str) and not module.startswith("repalign"):
        return True
    return None


_TRAILING_UNDERSCORE = re.compile(r"(?<![`\\\w])([A-Za-z]\w*?)_(?=[\s,;:)\]]|$)")
_TYPE_FIELD = re.compile(r"^(\s*:(?:type [^:]+|rtype|vartype [^:]+|type):\s)(.*)$")


def escape_type_underscores(app, what, name, obj, options, lines) -> None:
    """Numpydoc types are plain text, but Sphinx reads them as reST, where ``n_components_`` in
    ``shape (n, n_components_)`` is a hyperlink reference. Escape such trailing underscores in the
    type fields napoleon produced (runs after napoleon)."""
    for i, line in enumerate(lines):
        m = _TYPE_FIELD.match(line)
        if m:
            lines[i] = m.group(1) + _TRAILING_UNDERSCORE.sub(r"\1\\_", m.group(2))


def resolve_module_paths(app, env, node, contnode):
    """Resolve a reference by an object's defining module path (``repalign.models.vision.preprocess_image``)
    to the name it is documented under (``repalign.models.preprocess_image``), if both are the same object."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    parts = target.split(".")
    if len(parts) < 3 or parts[0] != "repalign":
        return None
    try:
        obj = _import_object(target)
    except Exception:  # not an importable object: leave the warning to Sphinx
        return None
    domain = env.get_domain("py")
    for cut in range(len(parts) - 2, 0, -1):
        alias = ".".join(parts[:cut] + parts[-1:])
        if alias in domain.objects:
            try:
                same = _import_object(alias) is obj
            except Exception:
                same = False
            if same:
                return domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"], alias, node, contnode)
    return None


def _import_object(path: str):
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(path)


def register_anchors(app, doctree) -> None:
    """Let Markdown links name a documented object: ``[compute_rdm](../book/api/rdm.md#repalign.rdm.compute_rdm)``.

    MyST checks the ``#anchor`` of a link to another page against that page's heading slugs only, so
    the ids of the objects documented on a Library page are added to them."""
    slugs = {}
    for node in doctree.findall(nodes.Element):  # module targets' ids move to the next node
        for node_id in node.get("ids", []):
            if node_id.startswith(("repalign.", "module-repalign.")):
                name = node_id.removeprefix("module-")
                slugs.setdefault(node_id, (node.line or 0, node_id, name.rsplit(".", 1)[-1]))
    if slugs:
        app.env.metadata[app.env.docname].setdefault("myst_slugs", {}).update(slugs)


def setup(app):
    app.connect("doctree-read", register_anchors)
    app.connect("autodoc-process-docstring", escape_type_underscores, priority=600)
    app.connect("missing-reference", resolve_module_paths)
    app.add_directive("repalign-api", RepalignApi)
    app.connect("autodoc-skip-member", skip_foreign_members)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
