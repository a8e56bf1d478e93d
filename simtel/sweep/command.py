"""The `simtel sweep` command: options, progress on a terminal, the result table.

Every mistake (an option, the scenario, a `--set` value that does not fit, an unknown
`--metric`, an `--out` that cannot be written) is one line and exit status 2, before any run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from simtel.cli_support import prepare_out_dir, usage_error
from simtel.errors import ScenarioError
from simtel.sweep.erlang import erlang_inputs
from simtel.sweep.plan import RunTask, SweepError, apply, read_mapping
from simtel.sweep.stats import erlang_b
from simtel.sweep.study import DEFAULT_METRIC, SweepResult, check_metric, run_sweep


def result_table(result: SweepResult, scenario: dict[str, Any]) -> Table:
    """The main metric per parameter point, with Erlang B wherever the point is an Erlang loss
    system (see `simtel.sweep.erlang`)."""
    table = Table(title=f"{result.metric} (mean and 95% interval)")
    keys = [key for key, _ in result.points[0].params] if result.points else []
    for key in [*(k.split(".")[-1] for k in keys), "runs", "mean", "95% interval"]:
        table.add_column(key, no_wrap=True)
    erlang = [erlang_inputs(apply(scenario, point.params)) for point in result.points]
    if any(inputs is not None for inputs in erlang):
        table.add_column("Erlang B")
    for point, inputs in zip(result.points, erlang, strict=True):
        interval = point.metrics.get(result.metric or "")
        cells = [str(value) for _, value in point.params]
        if interval is None:
            cells += ["0", "-", "-"]
        else:
            ci = (
                "-"
                if interval.n < 2 and interval.lower is None
                else (f"{interval.low:.3g}..{interval.high:.3g}")
            )
            cells += [str(interval.n), f"{interval.mean:.3g}", ci]
        if any(e is not None for e in erlang):
            cells.append(
                "-"
                if inputs is None
                else f"{erlang_b(inputs.capacity, inputs.offered_erlangs):.3g}"
            )
        table.add_row(*cells)
    return table


def _progress(console: Console | None) -> Any:
    """Runs done, runs/s and the time left, on a terminal only."""
    if console is None or not console.is_terminal:
        return None

    @contextmanager
    def bar(tasks: list[RunTask]) -> Iterator[Any]:
        columns = (
            TextColumn("[bold]sweep"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("runs"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task("runs", total=len(tasks))
            yield lambda: progress.advance(task)

    return bar


@click.command("sweep")
@click.argument("scenario")
@click.option("--replications", "-n", type=click.IntRange(min=1), default=1, show_default=True)
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="KEY=V1,V2,...",
    help="Sweep a dotted scenario key over values (repeatable: cartesian product).",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="tcp://HOST:PORT",
    help="A Dask scheduler; the files the scenario names travel with the tasks.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=2,
    show_default=True,
    help="Local Dask worker processes; 0 runs in this process without Dask.",
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("sweep"))
@click.option(
    "--seed", type=click.IntRange(min=0), default=None, help="Base seed (default: the scenario's)."
)
@click.option("--metric", default=DEFAULT_METRIC, show_default=True, help="The charted metric.")
@click.option("--quiet", is_flag=True, help="No progress bar or table.")
def sweep(
    scenario: str,
    replications: int,
    settings: tuple[str, ...],
    scheduler: str | None,
    workers: int,
    out: Path,
    seed: int | None,
    metric: str,
    quiet: bool,
) -> None:
    """Run SCENARIO many times (replications x --set points) and summarise the results.

    Writes runs.csv, summary.csv (mean and 95 % interval per point and metric) and chart.svg
    to --out, with the Erlang B curve when the scenario is an Erlang loss system.
    """
    if scheduler is not None and not scheduler.startswith(("tcp://", "tls://")):
        usage_error(f"--scheduler {scheduler!r} must be a Dask address, tcp://HOST:PORT")
    console = None if quiet else Console(stderr=True)
    try:
        check_metric(metric)
        prepare_out_dir(out)
        result = run_sweep(
            scenario,
            settings=settings,
            replications=replications,
            workers=workers,
            scheduler=scheduler,
            out=out,
            seed=seed,
            metric=metric,
            progress=_progress(console),
        )
    except (SweepError, ScenarioError) as error:
        usage_error(str(error))
    if console is not None and result.metric is not None:
        Console().print(result_table(result, read_mapping(_path(result))))
    runs = len(result.tasks)
    rate = runs / result.wall_seconds if result.wall_seconds > 0 else float("inf")
    click.echo(f"{runs} runs in {result.wall_seconds:.2f} s wall ({rate:.2f} runs/s)")
    for path in result.files.values():
        click.echo(str(path))


def _path(result: SweepResult) -> Path:
    return Path(result.tasks[0].scenario_path)
