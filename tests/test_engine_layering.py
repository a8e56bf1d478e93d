"""The engine stands on its own: `simtel.engine` imports only the layers below it.

Every module under simtel/engine/ is parsed (imports inside functions and `TYPE_CHECKING` blocks
count too); the engine may use the vocabulary and services below it (events, SIDs, clock,
account, pricing, errors, audio, webhooks, `quick_init` for frozen values) and never the
layers built on it (the simulator, the store, the REST API, scenarios, reports, the server,
the CLI).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parent.parent / "simtel" / "engine"

#: simtel modules the engine may import (with their submodules)
ALLOWED = (
    "simtel.engine",
    "simtel.account",
    "simtel.audio",
    "simtel.clock",
    "simtel.errors",
    "simtel.events",
    "simtel.pricing",
    "simtel.quickinit",
    "simtel.sids",
    "simtel.webhooks",
)


def imported_modules(source: str, package: str) -> list[str]:
    """Absolute names of every module `source` imports (relative imports resolved in `package`)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                names.append(f"{base}.{node.module}" if node.module else base)
            elif node.module is not None:
                names.append(node.module)
    return names


def forbidden(names: list[str]) -> list[str]:
    """The simtel modules among `names` the engine must not import."""
    return [
        name
        for name in names
        if (name == "simtel" or name.startswith("simtel."))
        and not any(name == ok or name.startswith(f"{ok}.") for ok in ALLOWED)
    ]


def module_imports(module: str) -> list[str]:
    path = ENGINE.parent.parent / (module.replace(".", "/") + ".py")
    package = module.rsplit(".", 1)[0]
    return imported_modules(path.read_text(encoding="utf-8"), package)


def engine_modules() -> list[str]:
    root = ENGINE.parent.parent
    return sorted(
        ".".join(path.relative_to(root).with_suffix("").parts) for path in ENGINE.rglob("*.py")
    )


def test_engine_has_its_modules() -> None:
    modules = engine_modules()
    assert "simtel.engine.calls.legs" in modules
    assert "simtel.engine.context" in modules
    assert len(modules) > 20


@pytest.mark.parametrize("module", engine_modules())
def test_engine_module_imports_no_upper_layer(module: str) -> None:
    assert forbidden(module_imports(module)) == []


def test_the_check_sees_imports_in_type_checking_blocks_and_functions() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from simtel.simulator import Simulator\n"
        "def f():\n    import simtel.store\n    from ..api import app\n"
    )
    names = imported_modules(source, "simtel.engine.calls")
    assert set(names) == {"typing", "simtel.simulator", "simtel.store", "simtel.engine.api"}


def test_relative_imports_resolve_against_the_package() -> None:
    source = "from ...store import Store\nfrom . import legs\n"
    names = imported_modules(source, "simtel.engine.calls")
    assert set(names) == {"simtel.store", "simtel.engine.calls"}


def test_upper_layers_are_refused_and_lower_ones_allowed() -> None:
    names = ["simtel.store.media", "simtel.events", "simtel.simulator", "simtel.api", "numpy"]
    assert forbidden(names) == ["simtel.store.media", "simtel.simulator", "simtel.api"]
