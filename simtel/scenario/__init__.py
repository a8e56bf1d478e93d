"""Scenarios: YAML files describing numbers, parties, calls, traffic and actions, and their runs.

    run = build(load_scenario("voicemail"))
    run.run()
    summary = summarise(run)

See docs/scenarios.md for the format.

The names load on first use (PEP 562): the CLI reads a scenario's help and file without
importing the engine, which `build` brings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader

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


__getattr__, _, _ = lazy_loader.attach(__name__, submod_attrs=_MODULES)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
