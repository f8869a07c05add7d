"""The package's layers: each subpackage imports only those below it, and no module imports itself
through others (no cycle), counting the imports made inside functions too.

The order, lowest first, is :data:`LAYERS`; above them stand ``exitkg.api`` (the Python API), then
``exitkg.cli`` (the only module that names flags) and what serves it (``clidoc``, ``__main__``),
then ``exitkg`` itself, which hands the API on. docs/architecture.md says what each layer holds.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "exitkg"

#: the subpackages, lowest first
LAYERS = ("core", "rdf", "sparql", "graph", "checks", "review", "linking", "pages", "publish", "serve")
#: the modules above every subpackage, lowest first
TOP = ("api", "cli", "clidoc", "__main__")


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        if "__pycache__" in path.parts:
            continue
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports_of(path: Path, name: str, modules) -> set[str]:
    """The package's modules that *path* (module *name*) imports, anywhere in its code."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                target = base + ("." + node.module if node.module else "")
            else:
                target = node.module or ""
            for alias in node.names:
                found.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in modules else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in modules and m != name}


def rank(name: str) -> int:
    """A module's height: its subpackage's place in LAYERS, then the top modules, then ``exitkg``."""
    parts = name.split(".")
    if name == "exitkg":
        return len(LAYERS) + len(TOP)
    if parts[1] in LAYERS:
        return LAYERS.index(parts[1])
    if parts[1] in TOP:
        return len(LAYERS) + TOP.index(parts[1])
    raise AssertionError(f"{name} is in no layer: put it in a subpackage of LAYERS or name it in TOP")


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: imports_of(path, name, modules) for name, path in modules.items()}


def test_every_module_is_in_a_layer():
    for name in _graph():
        rank(name)


def test_each_layer_imports_only_those_below_it():
    upward = sorted(f"{a} -> {b}" for a, targets in _graph().items() for b in targets if rank(b) > rank(a))
    assert not upward, "imports that run up the layers:\n" + "\n".join(upward)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_itself_through_others():
    assert cycles(_graph()) == []


@pytest.mark.parametrize("graph, expected", [
    ({"a": {"b"}, "b": {"a"}, "c": set()}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
])
def test_the_cycle_finder_finds_cycles(graph, expected):
    assert cycles(graph) == expected


def test_an_upward_import_is_seen(tmp_path):
    """The check reads imports made inside functions, where a cycle hides most easily."""
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from exitkg.cli import main\n", encoding="utf-8")
    assert imports_of(module, "exitkg.core.m", {"exitkg.cli", "exitkg.core.m"}) == {"exitkg.cli"}
    assert rank("exitkg.cli") > rank("exitkg.core.m")


def test_subpackages_only_describe_themselves():
    """A subpackage's ``__init__`` imports nothing, so a submodule named after a command is never
    shadowed by a function of the same name."""
    for layer in LAYERS:
        tree = ast.parse((PACKAGE / layer / "__init__.py").read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), layer
        assert not [n for n in tree.body if not isinstance(n, ast.Expr)], layer


def test_the_tests_mirror_the_package():
    """A subpackage's tests are in the folder of the same name under tests/; no folder there names
    a layer the package does not have."""
    tests = Path(__file__).resolve().parent
    folders = {p.name for p in tests.iterdir() if p.is_dir() and any(p.glob("test_*.py"))}
    assert folders == set(LAYERS)
