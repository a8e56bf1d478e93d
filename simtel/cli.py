"""The `simtel` command: run scenarios, trace one TwiML document, serve the API.

`main` is a click group; other commands join it with one line each (`main.add_command(...)`).
A bad scenario or argument exits with status 2 and a `file:line` message, never a traceback.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from simtel import __version__
from simtel.cli_support import (
    USAGE_ERROR,
    SimtelGroup,
    prepare_out_dir,
    report_twiml_errors,
    run_progress,
    usage_error,
    writing,
)
from simtel.errors import ScenarioError
from simtel.notifications import Notification, notification
from simtel.report.folder import DB_NAME, EVENTS_NAME, MEDIA_DIR, SUMMARY_NAME
from simtel.scenario.loader import DEFAULT_SCENARIO, Scenario, bundled_scenarios, load_scenario

# The engine (numpy, SimPy, the store) is imported when a scenario is built, not to parse the
# command line: `simtel --help` and a mistyped option answer at once.
if TYPE_CHECKING:
    from rich.console import Console

    from simtel.scenario.runner import ScenarioRun

__all__ = ["USAGE_ERROR", "cli", "main"]
F = TypeVar("F", bound=Callable[..., Any])


@click.group(
    cls=SimtelGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="simtel")
def main() -> None:
    """simtel: an offline, deterministic simulator of Twilio Programmable Voice recording.

    \b
    Try:   simtel run                  (the quickstart scenario, results in results/)
           simtel trace voicemail.xml  (one call through a TwiML document, as a timeline)
           simtel serve                (the REST API on http://127.0.0.1:8080)
    """


#: the name another module may know the group by
cli = main


def _out_option(help_text: str) -> Callable[[F], F]:
    """`--out DIR` (parameter `out_dir`, default `results`)."""
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("results"),
        show_default=True,
        help=help_text,
    )


# -- run ----------------------------------------------------------------------------------------
RUN_HELP = f"""Run a scenario (default: the bundled {DEFAULT_SCENARIO}) and write its results.

SCENARIO is a YAML file, or the name of a bundled scenario: {", ".join(bundled_scenarios())}.

\b
Writes to --out:
  simtel.db       the SQLite store (calls, recordings, webhooks, events)
  events.jsonl    the event log, one JSON object per line
  media/RE….wav   the recordings the scenario asks to render
  summary.json    offered/completed/blocked calls, concurrency, recording minutes, cost
  the report      when simtel.report is available
"""


@main.command(help=RUN_HELP)
@click.argument("scenario", required=False, metavar="[SCENARIO]")
@_out_option("Folder for the results.")
@click.option("--seed", type=click.IntRange(min=0), help="Override the scenario's seed.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON, no progress.")
@click.option("--db-in-memory", is_flag=True, help=f"Keep the store in memory (no {DB_NAME}).")
@click.option(
    "--allow-errors", is_flag=True, help="Exit 0 even when the scenario's TwiML produced errors."
)
def run(
    scenario: str | None,
    out_dir: Path,
    seed: int | None,
    as_json: bool,
    db_in_memory: bool,
    allow_errors: bool,
) -> None:
    loaded = _load(scenario or DEFAULT_SCENARIO)
    prepare_out_dir(out_dir)
    with writing(out_dir):
        db = None if db_in_memory else _fresh_db(out_dir)
    # the store is read only at the end: a child process projects it beside a run that is
    # long enough to pay for starting one
    scenario_run = _build(loaded, seed=seed, db=db, store_writer="thread" if db is None else "auto")
    from rich.console import Console

    from simtel.running import collector_tuned

    console = Console()
    started = time.perf_counter()
    with (
        writing(out_dir),
        (out_dir / EVENTS_NAME).open("w", encoding="utf-8") as events_file,
        collector_tuned(),  # the run's heap is large: the final flush and summary too
    ):
        # events.jsonl is written as the store commits, from the JSON text it encoded
        scenario_run.sim.store.export_events(events_file)
        with run_progress(scenario_run, console, enabled=not as_json) as progress:
            scenario_run.run(progress)
        summary, notices = _finish(scenario_run, out_dir, time.perf_counter() - started)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        _print_summary(console, summary, out_dir, with_db=db is not None)
    if scenario_run.report:
        with writing(out_dir):
            _report(out_dir, console, quiet=as_json)
    report_twiml_errors(notices, allowed=allow_errors, flag="--allow-errors")


def _load(name: str) -> Scenario:
    try:
        return load_scenario(name)
    except ScenarioError as error:
        _usage_error(str(error))


def _build(scenario: Scenario, **options: Any) -> ScenarioRun:
    from simtel.scenario.runner import build

    try:
        return build(scenario, **options)
    except ScenarioError as error:
        _usage_error(str(error))


def _usage_error(message: str) -> NoReturn:
    usage_error(message)


def _fresh_db(out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / DB_NAME
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        leftover.unlink(missing_ok=True)
    return path


def _finish(
    scenario_run: ScenarioRun, out_dir: Path, wall: float
) -> tuple[dict[str, Any], list[Notification]]:
    """Write events, media and summary; close the store. Returns the summary and the run's
    notifications (read from the store's log: nothing watches every event for them)."""
    from simtel.scenario.summary import summarise

    out_dir.mkdir(parents=True, exist_ok=True)
    sim = scenario_run.sim
    sim.store.flush()  # the last lines of events.jsonl
    sim.store.export_events(None)
    media = out_dir / MEDIA_DIR
    for old in media.glob("RE*.wav") if media.is_dir() else ():
        old.unlink()
    written = scenario_run.render(media)
    summary = summarise(scenario_run)
    summary["media_files"] = len(written)
    summary["call_labels"] = call_labels(scenario_run)
    summary["wall_seconds"] = round(wall, 3)
    (out_dir / SUMMARY_NAME).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    notices = [notification(entry["t"], entry["sid"], entry) for entry in sim.store.notifications()]
    sim.close()
    return summary, notices


def call_labels(scenario_run: ScenarioRun) -> dict[str, str]:
    """Call SID -> the scenario's name for it: its `label`, else `calls[N]`."""
    named: dict[str, str] = {}
    for label, call in scenario_run.labels.items():
        text = f"calls[{label}]" if label.isdigit() else label
        if call.sid not in named or not label.isdigit():
            named[call.sid] = text
    return named


def _print_summary(
    console: Console, summary: dict[str, Any], out_dir: Path, *, with_db: bool
) -> None:
    from rich.table import Table

    from simtel.scenario.summary import table_rows

    table = Table(title=f"simtel run: {summary['scenario']} (seed {summary['seed']})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for label, value in table_rows(summary):
        table.add_row(label, value)
    console.print(table)
    files = [DB_NAME] if with_db else []
    files += [EVENTS_NAME, f"{MEDIA_DIR}/ ({summary['media_files']} WAV)", SUMMARY_NAME]
    console.print(f"results in [bold]{out_dir}/[/bold]: " + ", ".join(files))


def _report(out_dir: Path, console: Console, *, quiet: bool) -> None:
    try:
        from simtel.report import write_report
    except ImportError:
        click.echo("report: not available (simtel.report is not installed)", err=quiet)
        return
    written = write_report(out_dir)
    if not quiet:
        console.print(f"report: {written}")


# imported when asked for (see SimtelGroup): `simtel run` starts without them
main.add_lazy(
    "trace",
    "simtel.scenario.trace_command:trace",
    "Run one inbound call through a TwiML document and show what happens, second by second.",
)
main.add_lazy(
    "serve",
    "simtel.serve_command:serve",
    "Serve the Twilio REST API (and /_simtel control) over HTTP until Ctrl-C.",
)
main.add_lazy(
    "sweep",
    "simtel.sweep:sweep",
    "Run SCENARIO many times (replications x --set points) and summarise the results.",
)
main.add_lazy(
    "report",
    "simtel.report.command:report",
    "Write DIRECTORY/report.html from a results folder (simtel run --out DIRECTORY).",
)

if __name__ == "__main__":
    main()
