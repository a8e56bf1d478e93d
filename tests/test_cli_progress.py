"""Progress on long runs: on a terminal only, with simulated time, calls, calls/s and the time
left; nothing with --json or into a pipe."""

from __future__ import annotations

import io
from collections.abc import Generator
from pathlib import Path
from typing import Any

import simpy
from click.testing import CliRunner
from rich.console import Console

from simtel.cli import main
from simtel.cli_support import LiveProgress, run_progress
from simtel.scenario import ScenarioRun, build, load_scenario

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


def test_the_bar_follows_the_clock_inside_a_slice() -> None:
    """The bar reads the simulated clock and the calls placed while a slice runs (its thread
    ticks every 0.2 s of wall time), not only when a slice ends: here the run is one slice,
    and a tick half-way through the hour shows 0:30:00 and the calls placed by then."""
    run = build(load_scenario(ROOT / "examples" / "contact_centre.yaml"))
    seen: list[tuple[str, float, int]] = []
    console = Console(file=io.StringIO(), force_terminal=True, width=200)
    try:
        with run_progress(run, console, enabled=True) as live:
            assert isinstance(live, LiveProgress) and live.running

            def half_way() -> Generator[simpy.Event, Any, None]:
                yield run.sim.env.timeout(1800)
                live.tick()  # what the thread does, here at a known simulated instant
                (task,) = live.bar.tasks
                seen.append((task.fields["sim"], task.completed, task.fields["calls"]))
                seen.append(("placed", 0.0, len(run.offered)))

            run.sim.env.process(half_way())
            run.run(live, steps=1)
        assert not live.running  # the thread ends with the bar
    finally:
        run.sim.close()
    (sim, completed, calls), (_, _, placed) = seen
    assert (sim, completed) == ("0:30:00", 1800.0)
    assert calls == placed and 0 < calls < len(run.offered)


def quiet_log(run: ScenarioRun) -> str:
    log = io.StringIO()
    run.sim.events.write_jsonl(log)
    run.sim.close()
    return log.getvalue()


def test_the_bar_changes_nothing_in_the_run() -> None:
    """A bar ticking as fast as it can gives the event log of a run without one."""
    quiet = build(load_scenario(ROOT / "examples" / "contact_centre.yaml"))
    quiet.run()
    watched = build(load_scenario(ROOT / "examples" / "contact_centre.yaml"))
    console = Console(file=io.StringIO(), force_terminal=True, width=200)
    with run_progress(watched, console, enabled=True, every=0.0005) as live:
        watched.run(live)
    assert quiet_log(watched) == quiet_log(quiet)


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
