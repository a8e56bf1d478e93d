"""Scenarios: YAML files describing numbers, parties, calls, traffic and actions, and their runs.

    run = build(load_scenario("voicemail"))
    run.run()
    summary = summarise(run)

See docs/scenarios.md for the format.

The names load on first use (PEP 562): the CLI reads a scenario's help and file without
importing the engine, which `build` brings.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simtel.scenario.loader import (
        Block,
        Scenario,
        bundled_folder,
        bundled_scenarios,
        load_scenario,
        parse_scenario,
    )
    from simtel.scenario.runner import ScenarioRun, build
    from simtel.scenario.summary import summarise

__all__ = [
    "Block",
    "Scenario",
    "ScenarioRun",
    "build",
    "bundled_folder",
    "bundled_scenarios",
    "load_scenario",
    "parse_scenario",
    "summarise",
]

_MODULES = {
    "loader": (
        "Block",
        "Scenario",
        "bundled_folder",
        "bundled_scenarios",
        "load_scenario",
        "parse_scenario",
    ),
    "runner": ("ScenarioRun", "build"),
    "summary": ("summarise",),
}
_HOMES = {name: f"{__name__}.{module}" for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
