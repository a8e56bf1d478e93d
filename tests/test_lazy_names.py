"""The packages that load their names on first use list each name three times: under
`TYPE_CHECKING` (for mypy), in `__all__` (the public names) and in `_MODULES` (where
`lazy_loader` finds it at run time). What must hold: the three lists agree, name by name and
module by module, and every public name resolves in a fresh interpreter.
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGES = (
    "simtel",
    "simtel.audio",
    "simtel.scenario",
    "simtel.webhooks",
    "simtel.report",
    "twiml",
)


def source_of(package: str) -> ast.Module:
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin is not None
    return ast.parse(Path(spec.origin).read_text(encoding="utf-8"))


def typing_imports(tree: ast.Module) -> dict[str, str]:
    """Name -> module of the `from ... import` lines under `if TYPE_CHECKING:`."""
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for line in node.body:
                if isinstance(line, ast.ImportFrom) and line.module is not None:
                    found.update({alias.name: line.module for alias in line.names})
    return found


def literal(tree: ast.Module, name: str) -> object:
    for node in tree.body:
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == name:
            return ast.literal_eval(node.value)
    raise AssertionError(f"no {name} assignment")


@pytest.mark.parametrize("package", PACKAGES)
def test_the_typed_names_are_the_lazy_names_from_the_same_modules(package: str) -> None:
    tree = source_of(package)
    modules = literal(tree, "_MODULES")
    assert isinstance(modules, dict)
    lazy = {name: f"{package}.{module}" for module, names in modules.items() for name in names}
    assert lazy == typing_imports(tree)
    public = literal(tree, "__all__")
    assert isinstance(public, list) and set(lazy) <= set(public)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_resolves_in_a_fresh_interpreter(package: str) -> None:
    probe = (
        f"import json, {package} as p\n"
        "missing = object()\n"
        "print(json.dumps([n for n in p.__all__ if getattr(p, n, missing) is missing]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(done.stdout) == []
