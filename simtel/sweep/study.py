"""`run_sweep`: plan a sweep, check it, run it (Dask or in process), write its files.

Before any run starts, the sweep is checked as `simtel run` would check it: the `--set` options
parse and fit the scenario, every parameter point's scenario passes the schema, and `--metric`
names a metric of a run summary (see `metric_names`). A mistake is a `SweepError` (or the
scenario's `ScenarioError`), raised before a single simulation runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simtel.sweep.execute import Advance, execute
from simtel.sweep.output import (
    PointSummary,
    aggregate,
    main_metric,
    metrics_of,
    write_chart,
    write_runs,
    write_summary,
)
from simtel.sweep.plan import RunTask, SweepError, parse_setting, plan_tasks, read_mapping

DEFAULT_METRIC = "blocking_probability"
RUNS_CSV, SUMMARY_CSV, CHART_SVG = "runs.csv", "summary.csv", "chart.svg"
#: the numeric keys of a run summary (`simtel.scenario.summary`) a sweep can chart
SUMMARY_METRICS = (
    "blocking_probability",
    "calls_offered",
    "calls_completed",
    "calls_blocked",
    "call_legs",
    "peak_concurrent_calls",
    "recordings",
    "recordings_completed",
    "recording_minutes",
    "recording_cost_usd",
    "call_cost_usd",
    "webhooks_sent",
    "notifications",
    "events",
    "sim_seconds",
)
#: summary keys holding counts by name: `calls_by_status.busy` and so on are metrics too
SUMMARY_COUNTS = ("calls_by_status", "recordings_by_status", "recordings_by_source")
#: nested keys of a scenario with queues: `queues.NAME.service_level`, `agents.NAME.METRIC`
SUMMARY_NESTED = ("queues", "agents")


@dataclass
class SweepResult:
    out_dir: Path
    tasks: list[RunTask]
    summaries: list[dict[str, Any]]
    points: list[PointSummary]
    metric: str | None
    wall_seconds: float
    files: dict[str, Path] = field(default_factory=dict)


def check_metric(wanted: str) -> str:
    """`wanted` when it names a summary metric (a bare count name is looked up under the count
    keys); else a SweepError with the list."""
    if wanted in SUMMARY_METRICS or (wanted.partition(".")[0] in SUMMARY_COUNTS and "." in wanted):
        return wanted
    if wanted.partition(".")[0] in SUMMARY_NESTED and wanted.count(".") == 2:
        return wanted
    import difflib

    close = difflib.get_close_matches(wanted, SUMMARY_METRICS, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    counts = ", ".join(f"{key}.NAME" for key in SUMMARY_COUNTS)
    counts += ", queues.NAME.METRIC, agents.NAME.METRIC"
    raise SweepError(
        f"--metric {wanted!r} is not a metric of a run{hint}; metrics: "
        f"{', '.join(SUMMARY_METRICS)}, {counts}"
    )


def plan(
    scenario: str | Path,
    settings: Sequence[str] = (),
    replications: int = 1,
    seed: int | None = None,
) -> tuple[Path, list[RunTask]]:
    """The scenario's path and the sweep's tasks, each point's scenario checked (see above)."""
    from simtel.scenario import parse_scenario
    from simtel.scenario.loader import load_scenario

    path = load_scenario(scenario).path  # a missing or invalid scenario fails here
    tasks = plan_tasks(path, [parse_setting(option) for option in settings], replications, seed)
    for task in tasks:
        if task.replication == 0:
            parse_scenario(task.scenario_text, path)  # each point, as the worker will read it
    return path, tasks


def run_sweep(
    scenario: str | Path,
    *,
    settings: Sequence[str] = (),
    replications: int = 1,
    workers: int = 2,
    scheduler: str | None = None,
    out: str | Path = "sweep",
    seed: int | None = None,
    metric: str = DEFAULT_METRIC,
    progress: Callable[[list[RunTask]], Any] | None = None,
) -> SweepResult:
    """Run the sweep and write its files (see the package doc). `progress(tasks)`, when given,
    is a context manager yielding the function to call once per finished run."""
    check_metric(metric)
    path, tasks = plan(scenario, settings, replications, seed)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()  # wall time of the sweep itself, for the speed-up line only
    if progress is None:
        summaries = execute(tasks, workers=workers, scheduler=scheduler)
    else:
        with progress(tasks) as advance:
            summaries = _run(tasks, workers, scheduler, advance)
    wall = time.perf_counter() - started
    rows = [metrics_of(summary) for summary in summaries]
    points = aggregate(tasks, rows)
    chosen = main_metric(list(rows[0]) if rows else [], metric)
    result = SweepResult(folder, tasks, summaries, points, chosen, wall)
    result.files["runs"] = folder / RUNS_CSV
    write_runs(result.files["runs"], tasks, rows)
    result.files["summary"] = folder / SUMMARY_CSV
    write_summary(result.files["summary"], points)
    if chosen is not None:
        result.files["chart"] = folder / CHART_SVG
        parsed = [parse_setting(option) for option in settings]
        write_chart(result.files["chart"], points, parsed, chosen, read_mapping(path))
    return result


def _run(
    tasks: list[RunTask], workers: int, scheduler: str | None, advance: Advance | None
) -> list[dict[str, Any]]:
    return execute(tasks, workers=workers, scheduler=scheduler, advance=advance)
