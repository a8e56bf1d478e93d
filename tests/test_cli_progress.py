"""Progress on long runs: on a terminal only, with simulated time, calls, calls/s and the time
left; nothing with --json or into a pipe."""

from __future__ import annotations

import io
from pathlib import Path

from click.testing import CliRunner
from rich.console import Console

from simtel.cli import main
from simtel.cli_support import run_progress
from simtel.scenario import build, load_scenario

ROOT = Path(__file__).parents[1]


def test_a_terminal_sees_time_calls_rate_and_eta() -> None:
    run = build(load_scenario(ROOT / "examples" / "contact_centre.yaml"))
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=200)
    try:
        with run_progress(run, console, enabled=True) as progress:
            assert progress is not None
            run.run(progress)
            console.print(run.scenario.name)  # the bar is transient; its last frames remain
    finally:
        run.sim.close()
    text = screen.getvalue()
    assert "sim 0:" in text and " of 1:00:00" in text  # simulated time of the horizon
    assert f"{len(run.offered):,} calls" in text
    assert "calls/s" in text and "ETA" in text


def test_no_progress_off_a_terminal_or_with_json() -> None:
    run = build(load_scenario(ROOT / "examples" / "contact_centre.yaml"))
    try:
        piped = Console(file=io.StringIO(), force_terminal=False)
        with run_progress(run, piped, enabled=True) as progress:
            assert progress is None
        terminal = Console(file=io.StringIO(), force_terminal=True)
        with run_progress(run, terminal, enabled=False) as progress:
            assert progress is None
    finally:
        run.sim.close()


def test_simtel_run_into_a_pipe_prints_no_bar(tmp_path: Path) -> None:
    scenario = str(ROOT / "examples" / "contact_centre.yaml")
    result = CliRunner().invoke(main, ["run", scenario, "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    assert "calls/s" not in result.output and "ETA" not in result.output
