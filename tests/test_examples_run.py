"""The runnable examples run: each as its own process, as a user would start it."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
TIMEOUT = 60


def run(*arguments: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    result = subprocess.run(
        [sys.executable, *arguments],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_the_voicemail_app_tests_pass_under_pytest() -> None:
    result = run("-m", "pytest", "-p", "no:cacheprovider", str(EXAMPLES / "test_voicemail_app.py"))
    assert "2 passed" in result.stdout


def test_the_voicemail_app_served_over_http() -> None:
    out = run(str(EXAMPLES / "serve_voicemail.py")).stdout
    assert "placed CA" in out and "simulated clock now at t=120 s" in out
    [listed] = [line for line in out.splitlines() if line.startswith("recording RE")]
    assert "status=completed" in listed and "source=RecordVerb" in listed
    assert "callbacks in-progress, completed" in out


def test_the_capacity_study(tmp_path: Path) -> None:
    arguments = ["--workers", "0", "--replications", "2", "--out", str(tmp_path)]
    out = run(str(EXAMPLES / "capacity_study.py"), *arguments).stdout
    assert "14 runs in" in out
    table = [row for row in map(str.split, out.splitlines()) if len(row) == 4 and ".." in row[2]]
    channels = [int(row[0]) for row in table]
    assert channels == [3, 4, 5, 6, 7, 8, 9]
    blocking = [float(row[1]) for row in table]
    assert blocking[0] > blocking[-1]  # more channels, less blocking
    assert "keep blocking below" in out
    with (tmp_path / "runs.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == 14
    assert (tmp_path / "chart.svg").read_text().startswith("<?xml")


def test_the_teaching_trace(tmp_path: Path) -> None:
    out = run(str(EXAMPLES / "teaching_trace.py"), "--out", str(tmp_path)).stdout
    assert "<Dial> record=record-from-ringing-dual" in out
    assert "recording starts: source DialVerb, dual" in out
    assert "recording -> completed" in out
    assert (
        "channel 1: ringback level 0.000 while ringing, then a voice at 220 Hz (the caller)" in out
    )
    channel_2 = next(line for line in out.splitlines() if "channel 2:" in line)
    assert "(the agent)" in channel_2 and "ringback level 0.000" not in channel_2
    assert len(list(tmp_path.glob("RE*.wav"))) == 1
