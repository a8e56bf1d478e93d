"""The report's queue section: each queue's metrics and its length over time (from the run's
summary, `simtel.scenario.queue_metrics`), and the agent pools' occupancy."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from simtel.report.charts import Series, xy_chart
from simtel.report.svg import Element
from simtel.scenario.queue_metrics import LENGTH_STEP

#: the metrics shown per queue, with their labels
QUEUE_ROWS = (
    ("offered", "offered"),
    ("answered", "answered"),
    ("abandoned", "abandoned"),
    ("refused", "refused (queue full)"),
    ("abandonment_rate", "abandonment rate"),
    ("asa_seconds", "average speed of answer (s)"),
    ("service_level", "service level"),
    ("mean_queue_seconds", "mean time in queue (s)"),
    ("p90_queue_seconds", "90th percentile time in queue (s)"),
    ("mean_queue_length", "mean queue length"),
    ("max_queue_length", "longest queue"),
)
Table = Callable[[Element, tuple[str, ...], list[tuple[str, object]]], Element]


def queue_section(section: Element, summary: Mapping[str, Any], table: Table) -> None:
    """Fill `section` with a table per queue, its length chart, and the pools' occupancy."""
    for name, metrics in summary.get("queues", {}).items():
        level = float(metrics.get("service_level_seconds", 0.0))
        rows: list[tuple[str, object]] = [
            (f"{label} within {level:g} s" if key == "service_level" else label, metrics[key])
            for key, label in QUEUE_ROWS
            if key in metrics
        ]
        table(section, (f"queue {name}", "value"), rows).set("class", "queue")
        lengths = metrics.get("queue_length") or []
        if lengths:
            times = [LENGTH_STEP * (i + 1) for i in range(len(lengths))]
            section.append(
                xy_chart(
                    [Series("callers waiting", times, [float(n) for n in lengths], kind="step")],
                    title=f"Queue {name}: callers waiting (every {LENGTH_STEP:g} s)",
                    x_label="simulated time (s)",
                    y_label="callers",
                    class_="chart queue-length",
                )
            )
    pools = summary.get("agents", {})
    if pools:
        rows = [
            (f"{name} ({pool['queue']})", pool["agent_occupancy"]) for name, pool in pools.items()
        ]
        table(section, ("agent pool", "occupancy"), rows).set("class", "agents")
