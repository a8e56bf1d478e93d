"""The bundled scenarios ship as package `simtel.scenarios`; pyproject lists every package."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_pyproject_lists_every_package_and_maps_the_scenarios() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = config["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("simtel", "twiml")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert on_disk <= listed, f"add to pyproject [tool.setuptools] packages: {on_disk - listed}"
    assert setuptools["package-dir"] == {"simtel.scenarios": "scenarios"}
    data = setuptools["package-data"]["simtel.scenarios"]
    assert {"*.yaml", "golden/*.jsonl", "twiml/*.xml"} <= set(data)


def test_every_file_a_scenario_needs_is_package_data() -> None:
    shipped = {"yaml", "jsonl", "xml", "py"}
    for path in (ROOT / "scenarios").rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            assert path.suffix.lstrip(".") in shipped, f"{path} would not be installed"
