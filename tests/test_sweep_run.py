"""`simtel sweep` end to end: CSV files, their statistics, the chart, Dask against in-process."""

from __future__ import annotations

import csv
import math
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from lxml import etree

from simtel.cli import main
from simtel.sweep import run_sweep
from simtel.sweep.erlang import erlang_inputs
from simtel.sweep.execute import run_task
from simtel.sweep.plan import apply, replication_seed
from simtel.sweep.stats import mean_ci, proportion_ci
from simtel.sweep.study import plan

ROOT = Path(__file__).parents[1]

SVG = "{http://www.w3.org/2000/svg}"
TRUNK = """
name: tiny-trunk
seed: 21
duration: 10m
render: none
trunks:
  - {name: pbx, capacity: 2}
traffic:
  - name: callers
    target: pbx
    direction: inbound
    arrivals: {kind: poisson, rate_per_hour: 240}
    holding: {exponential: 40}
    talk: silent
"""
T_975_DF2 = 4.302653  # Student t, 97.5 % quantile, 2 degrees of freedom (printed tables)
SETTINGS = ["trunks.0.capacity=1,2", "traffic.0.arrivals.rate_per_hour=120,240"]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "trunk.yaml"
    path.write_text(TRUNK)
    return path


@pytest.fixture(scope="module")
def swept(scenario: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sweep")
    run_sweep(scenario, settings=SETTINGS, replications=3, workers=0, out=out)
    return out


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_runs_csv_has_one_row_per_run_in_cartesian_order(swept: Path) -> None:
    runs = rows(swept / "runs.csv")
    header = list(runs[0])
    assert header[:5] == [
        "point",
        "trunks.0.capacity",
        "traffic.0.arrivals.rate_per_hour",
        "replication",
        "seed",
    ]
    assert {"blocking_probability", "calls_offered", "recording_minutes"} <= set(header)
    combos = [(r["trunks.0.capacity"], r["traffic.0.arrivals.rate_per_hour"]) for r in runs]
    assert combos == [(c, q) for c in ("1", "2") for q in ("120", "240") for _ in range(3)]
    assert [int(r["seed"]) for r in runs[:3]] == [replication_seed(21, r) for r in range(3)]
    for run in runs:
        blocked, offered = int(run["calls_blocked"]), int(run["calls_offered"])
        assert float(run["blocking_probability"]) == pytest.approx(blocked / offered, abs=1e-6)


def test_summary_csv_is_the_mean_and_student_t_interval_of_the_runs(swept: Path) -> None:
    runs = rows(swept / "runs.csv")
    summary = [r for r in rows(swept / "summary.csv") if r["metric"] == "calls_completed"]
    assert len(summary) == 4
    for point in summary:
        values = [float(r["calls_completed"]) for r in runs if r["point"] == point["point"]]
        mean = sum(values) / 3
        stdev = math.sqrt(sum((v - mean) ** 2 for v in values) / 2)
        half = T_975_DF2 * stdev / math.sqrt(3)
        assert int(point["n"]) == 3
        assert float(point["mean"]) == pytest.approx(mean)
        assert float(point["stdev"]) == pytest.approx(stdev)
        assert float(point["ci95_low"]) == pytest.approx(mean - half, abs=1e-6)
        assert float(point["ci95_high"]) == pytest.approx(mean + half, abs=1e-6)


def test_a_probability_has_a_wilson_interval_within_0_and_1(swept: Path) -> None:
    runs = rows(swept / "runs.csv")
    summary = [r for r in rows(swept / "summary.csv") if r["metric"] == "blocking_probability"]
    assert len(summary) == 4
    for point in summary:
        mine = [r for r in runs if r["point"] == point["point"]]
        blocked = sum(int(r["calls_blocked"]) for r in mine)
        offered = sum(int(r["calls_offered"]) for r in mine)
        mean, low, high = (float(point[k]) for k in ("mean", "ci95_low", "ci95_high"))
        assert mean == pytest.approx(blocked / offered)  # pooled over the runs
        assert 0.0 <= low <= mean <= high <= 1.0
    by_capacity = {p["trunks.0.capacity"]: float(p["mean"]) for p in summary}
    assert by_capacity["1"] > by_capacity["2"]  # one channel blocks more than two


def test_wilson_stays_positive_where_student_t_goes_negative() -> None:
    # three runs blocking 0, 3 and 1 calls of about 40: Student t reaches below zero
    student = mean_ci([0 / 40, 3 / 45, 1 / 38])
    assert student.low < 0
    wilson = proportion_ci([0, 3, 1], [40, 45, 38])
    assert wilson.mean == pytest.approx(4 / 123)
    assert 0 < wilson.low < wilson.mean < wilson.high < 1
    alone = proportion_ci([0], [40])  # one run: the binomial Wilson interval, [0, z²/(n+z²)]
    assert alone.low == pytest.approx(0, abs=1e-12)
    assert alone.high == pytest.approx(1.959964**2 / (40 + 1.959964**2))


def test_the_chart_is_svg_with_error_bars_and_erlang_b(swept: Path) -> None:
    root = etree.parse(str(swept / "chart.svg")).getroot()
    assert root.tag == f"{SVG}svg"
    groups = root.findall(f".//{SVG}g[@data-name]")
    observed = [g for g in groups if "observed" in g.get("class", "")]
    erlang = [g for g in groups if "erlang-b" in g.get("class", "")]
    assert len(observed) == len(erlang) == 2  # one series per arrival rate
    for group in observed:
        assert len(group.findall(f"{SVG}circle")) == 2  # capacity 1 and 2
        assert len(group.findall(f"{SVG}path[@class='errorbar']")) == 2
    for group in erlang:
        line = group.find(f"{SVG}path[@class='line']")
        assert line is not None and str(line.get("d")).startswith("M")


def test_dask_and_in_process_give_the_same_runs(scenario: Path, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    settings = ["trunks.0.capacity=1,2"]
    local = run_sweep(scenario, settings=settings, replications=2, workers=0, out=tmp_path / "a")
    dask = run_sweep(scenario, settings=settings, replications=2, workers=2, out=tmp_path / "b")
    assert dask.summaries == local.summaries
    assert len({s["seed"] for s in dask.summaries}) == 2
    assert (tmp_path / "b" / "runs.csv").read_bytes() == (tmp_path / "a" / "runs.csv").read_bytes()


def test_the_command_line(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli"
    arguments = ["sweep", str(scenario), "-n", "2", "--set", "trunks.0.capacity=1,2"]
    result = CliRunner().invoke(main, [*arguments, "--workers", "0", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "4 runs in" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["chart.svg", "runs.csv", "summary.csv"]
    bad = CliRunner().invoke(main, ["sweep", str(scenario), "--set", "trunks.5.capacity=1"])
    assert bad.exit_code == 2
    assert bad.output == "simtel: --set trunks.5.capacity: index 5 but the list has 1 items\n"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--metric", "blocking_probabilty"],
            "simtel: --metric 'blocking_probabilty' is not a metric of a run (did you mean "
            "'blocking_probability'?); metrics: blocking_probability, calls_offered,",
        ),
        (
            ["--set", "trunks.0.capacity=abc"],
            "trunk.yaml:7: key 'trunks[0].capacity': expected an integer, got 'abc'",
        ),
        (["--scheduler", "localhost:8786"], "simtel: --scheduler 'localhost:8786' must be"),
    ],
)
def test_sweep_mistakes_are_one_line_and_exit_2(
    scenario: Path, tmp_path: Path, arguments: list[str], message: str
) -> None:
    result = CliRunner().invoke(
        main, ["sweep", str(scenario), "--workers", "0", "--out", str(tmp_path), *arguments]
    )
    assert result.exit_code == 2, result.output
    assert len(result.output.splitlines()) == 1
    assert message in result.output
    assert not (tmp_path / "runs.csv").exists()


def test_the_files_a_scenario_names_travel_with_its_tasks(tmp_path: Path) -> None:
    folder = tmp_path / "study"
    folder.mkdir()
    (folder / "greeting.xml").write_text("<Response><Say>Hello</Say><Hangup/></Response>")
    (folder / "study.yaml").write_text(
        "seed: 3\nnumbers:\n  '+15550100': {twiml_file: greeting.xml}\n"
        "calls:\n  - {at: 0, to: '+15550100', from: '+15557000'}\n"
    )
    _, tasks = plan(folder / "study.yaml", replications=2)
    assert [name for name, _ in tasks[0].files] == ["files/0-greeting.xml"]
    shutil.rmtree(folder)  # a worker elsewhere has none of these files
    summaries = [run_task(task) for task in tasks]
    assert [s["calls_completed"] for s in summaries] == [1, 1]
    assert all(s["notifications"] == 0 for s in summaries)


def test_erlang_b_applies_to_lognormal_holding_and_a_cps_limit_that_never_bites() -> None:
    scenario = yaml.safe_load((ROOT / "scenarios" / "contact-centre.yaml").read_text())
    inputs = erlang_inputs(scenario)
    assert inputs is not None and inputs.capacity == 30
    tight = apply(scenario, [("trunks.0.cps", 1)])  # 1 call/s bites at 600 calls an hour
    assert erlang_inputs(tight) is None
