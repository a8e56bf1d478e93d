"""`simtel trace`: the command around `trace.trace_scenario` (arguments, output, exit status)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from simtel.cli_support import (
    did_you_mean,
    prepare_out_dir,
    report_twiml_errors,
    usage_error,
    writing,
)
from simtel.errors import ScenarioError
from simtel.scenario import ScenarioRun, build
from simtel.scenario.loader import bundled_folder
from simtel.scenario.timeline import timeline
from simtel.scenario.trace import document_app, parse_party_spec, trace_scenario


def bundled_twiml() -> list[str]:
    """The names of the TwiML documents that ship with simtel (`voicemail.xml`, ...)."""
    return sorted(path.name for path in (bundled_folder() / "twiml").glob("*.xml"))


def find_twiml(target: str) -> str:
    """`target` when it is a URL or an existing file; else the bundled document of that name;
    else a usage error with the bundled names."""
    if target.startswith(("http://", "https://")) or Path(target).is_file():
        return target
    if Path(target).is_dir():
        usage_error(f"{target} is a folder, not a TwiML file")
    names = bundled_twiml()
    name = Path(target).name
    wanted = name if name.endswith(".xml") else f"{name}.xml"
    if Path(target).parent == Path() and wanted in names:
        return str(bundled_folder() / "twiml" / wanted)
    hint = did_you_mean(wanted, names)
    usage_error(
        f"{target}: no such TwiML file{hint}; give a path, an http(s) URL, or a bundled "
        f"document: {', '.join(names)}"
    )


def _base_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        usage_error(f"--base-url {value!r} must be an absolute http(s) URL")
    return value


@click.command()
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
@click.option(
    "--base-url",
    metavar="URL",
    help='The URL the file is served as: its relative URLs (action="/next") resolve against it.',
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results"),
    show_default=True,
    help="Folder for the WAV files.",
)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the timeline as JSON lines.")
@click.option("--allow-errors", is_flag=True, help="Exit 0 even when the TwiML produced errors.")
def trace(
    target: str,
    party_spec: str,
    callee_spec: str,
    base_url: str | None,
    out_dir: Path,
    seed: int,
    as_json: bool,
    allow_errors: bool,
) -> None:
    """Run one inbound call through a TwiML document and show what happens, second by second.

    TWIML_FILE_OR_URL is a TwiML file, the name of a bundled one (voicemail.xml), or an
    http(s) URL fetched for real (your app). Exits 1 when the document produced errors.

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
        usage_error(f"{error}")
    document = find_twiml(target)
    base = _base_url(base_url)
    try:
        scenario_run = build(trace_scenario(document, caller, callee, seed, base_url=base))
    except ScenarioError as error:
        usage_error(str(error))
    if base is not None and not document.startswith(("http://", "https://")):
        scenario_run.sim.mount(base, document_app(Path(document).read_bytes()))
    prepare_out_dir(out_dir)
    scenario_run.run()
    with writing(out_dir):
        written = scenario_run.render(out_dir)
    _show(scenario_run, target, written, as_json=as_json)
    found = scenario_run.sim.notifications
    scenario_run.sim.close()
    if any(n.code == 11100 and "relative URL" in n.message for n in found) and base is None:
        click.echo("simtel: relative URLs need --base-url, the URL the file is served as", err=True)
    report_twiml_errors(found, allowed=allow_errors, flag="--allow-errors")


def _show(scenario_run: ScenarioRun, target: str, written: list[Path], *, as_json: bool) -> None:
    rows = timeline(scenario_run.sim.events)
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
