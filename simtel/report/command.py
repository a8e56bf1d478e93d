"""The `simtel report DIR` command."""

from __future__ import annotations

from pathlib import Path

import click

from simtel.cli_support import usage_error
from simtel.report import Limits, write_report


@click.command("report")
@click.argument(
    "directory", type=click.Path(exists=True, file_okay=False, dir_okay=True, path_type=Path)
)
@click.option(
    "--inline-audio-limit",
    type=click.IntRange(min=0),
    default=Limits().inline_audio_bytes,
    show_default=True,
    help="Largest WAV (bytes) inlined as a data URI; larger ones are linked.",
)
@click.option(
    "--calls",
    type=click.IntRange(min=0),
    default=Limits().call_families,
    show_default=True,
    help="How many top-level calls get a timeline.",
)
@click.option(
    "--shared-time-axis",
    is_flag=True,
    help="Draw every call timeline on the run's time axis (default: each call its own).",
)
def report(directory: Path, inline_audio_limit: int, calls: int, shared_time_axis: bool) -> None:
    """Write DIRECTORY/report.html from a results folder (simtel run --out DIRECTORY)."""
    limits = Limits(
        call_families=calls,
        inline_audio_bytes=inline_audio_limit,
        shared_time_axis=shared_time_axis,
    )
    try:
        path = write_report(directory, limits)
    except FileNotFoundError:
        usage_error(
            f"{directory} is not a results folder (no simtel.db or events.jsonl); "
            "simtel run --out DIR writes one"
        )
    click.echo(str(path))
