"""Scenarios: YAML files describing numbers, parties, calls, traffic and actions, and their runs.

    run = build(load_scenario("voicemail"))
    run.run()
    summary = summarise(run)

See docs/scenarios.md for the format.
"""

from __future__ import annotations

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
