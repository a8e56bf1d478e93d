"""`simtel run`: the results folder, the summary, and errors that read as errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from simtel.cli import main

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = {
    "calls_offered",
    "calls_completed",
    "calls_blocked",
    "blocking_probability",
    "peak_concurrent_calls",
    "recordings_completed",
    "recording_minutes",
    "recording_cost_usd",
    "sim_seconds",
    "wall_seconds",
}


def test_run_writes_the_results_folder_and_prints_json(tmp_path: Path) -> None:
    out = tmp_path / "results"
    result = CliRunner().invoke(main, ["run", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert set(summary) >= REQUIRED
    assert summary["calls_offered"] == 4 and summary["recordings_completed"] == 4
    assert json.loads((out / "summary.json").read_text()) == summary
    events = (out / "events.jsonl").read_text().splitlines()
    assert json.loads(events[0])["seq"] == 0
    assert "wall" not in (out / "events.jsonl").read_text()
    wavs = sorted(path.name for path in (out / "media").glob("RE*.wav"))
    assert len(wavs) == 4 == summary["media_files"]
    assert (out / "simtel.db").stat().st_size > 0
    assert not (out / "simtel.db-wal").exists()


def test_a_second_run_into_the_same_folder_replaces_the_first(tmp_path: Path) -> None:
    out = tmp_path / "results"
    runner = CliRunner()
    first = runner.invoke(main, ["run", "--out", str(out), "--json"])
    (out / "media" / "REstale.wav").write_bytes(b"old")
    second = runner.invoke(main, ["run", "--out", str(out), "--json", "--seed", "8"])
    assert first.exit_code == second.exit_code == 0, second.output
    assert json.loads(second.stdout)["seed"] == 8
    assert not (out / "media" / "REstale.wav").exists()


def test_the_readable_summary_is_a_table(tmp_path: Path) -> None:
    out = tmp_path / "r"
    result = CliRunner().invoke(main, ["run", "voicemail", "--out", str(out), "--db-in-memory"])
    assert result.exit_code == 0, result.output
    assert "simtel run: voicemail (seed 1)" in result.output
    assert "recordings by status" in result.output and "absent 1" in result.output
    assert "report" in result.output
    assert not (out / "simtel.db").exists()


def test_a_bad_scenario_exits_2_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("seed: 1\ncalls:\n  - to: '+1555'\n    recording_chanels: dual\n")
    result = CliRunner().invoke(main, ["run", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert f"{bad}:4: key 'calls[0].recording_chanels': unknown key" in result.output
    assert "did you mean 'recording_channels'?" in result.output
    assert "Traceback" not in result.output


def test_an_unknown_scenario_name_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", "quickstrat", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "simtel: quickstrat: no such scenario file (did you mean 'quickstart'?); bundled "
        "scenarios: conference-recording, contact-centre, contact-centre-queue, dual-channel, "
        "pci-pause-resume, "
        "quickstart, record-from-ringing, six-ways, trunk-recording, voicemail"
    ]


def test_simtel_run_as_a_real_process(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "simtel.cli", "run", "--json", "--out", "out"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert set(json.loads(done.stdout)) >= REQUIRED
    assert (tmp_path / "out" / "events.jsonl").is_file()
    assert (tmp_path / "out" / "simtel.db").is_file()


def test_help_reads_well() -> None:
    runner = CliRunner()
    top = runner.invoke(main, ["--help"])
    assert top.exit_code == 0
    for command in ("run", "trace", "serve"):
        assert command in top.output
    run = runner.invoke(main, ["run", "--help"])
    assert "bundled scenario" in run.output and "six-ways" in run.output
    assert "events.jsonl" in run.output and "--db-in-memory" in run.output
    trace = runner.invoke(main, ["trace", "--help"])
    assert "answer_after=S" in trace.output and "--callee" in trace.output
    serve = runner.invoke(main, ["serve", "--help"])
    for option in ("--clock", "--speed", "--scenario", "--account-sid", "SIMTEL_AUTH_TOKEN"):
        assert option in serve.output
    assert runner.invoke(main, ["--version"]).output.startswith("simtel, version")


BROKEN = """name: broken-twiml
seed: 3
duration: 1m
numbers:
  "+15550100":
    twiml: "<Response><Say>unclosed</Response>"
  "+15550200":
    twiml: "<Response><Gather action='/next' numDigits='1'/></Response>"
calls:
  - {at: 0, from: "+15557001", to: "+15550100"}
  - {at: 1, from: "+15557002", to: "+15550200"}
"""


def test_twiml_errors_are_listed_and_exit_1_unless_allowed(tmp_path: Path) -> None:
    """The run's error notifications (read from the store's log at the end, file or memory)
    are listed on stderr, in order, with exit 1; `--allow-errors` exits 0."""
    scenario = tmp_path / "broken.yaml"
    scenario.write_text(BROKEN)
    for store in ([], ["--db-in-memory"]):
        out = tmp_path / f"out{len(store)}"
        result = CliRunner().invoke(main, ["run", str(scenario), "--out", str(out), *store])
        assert result.exit_code == 1, result.output
        lines = result.stderr.splitlines()
        assert lines[0] == "simtel: the run's TwiML produced 2 errors:"
        assert "error 12100" in lines[1] and "t=0" in lines[1]
        assert "error 11100" in lines[2] and "'/next'" in lines[2]
        summary = json.loads((out / "summary.json").read_text())
        assert summary["notifications"] == 2
    allowed = CliRunner().invoke(
        main, ["run", str(scenario), "--out", str(tmp_path / "a"), "--allow-errors"]
    )
    assert allowed.exit_code == 0
    assert "produced 2 errors" in allowed.stderr
