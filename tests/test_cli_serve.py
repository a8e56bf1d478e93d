"""`simtel serve`: options reach `simtel.server.serve`; a scenario builds the simulation."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

import simtel.server
from simtel.cli import main
from simtel.simulator import Simulator


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, dict[str, Any]]]:
    calls: list[tuple[Any, dict[str, Any]]] = []

    def fake_serve(sim: Any = None, **options: Any) -> None:
        calls.append((sim, options))
        if isinstance(sim, Simulator):
            sim.close()

    monkeypatch.setattr(simtel.server, "serve", fake_serve)
    return calls


def test_serve_without_a_scenario_passes_the_options(
    served: list[tuple[Any, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIMTEL_AUTH_TOKEN", "f" * 32)
    args = ["serve", "--port", "9000", "--clock", "realtime", "--speed", "60", "--seed", "5"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    sim, options = served[0]
    assert sim is None
    assert options["port"] == 9000 and options["clock"] == "realtime" and options["speed"] == 60
    assert options["seed"] == 5 and options["auth_token"] == "f" * 32


def test_serve_a_scenario_builds_its_simulation(served: list[tuple[Any, dict[str, Any]]]) -> None:
    result = CliRunner().invoke(main, ["serve", "--scenario", "quickstart", "--port", "8123"])
    assert result.exit_code == 0, result.output
    sim, options = served[0]
    assert isinstance(sim, Simulator)
    assert set(sim.numbers) == {"+15550100", "+15550200"}
    assert options["public_url"] == "http://127.0.0.1:8123"


def test_serve_a_bad_scenario_exits_2(served: list[tuple[Any, dict[str, Any]]]) -> None:
    result = CliRunner().invoke(main, ["serve", "--scenario", "missing.yaml"])
    assert result.exit_code == 2 and not served
