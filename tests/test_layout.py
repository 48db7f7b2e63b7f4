"""The tree keeps its shape: documented packages, imports that point one way, no cycles."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOP = ("inbox", "connectors", "automations", "workers")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(path): path for top in TOP for path in sorted((ROOT / top).rglob("*.py"))}


def _imported(path: Path) -> Iterator[str]:
    """Project modules a module imports at load time (not inside functions or TYPE_CHECKING)."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                yield candidate if candidate in MODULES else node.module


def _read_graph() -> dict[str, set[str]]:
    return {
        name: {target for target in _imported(path) if target in MODULES and target != name}
        for name, path in MODULES.items()
    }


GRAPH = _read_graph()
"""Parsed while the tests are collected: CPython 3.11's parser can fail ("AST constructor
recursion depth mismatch") when another thread compiles code meanwhile, as the session's
worker threads and Jinja do once tests run."""


def _graph() -> dict[str, set[str]]:
    return GRAPH


PACKAGE_DOCSTRINGS = {
    module: ast.get_docstring(ast.parse(path.read_text()))
    for module, path in MODULES.items()
    if path.name == "__init__.py"
}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _package(module: str) -> str:
    """The sub-package a module belongs to (`automations.sla`, `inbox.services.tickets`); the
    modules at the top of `inbox`, `connectors`... are each their own unit."""
    if MODULES[module].name == "__init__.py":
        return module
    parent = module.rpartition(".")[0]
    return module if parent in TOP else parent


def test_no_module_imports_itself_back():
    assert _cycles(_graph()) == []


def test_no_two_packages_import_each_other():
    packages: dict[str, set[str]] = {}
    for module, targets in _graph().items():
        source = _package(module)
        packages.setdefault(source, set()).update(
            _package(t) for t in targets if _package(t) != source
        )
    assert _cycles(packages) == []


@pytest.mark.parametrize(
    "lower, upper",
    [
        ("inbox", "automations"),
        ("inbox", "workers"),
        ("connectors", "automations"),
        ("connectors", "workers"),
        ("automations", "workers"),
    ],
)
def test_dependencies_point_one_way(lower, upper):
    offenders = {
        module: sorted(t for t in targets if t.split(".")[0] == upper)
        for module, targets in _graph().items()
        if module.split(".")[0] == lower
    }
    assert {m: t for m, t in offenders.items() if t} == {}


@pytest.mark.parametrize(
    "package", sorted(m for m, p in MODULES.items() if p.name == "__init__.py")
)
def test_every_package_says_what_lives_there(package):
    docstring = PACKAGE_DOCSTRINGS[package]
    assert docstring and len(docstring) > 40, f"{package} needs a docstring"


def test_the_architecture_map_names_every_package():
    text = (ROOT / "docs" / "architecture.md").read_text()
    missing = [
        package
        for package, path in MODULES.items()
        if path.name == "__init__.py" and f"`{package.replace('.', '/')}/`" not in text
    ]
    assert missing == []
