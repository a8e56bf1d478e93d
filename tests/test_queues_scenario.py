"""Scenario `queues:` and `agents:`: staffing, patience, the queue metrics of the summary, and
file:line errors for what the format refuses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from simtel.cli import main
from simtel.errors import ScenarioError
from simtel.events import EventKind
from simtel.scenario import build, load_scenario, summarise
from simtel.sweep.plan import SweepError
from simtel.sweep.study import check_metric

HEAD = """\
# a queue
name: q
seed: 3
duration: 20m
numbers:
  "+15551000":
    twiml: "<Response><Enqueue>support</Enqueue></Response>"
queues:
  - name: support
    service_level: 20
"""


def traffic(rate: float = 120, extra: str = "") -> str:
    return (
        "traffic:\n"
        '  - target: "+15551000"\n'
        "    queue: support\n"
        f"    arrivals: {{kind: poisson, rate_per_hour: {rate}}}\n"
        "    holding: {exponential: 120}\n"
        "    talk: silent\n" + extra
    )


def run_text(tmp_path: Path, text: str) -> dict[str, Any]:
    path = tmp_path / "q.yaml"
    path.write_text(text, encoding="utf-8")
    run = build(load_scenario(path))
    try:
        run.run()
        summary = summarise(run)
        summary["_logins"] = [
            e.t
            for e in run.sim.events
            if e.kind == EventKind.CALL_CREATED and e.fields.get("from", "").startswith("client:")
        ]
        return summary
    finally:
        run.sim.close()


def error_of(tmp_path: Path, text: str) -> str:
    path = tmp_path / "q.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        build(load_scenario(path)).sim.close()
    return str(caught.value)


def test_without_agents_everyone_waits_then_abandons(tmp_path: Path) -> None:
    text = HEAD + traffic(extra="    patience: {fixed: 30}\n")
    queue = run_text(tmp_path, text)["queues"]["support"]
    assert queue["offered"] > 20
    assert queue["answered"] == 0 and queue["abandoned"] == queue["offered"]
    assert queue["abandonment_rate"] == 1.0 and queue["service_level"] == 0.0
    assert queue["mean_queue_seconds"] == pytest.approx(30.0)
    assert queue["p90_queue_seconds"] == pytest.approx(30.0)


def test_plenty_of_agents_answer_everyone_at_once(tmp_path: Path) -> None:
    text = HEAD + "agents:\n  - queue: support\n    count: 30\n" + traffic()
    summary = run_text(tmp_path, text)
    queue = summary["queues"]["support"]
    assert queue["answered"] == queue["offered"] > 20
    assert queue["asa_seconds"] == 0.0 and queue["service_level"] == 1.0
    assert queue["max_queue_length"] == 1  # each caller is taken at the instant it arrives
    assert 0 < summary["agents"]["agents-1"]["agent_occupancy"] < 0.2
    assert summary["calls_offered"] == queue["offered"]  # agents' legs are not offered calls


def test_answer_delay_counts_in_the_speed_of_answer(tmp_path: Path) -> None:
    text = HEAD + "agents:\n  - queue: support\n    count: 30\n    answer_after: 3\n" + traffic()
    queue = run_text(tmp_path, text)["queues"]["support"]
    assert queue["asa_seconds"] == pytest.approx(3.0)


def test_shifts_log_agents_in_and_out(tmp_path: Path) -> None:
    shifts = (
        "agents:\n  - queue: support\n    shifts:\n"
        "      - {start: 0, end: 10m, count: 2}\n      - {start: 5m, end: 20m, count: 1}\n"
    )
    summary = run_text(tmp_path, HEAD + shifts + traffic(rate=10))
    assert summary["_logins"] == [0.0, 0.0, 300.0]
    assert summary["agents"]["agents-1"]["logins"] == 3


def test_queue_metrics_are_sweep_metrics() -> None:
    assert check_metric("queues.support.service_level") == "queues.support.service_level"
    with pytest.raises(SweepError):
        check_metric("queues.support")


@pytest.mark.parametrize(
    ("extra", "line", "words"),
    [
        ("agents:\n  - queue: suport\n    count: 2\n", 12, "did you mean 'support'?"),
        ("agents:\n  - queue: support\n    count: 2\n    staffing: [1]\n", 14, "exactly one of"),
        ("agents:\n  - queue: support\n    staffing: [1, 2]\n", 13, "24 hourly counts"),
        (
            "agents:\n  - queue: support\n    count: 2\n    wrap_upp: 3\n",
            14,
            "did you mean 'wrap_up'?",
        ),
        (
            "agents:\n  - queue: support\n    shifts: [{start: 1h, end: 30m, count: 2}]\n",
            13,
            "must end after it starts",
        ),
    ],
)
def test_agent_errors_name_the_file_and_line(
    tmp_path: Path, extra: str, line: int, words: str
) -> None:
    message = error_of(tmp_path, HEAD + extra)
    assert f"q.yaml:{line}:" in message and words in message


def test_traffic_errors(tmp_path: Path) -> None:
    message = error_of(tmp_path, HEAD + traffic().replace("queue: support", "queue: sales"))
    assert "no queue named 'sales'" in message
    no_queue = traffic().replace("    queue: support\n", "    patience: {fixed: 3}\n")
    assert "patience applies to 'queue' callers only" in error_of(tmp_path, HEAD + no_queue)


def test_simtel_run_prints_and_reports_the_queue_metrics(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text(HEAD + "agents:\n  - queue: support\n    count: 2\n" + traffic(), "utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "queue support: service level" in result.output
    assert "agents agents-1: occupancy" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["queues"]["support"]["offered"] > 0
    page = (out / "report.html").read_text()
    assert 'id="queues"' in page and "service level within 20 s" in page
    assert "Queue support: callers waiting" in page
