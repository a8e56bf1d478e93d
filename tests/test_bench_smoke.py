"""Smoke tests of `bench/`: each benchmark at a tiny size, the JSON shape, and ratios that come
from a baseline measured in the same run."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from rich.console import Console

from bench import audio, engine, rest
from bench.__main__ import QUICK, run, table
from bench.common import Row
from bench.engine import fitting

ROW_KEYS = {
    "benchmark",
    "simtel",
    "baseline",
    "unit",
    "ratio",
    "target",
    "target_text",
    "goal",
    "absolute",
    "met",
    "notes",
    "extra",
}


def test_row_ratio_and_goal() -> None:
    faster = Row("x", simtel=30.0, baseline=100.0, unit="calls/s", target=0.33)
    assert faster.ratio == pytest.approx(0.3)
    assert faster.met is False
    cheaper = Row("mp3", simtel=1.05, baseline=1.0, unit="s", target=1.1, goal="max")
    assert cheaper.met is True
    absolute = Row(
        "rss", simtel=600.0, baseline=20.0, unit="MB", target=500.0, goal="max", absolute=True
    )
    assert absolute.met is False and absolute.target_text == "simtel MB <= 500"
    assert Row("none", 1.0, 0.0, "s", None).as_json()["ratio"] is None


def test_engine_children_measure_both_sides() -> None:
    bare = engine.measure("bare", 200)
    simtel = engine.measure("simtel", 50)
    assert bare["calls"] == 200 and bare["recordings"] == 200
    assert simtel["calls"] == 50 and simtel["recordings"] == 50
    assert simtel["events"] > 50 and simtel["peak_rss_mb"] > 0
    row = engine._throughput_row("engine", simtel, bare)
    assert row.ratio == pytest.approx(simtel["rate"] / bare["rate"])


def test_fitting_picks_the_largest_round_size_in_budget() -> None:
    assert fitting(10_000, rate=500.0, budget_s=60.0) == 10_000
    assert fitting(100_000, rate=500.0, budget_s=60.0) == 20_000
    assert fitting(1_000_000, rate=400.0, budget_s=300.0) == 100_000


def test_audio_rows_at_a_tiny_size() -> None:
    rows = audio.audio_rows(render_seconds=20.0, mp3_seconds=5.0)
    assert [r.unit for r in rows] == ["x real time", "x real time", "s"]
    assert all(r.simtel > 0 and r.baseline > 0 for r in rows)
    assert rows[2].goal == "max" and rows[2].target == audio.TARGET_MP3


def test_rest_and_webhook_rows_at_a_tiny_size() -> None:
    rows = rest.rest_rows(calls=3, requests=5)
    assert [r.unit for r in rows] == ["req/s", "req/s"]
    webhook = rest.webhook_row(deliveries=20)
    for row in (*rows, webhook):
        assert row.simtel > 0 and row.baseline > 0
        assert row.ratio == pytest.approx(row.simtel / row.baseline)


def test_quick_run_json_shape(tmp_path: Path) -> None:
    results = run(("audio",), quick=True, console=_quiet())
    text = json.dumps(results)
    loaded = json.loads(text)
    assert {"machine", "mode", "sizes", "suite_seconds", "total_seconds", "rows"} <= set(loaded)
    assert loaded["machine"]["cores"] >= 1 and loaded["machine"]["python"].startswith("3.")
    assert loaded["sizes"]["audio_render_s"] == QUICK.audio_render_s
    for row in loaded["rows"]:
        assert set(row) == ROW_KEYS
        assert math.isclose(row["ratio"], row["simtel"] / row["baseline"])
    assert table(results).row_count == len(loaded["rows"])


def _quiet() -> Console:
    return Console(quiet=True)
