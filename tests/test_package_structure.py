"""The library's shape: one-way imports, no cycles, no private names across subpackages, a complete API.

Walks the source with ``ast`` (imports inside functions count too), so nothing is imported to check it.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[1] / "lib" / "repalign"

# Lower layers never import higher ones (the package docstring draws the same picture).
LAYERS = {
    "core": 0,
    "io": 1,
    "distributed": 1,
    "stimuli": 2,
    "datasets": 2,
    "models": 3,
    "rdm": 4,
    "inference": 5,
    "arrangement": 5,
    "searchlight": 5,
    "alignment": 5,
    "plotting": 6,
    "widgets": 7,
    "book": 8,
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(LIB.rglob("*.py")):
        parts = list(path.relative_to(LIB.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _imports(name: str):
    """(target module, imported names, line) for every import of ``repalign`` code in module ``name``."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    package = name if _is_package(name) else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("repalign"):
                continue
            names = [a.name for a in node.names]
            # "from repalign.x import y" where y is a module imports that module
            submodules = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
            yield target, [n for n in names if f"{target}.{n}" not in MODULES], node.lineno
            for sub in submodules:
                yield sub, [], node.lineno
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("repalign"):
                    yield a.name, [], node.lineno


def _subpackage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _graph() -> dict[str, set[str]]:
    graph = {m: set() for m in MODULES}
    for m in MODULES:
        for target, _, _ in _imports(m):
            if target in MODULES and target != m:
                graph[m].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_every_subpackage_has_a_layer():
    subs = {_subpackage(m) for m in MODULES} - {""}
    assert subs <= set(LAYERS), f"add these to LAYERS (and the package docstring): {sorted(subs - set(LAYERS))}"


def test_no_import_cycles_between_modules():
    # A package's __init__ re-exports its modules, so edges into a package are edges into its __init__ only;
    # modules import siblings by their own module path, never through the package.
    assert _cycles(_graph()) == []


def test_no_import_cycles_between_subpackages():
    graph = {s: set() for s in LAYERS}
    for m, targets in _graph().items():
        for t in targets:
            a, b = _subpackage(m), _subpackage(t)
            if a and b and a != b:
                graph[a].add(b)
    assert _cycles(graph) == []


def test_imports_flow_down_the_layers():
    bad = []
    for m in MODULES:
        src = _subpackage(m)
        for target, _, line in _imports(m):
            dst = _subpackage(target)
            if src and dst and src != dst and LAYERS[dst] > LAYERS[src]:
                bad.append(f"{m}:{line} imports {target} (layer {dst} above {src})")
    assert bad == []


def test_no_private_names_across_subpackages():
    bad = []
    for m in MODULES:
        for target, names, line in _imports(m):
            if _subpackage(target) != _subpackage(m) or (target.split(".")[-1].startswith("_") and target != m):
                private = [n for n in names if n.startswith("_") and n != "__version__"]
                if private or (target.split(".")[-1].startswith("_") and _subpackage(target) != _subpackage(m)):
                    bad.append(f"{m}:{line} imports {private or target} from {target}")
    assert bad == []


def _public_functions():
    import importlib

    for name in MODULES:
        if name.endswith("__main__"):
            continue
        module = importlib.import_module(name)
        if _is_package(name):
            continue
        exported = set(getattr(module, "__all__", []))
        for attr, obj in vars(module).items():
            if attr.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if getattr(obj, "__module__", None) != name:
                continue
            yield name, attr, obj, exported


def test_every_public_function_is_exported_and_documented():
    missing, undocumented = [], []
    for name, attr, obj, exported in _public_functions():
        if attr not in exported:
            missing.append(f"{name}.{attr}")
        if not (obj.__doc__ or "").strip():
            undocumented.append(f"{name}.{attr}")
    assert not missing, f"public but not in __all__: {missing}"
    assert not undocumented, f"public but without a docstring: {undocumented}"


def test_packages_reexport_their_modules_public_api():
    import importlib

    missing = []
    for name in MODULES:
        if not _is_package(name) or name == "repalign":
            continue
        package = importlib.import_module(name)
        for child in MODULES:
            if child.rpartition(".")[0] != name or _is_package(child) or child.endswith("__main__"):
                continue
            for attr in getattr(importlib.import_module(child), "__all__", []):
                if attr not in getattr(package, "__all__", []):
                    missing.append(f"{child}.{attr}")
    assert not missing, f"not re-exported by their package: {missing}"


# Arguments that draw random numbers are called `seed` (an int or a numpy Generator) everywhere.
RANDOM_NAMES = {"random_state", "rng", "random_seed", "generator"}


def test_stochastic_arguments_are_named_seed():
    bad = []
    for name, attr, obj, _ in _public_functions():
        targets = [obj] if inspect.isfunction(obj) else [v for k, v in vars(obj).items() if inspect.isfunction(v)]
        for fn in targets:
            params = inspect.signature(fn).parameters
            bad += [f"{name}.{attr}({p})" for p in params if p in RANDOM_NAMES]
    assert not bad, f"stochastic arguments not named seed: {bad}"


@pytest.mark.parametrize("name", sorted(m for m in MODULES if _is_package(m)))
def test_every_package_documents_itself(name):
    import importlib

    assert (importlib.import_module(name).__doc__ or "").strip(), name


def test_no_module_is_named_like_a_public_name_of_its_package():
    # `repalign.x.y` must mean one thing: a module named like a function its package re-exports (e.g. a module
    # `fdr` beside the function `fdr`) is shadowed by that function on the package.
    import importlib
    import pkgutil

    clashes = []
    for name in MODULES:
        if _is_package(name):
            package = importlib.import_module(name)
            clashes += [f"{name}.{m.name}" for m in pkgutil.iter_modules(package.__path__) if m.name in package.__all__]
    assert not clashes, f"modules shadowed by a re-exported name: {clashes}"
