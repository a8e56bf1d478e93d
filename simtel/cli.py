"""The `simtel` command: run scenarios, trace one TwiML document, serve the API.

`main` is a click group; other commands join it with one line each (`main.add_command(...)`).
A bad scenario or argument exits with status 2 and a `file:line` message, never a traceback.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from simtel import __version__
from simtel.errors import ScenarioError
from simtel.report.command import report
from simtel.report.data import DB_NAME, EVENTS_NAME, MEDIA_DIR, SUMMARY_NAME
from simtel.scenario import ScenarioRun, build, load_scenario, summarise
from simtel.scenario.loader import DEFAULT_SCENARIO, Scenario, bundled_scenarios
from simtel.scenario.summary import TABLE_ROWS, table_value
from simtel.scenario.timeline import timeline
from simtel.scenario.trace import parse_party_spec, trace_scenario
from simtel.sweep import sweep

if TYPE_CHECKING:
    from simtel.server import ClockMode

USAGE_ERROR = 2
#: `simtel serve` keeps every event, call and recording in memory even with a file database:
#: an app downloads a recording's media after its completed callback, whenever it likes
SERVE_RETENTION: dict[str, Any] = {"keep_events": True, "keep_media": True}
F = TypeVar("F", bound=Callable[..., Any])


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
@click.option("--seed", type=int, help="Override the scenario's seed.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON, no progress.")
@click.option("--db-in-memory", is_flag=True, help=f"Keep the store in memory (no {DB_NAME}).")
def run(
    scenario: str | None, out_dir: Path, seed: int | None, as_json: bool, db_in_memory: bool
) -> None:
    loaded = _load(scenario or DEFAULT_SCENARIO)
    db = None if db_in_memory else _fresh_db(out_dir)
    scenario_run = _build(loaded, seed=seed, db=db)
    console = Console()
    started = time.perf_counter()
    with _progress(scenario_run, console, enabled=not as_json) as progress:
        scenario_run.run(progress)
    summary = _finish(scenario_run, out_dir, time.perf_counter() - started)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        _print_summary(console, summary, out_dir, with_db=db is not None)
    if scenario_run.report:
        _report(out_dir, console, quiet=as_json)


def _load(name: str) -> Scenario:
    try:
        return load_scenario(name)
    except ScenarioError as error:
        _usage_error(str(error))


def _build(scenario: Scenario, **options: Any) -> ScenarioRun:
    try:
        return build(scenario, **options)
    except ScenarioError as error:
        _usage_error(str(error))


def _usage_error(message: str) -> NoReturn:
    click.echo(f"simtel: {message}", err=True)
    sys.exit(USAGE_ERROR)


def _fresh_db(out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / DB_NAME
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        leftover.unlink(missing_ok=True)
    return path


@contextmanager
def _progress(scenario_run: ScenarioRun, console: Console, *, enabled: bool) -> Iterator[Any]:
    """A progress bar over simulated time for runs with a duration on a terminal."""
    horizon = scenario_run.duration
    if not enabled or not console.is_terminal or not horizon:
        yield None
        return
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("sim {task.fields[sim]}"),
        TextColumn("{task.fields[calls]} calls"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(scenario_run.scenario.name, total=horizon, sim="0:00:00", calls=0)

        def update(now: float) -> None:
            shown = min(now, horizon)
            bar.update(task, completed=shown, sim=_clock(now), calls=len(scenario_run.offered))

        yield update


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def _finish(scenario_run: ScenarioRun, out_dir: Path, wall: float) -> dict[str, Any]:
    """Write events, media and summary; close the store. Returns the summary."""
    out_dir.mkdir(parents=True, exist_ok=True)
    sim = scenario_run.sim
    sim.events.write_jsonl(out_dir / EVENTS_NAME)
    media = out_dir / MEDIA_DIR
    for old in media.glob("RE*.wav") if media.is_dir() else ():
        old.unlink()
    written = scenario_run.render(media)
    summary = summarise(scenario_run)
    summary["media_files"] = len(written)
    summary["wall_seconds"] = round(wall, 3)
    (out_dir / SUMMARY_NAME).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    sim.close()
    return summary


def _print_summary(
    console: Console, summary: dict[str, Any], out_dir: Path, *, with_db: bool
) -> None:
    table = Table(title=f"simtel run: {summary['scenario']} (seed {summary['seed']})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, label in TABLE_ROWS:
        if key in summary:
            table.add_row(label, table_value(summary[key]))
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


# -- trace --------------------------------------------------------------------------------------
@main.command()
@click.argument("target", metavar="TWIML_FILE_OR_URL")
@click.option(
    "--party",
    "party_spec",
    default="",
    metavar="SPEC",
    help="The caller, e.g. 'answer_after=2,hangup_after=20,say=Hello there'.",
)
@click.option(
    "--callee",
    "callee_spec",
    default="",
    metavar="SPEC",
    help="Whoever the document <Dial>s, e.g. 'answer_after=4,hangup_after=15'.",
)
@_out_option("Folder for the WAV files.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the timeline as JSON lines.")
def trace(
    target: str, party_spec: str, callee_spec: str, out_dir: Path, seed: int, as_json: bool
) -> None:
    """Run one inbound call through a TwiML document and show what happens, second by second.

    TWIML_FILE_OR_URL is a TwiML file, or an http(s) URL fetched for real (your app).

    \b
    A SPEC is comma-separated key=value pairs:
      answer=answer|busy|no-answer|fail   answer_after=S   hangup_after=S|never
      talk=spurts|script|silent   say=[AT:]TEXT   press=[AT:]DIGITS   pitch_hz=HZ
    Times are seconds after the call is answered. The caller hangs up after 30 s by default.
    """
    try:
        caller = parse_party_spec(party_spec, "--party")
        callee = parse_party_spec(callee_spec, "--callee")
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    if not target.startswith(("http://", "https://")) and not Path(target).is_file():
        _usage_error(f"{target}: no such TwiML file")
    scenario_run = _build(trace_scenario(target, caller, callee, seed))
    scenario_run.run()
    rows = timeline(scenario_run.sim.events)
    written = scenario_run.render(out_dir)
    scenario_run.sim.close()
    if as_json:
        for t, who, what, kind in rows:
            click.echo(json.dumps({"t": t, "who": who, "what": what, "kind": kind}))
        return
    console = Console()
    table = Table(title=f"trace: {target}")
    table.add_column("t (s)", justify="right")
    table.add_column("who")
    table.add_column("what happened", overflow="fold")
    for t, who, what, _ in rows:
        table.add_row(f"{t:.1f}", who, escape(what))
    console.print(table)
    for path in written:
        console.print(f"wrote {path}")
    if not written:
        console.print("no completed recording to write")


# -- serve --------------------------------------------------------------------------------------
@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option(
    "--clock",
    type=click.Choice(["manual", "realtime"]),
    default="manual",
    show_default=True,
    help="manual: time moves on POST /_simtel/clock/advance.",
)
@click.option(
    "--speed",
    type=float,
    default=1.0,
    show_default=True,
    help="Simulated seconds per wall second with --clock realtime.",
)
@click.option(
    "--scenario",
    "scenario_file",
    metavar="FILE",
    help="Start from a scenario: its numbers, parties, calls and traffic.",
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep the store in this SQLite file (default: in memory).",
)
@click.option(
    "--media-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Cache rendered recordings here (default: in memory).",
)
@click.option("--seed", type=int, help="The seed (default 0, or the scenario's).")
@click.option(
    "--account-sid",
    envvar="SIMTEL_ACCOUNT_SID",
    metavar="AC…",
    help="Account SID [env SIMTEL_ACCOUNT_SID].",
)
@click.option(
    "--auth-token",
    envvar="SIMTEL_AUTH_TOKEN",
    metavar="TOKEN",
    help="Auth token [env SIMTEL_AUTH_TOKEN].",
)
@click.option(
    "--public-url",
    metavar="URL",
    help="Origin of simtel's own links (RecordingUrl); default: the server's URL.",
)
def serve(
    host: str,
    port: int,
    clock: str,
    speed: float,
    scenario_file: str | None,
    db: Path | None,
    media_dir: Path | None,
    seed: int | None,
    account_sid: str | None,
    auth_token: str | None,
    public_url: str | None,
) -> None:
    """Serve the Twilio REST API (and /_simtel control) over HTTP until Ctrl-C.

    Point the official client at it: Client(sid, token) with
    client.api.base_url = "http://127.0.0.1:8080".
    """
    from simtel.server import serve as serve_forever

    account: dict[str, Any] = {"account_sid": account_sid, "auth_token": auth_token}
    clock_mode: ClockMode = "realtime" if clock == "realtime" else "manual"
    if scenario_file is None:
        serve_forever(
            None,
            host=host,
            port=port,
            clock=clock_mode,
            speed=speed,
            public_url=public_url,
            seed=seed or 0,
            db=db,
            media_dir=media_dir,
            **SERVE_RETENTION,
            **account,
        )
        return
    origin = public_url or f"http://{host}:{port}"
    scenario_run = _build(
        _load(scenario_file),
        seed=seed,
        db=db,
        media_dir=media_dir,
        public_url=origin,
        **SERVE_RETENTION,
        **account,
    )
    serve_forever(
        scenario_run.sim, host=host, port=port, clock=clock_mode, speed=speed, public_url=origin
    )


main.add_command(sweep)
main.add_command(report)

if __name__ == "__main__":
    main()
