"""Smoke tests of `bench/`: each benchmark at a tiny size, the JSON shape, and ratios that come
from a baseline measured in the same run."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from bench import audio, engine_rows, loadstudy, lossmodel, rest
from bench.__main__ import QUICK, RESULTS, markdown, merged, run, table
from bench.common import Row, alternate
from bench.engine_rows import EngineSizes, fitting, measure
from simtel.sweep.stats import erlang_b

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
    "median_ratio",
    "tolerance",
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
    bare = measure("bare", 200)
    simtel = measure("simtel", 50)
    assert bare["calls"] == 200 and bare["recordings"] == 200
    assert simtel["calls"] == 50 and simtel["recordings"] == 50
    assert simtel["events"] > 50 and simtel["peak_rss_mb"] > 0


def test_record_and_blocked_paths_do_what_they_say() -> None:
    recorded = measure("simtel", 20, path="record")
    assert recorded["recordings"] == 20
    blocked = measure("simtel", 20, path="blocked")
    # only the call holding the trunk's one channel is carried (and recorded)
    assert blocked["recordings"] == 1 and blocked["events"] < 20 * 5
    assert measure("bare-blocked", 20)["calls"] == 20


def test_engine_rows_alternate_rounds_and_report_min_and_median() -> None:
    order: list[str] = []

    def side(name: str, seconds: float) -> dict[str, object]:
        order.append(name)
        return {"calls": 10, "seconds": seconds, "rate": 10 / seconds, "peak_rss_mb": 50.0,
                "events": 40}  # fmt: skip

    times = iter([1.0, 2.0, 3.0, 4.0, 2.0, 8.0])
    bare, simtel = alternate(lambda: side("bare", next(times)), lambda: side("simtel", next(times)))
    assert order == ["bare", "simtel"] * 3
    row = engine_rows.throughput_row("x", simtel, bare, target=0.5)
    assert row.simtel == pytest.approx(10 / 2.0) and row.baseline == pytest.approx(10 / 1.0)
    assert row.median_ratio == pytest.approx((10 / 4.0) / (10 / 2.0))
    assert "min 2 / median 4 s" in row.notes


def test_the_bare_model_runs_ten_times_the_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bare run of simtel's size lasts a fraction of a second, too short to time steadily:
    it runs `BARE_SCALE` times the calls, and each side's rate is per call of its own."""
    asked: list[tuple[str, int]] = []

    def fake(kind: str, calls: int, path: str = "twiml", db: bool = False) -> dict[str, object]:
        asked.append((kind, calls))
        seconds = calls / (1000.0 if kind == "bare" else 50.0)
        return {"calls": calls, "seconds": seconds, "rate": calls / seconds,
                "peak_rss_mb": 50.0, "events": 40}  # fmt: skip

    monkeypatch.setattr(engine_rows, "measure", fake)
    row = engine_rows.compare("x", 100, "trunk", target=0.05, rounds=1)
    assert asked == [("bare", 100 * engine_rows.BARE_SCALE), ("simtel", 100)]
    assert row.simtel == pytest.approx(50.0) and row.baseline == pytest.approx(1000.0)
    assert row.ratio == pytest.approx(0.05) and "bare (1,000 calls)" in row.notes


def test_quick_memory_row_is_measured_not_extrapolated() -> None:
    sizes = EngineSizes(
        (), 0, 0, 0, 200, budget_s=10.0, rounds=1, per_call=(0, 0), per_call_db=(0, 0)
    )
    (row,) = engine_rows.engine_rows(sizes)
    assert "1M" not in row.benchmark and row.target is None
    assert row.simtel == pytest.approx(row.extra["large_run"]["peak_rss_mb"])


def test_the_per_call_memory_row_is_there_whatever_the_throughput_sizes() -> None:
    # a second TwiML size shrunk below the first (a slow machine) used to drop the row
    sizes = EngineSizes(
        (), 0, 0, 0, 0, budget_s=1.0, rounds=1, per_call=(30, 120), per_call_db=(40, 100)
    )
    kept, lean = engine_rows.engine_rows(sizes)
    assert kept.benchmark.startswith("engine memory per call, store in memory")
    assert kept.target is None  # what tests keep is measured, not held to the target
    assert lean.benchmark == "engine memory per call, db in file (default retention)"
    assert lean.unit == "KiB/call" and lean.goal == "max" and lean.target == 5.0
    for row, (few, many) in ((kept, (30, 120)), (lean, (40, 100))):
        small, large = row.extra["small_run"], row.extra["large_run"]
        assert (small["calls"], large["calls"]) == (few, many)
        growth = (large["peak_rss_mb"] - small["peak_rss_mb"]) * 1024.0 / (many - few)
        assert row.simtel == pytest.approx(growth)


def test_the_load_memory_row_measures_one_simtel_run_of_contact_centre() -> None:
    row = loadstudy.memory_row(150)
    run = row.extra["simtel_run"]
    assert row.simtel == run["peak_rss_mb"] > 0 and row.baseline > 0
    assert 100 < run["summary"]["calls_offered"] < 200  # Poisson around 150
    assert run["summary"]["scenario"] == "contact-centre"
    assert row.target is None and "not extrapolated" in row.notes  # targets start at 1M


def test_fitting_picks_the_largest_round_size_in_budget() -> None:
    assert fitting(10_000, rate=500.0, budget_s=60.0) == 10_000
    assert fitting(100_000, rate=500.0, budget_s=60.0) == 20_000
    assert fitting(1_000_000, rate=400.0, budget_s=300.0) == 100_000


def test_audio_rows_at_a_tiny_size() -> None:
    rows = audio.audio_rows(render_seconds=20.0, mp3_seconds=5.0)
    assert [r.unit for r in rows[:2]] == ["x real time", "x real time"]
    assert all(r.simtel > 0 and r.baseline > 0 for r in rows)


def test_mp3_row_compares_with_lame_called_directly() -> None:
    pytest.importorskip("lameenc")
    row = audio.mp3_row(5.0)
    assert row.unit == "x real time" and row.simtel > 0 and row.baseline > 0
    assert "LAME called directly" in row.notes


def test_load_study_rows_agree_with_erlang_b() -> None:
    case = loadstudy.Case("saturated", 20.0, 30.0)
    wall, blocking = loadstudy.case_rows(case, rounds=1)
    assert wall.simtel > 0 and wall.baseline > 0 and wall.goal == "max"
    assert blocking.baseline == pytest.approx(erlang_b(100, 20.0 * 181.0))
    # 30 s of 20 calls/s: the first 100 calls fill the trunk, nearly all later ones are blocked
    assert 0.8 < blocking.simtel <= 1.0 and blocking.tolerance is not None


def test_loss_model_blocks_as_erlang_b_says() -> None:
    arrived, blocked = lossmodel.simulate(2.0, 20_000.0, 10, 4.0, 0.0, seed=3)
    batches = loadstudy.blocking_batches(arrived, blocked, 20_000.0)
    assert len(batches) == loadstudy.BATCHES
    assert sum(batches) / len(batches) == pytest.approx(erlang_b(10, 8.0), abs=0.02)


def test_agreement_rows_check_the_baseline_inside_the_tolerance() -> None:
    inside = Row("b", simtel=0.03, baseline=0.027, unit="P", target=None, tolerance=0.004)
    outside = Row("b", simtel=0.03, baseline=0.02, unit="P", target=None, tolerance=0.004)
    assert inside.met is True and outside.met is False


def test_rest_and_webhook_rows_at_a_tiny_size() -> None:
    rows = rest.rest_rows(calls=3, requests=5)
    assert [r.unit for r in rows] == ["req/s", "req/s"]
    webhook = rest.webhook_row(deliveries=20)
    for row in (*rows, webhook):
        assert row.simtel > 0 and row.baseline > 0
        assert row.ratio == pytest.approx(row.simtel / row.baseline)


def test_quick_run_never_writes_the_committed_results(tmp_path: Path) -> None:
    before = RESULTS.read_bytes()
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "audio", "--out", str(RESULTS)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and "never writes" in done.stderr
    assert RESULTS.read_bytes() == before


def test_quick_run_json_shape(tmp_path: Path) -> None:
    results = run(("audio",), quick=True, console=_quiet())
    text = json.dumps(results)
    loaded = json.loads(text)
    assert {"machine", "mode", "sizes", "suite_seconds", "total_seconds", "rows"} <= set(loaded)
    assert loaded["machine"]["cores"] >= 1 and loaded["machine"]["python"].startswith("3.")
    assert loaded["sizes"]["audio_render_s"] == QUICK.audio_render_s
    for row in loaded["rows"]:
        assert row["suite"] == "audio"
        assert set(row) - {"suite"} <= ROW_KEYS and ROW_KEYS - set(row) <= {"median_ratio"}
        assert math.isclose(row["ratio"], row["simtel"] / row["baseline"])
    assert table(results).row_count == len(loaded["rows"])


def _quiet() -> Console:
    return Console(quiet=True)


def test_a_run_of_some_suites_replaces_only_their_rows() -> None:
    def results(rows: list[dict[str, object]], seconds: dict[str, float]) -> dict[str, object]:
        return {"mode": "full", "measured": dict.fromkeys(seconds, "d"), "suite_seconds": seconds,
                "total_seconds": 0.0, "rows": rows}  # fmt: skip

    previous = results(
        [{"benchmark": "engine twiml dial 10 calls", "simtel": 1.0},
         {"benchmark": "render 60 min dual", "simtel": 2.0},
         {"benchmark": "webhook delivery in process (ASGI)", "simtel": 3.0}],
        {"engine": 10.0, "audio": 5.0, "rest": 1.0},
    )  # fmt: skip
    fresh = results([{"suite": "engine", "benchmark": "engine x", "simtel": 9.0}], {"engine": 4})
    out = merged(previous, fresh)
    assert [(r["suite"], r["simtel"]) for r in out["rows"]] == [
        ("engine", 9.0),
        ("audio", 2.0),
        ("rest", 3.0),
    ]
    assert out["suite_seconds"] == {"engine": 4, "audio": 5.0, "rest": 1.0}
    assert out["total_seconds"] == 10.0


def test_markdown_table_has_a_line_per_row() -> None:
    row = Row("x", simtel=2.0, baseline=4.0, unit="calls/s", target=0.5, median_ratio=0.4)
    text = markdown({"rows": [row.as_json()]})
    assert text.splitlines()[2] == "| x | 2 | 4 | calls/s | 0.5 (0.4) | ratio >= 0.5 | yes |"


def test_a_child_peak_rss_is_its_own_not_the_benchmark_parents() -> None:
    ballast = bytearray(256 * 2**20)  # the parent grows well past a bare interpreter
    ballast[:: 2**12] = b"x" * len(ballast[:: 2**12])
    _, small = loadstudy.child_usage([sys.executable, "-c", "pass"])
    grow = "b = bytearray(160 * 2**20); b[::4096] = b'x' * len(b[::4096])"
    _, large = loadstudy.child_usage([sys.executable, "-c", grow])
    assert small < 64 and 160 < large < 160 + 64
    with pytest.raises(RuntimeError, match="failed"):
        loadstudy.child_usage([sys.executable, "-c", "raise SystemExit(3)"])
    del ballast


def test_peak_rss_mb_in_a_child_is_the_childs_own_peak() -> None:
    ballast = bytearray(256 * 2**20)  # a benchmark parent that has grown before starting a child
    ballast[:: 2**12] = b"x" * len(ballast[:: 2**12])
    script = (
        "from bench.common import peak_rss_mb; b = bytearray(96 * 2**20); "
        "b[::4096] = b'x' * len(b[::4096]); print(peak_rss_mb())"
    )
    root = str(Path(__file__).resolve().parent.parent)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=root
    )
    assert 96 < float(done.stdout) < 96 + 80
    del ballast
