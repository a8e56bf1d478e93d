"""A sweep's results on disk: `runs.csv`, `summary.csv` and the chart `blocking.svg`.

* `runs.csv`: one row per run: `point`, one column per swept key, `replication`, `seed`, then
  every numeric metric of the run's summary (nested keys joined with dots; booleans as 0/1).
* `summary.csv`: one row per parameter point and metric: the swept keys, `metric`, `n`, `mean`,
  `stdev`, `ci95_low`, `ci95_high`, `ci95_half_width` (Student t, see `simtel.sweep.stats`;
  empty with a single replication; a probability such as `blocking_probability` has the Wilson
  interval of its counts instead, which stays within [0, 1], and `half_width` its wider side).
* the chart: the main metric against the first swept key (one series per combination of the
  other keys), with 95 % error bars, and the Erlang B curve where `simtel.sweep.erlang` says it
  applies.
"""

from __future__ import annotations

import csv
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simtel.report.charts import Series, xy_chart
from simtel.report.svg import PALETTE, standalone
from simtel.sweep.erlang import erlang_inputs
from simtel.sweep.plan import RunTask, Setting, Value, apply
from simtel.sweep.stats import Interval, erlang_b, mean_ci, proportion_ci

CURVE_SAMPLES = 60
#: probabilities and the counts they are the ratio of (successes, trials)
PROPORTIONS = {"blocking_probability": ("calls_blocked", "calls_offered")}
NOT_METRICS = frozenset({"seed"})


@dataclass(frozen=True, slots=True)
class PointSummary:
    point: int
    params: tuple[tuple[str, Value], ...]
    metrics: dict[str, Interval]


def metrics_of(summary: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """The numeric leaves of a run summary, by dotted key (integers stay integers; the run's
    `seed`, already a column of its own, is not a metric)."""
    flat: dict[str, float] = {}
    for key, value in summary.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(metrics_of(value, f"{name}."))
        elif name in NOT_METRICS:
            continue
        elif isinstance(value, bool):
            flat[name] = int(value)
        elif isinstance(value, int | float):
            flat[name] = value
    return flat


def metric_names(rows: Sequence[Mapping[str, float]]) -> list[str]:
    """Every metric name, in order of first appearance."""
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    return list(names)


def write_runs(
    path: Path, tasks: Sequence[RunTask], results: Sequence[Mapping[str, float]]
) -> None:
    keys = [key for key, _ in tasks[0].params] if tasks else []
    metrics = metric_names(results)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["point", *keys, "replication", "seed", *metrics])
        for task, row in zip(tasks, results, strict=True):
            values = [value for _, value in task.params]
            writer.writerow(
                [task.point, *values, task.replication, task.seed]
                + [_cell(row.get(name)) for name in metrics]
            )


def aggregate(
    tasks: Sequence[RunTask], results: Sequence[Mapping[str, float]]
) -> list[PointSummary]:
    """Mean and confidence interval of each metric at each parameter point."""
    grouped: dict[int, list[tuple[RunTask, Mapping[str, float]]]] = {}
    for task, row in zip(tasks, results, strict=True):
        grouped.setdefault(task.point, []).append((task, row))
    names = metric_names(results)
    summaries: list[PointSummary] = []
    for point, members in sorted(grouped.items()):
        intervals: dict[str, Interval] = {}
        for name in names:
            values = [row[name] for _, row in members if name in row]
            if values:
                intervals[name] = _interval(name, [row for _, row in members], values)
        summaries.append(PointSummary(point, members[0][0].params, intervals))
    return summaries


def _interval(name: str, rows: list[Mapping[str, float]], values: list[float]) -> Interval:
    """A proportion (`PROPORTIONS`) gets its Wilson interval from the runs' counts; any other
    metric the Student-t interval of its values."""
    counts = PROPORTIONS.get(name)
    if counts is not None and all(counts[0] in row and counts[1] in row for row in rows):
        trials = [int(row[counts[1]]) for row in rows]
        if sum(trials) > 0:
            return proportion_ci([int(row[counts[0]]) for row in rows], trials)
    return mean_ci(values)


def write_summary(path: Path, points: Sequence[PointSummary]) -> None:
    keys = [key for key, _ in points[0].params] if points else []
    header = ["point", *keys, "metric", "n", "mean", "stdev", "ci95_low", "ci95_high"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*header, "ci95_half_width"])
        for point in points:
            values = [value for _, value in point.params]
            for name, interval in point.metrics.items():
                numbers = (interval.mean, interval.stdev, interval.low, interval.high)
                cells = [_cell(v) for v in (*numbers, interval.half_width)]
                writer.writerow([point.point, *values, name, interval.n, *cells])


def _cell(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return repr(value)


def main_metric(names: Sequence[str], wanted: str) -> str | None:
    """`wanted` when some run has it (a count by name may be absent from every run), else None."""
    return wanted if wanted in names else None


def write_chart(
    path: Path,
    points: Sequence[PointSummary],
    settings: Sequence[Setting],
    metric: str,
    scenario: Mapping[str, Any],
) -> None:
    path.write_bytes(standalone(chart(points, settings, metric, scenario)))


def chart(
    points: Sequence[PointSummary],
    settings: Sequence[Setting],
    metric: str,
    scenario: Mapping[str, Any],
) -> Any:
    x_key = settings[0].key if settings else None
    x_values: list[Value] = list(settings[0].values) if settings else [None]
    numeric = all(_is_number(v) for v in x_values)
    position = {repr(v): _position(v, i, numeric) for i, v in enumerate(x_values)}
    ticks = None if numeric else [(float(i), str(v)) for i, v in enumerate(x_values)]
    series: list[Series] = []
    groups = _series_groups(points)
    dodge = _dodge(sorted(position.values()), len(groups))
    for number, (rest, members) in enumerate(groups.items()):
        colour = PALETTE[number % len(PALETTE)]
        label = ", ".join(f"{k.split('.')[-1]}={v}" for k, v in rest) or "simulated"
        shift = (number - (len(groups) - 1) / 2) * dodge
        xs = [position[repr(p.params[0][1] if p.params else None)] + shift for p in members]
        intervals = [p.metrics.get(metric) for p in members]
        series.append(
            Series(
                label,
                xs,
                [i.mean if i else math.nan for i in intervals],
                kind="points",
                low=[i.low if i else math.nan for i in intervals],
                high=[i.high if i else math.nan for i in intervals],
                class_="observed",
                colour=colour,
            )
        )
        wanted = numeric and "blocking" in metric
        curve = _erlang_curve(scenario, rest, x_key, x_values) if wanted else None
        if curve is not None:
            name = f"Erlang B, {label}" if rest else "Erlang B"
            series.append(Series(name, *curve, class_="erlang-b", dashed=True, colour=colour))
    return xy_chart(
        series,
        title=f"{metric} by {x_key or 'scenario'} (mean and 95% CI)",
        x_label=x_key or "scenario",
        y_label=metric,
        x_ticks=ticks or ([(0.0, "scenario")] if x_key is None else None),
        class_="chart sweep",
    )


def _dodge(xs: list[float], groups: int) -> float:
    """How far apart series sharing an x are drawn, so their error bars do not overlap."""
    steps = [b - a for a, b in itertools.pairwise(xs) if b > a]
    return 0.0 if groups < 2 or not steps else min(steps) * 0.12 / (groups - 1)


def _series_groups(
    points: Sequence[PointSummary],
) -> dict[tuple[tuple[str, Value], ...], list[PointSummary]]:
    groups: dict[tuple[tuple[str, Value], ...], list[PointSummary]] = {}
    for point in points:
        groups.setdefault(point.params[1:], []).append(point)
    return groups


def _erlang_curve(
    scenario: Mapping[str, Any],
    rest: tuple[tuple[str, Value], ...],
    x_key: str | None,
    x_values: list[Value],
) -> tuple[list[float], list[float]] | None:
    """Erlang B across the x range, or None when it does not apply at some point of it."""
    if x_key is None:
        return None
    numbers = [float(v) for v in x_values if isinstance(v, int | float)]
    lo, hi = min(numbers), max(numbers)
    integral = all(isinstance(v, int) for v in x_values)
    if integral and hi - lo <= 400:
        samples: list[Value] = list(range(int(lo), int(hi) + 1))
    else:
        samples = [lo + (hi - lo) * i / (CURVE_SAMPLES - 1) for i in range(CURVE_SAMPLES)]
    xs, ys = [], []
    for value in samples:
        inputs = erlang_inputs(apply(dict(scenario), ((x_key, value), *rest)))
        if inputs is None:
            return None
        xs.append(float(value or 0))
        ys.append(erlang_b(inputs.capacity, inputs.offered_erlangs))
    return xs, ys


def _position(value: Value, index: int, numeric: bool) -> float:
    if numeric and isinstance(value, int | float):
        return float(value)
    return float(index)


def _is_number(value: Value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
